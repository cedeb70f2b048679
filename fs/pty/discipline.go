package pty

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// The line discipline: what happens to each byte typed at the master
// (receiveLocked) and written by the slave (outputLocked), and when a
// read of the slave may return (readableLocked, readLocked). The rules
// are termios(3)'s; where it leaves a choice, Linux's N_TTY is followed
// (what ERASE echoes, that a signal character flushes the input).

// isCtl reports whether c is a control character, as iscntrl(3) says.
func isCtl(c byte) bool { return c < 0x20 || c == 0x7f }

// is reports whether c is the control character at index i, which is
// on.
func (p *pair) is(c byte, i int) bool {
	v := p.termios.CC[i]
	return v != disabled && c == v
}

// inputRoomLocked is how many more bytes the input can hold.
func (p *pair) inputRoomLocked() int {
	return max(inputCap-len(p.rbuf)-len(p.line), 0)
}

// receiveLocked processes typed bytes until the input is full, and
// returns how many it took and the signals they generate.
func (p *pair) receiveLocked(b []byte) (int, []signal) {
	var sigs []signal
	n := 0
	p.echoStart = len(p.obuf)
	for ; n < len(b); n++ {
		if p.inputRoomLocked() == 0 {
			break
		}
		if s := p.receiveByteLocked(b[n]); s != 0 && p.pgrp != 0 {
			sigs = append(sigs, signal{p.pgrp, s})
		}
	}
	if n > 0 && p.vtime != nil {
		// A byte arrived: the VTIME timer starts again at the next read.
		p.vtime.Stop()
		p.vtime, p.vtimeUp = nil, false
	}
	return n, sigs
}

// receiveByteLocked is one typed byte; it returns the signal it generates
// (0: none).
func (p *pair) receiveByteLocked(c byte) int {
	t := &p.termios
	if t.Iflag&ISTRIP != 0 {
		c &= 0x7f
	}
	if p.lnext {
		// The character after LNEXT is taken literally.
		p.lnext = false
		p.putLocked(c)
		return 0
	}
	if t.Iflag&IXON != 0 {
		switch {
		case p.is(c, VSTOP):
			p.stopped = true
			return 0
		case p.is(c, VSTART):
			p.stopped = false
			return 0
		}
	}
	if t.Lflag&ISIG != 0 {
		sig := 0
		switch {
		case p.is(c, VINTR):
			sig = sigINT
		case p.is(c, VQUIT):
			sig = sigQUIT
		case p.is(c, VSUSP):
			sig = sigTSTP
		}
		if sig != 0 {
			// termios(3): unless NOFLSH, the input and output queues
			// are flushed. Linux's output queue is only what has not
			// reached the master's side yet, in practice the echoes of
			// this same write: those go, output already there stays.
			if t.Lflag&NOFLSH == 0 {
				p.flushInputLocked()
				p.obuf = p.obuf[:min(p.echoStart, len(p.obuf))]
			}
			p.echoLocked(c)
			return sig
		}
	}
	switch {
	case c == '\r':
		if t.Iflag&IGNCR != 0 {
			return 0
		}
		if t.Iflag&ICRNL != 0 {
			c = '\n'
		}
	case c == '\n' && t.Iflag&INLCR != 0:
		c = '\r'
	}
	if t.Lflag&ICANON == 0 {
		p.putLocked(c)
		return 0
	}
	ext := t.Lflag&IEXTEN != 0
	switch {
	case p.is(c, VERASE):
		p.eraseLocked(VERASE)
	case p.is(c, VKILL):
		p.eraseLocked(VKILL)
	case ext && p.is(c, VWERASE):
		p.eraseLocked(VWERASE)
	case ext && p.is(c, VLNEXT):
		p.lnext = true
		if t.Lflag&ECHO != 0 && t.Lflag&ECHOCTL != 0 {
			p.outRaw('^', '\b')
		}
	case ext && p.is(c, VREPRINT) && t.Lflag&ECHO != 0:
		p.echoLocked(c)
		p.outputLocked('\n')
		for _, l := range p.line {
			p.echoLocked(l)
		}
	case c == '\n':
		if t.Lflag&(ECHO|ECHONL) != 0 {
			p.outputLocked('\n')
		}
		p.line = append(p.line, c)
		p.endLineLocked()
	case p.is(c, VEOF):
		p.endLineLocked()
	case p.is(c, VEOL), ext && p.is(c, VEOL2):
		p.echoLocked(c)
		p.line = append(p.line, c)
		p.endLineLocked()
	default:
		p.putLocked(c)
	}
	return 0
}

// putLocked stores an ordinary character, echoing it.
func (p *pair) putLocked(c byte) {
	if p.termios.Lflag&ICANON == 0 {
		if p.termios.Lflag&ECHO != 0 && c == '\n' {
			p.outputLocked('\n')
		} else {
			p.echoLocked(c)
		}
		p.rbuf = append(p.rbuf, c)
		return
	}
	if len(p.line) >= maxLine {
		return // a full line takes nothing but its end
	}
	p.echoLocked(c)
	p.line = append(p.line, c)
}

// endLineLocked completes the line being edited.
func (p *pair) endLineLocked() {
	p.rbuf = append(p.rbuf, p.line...)
	p.lines = append(p.lines, len(p.line))
	p.line = p.line[:0]
}

