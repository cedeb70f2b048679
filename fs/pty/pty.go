// Package pty implements pseudo-terminals (pty(7)): opening the
// multiplexer (/dev/ptmx) makes a pair of a master and a slave; what is
// written to the master is the slave's keyboard input, and what the slave
// writes is read from the master. Between them sits a line discipline
// (discipline.go): canonical line editing with ERASE, WERASE, KILL, EOF
// and LNEXT, echo, CR and NL translation on input and output, the INTR,
// QUIT and SUSP characters, and the VMIN and VTIME rules of raw reads
// (termios(3)). The slaves are named in a devpts filesystem (devpts.go),
// /dev/pts/N.
//
// The package is neutral: Termios (termios.go) holds the settings as flag
// words and control characters numbered the System V way, which Linux
// shares; a personality copies them to and from its own struct layout and
// decodes its ioctl numbers into the methods of Master and Slave.
//
// Job control is the kernel's: a slave that becomes the controlling
// terminal of a session (SetControl) is told the session, the foreground
// process group and an fs.JobControl, through which it sends the signals
// the typed characters and window changes generate, and reports the
// hang-up when the master closes. Which process may read, and what a
// background process group gets for trying, is decided by the kernel too.
//
// Ends never block: they return EAGAIN and announce readiness on their
// wait queues (one per side), and the syscall layer waits. Each pair has
// one lock; it is a leaf (no other lock is taken under it), and the
// JobControl is only called after it is released.
package pty

