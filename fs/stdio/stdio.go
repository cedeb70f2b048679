// Package stdio gives a guest the standard streams of runos itself: the
// files behind the guest's descriptors 0, 1 and 2 are runos's own stdin,
// stdout and stderr, so `runos prog < in > out` and a terminal behave as
// they do for the program run directly. It owns the passthrough of one
// host descriptor, which is whatever the host gave runos: a terminal, a
// pipe, a regular file, /dev/null.
//
// Every operation is the host system call on a duplicate of the
// descriptor, so its semantics are the host's: pread on a pipe is ESPIPE,
// lseek works on a redirected regular file, write to a pipe without
// readers is EPIPE (runos ignores SIGPIPE, so the host reports the error
// instead of killing runos, and the guest's kernel raises the guest's
// SIGPIPE). EINTR from the host, which only means runos itself was
// signalled, is retried.
package stdio

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/kernel/kerr"
)

// File is one of runos's standard streams as a guest file.
//
// The duplicate shares its open file description with runos's own
// descriptor, and therefore its offset and status flags, exactly as a
// child process shares its parent's: that is what a native program would
// see. If the host made the stream non-blocking, reads and writes report
// EAGAIN as the native program would also get.
type File struct {
	fd     int
	name   string
	closed atomic.Bool
	// accmode is the host description's O_ACCMODE: a read of a
	// write-only stream is EBADF at once, never a wait for readiness.
	accmode int
}

var (
	_ fs.File     = (*File)(nil)
	_ fs.Terminal = (*File)(nil)
)

// New wraps a duplicate of hostFD (close-on-exec, so runos's own children
// never inherit it); closing the File leaves hostFD open. name is for
// messages and traces ("stdin").
func New(hostFD int, name string) (*File, error) {
	fd, err := unix.FcntlInt(uintptr(hostFD), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, host.FromErrno(err)
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		unix.Close(fd)
		return nil, host.FromErrno(err)
	}
	return &File{fd: fd, name: name, accmode: fl & unix.O_ACCMODE}, nil
}

// Name is the name given to New.
func (f *File) Name() string { return f.name }

// retry runs a host call until it is not interrupted, and translates its
// error.
func retry(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, host.FromErrno(err)
		}
		return n, nil
	}
}

// Read is read(2) on the host stream, except that it never blocks: if
// nothing is ready it returns EAGAIN, and the syscall layer waits for the
// host descriptor where a signal can interrupt the wait (fs.HostStream).
// A blocked host read could not be interrupted, and Ctrl-C would leave
// runos waiting for a line that never comes.
func (f *File) Read(p []byte) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	if f.accmode == unix.O_WRONLY {
		return 0, kerr.EBADF
	}
	if len(p) > 0 && !f.ready(unix.POLLIN) {
		return 0, kerr.EAGAIN
	}
	return retry(func() (int, error) { return unix.Read(f.fd, p) })
}

// Write is write(2) on the host stream, returning EAGAIN rather than
// blocking when a pipe is full, like Read. A short write is returned as
// is: a guest's write(2) may be short on a pipe or terminal too.
func (f *File) Write(p []byte) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	if f.accmode == unix.O_RDONLY {
		return 0, kerr.EBADF
	}
	if len(p) > 0 && !f.ready(unix.POLLOUT) {
		return 0, kerr.EAGAIN
	}
	return retry(func() (int, error) { return unix.Write(f.fd, p) })
}

// ready polls the host descriptor without waiting. Errors and hang-ups
// count as ready: the read or write that follows reports them.
func (f *File) ready(events int16) bool {
	fds := [1]unix.PollFd{{Fd: int32(f.fd), Events: events}}
	for {
		n, err := unix.Poll(fds[:], 0)
		if err == unix.EINTR {
			continue
		}
		return err != nil || n > 0
	}
}

// HostFD implements fs.HostStream.
func (f *File) HostFD() int { return f.fd }

// ReadAt is pread(2): ESPIPE unless the stream is seekable.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	return retry(func() (int, error) { return unix.Pread(f.fd, p, off) })
}

// WriteAt is pwrite(2): ESPIPE unless the stream is seekable.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	return retry(func() (int, error) { return unix.Pwrite(f.fd, p, off) })
}

// Seek is lseek(2): it works when the stream is a redirected regular file
// and is ESPIPE for pipes and terminals.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	n, err := unix.Seek(f.fd, off, whence)
	if err != nil {
		return 0, host.FromErrno(err)
	}
	return n, nil
}

// Stat is fstat(2) on the host stream, with the sandbox's own fchmod
// and fchown changes (attr.go).
func (f *File) Stat() (fs.Stat, error) {
	st, err := f.hostStat()
	if err != nil {
		return st, err
	}
	return withOverride(st), nil
}

func (f *File) hostStat() (fs.Stat, error) {
	if f.closed.Load() {
		return fs.Stat{}, kerr.EBADF
	}
	var st unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstat(f.fd, &st) }); err != nil {
		return fs.Stat{}, err
	}
	return host.StatFromUnix(&st), nil
}

// Close closes the duplicate; runos's own descriptor stays open.
func (f *File) Close() error {
	if f.closed.Swap(true) {
		return kerr.EBADF
	}
	return host.FromErrno(unix.Close(f.fd))
}

// IsTerminal reports whether the stream is a terminal, by the same test
// isatty(3) makes: whether TCGETS succeeds.
func (f *File) IsTerminal() bool {
	_, err := f.Termios()
	return err == nil
}

// WindowSize is TIOCGWINSZ on the host terminal (rows, columns); ENOTTY
// if the stream is not a terminal.
func (f *File) WindowSize() (rows, cols uint16, err error) {
	if f.closed.Load() {
		return 0, 0, kerr.EBADF
	}
	ws, err := unix.IoctlGetWinsize(f.fd, unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0, host.FromErrno(err)
	}
	return ws.Row, ws.Col, nil
}

// Termios is TCGETS on the host terminal; ENOTTY if not a terminal.
func (f *File) Termios() (*unix.Termios, error) {
	if f.closed.Load() {
		return nil, kerr.EBADF
	}
	t, err := unix.IoctlGetTermios(f.fd, unix.TCGETS)
	if err != nil {
		return nil, host.FromErrno(err)
	}
	return t, nil
}

// SetTermios is TCSETS, TCSETSW or TCSETSF (req) on the host terminal, as
// tcsetattr(3) with TCSANOW, TCSADRAIN or TCSAFLUSH. It changes the real
// terminal runos runs on: whoever calls it owns restoring it at exit.
func (f *File) SetTermios(req uint, t *unix.Termios) error {
	if f.closed.Load() {
		return kerr.EBADF
	}
	switch req {
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF:
	default:
		return kerr.EINVAL
	}
	_, err := retry(func() (int, error) { return 0, unix.IoctlSetTermios(f.fd, req, t) })
	return err
}