// eraseLocked is ERASE, WERASE or KILL on the line being edited, with the
// echo ECHOE, ECHOK and ECHOKE ask for.
func (p *pair) eraseLocked(kind int) {
	t := &p.termios
	if len(p.line) == 0 {
		return
	}
	echo := t.Lflag&ECHO != 0
	if kind == VKILL && (!echo || t.Lflag&ECHOK == 0 || t.Lflag&ECHOKE == 0 || t.Lflag&ECHOE == 0) {
		// Without the visual erase the whole line is dropped at once,
		// and the KILL character (and a newline, with ECHOK) shown.
		p.line = p.line[:0]
		if echo {
			p.echoLocked(t.CC[VKILL])
			if t.Lflag&ECHOK != 0 {
				p.outRaw('\n')
			}
		}
		return
	}
	seenWord := false
	for len(p.line) > 0 {
		c := p.line[len(p.line)-1]
		if kind == VWERASE {
			word := c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
			if word {
				seenWord = true
			} else if seenWord {
				break
			}
		}
		p.line = p.line[:len(p.line)-1]
		switch {
		case !echo:
		case kind == VERASE && t.Lflag&ECHOE == 0:
			p.echoLocked(t.CC[VERASE])
		default:
			if isCtl(c) && t.Lflag&ECHOCTL != 0 {
				p.outRaw('\b', ' ', '\b')
			}
			if !isCtl(c) || t.Lflag&ECHOCTL != 0 {
				p.outRaw('\b', ' ', '\b')
			}
		}
		if kind == VERASE {
			break
		}
	}
}

// echoLocked echoes a typed character: control characters as ^X with
// ECHOCTL (except TAB and NL), through output processing otherwise.
func (p *pair) echoLocked(c byte) {
	t := &p.termios
	if t.Lflag&ECHO == 0 {
		return
	}
	if t.Lflag&ECHOCTL != 0 && isCtl(c) && c != '\t' && c != '\n' {
		p.outRaw('^', c^0x40)
		return
	}
	p.outputLocked(c)
}

// outRaw queues bytes for the master without output processing.
func (p *pair) outRaw(b ...byte) { p.obuf = append(p.obuf, b...) }

// outputLocked queues one byte for the master through output processing
// (OPOST: ONLCR, OCRNL, ONLRET).
func (p *pair) outputLocked(c byte) {
	t := &p.termios
	if t.Oflag&OPOST != 0 {
		switch {
		case c == '\n' && t.Oflag&ONLCR != 0:
			p.outRaw('\r', '\n')
			return
		case c == '\r' && t.Oflag&OCRNL != 0:
			c = '\n'
		}
	}
	p.outRaw(c)
}

// flushInputLocked discards typed input (TCIFLUSH, and what a signal
// character does unless NOFLSH).
func (p *pair) flushInputLocked() {
	p.rbuf, p.lines, p.line = nil, nil, p.line[:0]
}

// setTermiosLocked applies new settings; leaving or entering canonical
// mode turns pending input into raw bytes or into one line.
func (p *pair) setTermiosLocked(t Termios) {
	was := p.termios.Lflag&ICANON != 0
	p.termios = t
	now := t.Lflag&ICANON != 0
	switch {
	case was && !now:
		p.rbuf = append(p.rbuf, p.line...)
		p.line, p.lines = p.line[:0], nil
	case !was && now && len(p.rbuf) > 0:
		p.lines = []int{len(p.rbuf)}
	}
}

// readableLocked reports whether a read of the slave would return now
// rather than wait.
func (p *pair) readableLocked() bool {
	if p.termios.Lflag&ICANON != 0 {
		return len(p.lines) > 0
	}
	vmin, vtime := p.termios.CC[VMIN], p.termios.CC[VTIME]
	switch {
	case vmin == 0 && vtime == 0:
		return true
	case vmin == 0:
		return len(p.rbuf) > 0 || p.vtimeUp
	case vtime == 0:
		return len(p.rbuf) >= int(vmin)
	default:
		return len(p.rbuf) >= int(vmin) || len(p.rbuf) > 0 && p.vtimeUp
	}
}

// readLocked is a read of the slave. In raw mode (see termios(3),
// "Noncanonical mode") VMIN bytes end the wait, and VTIME tenths of a
// second without input do: counted from the read when VMIN is 0, from
// the last byte otherwise.
func (p *pair) readLocked(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if p.termios.Lflag&ICANON != 0 {
		if len(p.lines) == 0 {
			return 0, kerr.EAGAIN
		}
		n := copy(b, p.rbuf[:p.lines[0]])
		p.take(n)
		if p.lines[0] -= n; p.lines[0] == 0 {
			p.lines = p.lines[1:]
		}
		return n, nil
	}
	vmin, vtime := p.termios.CC[VMIN], p.termios.CC[VTIME]
	if !p.readableLocked() && !(vmin > 0 && len(p.rbuf) >= len(b)) {
		if vtime > 0 && p.vtime == nil && (vmin == 0 || len(p.rbuf) > 0) {
			p.vtime = time.AfterFunc(time.Duration(vtime)*100*time.Millisecond, func() {
				p.mu.Lock()
				p.vtimeUp = true
				p.mu.Unlock()
				p.sq.Notify(fs.EventIn)
			})
		}
		return 0, kerr.EAGAIN
	}
	if p.vtime != nil {
		p.vtime.Stop()
		p.vtime, p.vtimeUp = nil, false
	}
	n := copy(b, p.rbuf)
	p.take(n)
	return n, nil
}

// take drops n bytes from the head of the input.
func (p *pair) take(n int) {
	p.rbuf = p.rbuf[n:]
	if len(p.rbuf) == 0 {
		p.rbuf = nil
	}
}
