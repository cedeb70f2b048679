package linux

import (
	"math"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/memfd"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/fs/timerfd"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Descriptor calls beyond read and write: timer, signal and memory files,
// file locks, positioned vector I/O and in-kernel copies (splice, tee,
// copy_file_range), and the fcntl and ioctl commands that go with them.
var fdCalls = map[string]impl{
	"timerfd_create":  full(sysTimerfdCreate),
	"timerfd_settime": partial(sysTimerfdSettime, "TFD_TIMER_CANCEL_ON_SET is accepted but never cancels"),
	"timerfd_gettime": full(sysTimerfdGettime),
	"signalfd":        partial(sysSignalfd, "reads the signals of the thread that created it"),
	"signalfd4":       partial(sysSignalfd4, "reads the signals of the thread that created it"),
	"memfd_create":    partial(sysMemfdCreate, "no MFD_HUGETLB"),
	"flock":           full(sysFlock),
	"preadv":          full(sysPreadv),
	"pwritev":         full(sysPwritev),
	"preadv2":         partial(sysPreadv2, "RWF_HIPRI, RWF_DSYNC and RWF_SYNC are no-ops; RWF_NOWAIT and RWF_APPEND: EOPNOTSUPP"),
	"pwritev2":        partial(sysPwritev2, "RWF_HIPRI, RWF_DSYNC and RWF_SYNC are no-ops; RWF_NOWAIT and RWF_APPEND: EOPNOTSUPP"),
	"copy_file_range": partial(sysCopyFileRange, "a copy through a kernel buffer"),
	"splice":          partial(sysSplice, "a copy through a kernel buffer; flags other than SPLICE_F_NONBLOCK are ignored"),
	"tee":             partial(sysTee, "a copy through a kernel buffer"),
}

// --- timerfd ---

// timerfd_create(2) and timerfd_settime(2) flags.
const (
	tfdNonblock     = oNonblock
	tfdCloexec      = oCloexec
	tfdTimerAbstime = 1
	tfdCancelOnSet  = 2
)

// timerfdClock reads a host clock as time since its epoch.
func timerfdClock(id int32) timerfd.Clock {
	return func() time.Duration {
		var ts unix.Timespec
		unix.ClockGettime(id, &ts)
		return time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	}
}

func sysTimerfdCreate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	id, flags := int32(a[0]), a[1]
	if flags&^(tfdNonblock|tfdCloexec) != 0 {
		return 0, kerr.EINVAL
	}
	switch id {
	case clockRealtime, clockMonotonic, clockBoottime:
	case clockRealtimeAlarm, clockBoottimeAlarm:
		return 0, kerr.EPERM // needs CAP_WAKE_ALARM (timerfd_create(2))
	default:
		return 0, kerr.EINVAL
	}
	status := fs.FlagRead
	if flags&tfdNonblock != 0 {
		status |= fs.FlagNonblock
	}
	d := fs.NewFileDescription(timerfd.New(timerfdClock(id)), "anon_inode:[timerfd]", status)
	return allocFD(t, d, flags&tfdCloexec != 0)
}

