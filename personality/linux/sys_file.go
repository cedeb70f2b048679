package linux

import (
	"golang.org/x/sys/unix"

	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// open(2) flags, x86-64 values from <asm-generic/fcntl.h>.
const (
	oAccMode   = 0o3
	oWronly    = 0o1
	oRdwr      = 0o2
	oCreat     = 0o100
	oExcl      = 0o200
	oNoctty    = 0o400
	oTrunc     = 0o1000
	oAppend    = 0o2000
	oNonblock  = 0o4000
	oDsync     = 0o10000
	oAsync     = 0o20000
	oDirect    = 0o40000
	oLargefile = 0o100000
	oDirectory = 0o200000
	oNofollow  = 0o400000
	oNoatime   = 0o1000000
	oCloexec   = 0o2000000
	oSync      = 0o4010000
	oPath      = 0o10000000
	oTmpfile   = 0o20000000 | oDirectory
)

const (
	atFDCWD           = -100
	atSymlinkNoFollow = 0x100
	atEaccess         = 0x200
	atEmptyPath       = 0x1000
)

// fdArg turns a register into a descriptor number: Linux takes the low 32
// bits as a signed int.
func fdArg(v uintptr) int { return int(int32(v)) }

// getFile returns the description for fd; the caller must DecRef it.
func getFile(t *core.Task, fd uintptr) (*fs.FileDescription, error) {
	return t.FDs().Get(fdArg(fd))
}

// fileFor is getFile for a call that allowed says the description's
// access mode permits (CanRead, CanWrite); the caller must DecRef it.
func fileFor(t *core.Task, fd uintptr, allowed func(*fs.FileDescription) error) (*fs.FileDescription, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, err
	}
	if err := allowed(d); err != nil {
		d.DecRef()
		return nil, err
	}
	return d, nil
}

func sysRead(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doTransfer(t, a[0], a[1], a[2], -1, (*fs.FileDescription).CanRead, readInto)
}

func sysWrite(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doTransfer(t, a[0], a[1], a[2], -1, (*fs.FileDescription).CanWrite, writeFrom)
}

// transferFunc moves count bytes between guest memory at addr and d, at
// off or, if off < 0, at the file position: readInto or writeFrom.
type transferFunc func(t *core.Task, d *fs.FileDescription, addr, count uintptr, off int64) (uintptr, error)

// doTransfer is read(2), write(2), pread64(2) and pwrite64(2): one
// transfer on fd once allowed says its access mode permits it.
func doTransfer(t *core.Task, fd, addr, count uintptr, off int64,
	allowed func(*fs.FileDescription) error, transfer transferFunc) (uintptr, error) {
	d, err := fileFor(t, fd, allowed)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return transfer(t, d, addr, count, off)
}

// readInto reads once from d (at off, or the file position if off < 0)
// into guest memory at addr.
func readInto(t *core.Task, d *fs.FileDescription, addr, count uintptr, off int64) (uintptr, error) {
	if int64(count) < 0 {
		return 0, kerr.EINVAL
	}
	if err := t.TerminalRead(d.File); err != nil {
		return 0, err // a background job reading its terminal
	}
	if count == 0 {
		return readZero(d, off)
	}
	count = min(count, maxRW, ioChunk)
	bp := ioBuffers.Get().(*[]byte)
	defer ioBuffers.Put(bp)
	buf := (*bp)[:count]
	n, err := untilReady(t, d, fs.EventIn, func() (int, error) {
		if off >= 0 {
			return d.File.ReadAt(buf, off)
		}
		return d.File.Read(buf)
	})
	if n > 0 {
		if _, cerr := t.MM().CopyOut(addr, buf[:n]); cerr != nil {
			return 0, cerr
		}
		return uintptr(n), nil
	}
	return 0, err
}

