package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// sysGetdents64 serves getdents64(fd, dirp, count): it packs struct
// linux_dirent64 records (ino, off, reclen, type, name, NUL, padded to 8
// bytes) into the caller's buffer until the next one would not fit.
func sysGetdents64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return getdents(t, a, true)
}

// sysGetdents serves the old getdents: struct linux_dirent has the type
// in the record's last byte instead.
func sysGetdents(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return getdents(t, a, false)
}

func getdents(t *core.Task, a core.SyscallArgs, is64 bool) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	dr, ok := d.File.(fs.DirReader)
	if !ok {
		return 0, kerr.ENOTDIR
	}
	count := int(min(uint32(a[2]), 1<<20))
	buf := make([]byte, 0, count)
	tooSmall := false
	err = dr.ReadDir(func(e fs.Dirent) bool {
		var rec []byte
		if is64 {
			reclen := (19 + len(e.Name) + 1 + 7) &^ 7
			rec = make([]byte, reclen)
			le.PutUint64(rec[0:], e.Ino)
			le.PutUint64(rec[8:], uint64(e.Off))
			le.PutUint16(rec[16:], uint16(reclen))
			rec[18] = e.Type
			copy(rec[19:], e.Name)
		} else {
			// ino(8) off(8) reclen(2) name NUL pad type(last byte).
			reclen := (18 + len(e.Name) + 2 + 7) &^ 7
			rec = make([]byte, reclen)
			le.PutUint64(rec[0:], e.Ino)
			le.PutUint64(rec[8:], uint64(e.Off))
			le.PutUint16(rec[16:], uint16(reclen))
			copy(rec[18:], e.Name)
			rec[reclen-1] = e.Type
		}
		if len(buf)+len(rec) > count {
			tooSmall = len(buf) == 0
			return false
		}
		buf = append(buf, rec...)
		return true
	})
	if err != nil {
		return 0, err
	}
	if tooSmall {
		return 0, kerr.EINVAL // getdents(2): result buffer is too small
	}
	if _, err := t.MM().CopyOut(a[1], buf); err != nil {
		return 0, err
	}
	return uintptr(len(buf)), nil
}