// allocFD installs a new description at the lowest free descriptor.
func allocFD(t *core.Task, d *fs.FileDescription, cloexec bool) (uintptr, error) {
	fd, err := t.FDs().Allocate(d, 0, cloexec)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func getTimerfd(t *core.Task, fd uintptr) (*fs.FileDescription, *timerfd.File, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	tf, ok := d.File.(*timerfd.File)
	if !ok {
		d.DecRef()
		return nil, nil, kerr.EINVAL
	}
	return d, tf, nil
}

// copyOutTimerfdSpec writes struct itimerspec.
func copyOutTimerfdSpec(t *core.Task, addr uintptr, s timerfd.Setting) error {
	return copyOutItimerspec(t, addr, core.TimerSpec{Value: s.Value, Interval: s.Interval})
}

func sysTimerfdSettime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[1]
	if flags&^(tfdTimerAbstime|tfdCancelOnSet) != 0 {
		return 0, kerr.EINVAL
	}
	d, tf, err := getTimerfd(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	interval, err := copyInTimespec(t, a[2])
	if err != nil {
		return 0, err
	}
	value, err := copyInTimespec(t, a[2]+16)
	if err != nil {
		return 0, err
	}
	if !interval.valid() || !value.valid() {
		return 0, kerr.EINVAL
	}
	old := tf.Set(timerfd.Setting{Value: value.duration(), Interval: interval.duration()}, flags&tfdTimerAbstime != 0)
	if a[3] != 0 {
		return 0, copyOutTimerfdSpec(t, a[3], old)
	}
	return 0, nil
}

func sysTimerfdGettime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, tf, err := getTimerfd(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return 0, copyOutTimerfdSpec(t, a[1], tf.Get())
}

// --- signalfd ---

// signalfd4(2) flags.
const (
	sfdNonblock = oNonblock
	sfdCloexec  = oCloexec
)

// signalfdSiginfoSize is sizeof(struct signalfd_siginfo).
const signalfdSiginfoSize = 128

// encodeSignalfdSiginfo writes struct signalfd_siginfo (<linux/signalfd.h>).
func encodeSignalfdSiginfo(info *core.SigInfo, b []byte) {
	clear(b)
	le.PutUint32(b[0:], uint32(info.Signo))
	le.PutUint32(b[4:], uint32(info.Errno))
	le.PutUint32(b[8:], uint32(info.Code))
	le.PutUint32(b[12:], uint32(info.PID))
	le.PutUint32(b[16:], info.UID)
	le.PutUint32(b[24:], uint32(info.TimerID)) // ssi_tid: the POSIX timer's ID
	le.PutUint32(b[32:], uint32(info.Overrun))
	le.PutUint32(b[40:], uint32(info.Status))
	le.PutUint32(b[44:], uint32(info.Value)) // ssi_int
	le.PutUint64(b[48:], info.Value)         // ssi_ptr
	le.PutUint64(b[72:], uint64(info.Addr))
}

func sysSignalfd4(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	fd, flags := fdArg(a[0]), a[3]
	if flags&^(sfdNonblock|sfdCloexec) != 0 || a[2] != sigsetSize {
		return 0, kerr.EINVAL
	}
	v, err := copyInU64(t, a[1])
	if err != nil {
		return 0, err
	}
	mask := core.SignalSet(v)
	if fd != -1 {
		d, err := t.FDs().Get(fd)
		if err != nil {
			return 0, err
		}
		defer d.DecRef()
		sf, ok := d.File.(*core.SignalFD)
		if !ok {
			return 0, kerr.EINVAL
		}
		sf.SetMask(mask)
		return uintptr(fd), nil
	}
	status := fs.FlagRead
	if flags&sfdNonblock != 0 {
		status |= fs.FlagNonblock
	}
	sf := core.NewSignalFD(t, mask, signalfdSiginfoSize, encodeSignalfdSiginfo)
	return allocFD(t, fs.NewFileDescription(sf, "anon_inode:[signalfd]", status), flags&sfdCloexec != 0)
}

func sysSignalfd(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return sysSignalfd4(t, core.SyscallArgs{a[0], a[1], a[2], 0})
}

// --- memfd ---

// memfd_create(2) flags.
const (
	mfdCloexec      = 0x1
	mfdAllowSealing = 0x2
	mfdHugetlb      = 0x4
	mfdNoexecSeal   = 0x8
	mfdExec         = 0x10
	mfdNameMax      = 249 // NAME_MAX minus the "memfd:" prefix
)

func sysMemfdCreate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[1]
	if flags&^(mfdCloexec|mfdAllowSealing|mfdNoexecSeal|mfdExec) != 0 ||
		flags&(mfdNoexecSeal|mfdExec) == mfdNoexecSeal|mfdExec {
		return 0, kerr.EINVAL
	}
	name, err := t.MM().CopyInString(a[0], mfdNameMax+1)
	if err != nil {
		if err == kerr.ENAMETOOLONG {
			return 0, kerr.EINVAL
		}
		return 0, err
	}
	f := memfd.New(name, flags&(mfdAllowSealing|mfdNoexecSeal) != 0)
	d := fs.NewFileDescription(f, "/memfd:"+name+" (deleted)", fs.FlagRead|fs.FlagWrite)
	return allocFD(t, d, flags&mfdCloexec != 0)
}

