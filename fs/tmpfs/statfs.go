package tmpfs

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"golang.org/x/sys/unix"
)

// Statfs implements vfs.StatFS. A tmpfs has no size option here, so its
// capacity is Linux's default, half of the machine's memory, in pages and
// in inodes (see tmpfs(5), "size" and "nr_inodes"); the usage is counted
// from the files reachable now.
func (f *FS) Statfs() (fs.Statfs, error) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return fs.Statfs{}, err
	}
	capacity := uint64(si.Totalram) * uint64(si.Unit) / 2 / pageSize
	f.mu.Lock()
	pages, inodes := f.root.usageLocked(map[*inode]bool{})
	f.mu.Unlock()
	free := capacity - min(pages, capacity)
	return fs.Statfs{
		Bsize: pageSize, Frsize: pageSize, Namelen: vfs.NameMax,
		Blocks: capacity, Bfree: free, Bavail: free,
		Files: capacity, Ffree: capacity - min(inodes, capacity),
		Fsid: f.dev,
	}, nil
}

// usageLocked counts the pages and inodes beneath n, each inode once
// however many links it has.
func (n *inode) usageLocked(seen map[*inode]bool) (pages, inodes uint64) {
	if seen[n] {
		return 0, 0
	}
	seen[n] = true
	pages, inodes = uint64(n.data.Pages()), 1
	if n.dir != nil {
		for _, e := range n.dir.entries {
			p, i := e.n.usageLocked(seen)
			pages += p
			inodes += i
		}
	}
	return pages, inodes
}

// Named is the filesystem shown under another type name, for a tmpfs
// that stands in for another filesystem (the read-only /sys as "sysfs").
// Its files then show no birth time: the filesystems it stands in for
// (sysfs) keep none.
func (f *FS) Named(name string) vfs.FileSystem {
	f.mu.Lock()
	f.noBtime = true
	f.mu.Unlock()
	return named{f, name}
}

type named struct {
	*FS
	name string
}

func (n named) Name() string { return n.name }
