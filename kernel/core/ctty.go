package core

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// The controlling terminal of a session (see credentials(7), "Sessions
// and process groups", and tty_ioctl(4), "Controlling terminal"): a
// session leader without one acquires a terminal by opening it without
// O_NOCTTY or with TIOCSCTTY; its processes then open it as /dev/tty,
// the terminal signals its foreground process group, and it hangs up the
// session when it goes away.
//
// Each process keeps its session's terminal in ThreadGroup.ctty (guarded
// by Kernel.mu), as Linux keeps it in signal_struct: fork copies it and
// setsid clears it. The terminal keeps its session and foreground group
// itself; its lock is taken under Kernel.mu, never the other way round.
//
// The initial session (PID 1's) is the one runos was started in: its
// terminal, if any, is the host's (/dev/tty opens runos's own standard
// input), so it never acquires one of the kernel's terminals by open(2),
// only by TIOCSCTTY.

// Terminal is a terminal of the kernel's (fs/pty's slave) that can be a
// session's controlling terminal.
type Terminal interface {
	// Control returns the session it controls and its foreground
	// process group (0, 0: none).
	Control() (sid, pgrp int)
	// SetControl makes it the controlling terminal of session sid with
	// foreground group pgrp, signalling through jc; sid 0: of none.
	SetControl(sid, pgrp int, jc fs.JobControl)
	// SetForeground changes the foreground process group.
	SetForeground(pgrp int)
	// Reopen opens the terminal again, for /dev/tty.
	Reopen() (fs.File, error)
	// TerminalID is the same for every open file of one terminal.
	TerminalID() any
	// StopsBackgroundWrites reports whether writes from a background
	// process group stop it with SIGTTOU (TOSTOP in c_lflag).
	StopsBackgroundWrites() bool
}

// TerminalAlias is what opening /dev/tty gives before the opener is
// known: the open(2) handler turns it into the opener's controlling
// terminal with OpenedFile.
type TerminalAlias interface {
	// Fallback opens /dev/tty for the initial session when it has no
	// terminal of the kernel's: the host's terminal, or an error.
	Fallback() (fs.File, error)
}

// terminalOwner is a terminal that records who made it (devpts names
// the opener of /dev/ptmx as the owner of /dev/pts/N).
type terminalOwner interface {
	SetOwner(uid uint32)
}

func sameTerminal(a, b Terminal) bool {
	return a != nil && b != nil && a.TerminalID() == b.TerminalID()
}

// jobControl is the kernel as a terminal's fs.JobControl.
type jobControl struct{ k *Kernel }

// SignalGroup implements fs.JobControl: the signal goes to every live
// process of the group, from the kernel (SI_KERNEL).
func (j jobControl) SignalGroup(pgrp, sig int) {
	for _, g := range j.k.processGroup(pgrp) {
		g.SendSignal(&SigInfo{Signo: Signal(sig), Code: SIKernel})
	}
}

// Hangup implements fs.JobControl: the session loses its terminal, and
// its leader gets SIGHUP and SIGCONT (the hang-up of termios(3), "Closing
// a terminal device"; Linux's tty_vhangup).
func (j jobControl) Hangup(sid int) {
	k := j.k
	k.mu.Lock()
	var leader *ThreadGroup
	for _, g := range k.groups {
		if g.sid != sid {
			continue
		}
		g.ctty = nil
		if g.pid == sid && !g.zombie {
			leader = g
		}
	}
	k.mu.Unlock()
	if leader != nil {
		leader.SendSignal(&SigInfo{Signo: SIGHUP, Code: SIKernel})
		leader.SendSignal(&SigInfo{Signo: SIGCONT, Code: SIKernel})
	}
}

// processGroup returns the live processes of group pgrp.
func (k *Kernel) processGroup(pgrp int) []*ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*ThreadGroup
	for _, g := range k.groups {
		if g.pgid == pgrp && !g.zombie {
			out = append(out, g)
		}
	}
	return out
}

// initialSessionLocked reports whether sid is the session runos started
// in. The caller holds k.mu.
func (k *Kernel) initialSessionLocked(sid int) bool {
	return k.init != nil && k.init.sid == sid
}

// ControllingTerminal returns tg's controlling terminal, nil if it has
// none of the kernel's.
func (tg *ThreadGroup) ControllingTerminal() Terminal {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.ctty
}