// --- flock ---

// flock(2) operations.
const (
	lockSh = 1
	lockEx = 2
	lockNb = 4
	lockUn = 8
)

func sysFlock(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	op := a[1]
	var typ fs.LockType
	switch op &^ lockNb {
	case lockSh:
		typ = fs.LockShared
	case lockEx:
		typ = fs.LockExclusive
	case lockUn:
		typ = fs.LockUnlock
	default:
		return 0, kerr.EINVAL
	}
	for {
		ch, err := d.Flock(typ)
		if err != kerr.EAGAIN || op&lockNb != 0 {
			return 0, err
		}
		if err := t.Block(ch, time.Time{}); err != nil {
			return 0, kerr.ERESTARTSYS
		}
	}
}

// --- record locks (fcntl) ---

// fcntl(2) lock commands and types.
const (
	fGetlk     = 5
	fSetlk     = 6
	fSetlkw    = 7
	fOfdGetlk  = 36
	fOfdSetlk  = 37
	fOfdSetlkw = 38
	fRdlck     = 0
	fWrlck     = 1
	fUnlck     = 2
)

// flockSize is sizeof(struct flock): type, whence (2 bytes each), pad,
// start, len (8 each), pid (4), pad.
const flockSize = 32

// doRecordLock serves F_GETLK, F_SETLK, F_SETLKW and their OFD forms.
func doRecordLock(t *core.Task, d *fs.FileDescription, cmd int, addr uintptr) (uintptr, error) {
	var b [flockSize]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	typ, whence := int16(le.Uint16(b[0:])), int16(le.Uint16(b[2:]))
	start, length := int64(le.Uint64(b[8:])), int64(le.Uint64(b[16:]))
	ofd := cmd == fOfdGetlk || cmd == fOfdSetlk || cmd == fOfdSetlkw
	if ofd && le.Uint32(b[24:]) != 0 {
		return 0, kerr.EINVAL // F_OFD_*: l_pid must be 0
	}
	var want fs.RecordLock
	switch typ {
	case fRdlck:
		want.Type = fs.LockShared
	case fWrlck:
		want.Type = fs.LockExclusive
	case fUnlck:
		want.Type = fs.LockUnlock
	default:
		return 0, kerr.EINVAL
	}
	switch whence {
	case 0:
	case 1:
		pos, err := d.File.Seek(0, 1)
		if err != nil {
			return 0, err
		}
		start += pos
	case 2:
		st, err := d.File.Stat()
		if err != nil {
			return 0, err
		}
		start += st.Size
	default:
		return 0, kerr.EINVAL
	}
	// fcntl(2): a negative l_len covers [start+len, start).
	end := int64(math.MaxInt64)
	switch {
	case length > 0:
		end = start + length - 1
	case length < 0:
		start, end = start+length, start-1
	}
	if start < 0 {
		return 0, kerr.EINVAL
	}
	want.Start, want.End = start, end

	owner, pid := fs.OwnerProcess(t.FDs()), t.Group().PID()
	if ofd {
		owner, pid = fs.OwnerDescription(d), -1
	}
	if cmd == fGetlk || cmd == fOfdGetlk {
		if want.Type == fs.LockUnlock {
			return 0, kerr.EINVAL
		}
		l, found, err := d.TestRecordLock(owner, want)
		if err != nil {
			return 0, err
		}
		if !found {
			le.PutUint16(b[0:], fUnlck)
		} else {
			le.PutUint16(b[0:], map[fs.LockType]uint16{fs.LockShared: fRdlck, fs.LockExclusive: fWrlck}[l.Type])
			le.PutUint16(b[2:], 0)
			le.PutUint64(b[8:], uint64(l.Start))
			if l.End == math.MaxInt64 {
				le.PutUint64(b[16:], 0)
			} else {
				le.PutUint64(b[16:], uint64(l.End-l.Start+1))
			}
			le.PutUint32(b[24:], uint32(int32(l.PID)))
		}
		_, err = t.MM().CopyOut(addr, b[:])
		return 0, err
	}
	// fcntl(2): EBADF when the lock type does not match the access mode.
	if want.Type == fs.LockShared && d.CanRead() != nil || want.Type == fs.LockExclusive && d.CanWrite() != nil {
		return 0, kerr.EBADF
	}
	wait := cmd == fSetlkw || cmd == fOfdSetlkw
	for {
		ch, err := d.SetRecordLock(owner, pid, want, wait)
		if err != kerr.EAGAIN || !wait {
			if wait {
				fs.StopWaiting(owner)
			}
			return 0, err
		}
		berr := t.Block(ch, time.Time{})
		fs.StopWaiting(owner)
		if berr != nil {
			return 0, kerr.ERESTARTSYS
		}
	}
}