import (
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Capacities of the two directions. Linux's line discipline keeps 4096
// bytes of input, and a canonical line is at most 4095 characters long
// plus its terminator.
const (
	inputCap  = 4096
	maxLine   = 4095
	outputCap = 16 << 10
)

// Device numbers (Linux's devices.txt): the slaves are 136:N, the
// multiplexer 5:2.
const (
	slaveMajor = 136
	ptmxRdev   = 5<<8 | 2
)

// Signals the discipline generates, numbered as fs.JobControl says.
const (
	sigHUP   = 1
	sigINT   = 2
	sigQUIT  = 3
	sigCONT  = 18
	sigTSTP  = 20
	sigWINCH = 28
)

// pair is one pseudo-terminal: the master's and slave's shared state.
type pair struct {
	fs    *FS
	index int

	mu       sync.Mutex
	termios  Termios // one set for the pair, as Linux's master ioctls reach the slave's
	winsize  WindowSize
	locked   bool   // TIOCSPTLCK: the slave cannot be opened yet
	uid, gid uint32 // the owner and group of /dev/pts/N
	stopped  bool   // output stopped by the STOP character (IXON)

	// Input, from the master towards the slave's reads: rbuf holds the
	// readable bytes; in canonical mode lines holds the length of each
	// completed line at its head (0: an end of file), and line is the
	// line still being edited.
	rbuf  []byte
	lines []int
	line  []byte
	lnext bool // the previous character was LNEXT
	// vtime is the VTIME timer of a raw read; vtimeUp says it fired.
	vtime   *time.Timer
	vtimeUp bool

	// obuf is the output, from the slave (and echoes) towards the
	// master's reads; echoStart is where the echoes of the master write
	// being processed begin.
	obuf      []byte
	echoStart int

	masterClosed bool
	slaves       int  // open slave files
	slaveClosed  bool // the last slave file closed: master reads fail with EIO

	// Job control: the session this is the controlling terminal of (0:
	// none), its foreground process group, and the kernel to signal.
	sid, pgrp int
	jc        fs.JobControl

	mq, sq fs.WaitQueue // readiness of the master and the slave
}

// signal is one signal for the job control to send once the lock is
// released.
type signal struct {
	pgrp, sig int
}

func (p *pair) send(jc fs.JobControl, sigs []signal) {
	if jc == nil {
		return
	}
	for _, s := range sigs {
		jc.SignalGroup(s.pgrp, s.sig)
	}
}

// Master is the master side of a pair, the file opening /dev/ptmx gives.
type Master struct{ p *pair }

// Slave is one open file of a pair's slave side, /dev/pts/N.
type Slave struct {
	p      *pair
	closed bool
}

var (
	_ fs.File     = (*Master)(nil)
	_ fs.Pollable = (*Master)(nil)
	_ fs.Terminal = (*Master)(nil)
	_ fs.File     = (*Slave)(nil)
	_ fs.Pollable = (*Slave)(nil)
	_ fs.Terminal = (*Slave)(nil)
)

// Index is the pair's number N, as in /dev/pts/N (TIOCGPTN).
func (m *Master) Index() int { return m.p.index }

// SetOwner names the owner of /dev/pts/N: the kernel gives it the
// opener of /dev/ptmx, as devpts does.
func (m *Master) SetOwner(uid uint32) {
	m.p.mu.Lock()
	m.p.uid = uid
	m.p.mu.Unlock()
}

// SetLocked locks or unlocks the slave (TIOCSPTLCK; unlockpt(3) unlocks).
func (m *Master) SetLocked(on bool) {
	m.p.mu.Lock()
	m.p.locked = on
	m.p.mu.Unlock()
}

// Locked reports whether the slave is locked (TIOCGPTLCK).
func (m *Master) Locked() bool {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	return m.p.locked
}

// OpenSlave opens the slave as /dev/pts/N would (TIOCGPTPEER): EIO while
// it is locked or after the master closed.
func (m *Master) OpenSlave() (*Slave, error) { return m.p.openSlave() }

func (p *pair) openSlave() (*Slave, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.locked || p.masterClosed {
		return nil, kerr.EIO
	}
	p.slaves++
	p.slaveClosed = false
	return &Slave{p: p}, nil
}

// Read takes what the slave wrote. Once every slave file has closed, and
// the output is drained, it fails with EIO as Linux's does.
func (m *Master) Read(b []byte) (int, error) {
	p := m.p
	p.mu.Lock()
	if len(b) == 0 {
		p.mu.Unlock()
		return 0, nil
	}
	if len(p.obuf) == 0 {
		closed := p.slaveClosed
		p.mu.Unlock()
		if closed {
			return 0, kerr.EIO
		}
		return 0, kerr.EAGAIN
	}
	n := copy(b, p.obuf)
	p.obuf = p.obuf[n:]
	if len(p.obuf) == 0 {
		p.obuf = nil
	}
	p.mu.Unlock()
	p.sq.Notify(fs.EventOut)
	return n, nil
}

// Write types b at the slave's keyboard: the discipline processes each
// byte (echoing, editing, signalling). It takes what fits, EAGAIN if
// nothing does.
func (m *Master) Write(b []byte) (int, error) {
	p := m.p
	p.mu.Lock()
	n, sigs := p.receiveLocked(b)
	jc := p.jc
	p.mu.Unlock()
	p.send(jc, sigs)
	if n > 0 {
		p.sq.Notify(fs.EventIn)
		p.mq.Notify(fs.EventIn)
	}
	if n == 0 && len(b) > 0 {
		return 0, kerr.EAGAIN
	}
	return n, nil
}

func (m *Master) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (m *Master) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (m *Master) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }

// Stat describes /dev/ptmx, which the master was opened through.
func (m *Master) Stat() (fs.Stat, error) {
	return fs.Stat{Dev: m.p.fs.dev, Ino: ptmxIno, Mode: fs.ModeChar | 0o666, Nlink: 1, Rdev: ptmxRdev, Blksize: 1024}, nil
}

// Close closes the master: the slave hangs up (its reads see end of file,
// its writes EIO), its session is told, and /dev/pts/N goes away.
func (m *Master) Close() error {
	p := m.p
	p.mu.Lock()
	p.masterClosed = true
	sid, jc := p.sid, p.jc
	p.sid, p.pgrp, p.jc = 0, 0, nil
	if p.vtime != nil {
		p.vtime.Stop()
	}
	p.mu.Unlock()
	p.fs.remove(p.index)
	p.sq.Notify(fs.EventIn | fs.EventOut | fs.EventHup | fs.EventErr)
	if jc != nil && sid != 0 {
		jc.Hangup(sid)
	}
	return nil
}

// Readiness implements fs.Pollable: readable with output waiting,
// writable while the input has room, hung up once the slave closed.
func (m *Master) Readiness(mask fs.Events) fs.Events {
	p := m.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev fs.Events
	if len(p.obuf) > 0 {
		ev |= fs.EventIn
	}
	if p.slaveClosed {
		ev |= fs.EventHup
	}
	if p.inputRoomLocked() > 0 {
		ev |= fs.EventOut
	}
	return ev & (mask | fs.EventHup)
}