// OpenedFile finishes open(2) of f for the controlling terminal's sake:
// /dev/tty (a TerminalAlias) becomes a new open of t's controlling
// terminal (ENXIO if there is none, see tty(4)); a terminal opened
// without noctty becomes the controlling terminal of a session leader
// that has none, if no other session has it. f itself is returned
// otherwise.
func (t *Task) OpenedFile(f fs.File, noctty bool) (fs.File, error) {
	k, tg := t.k, t.tg
	if a, ok := f.(TerminalAlias); ok {
		k.mu.Lock()
		ctty, initial := tg.ctty, k.initialSessionLocked(tg.sid)
		k.mu.Unlock()
		if initial && ctty == nil {
			return a.Fallback() // hands the file over
		}
		f.Close()
		if ctty == nil {
			return nil, kerr.ENXIO
		}
		return ctty.Reopen()
	}
	if o, ok := f.(terminalOwner); ok {
		o.SetOwner(tg.Credentials().FSUID)
	}
	term, ok := f.(Terminal)
	if !ok || noctty {
		return f, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if tg.pid != tg.sid || tg.ctty != nil || k.initialSessionLocked(tg.sid) {
		return f, nil
	}
	if sid, _ := term.Control(); sid != 0 {
		return f, nil
	}
	term.SetControl(tg.sid, tg.pgid, jobControl{k})
	tg.ctty = term
	return f, nil
}

// SetControllingTerminal is TIOCSCTTY: t's process, a session leader
// without a controlling terminal, makes term its own. A terminal another
// session has is taken from it only with steal and privilege; and a
// terminal open only for writing needs privilege (tty_ioctl(4)).
func (t *Task) SetControllingTerminal(term Terminal, steal, readable bool) error {
	k, tg := t.k, t.tg
	privileged := tg.Credentials().Privileged()
	k.mu.Lock()
	defer k.mu.Unlock()
	sid, _ := term.Control()
	if tg.pid == tg.sid && sid == tg.sid {
		return nil // already its own
	}
	if tg.pid != tg.sid || tg.ctty != nil {
		return kerr.EPERM
	}
	if sid != 0 {
		if !steal || !privileged {
			return kerr.EPERM
		}
		for _, g := range k.groups {
			if g.sid == sid && sameTerminal(g.ctty, term) {
				g.ctty = nil
			}
		}
	}
	if !readable && !privileged {
		return kerr.EPERM
	}
	term.SetControl(tg.sid, tg.pgid, jobControl{k})
	tg.ctty = term
	return nil
}

// DropControllingTerminal is TIOCNOTTY: t's process gives up term, which
// must be its controlling terminal (ENOTTY). When the session leader
// does, the whole session loses it, and the foreground process group
// gets SIGHUP and SIGCONT.
func (t *Task) DropControllingTerminal(term Terminal) error {
	k, tg := t.k, t.tg
	k.mu.Lock()
	if !sameTerminal(tg.ctty, term) {
		k.mu.Unlock()
		return kerr.ENOTTY
	}
	if tg.pid != tg.sid {
		tg.ctty = nil
		k.mu.Unlock()
		return nil
	}
	pgrp := k.releaseTerminalLocked(tg)
	k.mu.Unlock()
	if pgrp != 0 {
		jc := jobControl{k}
		jc.SignalGroup(pgrp, int(SIGHUP))
		jc.SignalGroup(pgrp, int(SIGCONT))
	}
	return nil
}

// releaseTerminalLocked takes session leader tg's controlling terminal
// from its whole session, and returns the foreground group it had. The
// caller holds k.mu.
func (k *Kernel) releaseTerminalLocked(tg *ThreadGroup) int {
	term := tg.ctty
	if term == nil {
		return 0
	}
	sid, pgrp := term.Control()
	for _, g := range k.groups {
		if g.sid == tg.sid && sameTerminal(g.ctty, term) {
			g.ctty = nil
		}
	}
	if sid != tg.sid {
		return 0
	}
	term.SetControl(0, 0, nil)
	return pgrp
}

// sessionLeaderExited runs when a session leader ends: its session
// loses the terminal and the foreground group gets SIGHUP (see _exit(2);
// Linux sends no SIGCONT here, unlike TIOCNOTTY).
func (k *Kernel) sessionLeaderExited(tg *ThreadGroup) {
	k.mu.Lock()
	pgrp := 0
	if tg.pid == tg.sid {
		pgrp = k.releaseTerminalLocked(tg)
	}
	k.mu.Unlock()
	if pgrp != 0 {
		jobControl{k}.SignalGroup(pgrp, int(SIGHUP))
	}
}

// checkTerminal returns term's session, or ENOTTY unless term is t's
// controlling terminal. A master asks for its slave (fromMaster) with
// no such check, as Linux lets it.
func (t *Task) checkTerminal(term Terminal, fromMaster bool) error {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if !fromMaster && !sameTerminal(t.tg.ctty, term) {
		return kerr.ENOTTY
	}
	return nil
}

// ForegroundGroup is TIOCGPGRP (tcgetpgrp(3)): ENOTTY unless term is t's
// controlling terminal or asked through its master.
func (t *Task) ForegroundGroup(term Terminal, fromMaster bool) (int, error) {
	if err := t.checkTerminal(term, fromMaster); err != nil {
		return 0, err
	}
	_, pgrp := term.Control()
	return pgrp, nil
}

// TerminalSession is TIOCGSID (tcgetsid(3)): the session term controls;
// ENOTTY unless it is t's controlling terminal (or asked through its
// master) and controls one.
func (t *Task) TerminalSession(term Terminal, fromMaster bool) (int, error) {
	if err := t.checkTerminal(term, fromMaster); err != nil {
		return 0, err
	}
	sid, _ := term.Control()
	if sid == 0 {
		return 0, kerr.ENOTTY
	}
	return sid, nil
}

// SetForegroundGroup is TIOCSPGRP (tcsetpgrp(3)): term must be t's
// controlling terminal (ENOTTY), pgrp a process group of its session
// (EPERM; ESRCH if none has that number). A background process is
// stopped by SIGTTOU first, as for any change of the terminal
// (TerminalChange); Linux turns that check's EIO (an orphaned group)
// into ENOTTY here.
func (t *Task) SetForegroundGroup(term Terminal, pgrp int) error {
	k, tg := t.k, t.tg
	if pgrp < 0 {
		return kerr.EINVAL
	}
	if err := t.TerminalChange(term); err != nil {
		if err == kerr.EIO {
			return kerr.ENOTTY
		}
		return err
	}
	k.mu.Lock()
	sid, _ := term.Control()
	if !sameTerminal(tg.ctty, term) || sid != tg.sid {
		k.mu.Unlock()
		return kerr.ENOTTY
	}
	found, inSession := false, false
	for _, g := range k.groups {
		if g.pgid == pgrp && !g.zombie {
			found = true
			if g.sid == sid {
				inSession = true
			}
		}
	}
	k.mu.Unlock()
	switch {
	case !found:
		return kerr.ESRCH
	case !inSession:
		return kerr.EPERM
	}
	term.SetForeground(pgrp)
	return nil
}

// ignoresOrBlocks reports whether t would not be stopped by sig now.
func (t *Task) ignoresOrBlocks(sig Signal) bool {
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.handlers.Get(sig).Handler == SigIgnore || t.sigMask.Has(sig)
}

// TerminalRead is the job control check before t reads f (termios(3),
// "Job control"): a process of a background group reading its
// controlling terminal stops its group with SIGTTIN and the read
// restarts once it continues; if SIGTTIN is ignored or blocked, or the
// group is orphaned (nobody would continue it), the read fails with
// EIO. Other files and other terminals pass.
func (t *Task) TerminalRead(f fs.File) error {
	term, ok := f.(Terminal)
	if !ok {
		return nil
	}
	return t.terminalCheck(term, SIGTTIN)
}

// TerminalWrite is the job control check before t writes f: with TOSTOP
// set, a process of a background group writing its controlling terminal
// stops its group with SIGTTOU and the write restarts once it continues
// (termios(3), TOSTOP). Unlike a read, a write whose SIGTTOU is ignored
// or blocked goes ahead; one from an orphaned group fails with EIO.
// Without TOSTOP, and for other files, writes pass.
func (t *Task) TerminalWrite(f fs.File) error {
	term, ok := f.(Terminal)
	if !ok || !term.StopsBackgroundWrites() {
		return nil
	}
	return t.terminalCheck(term, SIGTTOU)
}

// TerminalChange is the job control check before t changes term's
// settings or queues: tcsetattr, tcflush, tcdrain, tcflow, tcsendbreak
// and tcsetpgrp from a background group stop it with SIGTTOU, whatever
// TOSTOP says (termios(3), "Job control"), as a TOSTOP write does.
func (t *Task) TerminalChange(term Terminal) error { return t.terminalCheck(term, SIGTTOU) }

// terminalCheck is Linux's tty_check_change for sig: nothing unless term
// is t's controlling terminal and another group is in the foreground;
// then an ignored or blocked sig lets the call go ahead (SIGTTOU) or
// fails it with EIO (SIGTTIN); an orphaned group fails with EIO, as no
// one would continue it; otherwise sig stops t's group and the call
// restarts once it continues (ERESTARTSYS).
func (t *Task) terminalCheck(term Terminal, sig Signal) error {
	k, tg := t.k, t.tg
	k.mu.Lock()
	if !sameTerminal(tg.ctty, term) {
		k.mu.Unlock()
		return nil
	}
	_, fg := term.Control()
	own := tg.pgid
	orphaned := k.orphanedLocked(own, tg.sid)
	k.mu.Unlock()
	if fg == 0 || fg == own {
		return nil
	}
	if t.ignoresOrBlocks(sig) {
		if sig == SIGTTIN {
			return kerr.EIO
		}
		return nil
	}
	if orphaned {
		return kerr.EIO
	}
	jobControl{k}.SignalGroup(own, int(sig))
	return kerr.ERESTARTSYS
}

// orphanedLocked reports whether process group pgrp of session sid is
// orphaned: no member has a parent in another group of the same session
// (see credentials(7) and POSIX's "orphaned process group"). The caller
// holds k.mu.
func (k *Kernel) orphanedLocked(pgrp, sid int) bool {
	for _, g := range k.groups {
		if g.pgid != pgrp || g.zombie {
			continue
		}
		if p := g.parent; p != nil && p.pgid != pgrp && p.sid == sid {
			return false
		}
	}
	return true
}