// --- fcntl and ioctl commands on descriptors ---

// fcntl(2) commands for pipes and seals.
const (
	fSetpipeSz = 1031
	fGetpipeSz = 1032
	fAddSeals  = 1033
	fGetSeals  = 1034
	// pipeMaxSize is /proc/sys/fs/pipe-max-size's default.
	pipeMaxSize = 1 << 20
)

// fcntlFile serves the fcntl commands of this file; ok is false for
// commands it does not know (sysFcntl then fails with EINVAL).
func fcntlFile(t *core.Task, d *fs.FileDescription, cmd int, arg uintptr) (r uintptr, err error, ok bool) {
	switch cmd {
	case fGetlk, fSetlk, fSetlkw, fOfdGetlk, fOfdSetlk, fOfdSetlkw:
		r, err = doRecordLock(t, d, cmd, arg)
		return r, err, true
	case fGetpipeSz, fSetpipeSz:
		e, isPipe := d.File.(pipe.End)
		if !isPipe {
			return 0, kerr.EBADF, true
		}
		if cmd == fGetpipeSz {
			return uintptr(e.Pipe().Size()), nil, true
		}
		n := int(int32(arg))
		if n < 0 {
			return 0, kerr.EINVAL, true
		}
		if n > pipeMaxSize && !t.Credentials().Privileged() {
			return 0, kerr.EPERM, true
		}
		size, err := e.Pipe().SetSize(n)
		return uintptr(size), err, true
	case fAddSeals, fGetSeals:
		mf, isMemfd := d.File.(*memfd.File)
		if !isMemfd {
			return 0, kerr.EINVAL, true
		}
		if cmd == fGetSeals {
			return uintptr(mf.Seals()), nil, true
		}
		if d.CanWrite() != nil {
			return 0, kerr.EPERM, true
		}
		return 0, mf.AddSeals(int(int32(arg))), true
	}
	return 0, nil, false
}

// File ioctls (<asm-generic/ioctls.h>).
const (
	fionread = 0x541b
	fionbio  = 0x5421
	fionclex = 0x5450
	fioclex  = 0x5451
)