// readZero is a read of zero bytes. Linux hands it to the file like
// any other: a pipe or regular file returns 0, a directory EISDIR, and
// files that only give whole records (inotify, eventfd, timerfd,
// signalfd) fail it with EINVAL when a record is there (see
// inotify(7): "the buffer given to read(2) is too small"). It never
// blocks here: a file with nothing to give returns EAGAIN in
// non-blocking mode and 0 otherwise.
func readZero(d *fs.FileDescription, off int64) (uintptr, error) {
	var err error
	if off >= 0 {
		_, err = d.File.ReadAt(nil, off)
	} else {
		_, err = d.File.Read(nil)
	}
	if err == kerr.EAGAIN && d.Flags()&fs.FlagNonblock == 0 {
		err = nil
	}
	return 0, err
}

// writeFrom writes count bytes of guest memory at addr to d, in chunks,
// stopping at the first short write. A write to a broken pipe raises
// SIGPIPE as well as failing with EPIPE (see pipe(7)).
func writeFrom(t *core.Task, d *fs.FileDescription, addr, count uintptr, off int64) (uintptr, error) {
	if off < 0 {
		if err := t.TerminalWrite(d.File); err != nil {
			return 0, err // a background job writing its terminal with TOSTOP
		}
	}
	if count == 0 {
		return 0, nil
	}
	if int64(count) < 0 {
		return 0, kerr.EINVAL
	}
	count = min(count, maxRW)
	bp := ioBuffers.Get().(*[]byte)
	defer ioBuffers.Put(bp)
	var done uintptr
	for done < count {
		chunk := min(count-done, ioChunk)
		buf := (*bp)[:chunk]
		if _, err := t.MM().CopyIn(addr+done, buf); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		n, err := untilReady(t, d, fs.EventOut, func() (int, error) {
			if off >= 0 {
				return d.File.WriteAt(buf, off+int64(done))
			}
			return d.File.Write(buf)
		})
		done += uintptr(n)
		if err != nil {
			if err == kerr.EPIPE && sigpipeOnEPIPE(d.File) {
				t.SendSignal(&core.SigInfo{Signo: core.SIGPIPE, Code: core.SIUser, PID: int32(t.Group().PID())})
			}
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if n < len(buf) {
			break
		}
	}
	return done, nil
}

// untilReady runs one read or write (io) again each time the file is
// not ready and the call must wait for it (see mustWait), sleeping until
// d reports ev. A sleep cut short (a signal, see signal(7)) ends it with
// the sleep's error and no bytes.
func untilReady(t *core.Task, d *fs.FileDescription, ev fs.Events, io func() (int, error)) (int, error) {
	for {
		n, err := io()
		if !mustWait(d, err) {
			return n, err
		}
		if werr := waitFile(t, d, ev); werr != nil {
			return 0, werr
		}
	}
}

// mustWait reports whether a call that failed with err should block: the
// file said EAGAIN, it can be waited for, and the description is in
// blocking mode.
func mustWait(d *fs.FileDescription, err error) bool {
	if err != kerr.EAGAIN || d.Flags()&fs.FlagNonblock != 0 {
		return false
	}
	_, pollable := d.File.(fs.Pollable)
	_, host := d.File.(fs.HostStream)
	return pollable || host
}

// iovec is struct iovec: base at 0, length at 8.
type iovec struct{ base, len uintptr }

const uioMaxIov = 1024

func copyInIovecs(t *core.Task, addr uintptr, cnt int) ([]iovec, error) {
	if cnt < 0 || cnt > uioMaxIov {
		return nil, kerr.EINVAL
	}
	buf := make([]byte, 16*cnt)
	if _, err := t.MM().CopyIn(addr, buf); err != nil {
		return nil, err
	}
	iovs := make([]iovec, cnt)
	var total uint64
	for i := range iovs {
		iovs[i] = iovec{uintptr(le.Uint64(buf[16*i:])), uintptr(le.Uint64(buf[16*i+8:]))}
		total += uint64(iovs[i].len)
		if int64(iovs[i].len) < 0 || int64(total) < 0 {
			return nil, kerr.EINVAL // the sum must fit in ssize_t (readv(2))
		}
	}
	return iovs, nil
}

func sysReadv(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doReadv(t, a[0], a[1], a[2], -1)
}

func sysWritev(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doWritev(t, a[0], a[1], a[2], -1)
}

func doReadv(t *core.Task, fd, iovAddr, cnt uintptr, off int64) (uintptr, error) {
	if n, ok, err := socketVector(t, fd, iovAddr, cnt, off, false); ok {
		return n, err // one message for a datagram (sys_socket_msg.go)
	}
	return doVector(t, fd, iovAddr, cnt, off, (*fs.FileDescription).CanRead, readInto)
}

func doWritev(t *core.Task, fd, iovAddr, cnt uintptr, off int64) (uintptr, error) {
	if n, ok, err := socketVector(t, fd, iovAddr, cnt, off, true); ok {
		return n, err // one message for a datagram (sys_socket_msg.go)
	}
	return doVector(t, fd, iovAddr, cnt, off, (*fs.FileDescription).CanWrite, writeFrom)
}

// doVector runs one transfer per iovec (readv(2), writev(2) and their
// p-variants), stopping at the first short one; an error after some bytes
// moved reports the bytes instead.
func doVector(t *core.Task, fd, iovAddr, cnt uintptr, off int64,
	allowed func(*fs.FileDescription) error, transfer transferFunc) (uintptr, error) {
	d, err := fileFor(t, fd, allowed)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	iovs, err := copyInIovecs(t, iovAddr, int(int32(cnt)))
	if err != nil {
		return 0, err
	}
	var done uintptr
	for _, v := range iovs {
		if v.len == 0 {
			continue
		}
		o := off
		if off >= 0 {
			o = off + int64(done)
		}
		n, err := transfer(t, d, v.base, v.len, o)
		done += n
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if n < v.len {
			break
		}
	}
	return done, nil
}

func sysPread64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[3]) < 0 {
		return 0, kerr.EINVAL
	}
	return doTransfer(t, a[0], a[1], a[2], int64(a[3]), (*fs.FileDescription).CanRead, readInto)
}