// WaitQueue implements fs.Pollable.
func (m *Master) WaitQueue() *fs.WaitQueue { return &m.p.mq }

// IsTerminal implements fs.Terminal: the master is a terminal too.
func (m *Master) IsTerminal() bool { return true }

// WindowSize implements fs.Terminal.
func (m *Master) WindowSize() (rows, cols uint16, err error) { return m.p.windowSize() }

// Window returns the pair's window size (TIOCGWINSZ).
func (m *Master) Window() WindowSize { return m.p.window() }

// SetWindow changes the pair's window size (TIOCSWINSZ on either side).
func (m *Master) SetWindow(w WindowSize) { m.p.setWindow(w) }

// ForegroundGroup is the foreground process group, which the master may
// ask for whether or not it is anyone's controlling terminal
// (TIOCGPGRP); 0 if none.
func (m *Master) ForegroundGroup() int {
	_, pgrp := m.p.control()
	return pgrp
}

// Peer returns the slave side as a handle that is no open file (closing
// it does nothing), for the job control requests (TIOCGSID, TIOCSPGRP)
// a master answers for its slave.
func (m *Master) Peer() *Slave { return &Slave{p: m.p, closed: true} }

// Read reads typed input under the discipline's rules: a line at a time
// in canonical mode, VMIN and VTIME otherwise; end of file once the
// master has closed.
func (s *Slave) Read(b []byte) (int, error) {
	p := s.p
	p.mu.Lock()
	if p.masterClosed {
		p.mu.Unlock()
		return 0, nil
	}
	n, err := p.readLocked(b)
	p.mu.Unlock()
	if n > 0 {
		p.mq.Notify(fs.EventOut)
	}
	return n, err
}

// Write sends b to the master's reader through output processing. It
// takes what fits (EAGAIN if nothing does), and fails with EIO once the
// master has closed.
func (s *Slave) Write(b []byte) (int, error) {
	p := s.p
	p.mu.Lock()
	if p.masterClosed {
		p.mu.Unlock()
		return 0, kerr.EIO
	}
	if p.stopped {
		p.mu.Unlock()
		return 0, kerr.EAGAIN
	}
	n := 0
	for n < len(b) && outputCap-len(p.obuf) >= 2 {
		p.outputLocked(b[n])
		n++
	}
	p.mu.Unlock()
	if n == 0 && len(b) > 0 {
		return 0, kerr.EAGAIN
	}
	p.mq.Notify(fs.EventIn)
	return n, nil
}

func (s *Slave) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (s *Slave) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (s *Slave) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }

// Stat describes /dev/pts/N.
func (s *Slave) Stat() (fs.Stat, error) { return s.p.fs.slaveStat(s.p), nil }

// Close closes this slave file; with the last one the master's reads
// fail with EIO.
func (s *Slave) Close() error {
	p := s.p
	p.mu.Lock()
	if s.closed {
		p.mu.Unlock()
		return nil
	}
	s.closed = true
	p.slaves--
	if p.slaves == 0 {
		p.slaveClosed = true
	}
	p.mu.Unlock()
	p.mq.Notify(fs.EventHup | fs.EventIn)
	return nil
}

// Readiness implements fs.Pollable: readable when a read would return
// (a line, or what VMIN and VTIME ask for), writable while the output has
// room; everything at once after a hang-up, as for Linux's hung-up files.
func (s *Slave) Readiness(mask fs.Events) fs.Events {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.masterClosed {
		return (fs.EventIn | fs.EventOut | fs.EventErr | fs.EventHup) & (mask | fs.EventHup | fs.EventErr)
	}
	var ev fs.Events
	if p.readableLocked() {
		ev |= fs.EventIn
	}
	if !p.stopped && outputCap-len(p.obuf) >= 2 {
		ev |= fs.EventOut
	}
	return ev & mask
}

// WaitQueue implements fs.Pollable.
func (s *Slave) WaitQueue() *fs.WaitQueue { return &s.p.sq }

// IsTerminal implements fs.Terminal.
func (s *Slave) IsTerminal() bool { return true }

// WindowSize implements fs.Terminal.
func (s *Slave) WindowSize() (rows, cols uint16, err error) { return s.p.windowSize() }