// ioctlFile serves the ioctls every descriptor has (ioctl_fionread(2),
// FIONBIO, FIOCLEX, FIONCLEX); ok is false for the others.
func ioctlFile(t *core.Task, fd int, d *fs.FileDescription, cmd uint32, arg uintptr) (r uintptr, err error, ok bool) {
	switch cmd {
	case fioclex, fionclex:
		return 0, t.FDs().SetCloseOnExec(fd, cmd == fioclex), true
	case fionbio:
		v, err := copyInU32(t, arg)
		if err != nil {
			return 0, err, true
		}
		f := d.Flags() &^ fs.FlagNonblock
		if v != 0 {
			f |= fs.FlagNonblock
		}
		d.SetFlags(f)
		return 0, nil, true
	case fionread:
		var n int64
		if e, isPipe := d.File.(pipe.End); isPipe {
			n = int64(e.Pipe().Buffered())
		} else if q, ok := inotifyQueued(d); ok {
			n = q
		} else {
			st, err := d.File.Stat()
			if err != nil {
				return 0, err, true
			}
			if st.Mode&fs.ModeTypeMask != fs.ModeRegular {
				return 0, nil, false
			}
			pos, err := d.File.Seek(0, 1)
			if err != nil {
				return 0, err, true
			}
			n = max(st.Size-pos, 0)
		}
		return 0, copyOutU32(t, arg, uint32(min(n, math.MaxInt32))), true
	}
	return 0, nil, false
}

func copyInU32(t *core.Task, addr uintptr) (uint32, error) {
	var b [4]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return le.Uint32(b[:]), nil
}

// --- positioned vector I/O ---

// preadv2(2) flags.
const (
	rwfHipri  = 0x1
	rwfDsync  = 0x2
	rwfSync   = 0x4
	rwfNowait = 0x8
	rwfAppend = 0x10
)

func sysPreadv(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[3]) < 0 {
		return 0, kerr.EINVAL
	}
	return doReadv(t, a[0], a[1], a[2], int64(a[3]))
}

func sysPwritev(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[3]) < 0 {
		return 0, kerr.EINVAL
	}
	return doWritev(t, a[0], a[1], a[2], int64(a[3]))
}

// rwv2Offset checks preadv2/pwritev2's offset and flags: -1 means the
// file position; the hints that change nothing without O_DIRECT or a
// disk are accepted, the rest are EOPNOTSUPP as on a file that cannot
// honour them.
func rwv2Offset(off, flags uintptr) (int64, error) {
	if flags&^(rwfHipri|rwfDsync|rwfSync) != 0 {
		return 0, kerr.EOPNOTSUPP
	}
	o := int64(off)
	if o < -1 {
		return 0, kerr.EINVAL
	}
	return o, nil
}

func sysPreadv2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	off, err := rwv2Offset(a[3], a[5])
	if err != nil {
		return 0, err
	}
	return doReadv(t, a[0], a[1], a[2], off)
}

func sysPwritev2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	off, err := rwv2Offset(a[3], a[5])
	if err != nil {
		return 0, err
	}
	return doWritev(t, a[0], a[1], a[2], off)
}

// --- in-kernel copies ---

// splice(2) flags.
const spliceFNonblock = 0x2

// copyEnd is one side of an in-kernel copy: a description and an optional
// offset in guest memory (nil pointer: the file position).
type copyEnd struct {
	d       *fs.FileDescription
	offAddr uintptr
	off     int64 // -1: use the file position
}

func (e *copyEnd) load(t *core.Task) error {
	e.off = -1
	if e.offAddr == 0 {
		return nil
	}
	v, err := copyInU64(t, e.offAddr)
	if err != nil {
		return err
	}
	if int64(v) < 0 {
		return kerr.EINVAL
	}
	e.off = int64(v)
	return nil
}

func (e *copyEnd) store(t *core.Task, n int) error {
	if e.offAddr == 0 {
		return nil
	}
	return copyOutU64(t, e.offAddr, uint64(e.off+int64(n)))
}

func (e *copyEnd) read(b []byte) (int, error) {
	if e.off >= 0 {
		return e.d.File.ReadAt(b, e.off)
	}
	return e.d.File.Read(b)
}