func sysPwrite64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[3]) < 0 {
		return 0, kerr.EINVAL
	}
	return doTransfer(t, a[0], a[1], a[2], int64(a[3]), (*fs.FileDescription).CanWrite, writeFrom)
}

// startAt is the dentry a path argument relative to dirfd starts from:
// the directory descriptor's (ENOTDIR if it is no directory), or the
// working directory for AT_FDCWD; nil for an absolute path, which
// ignores dirfd (see openat(2)). An empty path (AT_EMPTY_PATH) takes any
// descriptor's dentry, as the call acts on the descriptor itself.
func startAt(t *core.Task, dirfd int, p string) (*vfs.Dentry, error) {
	if strings.HasPrefix(p, "/") {
		return nil, nil
	}
	if dirfd == atFDCWD {
		return t.Group().WorkingDir(), nil
	}
	dent, err := emptyPathStart(t, dirfd)
	if err != nil {
		return nil, err
	}
	if dent == nil {
		if p == "" {
			return nil, kerr.EBADF // a pipe or socket has no name to act on
		}
		return nil, kerr.ENOTDIR
	}
	if p != "" {
		st, err := dent.Inode().Getattr()
		if err != nil {
			return nil, err
		}
		if st.Mode&fs.ModeTypeMask != fs.ModeDir {
			return nil, kerr.ENOTDIR
		}
	}
	return dent, nil
}

// emptyPathStart is what an empty path with AT_EMPTY_PATH names: the
// working directory for AT_FDCWD, else descriptor dirfd's dentry (nil
// for a file with no name).
func emptyPathStart(t *core.Task, dirfd int) (*vfs.Dentry, error) {
	if dirfd == atFDCWD {
		return t.Group().WorkingDir(), nil
	}
	d, err := t.FDs().Get(dirfd)
	if err != nil {
		return nil, err
	}
	defer d.DecRef()
	dent, _ := d.Dentry.(*vfs.Dentry)
	return dent, nil
}

// pathOf is d's path as t sees it (from its root).
func pathOf(t *core.Task, d *vfs.Dentry) string {
	return t.Kernel().FS.PathOf(t.FSContext(), d)
}

// nameOf is what a descriptor opened by path p from start is called in
// traces and /proc/pid/maps before it moves: p itself if absolute.
func nameOf(t *core.Task, d *vfs.Dentry, p string) string {
	if strings.HasPrefix(p, "/") || d == nil {
		return p
	}
	return pathOf(t, d)
}

