package linux

import (
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// statfs(2) and fstatfs(2): the VFS reports a neutral fs.Statfs for the
// mount a file is on; this file turns its type name into Linux's magic
// number and its mount flags into f_flags, and lays out struct statfs.

// fsMagic are the f_type values of <linux/magic.h>, by the filesystem
// name /proc/mounts shows. devtmpfs is a tmpfs to statfs.
var fsMagic = map[string]uint64{
	"tmpfs":        0x01021994, // TMPFS_MAGIC
	"devtmpfs":     0x01021994,
	"overlay":      0x794c7630, // OVERLAYFS_SUPER_MAGIC
	"proc":         0x9fa0,     // PROC_SUPER_MAGIC
	"sysfs":        0x62656572, // SYSFS_MAGIC
	"devpts":       0x1cd1,     // DEVPTS_SUPER_MAGIC
	"pipefs":       0x50495045, // PIPEFS_MAGIC
	"anon_inodefs": 0x09041934, // ANON_INODE_FS_MAGIC
	"sockfs":       0x534f434b, // SOCKFS_MAGIC
}

// statvfs(3)'s f_flags bits, as Linux's statfs reports them.
const (
	stRdonly   = 0x0001
	stNosuid   = 0x0002
	stNodev    = 0x0004
	stNoexec   = 0x0008
	stValid    = 0x0020 // f_flags is meaningful (always set)
	stNoatime  = 0x0400
	stRelatime = 0x1000
)

var mountFlagBits = []struct {
	f     fs.MountFlags
	linux uint64
}{
	{fs.MountReadOnly, stRdonly}, {fs.MountNoSuid, stNosuid}, {fs.MountNoDev, stNodev},
	{fs.MountNoExec, stNoexec}, {fs.MountNoAtime, stNoatime}, {fs.MountRelAtime, stRelatime},
}

// statfsSize is sizeof(struct statfs) on x86-64 (<asm-generic/statfs.h>
// with a 64-bit long): seven longs, the fsid, four more longs and four
// spare ones.
const statfsSize = 120

func copyOutStatfs(t *core.Task, addr uintptr, s fs.Statfs) error {
	var b [statfsSize]byte
	le.PutUint64(b[0:], fsMagic[s.Type])
	le.PutUint64(b[8:], uint64(s.Bsize))
	le.PutUint64(b[16:], s.Blocks)
	le.PutUint64(b[24:], s.Bfree)
	le.PutUint64(b[32:], s.Bavail)
	le.PutUint64(b[40:], s.Files)
	le.PutUint64(b[48:], s.Ffree)
	le.PutUint32(b[56:], uint32(s.Fsid))
	le.PutUint32(b[60:], uint32(s.Fsid>>32))
	le.PutUint64(b[64:], uint64(s.Namelen))
	le.PutUint64(b[72:], uint64(s.Frsize))
	flags := uint64(stValid)
	for _, m := range mountFlagBits {
		if s.Flags&m.f != 0 {
			flags |= m.linux
		}
	}
	le.PutUint64(b[80:], flags)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func statFSer(t *core.Task) (core.StatFSer, error) {
	sf, ok := t.Kernel().FS.(core.StatFSer)
	if !ok {
		return nil, kerr.ENOSYS
	}
	return sf, nil
}

func sysStatfs(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	sf, err := statFSer(t)
	if err != nil {
		return 0, err
	}
	p, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	if p == "" {
		return 0, kerr.ENOENT
	}
	start, err := startAt(t, atFDCWD, p)
	if err != nil {
		return 0, err
	}
	s, err := sf.Statfs(t.FSContext(), start, p, 0)
	if err != nil {
		return 0, err
	}
	return 0, copyOutStatfs(t, a[1], s)
}

func sysFstatfs(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	s, err := fileStatfs(t, d)
	if err != nil {
		return 0, err
	}
	return 0, copyOutStatfs(t, a[1], s)
}

// fileStatfs is the filesystem of an open file: its mount's, when it has
// a name; otherwise the internal filesystem Linux keeps such files on
// (pipefs, anon_inodefs, tmpfs for memfds, devpts for a terminal), which
// reports only its block size and name length.
func fileStatfs(t *core.Task, d *fs.FileDescription) (fs.Statfs, error) {
	if dent, _ := d.Dentry.(*vfs.Dentry); dent != nil {
		sf, err := statFSer(t)
		if err != nil {
			return fs.Statfs{}, err
		}
		return sf.Statfs(t.FSContext(), dent, "", vfs.AtEmptyPath)
	}
	s := fs.Statfs{Bsize: 4096, Namelen: vfs.NameMax}
	st, err := d.File.Stat()
	if err != nil {
		return fs.Statfs{}, err
	}
	term, _ := d.File.(fs.Terminal)
	switch {
	case st.Mode&fs.ModeTypeMask == fs.ModeFIFO:
		s.Type = "pipefs"
	case strings.HasPrefix(d.Path, "anon_inode:"):
		s.Type = "anon_inodefs"
	case strings.HasPrefix(d.Path, "/memfd:"):
		s.Type = "tmpfs"
	case term != nil && term.IsTerminal():
		s.Type = "devpts"
	}
	return s, nil
}

var statfsCalls = map[string]impl{
	"statfs":  full(sysStatfs),
	"fstatfs": full(sysFstatfs),
}
