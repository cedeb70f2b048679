package vfs

import (
	"slices"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Creds are the identities a file operation is checked against: the
// filesystem user and group IDs and the supplementary groups (see
// credentials(7)). UID 0 stands for a root sandbox user with the file
// capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN).
type Creds struct {
	UID, GID uint32
	Groups   []uint32
}

// Root is the credentials of the sandbox's root user.
var Root = &Creds{}

func (c *Creds) privileged() bool { return c.UID == 0 }

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
// only the first matching class counts. Root may do anything except
// execute a file that no one may execute.
func permitted(c *Creds, st fs.Stat, may int) error {
	if c.privileged() {
		if may&MayExec != 0 && !isDir(st) && st.Mode&0o111 == 0 {
			return kerr.EACCES
		}
		return nil
	}
	var bits uint32
	switch {
	case c.UID == st.UID:
		bits = st.Mode >> 6
	case c.inGroup(st.GID):
		bits = st.Mode >> 3
	default:
		bits = st.Mode
	}
	if uint32(may)&^(bits&7) != 0 {
		return kerr.EACCES
	}
	return nil
}

// mayAccess checks may on an inode.
func mayAccess(c *Creds, ino Inode, may int) error {
	st, err := ino.Getattr()
	if err != nil {
		return err
	}
	return permitted(c, st, may)
}

// isOwner reports whether c owns st or is privileged (CAP_FOWNER).
func isOwner(c *Creds, st fs.Stat) bool { return c.privileged() || c.UID == st.UID }

// mayDelete checks that c may remove or replace victim in dir: write and
// search on the directory, and, in a sticky directory, ownership of the
// victim or the directory (see unlink(2), EPERM, and inode(7), "The
// sticky bit").
func mayDelete(c *Creds, dir, victim fs.Stat) error {
	if err := permitted(c, dir, MayWrite|MayExec); err != nil {
		return err
	}
	if dir.Mode&0o1000 != 0 && !c.privileged() && c.UID != victim.UID && c.UID != dir.UID {
		return kerr.EPERM
	}
	return nil
}