func decodeOpenFlags(flags uintptr, mode uintptr) (fs.OpenFlags, int, error) {
	var of fs.OpenFlags
	status := 0
	switch flags & oAccMode {
	case 0:
		of.Read = true
		status = fs.FlagRead
	case oWronly:
		of.Write = true
		status = fs.FlagWrite
	case oRdwr:
		of.Read, of.Write = true, true
		status = fs.FlagRead | fs.FlagWrite
	default:
		return of, 0, kerr.EINVAL
	}
	if flags&oPath != 0 {
		flags &^= oTmpfile &^ oDirectory // O_PATH beats O_TMPFILE (open(2))
	}
	if flags&oTmpfile&^oDirectory != 0 {
		// See open(2), O_TMPFILE: it comes with O_DIRECTORY (so that old
		// kernels fail it), never with O_CREAT, and needs write access.
		if flags&oDirectory == 0 || flags&oCreat != 0 || !of.Write {
			return of, 0, kerr.EINVAL
		}
	}
	of.Create = flags&oCreat != 0
	of.Exclusive = flags&oExcl != 0
	of.Truncate = flags&oTrunc != 0
	of.Append = flags&oAppend != 0
	of.Nonblock = flags&oNonblock != 0
	of.Directory = flags&oDirectory != 0
	of.NoFollow = flags&oNofollow != 0
	of.Path = flags&oPath != 0
	of.Mode = uint32(mode) & 0o7777 // the caller applies the umask
	if of.Append {
		status |= fs.FlagAppend
	}
	if of.Nonblock {
		status |= fs.FlagNonblock
	}
	if of.Path {
		status = 0 // O_PATH descriptors can neither read nor write
		of.Read, of.Write = false, false
	}
	return of, status, nil
}

