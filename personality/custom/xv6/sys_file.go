package xv6

import (
	"errors"
	"path"
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The file system calls, each as thin as xv6's sysfile.c: fetch the
// arguments, call the core's VFS or descriptor table, return.

// maxPath is MAXPATH (kernel/param.h): longer paths fail, as fetchstr does.
const maxPath = 128

// ioChunk bounds one read or write's kernel buffer.
const ioChunk = 64 << 10

// argPath copies in a path and makes it absolute against the working
// directory; the VFS then resolves "." and "..".
func argPath(t *core.Task, addr uintptr) (string, error) {
	p, err := t.MM().CopyInString(addr, maxPath)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", kerr.ENOENT
	}
	return p, nil
}

// openAt opens p as t, relative to its working directory.
func openAt(t *core.Task, p string, flags fs.OpenFlags) (fs.File, error) {
	f, _, err := t.Kernel().FS.OpenAt(t.FSContext(), t.Group().WorkingDir(), p, flags, 0)
	return f, err
}

// argFD is xv6's argfd: the open file behind descriptor a, with a
// reference the caller drops.
func argFD(t *core.Task, a uintptr) (*fs.FileDescription, error) {
	return t.FDs().Get(int(int32(a)))
}

func sysRead(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := argFD(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if err := d.CanRead(); err != nil {
		return 0, err
	}
	n := int(int32(a[2]))
	if n < 0 {
		return 0, kerr.EINVAL
	}
	buf := make([]byte, min(n, ioChunk))
	for {
		got, err := d.File.Read(buf)
		if dr, ok := d.File.(fs.DirReader); ok && err == kerr.EISDIR {
			// Some files can list a directory whatever they are
			// (a host file); read(2) saying EISDIR tells.
			return readDir(t, dr, a[1], n)
		}
		if err == kerr.EAGAIN {
			if werr := waitIO(t, d.File, false); werr != nil {
				return 0, werr
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if _, err := t.MM().CopyOut(a[1], buf[:got]); err != nil {
			return 0, err
		}
		return uintptr(got), nil
	}
}

// readDir serves read(2) on a directory, which in xv6 returns the raw
// struct dirent records of the directory file. Here they are made from
// the VFS's entries, as many whole records as fit in n bytes.
func readDir(t *core.Task, dr fs.DirReader, addr uintptr, n int) (uintptr, error) {
	if n < direntSize {
		return 0, kerr.EINVAL
	}
	out := make([]byte, 0, n-n%direntSize)
	err := dr.ReadDir(func(e fs.Dirent) bool {
		if len(out)+direntSize > cap(out) {
			return false
		}
		rec := encodeDirent(e)
		out = append(out, rec[:]...)
		return true
	})
	if err != nil {
		return 0, err
	}
	if _, err := t.MM().CopyOut(addr, out); err != nil {
		return 0, err
	}
	return uintptr(len(out)), nil
}

// sysWrite writes all n bytes, as xv6's filewrite and pipewrite do,
// waiting while a pipe or the console is full. It returns what was
// written if the other end went away midway, or -1 if nothing was.
func sysWrite(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := argFD(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if err := d.CanWrite(); err != nil {
		return 0, err
	}
	n := int(int32(a[2]))
	if n < 0 {
		return 0, kerr.EINVAL
	}
	buf := make([]byte, min(n, ioChunk))
	done := 0
	for done < n {
		chunk := buf[:min(n-done, len(buf))]
		if _, err := t.MM().CopyIn(a[1]+uintptr(done), chunk); err != nil {
			return partial(done, err)
		}
		for len(chunk) > 0 {
			w, err := d.File.Write(chunk)
			done += w
			chunk = chunk[w:]
			if err == kerr.EAGAIN {
				if werr := waitIO(t, d.File, true); werr != nil {
					return partial(done, werr)
				}
				continue
			}
			if err != nil {
				return partial(done, err)
			}
		}
	}
	return uintptr(done), nil
}

func partial(done int, err error) (uintptr, error) {
	if done > 0 {
		return uintptr(done), nil
	}
	return 0, err
}

// sysOpen follows xv6's sys_open: O_CREATE makes a regular file or
// opens the file that is there (failing on a directory); a directory
// opens only for reading; a device node opens its device.
func sysOpen(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	mode := a[1]
	flags := decodeOpen(mode)
	k := t.Kernel()
	var f fs.File
	st, err := k.FS.Stat(t.FSContext(), t.Group().WorkingDir(), p, 0)
	switch {
	case err == nil && st.Mode&fs.ModeTypeMask == fs.ModeDir:
		if mode != oRdonly {
			return 0, kerr.EISDIR
		}
		f, err = openAt(t, p, fs.OpenFlags{Read: true})
	case err == nil && st.Mode&fs.ModeTypeMask == fs.ModeChar:
		if devMajor(st.Rdev) != consoleMajor {
			return 0, kerr.ENXIO // xv6: no device switch entry
		}
		f = openConsole(st.Rdev)
	case err == nil:
		flags.Create = false
		f, err = openAt(t, p, flags)
	case errors.Is(err, kerr.ENOENT) && flags.Create:
		f, err = openAt(t, p, flags)
	}
	if err != nil {
		return 0, err
	}
	status := 0
	if flags.Read {
		status |= fs.FlagRead
	}
	if flags.Write {
		status |= fs.FlagWrite
	}
	d := fs.NewFileDescription(f, p, status)
	fd, err := t.FDs().Allocate(d, 0, false)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func sysClose(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.FDs().Close(int(int32(a[0])))
}

func sysDup(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := argFD(t, a[0])
	if err != nil {
		return 0, err
	}
	fd, err := t.FDs().Allocate(d, 0, false)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func sysFstat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := argFD(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	st, err := d.File.Stat()
	if err != nil {
		return 0, err
	}
	b := encodeStat(st)
	_, err = t.MM().CopyOut(a[1], b[:])
	return 0, err
}

func sysPipe(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	r, w := pipe.New()
	rd := fs.NewFileDescription(r, "pipe:", fs.FlagRead)
	wd := fs.NewFileDescription(w, "pipe:", fs.FlagWrite)
	rfd, wfd, err := t.FDs().AllocatePair(rd, wd, false)
	if err != nil {
		return 0, err
	}
	var b [8]byte // int fd[2]
	le.PutUint32(b[0:], uint32(rfd))
	le.PutUint32(b[4:], uint32(wfd))
	if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
		t.FDs().Close(rfd)
		t.FDs().Close(wfd)
		return 0, err
	}
	return 0, nil
}

func sysChdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	dir, err := t.Kernel().FS.Chdir(t.FSContext(), t.Group().WorkingDir(), p, 0)
	if err != nil {
		return 0, err
	}
	t.Group().SetWorkingDir(dir)
	return 0, nil
}

func sysMkdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Mkdir(t.FSContext(), t.Group().WorkingDir(), p, 0o755)
}

// sysMknod makes a device node; xv6's major and minor are shorts.
func sysMknod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Mknod(t.FSContext(), t.Group().WorkingDir(), p, fs.ModeChar|0o666, deviceRdev(uint16(a[1]), uint16(a[2])))
}

// sysUnlink removes a file or, as xv6's unlink does, an empty directory;
// "." and ".." cannot be unlinked.
func sysUnlink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	raw, err := t.MM().CopyInString(a[0], maxPath)
	if err != nil {
		return 0, err
	}
	if b := path.Base(strings.TrimRight(raw, "/")); b == "." || b == ".." {
		return 0, kerr.EINVAL
	}
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	st, err := t.Kernel().FS.Stat(t.FSContext(), t.Group().WorkingDir(), p, vfs.AtNoFollow)
	if err != nil {
		return 0, err
	}
	if st.Mode&fs.ModeTypeMask == fs.ModeDir {
		return 0, t.Kernel().FS.Rmdir(t.FSContext(), t.Group().WorkingDir(), p)
	}
	return 0, t.Kernel().FS.Unlink(t.FSContext(), t.Group().WorkingDir(), p)
}

// sysLink makes new a second name of old; like xv6, not of a directory.
func sysLink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	oldp, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	newp, err := argPath(t, a[1])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Link(t.FSContext(), t.Group().WorkingDir(), oldp, t.Group().WorkingDir(), newp, vfs.AtNoFollow)
}
