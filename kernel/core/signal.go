package core

import "fmt"

// Signal is a signal number in the core's numbering (see the package doc).
type Signal int

const (
	SIGHUP     Signal = 1
	SIGINT     Signal = 2
	SIGQUIT    Signal = 3
	SIGILL     Signal = 4
	SIGTRAP    Signal = 5
	SIGABRT    Signal = 6
	SIGBUS     Signal = 7
	SIGFPE     Signal = 8
	SIGKILL    Signal = 9
	SIGUSR1    Signal = 10
	SIGSEGV    Signal = 11
	SIGUSR2    Signal = 12
	SIGPIPE    Signal = 13
	SIGALRM    Signal = 14
	SIGTERM    Signal = 15
	SIGSTKFLT  Signal = 16
	SIGCHLD    Signal = 17
	SIGCONT    Signal = 18
	SIGSTOP    Signal = 19
	SIGTSTP    Signal = 20
	SIGTTIN    Signal = 21
	SIGTTOU    Signal = 22
	SIGURG     Signal = 23
	SIGXCPU    Signal = 24
	SIGXFSZ    Signal = 25
	SIGVTALRM  Signal = 26
	SIGPROF    Signal = 27
	SIGWINCH   Signal = 28
	SIGIO      Signal = 29
	SIGPWR     Signal = 30
	SIGSYS     Signal = 31
	SIGRTMIN   Signal = 32
	SIGRTMAX   Signal = 64
	NumSignals        = 64
)

var signalNames = [...]string{
	SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
	SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
	SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
	SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGSTKFLT: "SIGSTKFLT",
	SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP",
	SIGTTIN: "SIGTTIN", SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU",
	SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM", SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH",
	SIGIO: "SIGIO", SIGPWR: "SIGPWR", SIGSYS: "SIGSYS",
}

func (s Signal) String() string {
	if s > 0 && int(s) < len(signalNames) {
		return signalNames[s]
	}
	if s >= SIGRTMIN && s <= SIGRTMAX {
		return fmt.Sprintf("SIGRT_%d", s-SIGRTMIN)
	}
	return fmt.Sprintf("signal %d", int(s))
}

// Valid reports whether s is a signal number at all.
func (s Signal) Valid() bool { return s >= 1 && s <= NumSignals }

// SignalSet is a set of signals: bit s-1 for signal s.
type SignalSet uint64

// SigMask returns the set holding only s.
func SigMask(s Signal) SignalSet { return 1 << (uint(s) - 1) }

// Has reports whether s is in the set.
func (ss SignalSet) Has(s Signal) bool { return ss&SigMask(s) != 0 }

// Unblockable are the signals no mask can hold back (see signal(7)).
const Unblockable = SignalSet(1<<(SIGKILL-1) | 1<<(SIGSTOP-1))

// DefaultAction is what SIG_DFL does with a signal (see signal(7),
// "Standard signals").
type DefaultAction int

const (
	ActTerminate DefaultAction = iota
	ActCore
	ActIgnore
	ActStop
	ActContinue
)

// Default returns the default action of s.
func (s Signal) Default() DefaultAction {
	switch s {
	case SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS:
		return ActCore
	case SIGCHLD, SIGURG, SIGWINCH:
		return ActIgnore
	case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU:
		return ActStop
	case SIGCONT:
		return ActContinue
	}
	return ActTerminate
}

// Disposition values of SigAction.Handler.
const (
	SigDefault = 0
	SigIgnore  = 1
)

// Flags of a SigAction, in the core's own bits.
const (
	SAOnStack   = 1 << iota // run the handler on the alternate stack
	SARestart               // restart interrupted syscalls
	SANoDefer               // do not block the signal in its own handler
	SAResetHand             // reset to SIG_DFL on delivery
	SASigInfo               // the handler takes (sig, siginfo, ucontext)
	SARestorer              // Restorer is the return trampoline
	SANoCldStop
	SANoCldWait
)

// SigAction is a signal disposition (sigaction(2)).
type SigAction struct {
	Handler  uintptr // SigDefault, SigIgnore or a guest address
	Flags    int     // SA* bits above
	RawFlags uint64  // the ABI's flags word as given, returned unchanged by a later query
	Restorer uintptr
	Mask     SignalSet
}

// SigInfo is what a handler learns about a signal (siginfo_t by its POSIX
// field names). Code values follow the traditional numbering (SI_USER 0,
// SI_KERNEL 0x80, SI_TKILL -6, SEGV_MAPERR 1, ...).
type SigInfo struct {
	Signo  Signal
	Errno  int32
	Code   int32
	PID    int32
	UID    uint32
	Addr   uintptr // fault address
	Status int32
	Value  uint64
	// SI_TIMER signals (see timer_create(2)): the timer's ID and the
	// expirations that happened while this signal was pending.
	TimerID int32
	Overrun int32

	// timer is the POSIX timer that queued this signal, if any.
	timer *posixTimer
}

// si_code values the core itself produces.
const (
	SIUser   = 0
	SIKernel = 0x80
	SIQueue  = -1
	SITimer  = -2
	SITkill  = -6
)

// SignalStack is an alternate signal stack (sigaltstack(2)).
type SignalStack struct {
	SP    uintptr
	Size  uintptr
	Flags int // SSDisable etc.
}

const (
	SSOnStack = 1
	SSDisable = 2
)

// Contains reports whether sp is on the alternate stack.
func (s *SignalStack) Contains(sp uintptr) bool {
	return s.Flags&SSDisable == 0 && s.Size != 0 && sp > s.SP && sp-s.SP <= s.Size
}