func doOpen(t *core.Task, dirfd int, pathAddr, flags, mode uintptr) (uintptr, error) {
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if p == "" {
		return 0, kerr.ENOENT
	}
	of, status, err := decodeOpenFlags(flags, mode)
	if err != nil {
		return 0, err
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	of.Mode &^= t.Group().Umask()
	f, dent, err := openPath(t, start, p, of, 0, flags)
	if err != nil {
		return 0, err
	}
	return installOpened(t, f, dent, openedName(t, dent, p, flags), of, status, flags)
}

// openedName is nameOf for what openPath opened: an O_TMPFILE file is
// not the directory p names but "#inode (deleted)" in it.
func openedName(t *core.Task, d *vfs.Dentry, p string, flags uintptr) string {
	if isTmpfile(flags) {
		return pathOf(t, d)
	}
	return nameOf(t, d, p)
}

// isTmpfile reports whether open(2) flags ask for O_TMPFILE, which
// O_PATH overrides.
func isTmpfile(flags uintptr) bool {
	return flags&oTmpfile == oTmpfile && flags&oPath == 0
}

// openPath opens what p names from start, or with O_TMPFILE makes an
// unnamed file in the directory p names (O_EXCL: one that may never get
// a name).
func openPath(t *core.Task, start *vfs.Dentry, p string, of fs.OpenFlags, how vfs.Resolve, flags uintptr) (fs.File, *vfs.Dentry, error) {
	if isTmpfile(flags) {
		return t.Kernel().FS.OpenTmpfile(t.FSContext(), start, p, of, how)
	}
	return t.Kernel().FS.OpenAt(t.FSContext(), start, p, of, how)
}

// installOpened is the common tail of open(2), openat(2) and openat2(2):
// it gives the controlling-terminal logic its say, wraps files opened
// for writing so exec sees ETXTBSY, and puts a new open file description
// for f in the lowest free fd.
func installOpened(t *core.Task, f fs.File, dent *vfs.Dentry, name string, of fs.OpenFlags, status int, flags uintptr) (uintptr, error) {
	// /dev/tty and the controlling terminal (kernel/core/ctty.go).
	f, err := t.OpenedFile(f, flags&oNoctty != 0)
	if err != nil {
		return 0, err
	}
	if of.Write {
		f = countWriter(t, f)
	}
	d := fs.NewFileDescription(f, name, status)
	d.Dentry = dent
	d.Opener = t.FSContext().Creds
	fd, err := t.FDs().Allocate(d, 0, flags&oCloexec != 0)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func sysOpen(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doOpen(t, atFDCWD, a[0], a[1], a[2])
}

func sysOpenat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doOpen(t, fdArg(a[0]), a[1], a[2], a[3])
}

func sysClose(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.FDs().Close(fdArg(a[0]))
}

// statSize is sizeof(struct stat) on x86-64 (<asm/stat.h>).
const statSize = 144

func copyOutStat(t *core.Task, addr uintptr, st fs.Stat) error {
	var b [statSize]byte
	le.PutUint64(b[0:], st.Dev)
	le.PutUint64(b[8:], st.Ino)
	le.PutUint64(b[16:], st.Nlink)
	le.PutUint32(b[24:], st.Mode)
	le.PutUint32(b[28:], st.UID)
	le.PutUint32(b[32:], st.GID)
	le.PutUint64(b[40:], st.Rdev)
	le.PutUint64(b[48:], uint64(st.Size))
	le.PutUint64(b[56:], uint64(st.Blksize))
	le.PutUint64(b[64:], uint64(st.Blocks))
	le.PutUint64(b[72:], uint64(st.Atime.Sec))
	le.PutUint64(b[80:], uint64(st.Atime.Nsec))
	le.PutUint64(b[88:], uint64(st.Mtime.Sec))
	le.PutUint64(b[96:], uint64(st.Mtime.Nsec))
	le.PutUint64(b[104:], uint64(st.Ctime.Sec))
	le.PutUint64(b[112:], uint64(st.Ctime.Nsec))
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func sysFstat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	st, err := statFD(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, copyOutStat(t, a[1], st)
}

// statFD is the stat of the file open as fd (EBADF if none).
func statFD(t *core.Task, fd uintptr) (fs.Stat, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return fs.Stat{}, err
	}
	defer d.DecRef()
	return d.File.Stat()
}

func doStat(t *core.Task, dirfd int, pathAddr, statAddr uintptr, flags uintptr) (uintptr, error) {
	if flags&^(atSymlinkNoFollow|atEmptyPath|0x800 /* AT_NO_AUTOMOUNT */) != 0 {
		return 0, kerr.EINVAL
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if p == "" {
		if flags&atEmptyPath == 0 {
			return 0, kerr.ENOENT
		}
		if dirfd == atFDCWD {
			st, err := t.Kernel().FS.Stat(t.FSContext(), t.Group().WorkingDir(), "", vfs.AtEmptyPath)
			if err != nil {
				return 0, err
			}
			return 0, copyOutStat(t, statAddr, st)
		}
		return sysFstat(t, core.SyscallArgs{uintptr(dirfd), statAddr})
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	st, err := t.Kernel().FS.Stat(t.FSContext(), start, p, lookupFlags(flags))
	if err != nil {
		return 0, err
	}
	return 0, copyOutStat(t, statAddr, st)
}

func sysStat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doStat(t, atFDCWD, a[0], a[1], 0)
}

func sysLstat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doStat(t, atFDCWD, a[0], a[1], atSymlinkNoFollow)
}

func sysNewfstatat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doStat(t, fdArg(a[0]), a[1], a[2], a[3])
}

func sysLseek(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	whence := int(int32(a[2]))
	if whence < 0 || whence > 4 { // SEEK_SET..SEEK_HOLE
		return 0, kerr.EINVAL
	}
	off, err := d.File.Seek(int64(a[1]), whence)
	return uintptr(off), err
}

// Terminal ioctls (<asm-generic/ioctls.h>).
const (
	tcgets     = 0x5401
	tiocgwinsz = 0x5413
)

// termiosFile is a terminal that can report its termios.
type termiosFile interface {
	Termios() (*unix.Termios, error)
}