func (e *copyEnd) write(b []byte) (int, error) {
	if e.off >= 0 {
		return e.d.File.WriteAt(b, e.off)
	}
	return e.d.File.Write(b)
}

// copyOnce moves up to n bytes from src to dst through a kernel buffer:
// one read (waiting for input unless nonblock), then writes until it is
// all out. It is how splice, tee and copy_file_range are done here,
// without sharing pages. peek reads src without consuming (tee).
func copyOnce(t *core.Task, src, dst *copyEnd, n uintptr, nonblock bool, peek func([]byte) (int, error)) (uintptr, error) {
	if n == 0 {
		return 0, nil
	}
	bp := ioBuffers.Get().(*[]byte)
	defer ioBuffers.Put(bp)
	buf := (*bp)[:min(n, ioChunk)]
	if out, isPipe := dst.d.File.(pipe.End); isPipe {
		// Take no more than the output pipe can hold, so that nothing
		// read is left unwritten (another writer racing for the room
		// can still make the write short).
		for {
			room, err := out.Pipe().Room()
			if err == kerr.EPIPE {
				t.SendSignal(&core.SigInfo{Signo: core.SIGPIPE, Code: core.SIUser, PID: int32(t.Group().PID())})
				return 0, err
			}
			if room > 0 {
				buf = buf[:min(len(buf), room)]
				break
			}
			if nonblock || dst.d.Flags()&fs.FlagNonblock != 0 {
				return 0, kerr.EAGAIN
			}
			if werr := waitFile(t, dst.d, fs.EventOut); werr != nil {
				return 0, werr
			}
		}
	}
	read := src.read
	if peek != nil {
		read = peek
	}
	var got int
	var err error
	for {
		got, err = read(buf)
		if err != kerr.EAGAIN || nonblock || !mustWait(src.d, err) {
			break
		}
		if werr := waitFile(t, src.d, fs.EventIn); werr != nil {
			return 0, werr
		}
	}
	if got == 0 {
		return 0, err
	}
	done := 0
	var werr error
	for done < got {
		var m int
		m, werr = dst.write(buf[done:got])
		if dst.off >= 0 {
			dst.off += int64(m)
		}
		done += m
		if werr == nil {
			continue
		}
		if werr == kerr.EAGAIN && !nonblock && mustWait(dst.d, werr) {
			if waitFile(t, dst.d, fs.EventOut) == nil {
				continue
			}
		}
		if werr == kerr.EPIPE {
			t.SendSignal(&core.SigInfo{Signo: core.SIGPIPE, Code: core.SIUser, PID: int32(t.Group().PID())})
		}
		break
	}
	if done < got && src.off < 0 && peek == nil && !isPipeEnd(src.d) {
		// Give back what was read but not written, so the input's
		// position stays true.
		src.d.File.Seek(int64(done-got), 1)
	}
	if dst.off >= 0 {
		dst.off -= int64(done)
	}
	if done == 0 {
		return 0, werr
	}
	return uintptr(done), nil
}

// getCopyEnds returns the two descriptions of a copy, checked for reading
// and writing (EBADF).
func getCopyEnds(t *core.Task, in, inOff, out, outOff uintptr) (*copyEnd, *copyEnd, func(), error) {
	din, err := getFile(t, in)
	if err != nil {
		return nil, nil, nil, err
	}
	dout, err := getFile(t, out)
	if err != nil {
		din.DecRef()
		return nil, nil, nil, err
	}
	release := func() { din.DecRef(); dout.DecRef() }
	if din.CanRead() != nil || dout.CanWrite() != nil {
		release()
		return nil, nil, nil, kerr.EBADF
	}
	src, dst := &copyEnd{d: din, offAddr: inOff}, &copyEnd{d: dout, offAddr: outOff}
	if err := src.load(t); err != nil {
		release()
		return nil, nil, nil, err
	}
	if err := dst.load(t); err != nil {
		release()
		return nil, nil, nil, err
	}
	return src, dst, release, nil
}

