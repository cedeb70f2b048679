package fs

// Statfs is what statfs(2) reports about a mounted filesystem,
// independent of any ABI's struct statfs. A personality turns Type (the
// filesystem's name, as /proc/mounts shows it) into its own identifier,
// such as Linux's magic numbers.
type Statfs struct {
	Type    string // "tmpfs", "overlay", "proc", "pipefs", ...
	Bsize   int64  // optimal transfer block size
	Frsize  int64  // fragment size, the unit of the block counts
	Blocks  uint64 // total data blocks
	Bfree   uint64 // free blocks
	Bavail  uint64 // free blocks for an unprivileged user
	Files   uint64 // total inodes
	Ffree   uint64 // free inodes
	Fsid    uint64
	Namelen int64 // longest file name
	Flags   MountFlags
}

// MountFlags are a mount's options as statfs(2) and statvfs(3) report
// them (f_flags).
type MountFlags uint32

const (
	MountReadOnly MountFlags = 1 << iota
	MountNoSuid
	MountNoDev
	MountNoExec
	MountNoAtime
	MountRelAtime
)