func sysIoctl(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if r, err, ok := ioctlFile(t, fdArg(a[0]), d, uint32(a[1]), a[2]); ok {
		return r, err // sys_fdcalls.go
	}
	if r, err, ok := ioctlTTY(t, d, uint32(a[1]), a[2]); ok {
		return r, err // sys_tty.go
	}
	term, ok := d.File.(fs.Terminal)
	if !ok || !term.IsTerminal() {
		return 0, kerr.ENOTTY
	}
	switch uint32(a[1]) {
	case tcgets:
		tf, ok := d.File.(termiosFile)
		if !ok {
			return 0, kerr.ENOTTY
		}
		tio, err := tf.Termios()
		if err != nil {
			return 0, err
		}
		// struct termios (<asm-generic/termbits.h>): four tcflag_t, c_line,
		// c_cc[19]: 36 bytes.
		var b [36]byte
		le.PutUint32(b[0:], tio.Iflag)
		le.PutUint32(b[4:], tio.Oflag)
		le.PutUint32(b[8:], tio.Cflag)
		le.PutUint32(b[12:], tio.Lflag)
		b[16] = tio.Line
		copy(b[17:], tio.Cc[:])
		_, err = t.MM().CopyOut(a[2], b[:])
		return 0, err
	case tiocgwinsz:
		rows, cols, err := term.WindowSize()
		if err != nil {
			return 0, err
		}
		var b [8]byte // struct winsize: rows, cols, xpixel, ypixel
		le.PutUint16(b[0:], rows)
		le.PutUint16(b[2:], cols)
		_, err = t.MM().CopyOut(a[2], b[:])
		return 0, err
	}
	return 0, kerr.ENOTTY
}

// writeCounted is a regular file opened for writing: while it is open,
// execve of the same file fails with ETXTBSY.
type writeCounted struct {
	fs.File
	release func()
}

// Unwrap implements fs.Wrapper.
func (w *writeCounted) Unwrap() fs.File { return w.File }

func (w *writeCounted) Close() error {
	w.release()
	return w.File.Close()
}

// countWriter registers f with the kernel's writer count if it is a
// regular file (other kinds never run as programs, and wrapping them would
// hide the interfaces they implement, such as fs.Pollable).
func countWriter(t *core.Task, f fs.File) fs.File {
	st, err := f.Stat()
	if err != nil || st.Mode&fs.ModeTypeMask != fs.ModeRegular {
		return f
	}
	return &writeCounted{File: f, release: t.Kernel().OpenedForWrite(core.FileID{Dev: st.Dev, Ino: st.Ino})}
}

// fcntl(2) commands.
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fDupfdCloexec = 1030
	fdCloexec     = 1
)

func sysFcntl(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	fd := fdArg(a[0])
	d, err := t.FDs().Get(fd)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	switch int(int32(a[1])) {
	case fDupfd, fDupfdCloexec:
		min := int(int32(a[2]))
		if min < 0 || min >= t.FDs().Limit() {
			return 0, kerr.EINVAL
		}
		d.IncRef()
		nfd, err := t.FDs().Allocate(d, min, int32(a[1]) == fDupfdCloexec)
		if err != nil {
			d.DecRef()
			return 0, err
		}
		return uintptr(nfd), nil
	case fGetfd:
		ce, err := t.FDs().CloseOnExec(fd)
		if ce {
			return fdCloexec, err
		}
		return 0, err
	case fSetfd:
		return 0, t.FDs().SetCloseOnExec(fd, a[2]&fdCloexec != 0)
	case fGetfl:
		return uintptr(linuxStatusFlags(d.Flags())), nil
	case fSetfl:
		var f int
		if a[2]&oAppend != 0 {
			f |= fs.FlagAppend
		}
		if a[2]&oNonblock != 0 {
			f |= fs.FlagNonblock
		}
		d.SetFlags(f)
		return 0, nil
	}
	if r, err, ok := fcntlFile(t, d, int(int32(a[1])), a[2]); ok {
		return r, err // sys_fdcalls.go
	}
	return 0, kerr.EINVAL
}

// linuxStatusFlags renders status flags as F_GETFL reports them. On x86-64
// every open has O_LARGEFILE forced on, and F_GETFL shows it.
func linuxStatusFlags(f int) int {
	v := oLargefile
	switch {
	case f&fs.FlagRead != 0 && f&fs.FlagWrite != 0:
		v |= oRdwr
	case f&fs.FlagWrite != 0:
		v |= oWronly
	}
	if f&fs.FlagAppend != 0 {
		v |= oAppend
	}
	if f&fs.FlagNonblock != 0 {
		v |= oNonblock
	}
	return v
}

