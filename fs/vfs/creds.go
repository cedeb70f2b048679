package vfs

import (
	"slices"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Creds are the identities a file operation is checked against: the
// filesystem user and group IDs, the supplementary groups and the
// capabilities that bypass the checks (see credentials(7) and
// capabilities(7)). The caller builds them from the calling task; the
// VFS never asks who is calling.
type Creds struct {
	UID, GID uint32
	Groups   []uint32
	Caps     Caps
}

// Caps are the capabilities the VFS consults, as capabilities(7) names
// them. A task with euid 0 has them all; a task with fsuid 0 and a
// non-zero euid keeps only the file ones (see "Effect of user ID changes
// on capabilities"); anyone else has none.
type Caps uint32

const (
	CapChown         Caps = 1 << iota // change any file's owner and group
	CapDacOverride                    // bypass read, write and execute checks
	CapDacReadSearch                  // bypass read checks, and search on directories
	CapFowner                         // act as the owner of any file (chmod, utimes, sticky dirs)
	CapFsetid                         // keep set-group-ID on chmod outside the file's group
	CapMknod                          // make device nodes
	CapSysChroot                      // chroot(2)
	CapSysAdmin                       // mount(2), trusted.* xattrs

	// FileCaps are the capabilities that follow the filesystem user ID.
	FileCaps = CapChown | CapDacOverride | CapDacReadSearch | CapFowner | CapFsetid | CapMknod
	// AllCaps is what root holds.
	AllCaps = FileCaps | CapSysChroot | CapSysAdmin
)

// Root is the credentials of the sandbox's root user.
var Root = &Creds{Caps: AllCaps}

// Capable reports whether c holds every capability in want.
func (c *Creds) Capable(want Caps) bool { return c.Caps&want == want }

func (c *Creds) inGroup(gid uint32) bool {
	return gid == c.GID || slices.Contains(c.Groups, gid)
}

// Access bits, as access(2) and the permission checks use them.
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// permitted is the classic Unix check (see path_resolution(7),
// "Permissions"): the owner class, else the group class, else other;
// only the first matching class counts. CAP_DAC_OVERRIDE allows anything
// but executing a file no one may execute; CAP_DAC_READ_SEARCH allows
// reading any file and searching any directory.
func permitted(c *Creds, st fs.Stat, may int) error {
	var bits uint32
	switch {
	case c.UID == st.UID:
		bits = st.Mode >> 6
	case c.inGroup(st.GID):
		bits = st.Mode >> 3
	default:
		bits = st.Mode
	}
	missing := uint32(may) &^ (bits & 7)
	if missing == 0 {
		return nil
	}
	if c.Capable(CapDacOverride) {
		if may&MayExec != 0 && !isDir(st) && st.Mode&0o111 == 0 {
			return kerr.EACCES
		}
		return nil
	}
	if c.Capable(CapDacReadSearch) {
		if isDir(st) {
			missing &^= MayRead | MayExec
		} else {
			missing &^= MayRead
		}
		if missing == 0 {
			return nil
		}
	}
	return kerr.EACCES
}

// mayAccess checks may on an inode.
func mayAccess(c *Creds, ino Inode, may int) error {
	st, err := ino.Getattr()
	if err != nil {
		return err
	}
	return permitted(c, st, may)
}

// isOwner reports whether c owns st or holds CAP_FOWNER.
func isOwner(c *Creds, st fs.Stat) bool { return c.Capable(CapFowner) || c.UID == st.UID }

// mayDelete checks that c may remove or replace victim in dir: write and
// search on the directory, and, in a sticky directory, ownership of the
// victim or the directory (see unlink(2), EPERM, and inode(7), "The
// sticky bit").
func mayDelete(c *Creds, dir, victim fs.Stat) error {
	if err := permitted(c, dir, MayWrite|MayExec); err != nil {
		return err
	}
	if dir.Mode&0o1000 != 0 && !c.Capable(CapFowner) && c.UID != victim.UID && c.UID != dir.UID {
		return kerr.EPERM
	}
	return nil
}
