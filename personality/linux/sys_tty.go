package linux

import (
	"strconv"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pty"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Terminal ioctls of the pseudo-terminals (tty_ioctl(4), pts(4)): the
// numbers of <asm-generic/ioctls.h> and the struct termios, termios2 and
// winsize layouts are decoded here; fs/pty keeps the terminal and
// kernel/core (ctty.go) the job control.
const (
	tcsets      = 0x5402
	tcsetsw     = 0x5403
	tcsetsf     = 0x5404
	tcsbrk      = 0x5409
	tcxonc      = 0x540a
	tcflsh      = 0x540b
	tiocsctty   = 0x540e
	tiocgpgrp   = 0x540f
	tiocspgrp   = 0x5410
	tiocoutq    = 0x5411
	tiocswinsz  = 0x5414
	tiocnotty   = 0x5422
	tcsbrkp     = 0x5425
	tiocgsid    = 0x5429
	tcgets2     = 0x802c542a
	tcsets2     = 0x402c542b
	tcsetsw2    = 0x402c542c
	tcsetsf2    = 0x402c542d
	tiocgptn    = 0x80045430
	tiocsptlck  = 0x40045431
	tiocgptlck  = 0x80045439
	tiocgptpeer = 0x5441
)

// tcflush(3) queue selectors.
const (
	tciflush  = 0
	tcoflush  = 1
	tcioflush = 2
)

// Sizes of struct termios (<asm-generic/termbits.h>: four tcflag_t,
// c_line, c_cc[19]) and struct termios2 (the same, then c_ispeed and
// c_ospeed).
const (
	termiosSize  = 36
	termios2Size = 44
)

// ioctlTTY serves the terminal ioctls on either end of a pseudo-terminal;
// ok is false for other files.
func ioctlTTY(t *core.Task, d *fs.FileDescription, cmd uint32, arg uintptr) (r uintptr, err error, ok bool) {
	switch f := d.File.(type) {
	case *pty.Slave:
		r, err = ioctlSlave(t, d, f, cmd, arg)
	case *pty.Master:
		r, err = ioctlMaster(t, f, cmd, arg)
	default:
		return 0, nil, false
	}
	return r, err, true
}

// ioctlMaster is an ioctl on the master. Termios, window size and job
// control requests concern the pair's slave, as Linux's do.
func ioctlMaster(t *core.Task, m *pty.Master, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case tiocgptn:
		return 0, copyOutU32(t, arg, uint32(m.Index()))
	case tiocsptlck:
		v, err := copyInU32(t, arg)
		if err != nil {
			return 0, err
		}
		m.SetLocked(v != 0)
		return 0, nil
	case tiocgptlck:
		var v uint32
		if m.Locked() {
			v = 1
		}
		return 0, copyOutU32(t, arg, v)
	case tiocgptpeer:
		return openPeer(t, m, int(arg))
	case tcgets, tcgets2, tcsets, tcsetsw, tcsetsf, tcsets2, tcsetsw2, tcsetsf2:
		// Linux applies the termios requests on a master to its slave.
		return ioctlTermios(t, m.Peer(), cmd, arg)
	case tcflsh:
		return 0, flush(arg, m.Flush)
	case fionread:
		return 0, copyOutU32(t, arg, uint32(m.Buffered()))
	case tiocgpgrp:
		return 0, copyOutU32(t, arg, uint32(m.ForegroundGroup()))
	case tiocnotty:
		return 0, kerr.ENOTTY // the master is nobody's controlling terminal
	}
	return ioctlCommon(t, m.Peer(), true, cmd, arg)
}

// ioctlSlave is an ioctl on the slave.
func ioctlSlave(t *core.Task, d *fs.FileDescription, s *pty.Slave, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case tcgets, tcgets2, tcsets, tcsetsw, tcsetsf, tcsets2, tcsetsw2, tcsetsf2:
		return ioctlTermios(t, s, cmd, arg)
	case tcflsh, tcsbrk, tcsbrkp, tcxonc:
		// tcflush, tcdrain, tcsendbreak and tcflow from a background
		// job stop it with SIGTTOU (Linux checks them on the slave
		// only: the master is nobody's controlling terminal).
		if err := t.TerminalChange(s); err != nil {
			return 0, err
		}
		if cmd == tcflsh {
			return 0, flush(arg, s.Flush)
		}
	case fionread:
		return 0, copyOutU32(t, arg, uint32(s.Buffered()))
	case tiocgpgrp:
		pgrp, err := t.ForegroundGroup(s, false)
		if err != nil {
			return 0, err
		}
		return 0, copyOutU32(t, arg, uint32(pgrp))
	case tiocnotty:
		return 0, t.DropControllingTerminal(s)
	case tiocgptn, tiocsptlck, tiocgptlck, tiocgptpeer:
		return 0, kerr.ENOTTY // master requests
	}
	if cmd == tiocsctty {
		return 0, t.SetControllingTerminal(s, arg == 1, d.Flags()&fs.FlagRead != 0)
	}
	return ioctlCommon(t, s, false, cmd, arg)
}