func sysDup(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	nfd, err := t.FDs().Allocate(d, 0, false)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(nfd), nil
}

func doDup3(t *core.Task, oldfd, newfd int, cloexec bool) (uintptr, error) {
	d, err := t.FDs().Get(oldfd)
	if err != nil {
		return 0, err
	}
	if newfd < 0 || newfd >= t.FDs().Limit() {
		d.DecRef()
		return 0, kerr.EBADF
	}
	t.FDs().Install(newfd, d, cloexec)
	return uintptr(newfd), nil
}

func sysDup2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	oldfd, newfd := fdArg(a[0]), fdArg(a[1])
	if oldfd == newfd {
		// dup2(2): if oldfd is valid and equal to newfd, nothing happens.
		d, err := t.FDs().Get(oldfd)
		if err != nil {
			return 0, err
		}
		d.DecRef()
		return uintptr(newfd), nil
	}
	return doDup3(t, oldfd, newfd, false)
}

func sysDup3(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	oldfd, newfd := fdArg(a[0]), fdArg(a[1])
	if a[2]&^oCloexec != 0 || oldfd == newfd {
		return 0, kerr.EINVAL
	}
	return doDup3(t, oldfd, newfd, a[2]&oCloexec != 0)
}

func doReadlink(t *core.Task, dirfd int, pathAddr, buf, size uintptr) (uintptr, error) {
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if int(int32(size)) <= 0 {
		return 0, kerr.EINVAL
	}
	var start *vfs.Dentry
	var lf vfs.AtFlags
	if p == "" {
		// See readlinkat(2): an empty path reads the link dirfd names
		// itself (an O_PATH|O_NOFOLLOW descriptor of one); anything
		// else, a pipe included, is no link (ENOENT).
		if start, err = emptyPathStart(t, dirfd); err != nil {
			return 0, err
		}
		if start == nil && dirfd != atFDCWD {
			return 0, kerr.ENOENT
		}
		lf = vfs.AtEmptyPath
	} else if start, err = startAt(t, dirfd, p); err != nil {
		return 0, err
	}
	target, err := t.Kernel().FS.Readlink(t.FSContext(), start, p, lf)
	if err != nil {
		return 0, err
	}
	b := []byte(target)
	if uintptr(len(b)) > size {
		b = b[:size] // readlink(2) truncates silently
	}
	if _, err := t.MM().CopyOut(buf, b); err != nil {
		return 0, err
	}
	return uintptr(len(b)), nil
}

func sysReadlink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doReadlink(t, atFDCWD, a[0], a[1], a[2])
}

func sysReadlinkat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doReadlink(t, fdArg(a[0]), a[1], a[2], a[3])
}

// sysGetcwd is getcwd(2): the working directory's path from the
// process's root, following renames. A removed directory fails with
// ENOENT; one outside the root (left behind by chroot) shows as
// "(unreachable)/...", which libc's getcwd(3) turns into ENOENT.
func sysGetcwd(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d := t.Group().WorkingDir()
	if d == nil {
		d = t.Kernel().FS.Root()
	}
	if d.Deleted() {
		return 0, kerr.ENOENT
	}
	cwd := pathOf(t, d)
	if uintptr(len(cwd)+1) > a[1] {
		return 0, kerr.ERANGE
	}
	b := append([]byte(cwd), 0)
	if _, err := t.MM().CopyOut(a[0], b); err != nil {
		return 0, err
	}
	return uintptr(len(b)), nil
}

// doAccess is faccessat2(2). Without AT_EACCESS the check uses the real
// ids, and root's privileges only for a real uid of 0 (see access(2)).
func doAccess(t *core.Task, dirfd int, pathAddr, mode, flags uintptr) (uintptr, error) {
	if mode&^7 != 0 || flags&^(atEaccess|atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	start, p, err := pathArg(t, dirfd, pathAddr, flags)
	if err != nil {
		return 0, err
	}
	ctx := t.FSContext()
	if flags&atEaccess == 0 {
		ctx = &vfs.Context{Creds: t.Credentials().AccessCreds(), Root: ctx.Root}
	}
	return 0, t.Kernel().FS.Access(ctx, start, p, int(mode), lookupFlags(flags))
}

func sysAccess(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doAccess(t, atFDCWD, a[0], a[1], 0)
}

func sysFaccessat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doAccess(t, fdArg(a[0]), a[1], a[2], 0)
}