func isPipeEnd(d *fs.FileDescription) bool {
	_, ok := d.File.(pipe.End)
	return ok
}

func sysSplice(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	src, dst, release, err := getCopyEnds(t, a[0], a[1], a[2], a[3])
	if err != nil {
		return 0, err
	}
	defer release()
	inPipe, outPipe := isPipeEnd(src.d), isPipeEnd(dst.d)
	switch {
	case !inPipe && !outPipe:
		return 0, kerr.EINVAL // splice(2): neither end is a pipe
	case inPipe && src.offAddr != 0, outPipe && dst.offAddr != 0:
		return 0, kerr.ESPIPE
	case dst.d.Flags()&fs.FlagAppend != 0:
		return 0, kerr.EINVAL
	}
	n, err := copyOnce(t, src, dst, min(a[4], maxRW), a[5]&spliceFNonblock != 0, nil)
	if err != nil {
		return 0, err
	}
	if err := src.store(t, int(n)); err != nil {
		return 0, err
	}
	return n, dst.store(t, int(n))
}

func sysTee(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	src, dst, release, err := getCopyEnds(t, a[0], 0, a[1], 0)
	if err != nil {
		return 0, err
	}
	defer release()
	in, ok := src.d.File.(*pipe.ReadEnd)
	if !ok || !isPipeEnd(dst.d) || in.Pipe() == dst.d.File.(pipe.End).Pipe() {
		return 0, kerr.EINVAL // tee(2): both must be pipes, and not the same
	}
	return copyOnce(t, src, dst, min(a[2], maxRW), a[3]&spliceFNonblock != 0, in.Pipe().Peek)
}

func sysCopyFileRange(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[5] != 0 {
		return 0, kerr.EINVAL
	}
	src, dst, release, err := getCopyEnds(t, a[0], a[1], a[2], a[3])
	if err != nil {
		return 0, err
	}
	defer release()
	if dst.d.Flags()&fs.FlagAppend != 0 {
		return 0, kerr.EBADF // copy_file_range(2)
	}
	sst, err := src.d.File.Stat()
	if err != nil {
		return 0, err
	}
	dstSt, err := dst.d.File.Stat()
	if err != nil {
		return 0, err
	}
	if sst.Mode&fs.ModeTypeMask == fs.ModeDir || dstSt.Mode&fs.ModeTypeMask == fs.ModeDir {
		return 0, kerr.EISDIR
	}
	if sst.Mode&fs.ModeTypeMask != fs.ModeRegular || dstSt.Mode&fs.ModeTypeMask != fs.ModeRegular {
		return 0, kerr.EINVAL
	}
	count := min(a[4], maxRW)
	if sst.Dev == dstSt.Dev && sst.Ino == dstSt.Ino {
		// copy_file_range(2): EINVAL when the ranges of one file overlap.
		so, do := src.off, dst.off
		if so < 0 {
			so, _ = src.d.File.Seek(0, 1)
		}
		if do < 0 {
			do, _ = dst.d.File.Seek(0, 1)
		}
		if so < do+int64(count) && do < so+int64(count) {
			return 0, kerr.EINVAL
		}
	}
	var done uintptr
	for done < count {
		n, err := copyOnce(t, src, dst, count-done, true, nil)
		if src.off >= 0 {
			src.off += int64(n)
		}
		if dst.off >= 0 {
			dst.off += int64(n)
		}
		done += n
		if err != nil || n == 0 {
			if done == 0 {
				return 0, err
			}
			break
		}
	}
	if src.offAddr != 0 {
		if err := copyOutU64(t, src.offAddr, uint64(src.off)); err != nil {
			return 0, err
		}
	}
	if dst.offAddr != 0 {
		if err := copyOutU64(t, dst.offAddr, uint64(dst.off)); err != nil {
			return 0, err
		}
	}
	return done, nil
}
