package core

import (
	"fmt"
	"strings"
)

// Tracing: the kernel tells a Tracer (runos --strace, --trace-out, the
// exit dump) what its tasks do: every syscall as it starts and ends, every
// signal as it is delivered, every page fault served, every task's end.
// Kernel.Tracer is nil unless the user asked for a trace, and each call
// site is one nil check, so an untraced sandbox pays nothing else.
//
// The core knows no syscall numbers or struct layouts; it passes the raw
// registers on, and the task's personality renders them (SyscallDecoder).

// Tracer receives a sandbox's events. Its methods run on the goroutine of
// the task concerned, with no kernel lock held; a Tracer serialises its
// own output.
type Tracer interface {
	// ProgramStart reports the first program, loaded from path with argv
	// and envv before its first instruction (strace shows it as the
	// execve(2) that started the trace).
	ProgramStart(t *Task, path string, argv, envv []string)

	// SyscallEnter and SyscallExit bracket one syscall. Between them the
	// task may block while other tasks run. ret and err are what the
	// handler returned; a restart request (kerr.ERESTARTSYS, ...) is
	// reported as err, and the same call is entered again if it restarts.
	SyscallEnter(t *Task, nr uintptr, args SyscallArgs)
	SyscallExit(t *Task, nr uintptr, args SyscallArgs, ret uintptr, err error)

	// Signal reports a signal taken for delivery by t: to a handler, to
	// its default action, or (under a tracer, as under ptrace(2)) to be
	// ignored.
	Signal(t *Task, info *SigInfo)

	// TaskExit reports that t is gone, and how: its group's status if the
	// whole group is ending, else the code t gave exit(2).
	TaskExit(t *Task, st ExitStatus)

	// PageFault reports a fault at addr that the kernel served by
	// mapping a page, invisible to the guest (a timeline counts them and
	// follows t.MM().ResidentPages()).
	PageFault(t *Task, addr uintptr)
}

// DecodeOptions say how much of a call a decoder shows.
type DecodeOptions struct {
	// StringLimit is how many bytes of a string or buffer are shown
	// before "..." (strace -s; 32 by default).
	StringLimit int
	// Verbose shows structs whole instead of abbreviated (strace -v).
	Verbose bool
}

// SyscallDecoder renders one personality's calls in strace(1)'s notation.
// Enter runs before the handler, while input arguments are still in guest
// memory; Exit runs after it, when output arguments have been written.
type SyscallDecoder interface {
	// Name is the syscall's name, or "" if the ABI has no such number.
	Name(nr uintptr) string
	// InClass reports whether the call belongs to a strace class such as
	// "%file" or "%process".
	InClass(nr uintptr, class string) bool
	// Enter renders "name(" and the arguments known at entry, ending
	// with ", " when more arguments follow at exit.
	Enter(t *Task, nr uintptr, args SyscallArgs) string
	// Exit renders the remaining arguments with the closing ")", and the
	// result shown after "= " (a value, "-1 ENOENT (...)", or "?" when
	// the call never returns).
	Exit(t *Task, nr uintptr, args SyscallArgs, ret uintptr, err error) (rest, result string)
	// Exec renders the execve(2) that started the first program.
	Exec(t *Task, path string, argv, envv []string) string
	// Signal renders a delivered signal: "SIGCHLD {si_signo=...}".
	Signal(info *SigInfo) string
	// SignalName is the signal's name ("SIGSEGV").
	SignalName(s Signal) string
}

// Decodable is a personality that renders its own calls. A personality
// that is not gets RawDecoder: names from its table, arguments in hex.
type Decodable interface {
	Decoder(o DecodeOptions) SyscallDecoder
}

// DecoderFor returns p's decoder, or a raw one if p has none.
func DecoderFor(p Personality, o DecodeOptions) SyscallDecoder {
	if d, ok := p.(Decodable); ok {
		return d.Decoder(o)
	}
	return RawDecoder{Table: p.Table()}
}

// RawDecoder shows any personality's calls without knowing their
// arguments: the name from the table and all six registers in hex.
type RawDecoder struct{ Table *SyscallTable }

// Name implements SyscallDecoder.
func (d RawDecoder) Name(nr uintptr) string {
	if e := d.Table.Lookup(nr); e != nil {
		return e.Name
	}
	return ""
}

// InClass implements SyscallDecoder: a raw decoder knows no classes.
func (d RawDecoder) InClass(nr uintptr, class string) bool { return false }

// Enter implements SyscallDecoder.
func (d RawDecoder) Enter(t *Task, nr uintptr, args SyscallArgs) string {
	name := d.Name(nr)
	if name == "" {
		name = fmt.Sprintf("syscall_%#x", nr)
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#x", a)
	}
	return b.String()
}

// Exit implements SyscallDecoder.
func (d RawDecoder) Exit(t *Task, nr uintptr, args SyscallArgs, ret uintptr, err error) (string, string) {
	switch {
	case t.Killed():
		return ")", "?"
	case err != nil:
		return ")", "-1 (" + err.Error() + ")"
	}
	return ")", fmt.Sprintf("%#x", ret)
}

// Exec implements SyscallDecoder.
func (d RawDecoder) Exec(t *Task, path string, argv, envv []string) string {
	return fmt.Sprintf("exec(%q, %q)", path, argv)
}

// Signal implements SyscallDecoder.
func (d RawDecoder) Signal(info *SigInfo) string {
	return fmt.Sprintf("%v {si_code=%d}", info.Signo, info.Code)
}

// SignalName implements SyscallDecoder.
func (d RawDecoder) SignalName(s Signal) string { return s.String() }

// traceIgnoredLocked keeps an ignored signal, which generation would
// drop, for the tracer to see when target next returns to the guest (as
// ptrace(2) reports ignored signals). It changes nothing the guest sees:
// the signal is not pending and wakes no one. The caller holds tg.mu.
func (tg *ThreadGroup) traceIgnoredLocked(target *Task, info *SigInfo) {
	if target == nil {
		if len(tg.tasks) == 0 {
			return
		}
		target = tg.tasks[0]
		for _, t := range tg.tasks {
			if !t.sigMask.Has(info.Signo) {
				target = t
				break
			}
		}
	}
	if target.traceIgnored == nil {
		target.traceIgnored = &sigQueue{}
	}
	target.traceIgnored.add(info)
}

// reportIgnoredSignals shows the tracer the ignored signals kept for t
// that its mask lets through.
func (t *Task) reportIgnoredSignals(tr Tracer) {
	for {
		t.tg.mu.Lock()
		var info SigInfo
		ok := false
		if q := t.traceIgnored; q != nil {
			info, ok = q.take(t.sigMask)
		}
		t.tg.mu.Unlock()
		if !ok {
			return
		}
		tr.Signal(t, &info)
	}
}