func sysFaccessat2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doAccess(t, fdArg(a[0]), a[1], a[2], a[3])
}

func sysEPERM(t *core.Task, a core.SyscallArgs) (uintptr, error) { return 0, kerr.EPERM }

// sysSendfile copies between two descriptors inside the kernel
// (sendfile(2)): from in_fd at *offset (then updated) or its file
// position, to out_fd.
func sysSendfile(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	out, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := getFile(t, a[1])
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	if in.CanRead() != nil || out.CanWrite() != nil {
		return 0, kerr.EBADF
	}
	if out.Flags()&fs.FlagAppend != 0 {
		return 0, kerr.EINVAL
	}
	off := int64(-1)
	if a[2] != 0 {
		v, err := copyInU64(t, a[2])
		if err != nil {
			return 0, err
		}
		if int64(v) < 0 {
			return 0, kerr.EINVAL
		}
		off = int64(v)
	}
	count := min(a[3], maxRW)
	bp := ioBuffers.Get().(*[]byte)
	defer ioBuffers.Put(bp)
	var done uintptr
	for done < count {
		buf := (*bp)[:min(count-done, ioChunk)]
		var n int
		var rerr error
		for {
			if off >= 0 {
				n, rerr = in.File.ReadAt(buf, off+int64(done))
			} else {
				n, rerr = in.File.Read(buf)
			}
			if !mustWait(in, rerr) || done > 0 {
				break
			}
			if werr := waitFile(t, in, fs.EventIn); werr != nil {
				return 0, werr
			}
		}
		if n == 0 {
			if done == 0 && rerr != nil {
				return 0, rerr
			}
			break
		}
		w := 0
		for w < n {
			m, werr := out.File.Write(buf[w:n])
			w += m
			if werr == nil {
				continue
			}
			if mustWait(out, werr) {
				if err := waitFile(t, out, fs.EventOut); err == nil {
					continue
				}
			}
			if werr == kerr.EPIPE {
				t.SendSignal(&core.SigInfo{Signo: core.SIGPIPE, Code: core.SIUser, PID: int32(t.Group().PID())})
			}
			done += uintptr(w)
			if done > 0 {
				break
			}
			return 0, werr
		}
		if w < n {
			break
		}
		done += uintptr(n)
	}
	if off >= 0 {
		if err := copyOutU64(t, a[2], uint64(off)+uint64(done)); err != nil {
			return 0, err
		}
	}
	return done, nil
}

// sysChdir is chdir(2): the working directory becomes the dentry, so it
// follows later renames.
func sysChdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	start, p, err := pathArg(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	d, err := t.Kernel().FS.Chdir(t.FSContext(), start, p, 0)
	if err != nil {
		return 0, err
	}
	t.Group().SetWorkingDir(d)
	return 0, nil
}

// sysFchdir is fchdir(2): the directory the descriptor was opened as,
// wherever it is now.
func sysFchdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	dent, _ := d.Dentry.(*vfs.Dentry)
	d.DecRef()
	if dent == nil {
		return 0, kerr.ENOTDIR
	}
	dir, err := t.Kernel().FS.Chdir(t.FSContext(), dent, "", vfs.AtEmptyPath)
	if err != nil {
		return 0, err
	}
	t.Group().SetWorkingDir(dir)
	return 0, nil
}

// sysChroot is chroot(2): the process's root becomes the directory path
// names, for path walks, ".." and getcwd. The path is checked before the
// privilege, as Linux does (a missing directory is ENOENT even for an
// unprivileged caller).
func sysChroot(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	start, p, err := pathArg(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	d, err := t.Kernel().FS.Chdir(t.FSContext(), start, p, 0)
	if err != nil {
		return 0, err
	}
	return 0, t.Group().Chroot(d)
}
