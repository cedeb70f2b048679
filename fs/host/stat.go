package host

import (
	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
)

// StatFromUnix converts the host's struct stat into the kernel's neutral
// record. The host's device and inode numbers pass through: they identify
// files consistently, which is all a guest may rely on.
func StatFromUnix(st *unix.Stat_t) fs.Stat {
	return fs.Stat{
		Dev:     st.Dev,
		Ino:     st.Ino,
		Mode:    st.Mode,
		Nlink:   uint64(st.Nlink),
		UID:     st.Uid,
		GID:     st.Gid,
		Rdev:    st.Rdev,
		Size:    st.Size,
		Blksize: int64(st.Blksize),
		Blocks:  st.Blocks,
		Atime:   fs.Timespec{Sec: st.Atim.Sec, Nsec: st.Atim.Nsec},
		Mtime:   fs.Timespec{Sec: st.Mtim.Sec, Nsec: st.Mtim.Nsec},
		Ctime:   fs.Timespec{Sec: st.Ctim.Sec, Nsec: st.Ctim.Nsec},
	}
}

// fstat is fstat(2) with EINTR retried and the error translated.
func fstat(fd int) (fs.Stat, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstat(fd, &st)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fs.Stat{}, FromErrno(err)
		}
		return StatFromUnix(&st), nil
	}
}