// ioctlTermios is TCGETS and TCSETS (TCSETSF flushes the input first)
// and their termios2 versions.
func ioctlTermios(t *core.Task, s *pty.Slave, cmd uint32, arg uintptr) (uintptr, error) {
	if cmd == tcgets || cmd == tcgets2 {
		return 0, copyOutTermios(t, arg, s.Termios(), cmd == tcgets2)
	}
	// A background job's tcsetattr stops it with SIGTTOU, also through
	// the master when the slave is its controlling terminal.
	if err := t.TerminalChange(s); err != nil {
		return 0, err
	}
	tio, err := copyInTermios(t, arg, cmd >= tcsets2)
	if err != nil {
		return 0, err
	}
	s.SetTermios(tio, cmd == tcsetsf || cmd == tcsetsf2)
	return 0, nil
}

// ioctlCommon serves what both ends answer alike, for the pair's slave s.
func ioctlCommon(t *core.Task, s *pty.Slave, fromMaster bool, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case tiocgwinsz:
		w := s.Window()
		var b [8]byte
		le.PutUint16(b[0:], w.Rows)
		le.PutUint16(b[2:], w.Cols)
		le.PutUint16(b[4:], w.XPixel)
		le.PutUint16(b[6:], w.YPixel)
		_, err := t.MM().CopyOut(arg, b[:])
		return 0, err
	case tiocswinsz:
		var b [8]byte
		if _, err := t.MM().CopyIn(arg, b[:]); err != nil {
			return 0, err
		}
		s.SetWindow(pty.WindowSize{Rows: le.Uint16(b[0:]), Cols: le.Uint16(b[2:]),
			XPixel: le.Uint16(b[4:]), YPixel: le.Uint16(b[6:])})
		return 0, nil
	case tiocsctty:
		// Through the master, the slave becomes the controlling
		// terminal; the master is open for reading and writing.
		return 0, t.SetControllingTerminal(s, arg == 1, true)
	case tiocspgrp:
		pgrp, err := copyInU32(t, arg)
		if err != nil {
			return 0, err
		}
		return 0, t.SetForegroundGroup(s, int(int32(pgrp)))
	case tiocgsid:
		sid, err := t.TerminalSession(s, fromMaster)
		if err != nil {
			return 0, err
		}
		return 0, copyOutU32(t, arg, uint32(sid))
	case tiocoutq:
		return 0, copyOutU32(t, arg, 0) // output never waits to be sent
	case tcsbrk, tcsbrkp, tcxonc:
		return 0, nil // tcdrain, tcsendbreak, tcflow: nothing is held back
	}
	return 0, kerr.ENOTTY
}

// openPeer is TIOCGPTPEER: a new descriptor for the slave, with the
// open(2) flags arg (access mode, O_NOCTTY, O_CLOEXEC, O_NONBLOCK).
func openPeer(t *core.Task, m *pty.Master, flags int) (uintptr, error) {
	s, err := m.OpenSlave()
	if err != nil {
		return 0, err
	}
	f, err := t.OpenedFile(s, flags&oNoctty != 0)
	if err != nil {
		return 0, err
	}
	var status int
	switch flags & 3 {
	case 0: // O_RDONLY
		status = fs.FlagRead
	case oWronly:
		status = fs.FlagWrite
	default:
		status = fs.FlagRead | fs.FlagWrite
	}
	if flags&oNonblock != 0 {
		status |= fs.FlagNonblock
	}
	d := fs.NewFileDescription(f, "/dev/pts/"+strconv.Itoa(m.Index()), status)
	fd, err := t.FDs().Allocate(d, 0, flags&oCloexec != 0)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

// flush is TCFLSH with selector arg.
func flush(arg uintptr, do func(input, output bool)) error {
	switch arg {
	case tciflush:
		do(true, false)
	case tcoflush:
		do(false, true)
	case tcioflush:
		do(true, true)
	default:
		return kerr.EINVAL
	}
	return nil
}

// copyOutTermios writes struct termios (or termios2, with the speeds).
func copyOutTermios(t *core.Task, addr uintptr, tio pty.Termios, two bool) error {
	var b [termios2Size]byte
	le.PutUint32(b[0:], tio.Iflag)
	le.PutUint32(b[4:], tio.Oflag)
	le.PutUint32(b[8:], tio.Cflag)
	le.PutUint32(b[12:], tio.Lflag)
	b[16] = tio.Line
	copy(b[17:], tio.CC[:])
	n := termiosSize
	if two {
		speed := baudRate(tio.Cflag)
		le.PutUint32(b[36:], speed)
		le.PutUint32(b[40:], speed)
		n = termios2Size
	}
	_, err := t.MM().CopyOut(addr, b[:n])
	return err
}

// copyInTermios reads struct termios (or termios2, whose speeds are not
// kept apart from c_cflag's).
func copyInTermios(t *core.Task, addr uintptr, two bool) (pty.Termios, error) {
	var b [termios2Size]byte
	n := termiosSize
	if two {
		n = termios2Size
	}
	if _, err := t.MM().CopyIn(addr, b[:n]); err != nil {
		return pty.Termios{}, err
	}
	tio := pty.Termios{Iflag: le.Uint32(b[0:]), Oflag: le.Uint32(b[4:]), Cflag: le.Uint32(b[8:]),
		Lflag: le.Uint32(b[12:]), Line: b[16]}
	copy(tio.CC[:], b[17:36])
	return tio, nil
}

// baudRate is the speed the CBAUD bits of c_cflag name (termios(3)).
func baudRate(cflag uint32) uint32 {
	rates := [...]uint32{0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400}
	const cbaud, cbaudex = 0o10017, 0o10000
	c := cflag & cbaud
	if c&cbaudex == 0 {
		return rates[c]
	}
	high := [...]uint32{0, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000}
	return high[c&^cbaudex]
}
