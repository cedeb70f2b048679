package overlay

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// copyChunk is how much of a file copy-up moves at a time.
const copyChunk = 64 << 10

// copyUpLocked gives n an upper inode that is a copy of its lower one:
// same type, mode, owner, contents (holes stay holes), target, device
// number and times. Its parents are copied up first (as empty
// directories: their other entries keep showing through).
func (n *inode) copyUpLocked() error {
	if n.upper != nil {
		return nil
	}
	if n.parent == nil || n.parent == n {
		return kerr.EIO // only the root lacks a parent, and it has an upper
	}
	if err := n.parent.copyUpLocked(); err != nil {
		return err
	}
	st, err := n.lower.Getattr()
	if err != nil {
		return err
	}
	a := vfs.CreateAttr{Mode: st.Mode, UID: st.UID, GID: st.GID, Rdev: st.Rdev}
	dir := n.parent.upper
	var u vfs.Inode
	switch st.Mode & fs.ModeTypeMask {
	case fs.ModeDir:
		u, err = dir.Mkdir(n.name, a)
	case fs.ModeRegular:
		if u, err = dir.Create(n.name, a); err == nil {
			if err = copyData(n.lower, u, st.Size); err != nil {
				dir.Unlink(n.name)
			}
		}
	case fs.ModeSymlink:
		var target string
		if target, err = n.lower.Readlink(); err == nil {
			u, err = dir.Symlink(n.name, target, a)
		}
	default:
		u, err = dir.Mknod(n.name, a)
	}
	if err != nil {
		return err
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeSymlink {
		// Creation applied the full mode; set it again in case the
		// filesystem masked set-ID bits, and restore the times.
		err = u.Setattr(&vfs.SetAttr{Mask: vfs.AttrMode | vfs.AttrAtime | vfs.AttrMtime,
			Mode: st.Mode & 0o7777, Atime: st.Atime, Mtime: st.Mtime})
	} else {
		err = u.Setattr(&vfs.SetAttr{Mask: vfs.AttrAtime | vfs.AttrMtime, Atime: st.Atime, Mtime: st.Mtime})
	}
	if err != nil {
		return err
	}
	n.upper = u
	return nil
}

// copyData copies size bytes from the lower file to the upper one,
// skipping zero chunks so that sparse files stay sparse.
func copyData(from, to vfs.Inode, size int64) error {
	src, err := from.Open(fs.OpenFlags{Read: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := to.Open(fs.OpenFlags{Write: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	buf := make([]byte, copyChunk)
	for off := int64(0); ; {
		n, err := src.ReadAt(buf, off)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if !allZero(buf[:n]) {
			if _, err := dst.WriteAt(buf[:n], off); err != nil {
				return err
			}
		}
		off += int64(n)
	}
	// The size as the lower file has it, holes at the end included.
	return to.Setattr(&vfs.SetAttr{Mask: vfs.AttrSize, Size: size})
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
