package host

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

var _ fs.DirReader = (*File)(nil)

// ReadDir implements fs.DirReader with getdents64 on the host descriptor.
// When the caller stops taking entries, the host offset is moved back to
// the first entry not taken (each entry's d_off is the position after
// it), so nothing is lost between calls.
func (f *File) ReadDir(emit func(fs.Dirent) bool) error {
	if f.closed.Load() {
		return kerr.EBADF
	}
	var buf [8192]byte
	for {
		start, err := unix.Seek(f.fd, 0, unix.SEEK_CUR)
		if err != nil {
			return FromErrno(err)
		}
		n, err := unix.Getdents(f.fd, buf[:])
		if err != nil {
			return FromErrno(err)
		}
		if n == 0 {
			return nil
		}
		// struct linux_dirent64: ino(8) off(8) reclen(2) type(1) name.
		pos := start
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			if reclen < 19 || reclen > len(b) {
				return kerr.EIO
			}
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			d := fs.Dirent{
				Ino:  binary.LittleEndian.Uint64(b[0:]),
				Off:  int64(binary.LittleEndian.Uint64(b[8:])),
				Type: b[18],
				Name: string(name),
			}
			if !emit(d) {
				if _, err := unix.Seek(f.fd, pos, unix.SEEK_SET); err != nil {
					return FromErrno(err)
				}
				return nil
			}
			pos = d.Off
			b = b[reclen:]
		}
	}
}