// Index is N, as in /dev/pts/N.
func (s *Slave) Index() int { return s.p.index }

// Termios returns the settings the discipline applies (TCGETS).
func (s *Slave) Termios() Termios {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.termios
}

// SetTermios changes the settings (TCSETS); with flush, pending input is
// discarded first (TCSETSF, TCSAFLUSH). Output is never held back, so
// TCSETSW has nothing to wait for.
func (s *Slave) SetTermios(t Termios, flush bool) {
	p := s.p
	p.mu.Lock()
	if flush {
		p.flushInputLocked()
	}
	p.setTermiosLocked(t)
	p.mu.Unlock()
	p.sq.Notify(fs.EventIn)
}

// StopsBackgroundWrites reports whether TOSTOP is set: then a process of
// a background group writing to its controlling terminal is stopped with
// SIGTTOU (termios(3); the check is kernel/core's TerminalWrite).
func (s *Slave) StopsBackgroundWrites() bool {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.termios.Lflag&TOSTOP != 0
}

// Window returns the window size (TIOCGWINSZ).
func (s *Slave) Window() WindowSize { return s.p.window() }

// SetWindow changes the window size (TIOCSWINSZ).
func (s *Slave) SetWindow(w WindowSize) { s.p.setWindow(w) }

// Flush discards pending input, output or both (TCFLSH, tcflush(3)).
func (s *Slave) Flush(input, output bool) { s.p.flush(input, output) }

// Flush discards, from the master's side: its input is the slave's
// output.
func (m *Master) Flush(input, output bool) { m.p.flush(output, input) }

func (p *pair) flush(input, output bool) {
	p.mu.Lock()
	if input {
		p.flushInputLocked()
	}
	if output {
		p.obuf = nil
	}
	p.mu.Unlock()
	p.sq.Notify(fs.EventOut)
	p.mq.Notify(fs.EventOut)
}

// Buffered is how many bytes a read could take now (FIONREAD).
func (s *Slave) Buffered() int {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if s.p.termios.Lflag&ICANON != 0 {
		n := 0
		for _, l := range s.p.lines {
			n += l
		}
		return n
	}
	return len(s.p.rbuf)
}

// Buffered is how many bytes of output wait for the master (FIONREAD).
func (m *Master) Buffered() int {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	return len(m.p.obuf)
}

// TerminalID identifies the terminal: every file of one slave has the
// same.
func (s *Slave) TerminalID() any { return s.p }

// Reopen opens the slave again, as /dev/tty does for the controlling
// terminal.
func (s *Slave) Reopen() (fs.File, error) {
	sl, err := s.p.openSlave()
	if err != nil {
		return nil, err
	}
	return sl, nil
}

// Control returns the session this is the controlling terminal of and
// its foreground process group (0, 0: none).
func (s *Slave) Control() (sid, pgrp int) { return s.p.control() }

// SetControl makes the terminal the controlling terminal of session sid
// with foreground group pgrp, signalled through jc; sid 0 makes it no
// session's.
func (s *Slave) SetControl(sid, pgrp int, jc fs.JobControl) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if sid == 0 {
		p.sid, p.pgrp, p.jc = 0, 0, nil
		return
	}
	p.sid, p.pgrp, p.jc = sid, pgrp, jc
}

// SetForeground changes the foreground process group (TIOCSPGRP, after
// the kernel's checks).
func (s *Slave) SetForeground(pgrp int) {
	s.p.mu.Lock()
	s.p.pgrp = pgrp
	s.p.mu.Unlock()
}

func (p *pair) control() (sid, pgrp int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sid, p.pgrp
}

func (p *pair) windowSize() (rows, cols uint16, err error) {
	w := p.window()
	return w.Rows, w.Cols, nil
}

func (p *pair) window() WindowSize {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.winsize
}

// setWindow changes the size; a change signals SIGWINCH to the
// foreground process group (tty_ioctl(4), TIOCSWINSZ).
func (p *pair) setWindow(w WindowSize) {
	p.mu.Lock()
	changed := p.winsize != w
	p.winsize = w
	pgrp, jc := p.pgrp, p.jc
	p.mu.Unlock()
	if changed && pgrp != 0 {
		p.send(jc, []signal{{pgrp, sigWINCH}})
	}
}
