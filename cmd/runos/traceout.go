package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
)

// --trace-out FILE: a core.Tracer that writes the run as a Chrome
// trace-event file (the JSON object with a "traceEvents" array that
// Perfetto's UI and chrome://tracing open). Each task is one thread track
// of its process, named "comm tid" by "M" metadata events; each syscall is
// one complete ("X") slice holding its decoded arguments and result; fork,
// exec, signal delivery and exit are instants ("i"); each process has two
// counter ("C") tracks, page faults served and resident memory.
//
// Events are written as they end, one per line, so a long run costs no
// memory and a trace cut short by a crash is still nearly readable.

// traceEvent is one entry of "traceEvents" in the trace-event format
// (ph is the phase: X complete, i instant, C counter, M metadata).
type traceEvent struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat,omitempty"`
	Phase string         `json:"ph"`
	TS    float64        `json:"ts"` // microseconds since the trace began
	Dur   *float64       `json:"dur,omitempty"`
	PID   int            `json:"pid"`
	TID   int            `json:"tid"`
	Scope string         `json:"s,omitempty"` // of an instant: t (thread)
	Args  map[string]any `json:"args,omitempty"`
}

// syscallClasses are the strace classes a slice's category names, in the
// order a call that is in several takes the first.
var syscallClasses = []string{"%process", "%signal", "%memory", "%network", "%ipc", "%file", "%desc"}

// openCall is a syscall between enter and exit.
type openCall struct {
	dec   core.SyscallDecoder
	name  string
	cat   string
	call  string // "name(args" as decoded at entry
	start time.Time
}

// processCounters are one process's counter tracks.
type processCounters struct {
	faults int
	rss    int64
}

type chromeTracer struct {
	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	start    time.Time
	opts     core.DecodeOptions
	decoders map[core.Personality]core.SyscallDecoder
	calls    map[int]*openCall        // by TID
	comm     map[int]string           // each track's name as last announced
	counters map[int]*processCounters // by PID
	n        int                      // events written
	werr     error
}

// newChromeTracer creates path and writes the head of the trace.
func newChromeTracer(path string, opts core.DecodeOptions) (*chromeTracer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--trace-out: %w", err)
	}
	tr := &chromeTracer{
		f: f, w: bufio.NewWriter(f), start: time.Now(), opts: opts,
		decoders: map[core.Personality]core.SyscallDecoder{},
		calls:    map[int]*openCall{},
		comm:     map[int]string{},
		counters: map[int]*processCounters{},
	}
	tr.w.WriteString(`{"displayTimeUnit":"ms","traceEvents":[` + "\n")
	return tr, nil
}

func (tr *chromeTracer) since(t time.Time) float64 {
	return float64(t.Sub(tr.start).Nanoseconds()) / 1e3
}

func (tr *chromeTracer) emit(ev traceEvent) {
	b, err := json.Marshal(ev)
	if err != nil {
		tr.werr = errors.Join(tr.werr, err)
		return
	}
	if tr.n > 0 {
		tr.w.WriteString(",\n")
	}
	tr.n++
	tr.w.Write(b)
}

func (tr *chromeTracer) decoder(p core.Personality) core.SyscallDecoder {
	d, ok := tr.decoders[p]
	if !ok {
		d = core.DecoderFor(p, tr.opts)
		tr.decoders[p] = d
	}
	return d
}

// track announces t's thread track, again whenever its name changes
// (exec, prctl PR_SET_NAME); the viewer keeps the last name.
func (tr *chromeTracer) track(t *core.Task) {
	name := t.Comm
	if name == "" {
		name = "task"
	}
	name = fmt.Sprintf("%s %d", name, t.TID())
	if tr.comm[t.TID()] == name {
		return
	}
	if _, seen := tr.comm[t.TID()]; !seen && t.TID() == t.Group().PID() {
		tr.emit(traceEvent{Name: "process_name", Phase: "M", PID: t.Group().PID(), TID: t.TID(),
			Args: map[string]any{"name": fmt.Sprintf("%s %d", t.Comm, t.Group().PID())}})
	}
	tr.comm[t.TID()] = name
	tr.emit(traceEvent{Name: "thread_name", Phase: "M", PID: t.Group().PID(), TID: t.TID(),
		Args: map[string]any{"name": name}})
}

func (tr *chromeTracer) instant(t *core.Task, name string, args map[string]any) {
	tr.emit(traceEvent{Name: name, Phase: "i", Scope: "t", TS: tr.since(time.Now()),
		PID: t.Group().PID(), TID: t.TID(), Args: args})
}

// slice writes the complete event of one call.
func (tr *chromeTracer) slice(t *core.Task, c *openCall, rest, result string, end time.Time) {
	call := c.call + rest
	argText := strings.TrimSuffix(strings.TrimPrefix(call, c.name+"("), ")")
	dur := float64(end.Sub(c.start).Nanoseconds()) / 1e3
	tr.emit(traceEvent{Name: c.name, Cat: c.cat, Phase: "X", TS: tr.since(c.start), Dur: &dur,
		PID: t.Group().PID(), TID: t.TID(),
		Args: map[string]any{"args": argText, "result": result}})
}

// counters emits the resident-memory counter of t's process when it
// changed, and the fault count when fault is set.
func (tr *chromeTracer) counter(t *core.Task, fault bool) {
	pid := t.Group().PID()
	pc := tr.counters[pid]
	if pc == nil {
		pc = &processCounters{rss: -1}
		tr.counters[pid] = pc
	}
	now := tr.since(time.Now())
	if fault {
		pc.faults++
		tr.emit(traceEvent{Name: "page faults", Phase: "C", TS: now, PID: pid, TID: t.TID(),
			Args: map[string]any{"faults": pc.faults}})
	}
	if m := t.MM(); m != nil {
		if rss := int64(m.ResidentPages()) * arch.PageSize; rss != pc.rss {
			pc.rss = rss
			tr.emit(traceEvent{Name: "resident memory", Phase: "C", TS: now, PID: pid, TID: t.TID(),
				Args: map[string]any{"bytes": rss}})
		}
	}
}

// ProgramStart implements core.Tracer: the execve that strace shows
// first, as a zero-length slice, and an exec instant.
func (tr *chromeTracer) ProgramStart(t *core.Task, path string, argv, envv []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.track(t)
	d := tr.decoder(t.Personality())
	call := d.Exec(t, path, argv, envv)
	name, _, _ := strings.Cut(call, "(")
	tr.slice(t, &openCall{name: name, cat: "process", call: call, start: time.Now()}, ")", "0", time.Now())
	tr.instant(t, "exec", map[string]any{"path": path, "argv": argv})
	tr.counter(t, false)
}

// SyscallEnter implements core.Tracer.
func (tr *chromeTracer) SyscallEnter(t *core.Task, nr uintptr, args core.SyscallArgs) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.track(t)
	d := tr.decoder(t.Personality())
	c := &openCall{dec: d, name: d.Name(nr), cat: "other", start: time.Now()}
	for _, cl := range syscallClasses {
		if d.InClass(nr, cl) {
			c.cat = cl[1:]
			break
		}
	}
	c.call = d.Enter(t, nr, args)
	if c.name == "" {
		c.name, _, _ = strings.Cut(c.call, "(")
	}
	tr.calls[t.TID()] = c
}

// SyscallExit implements core.Tracer.
func (tr *chromeTracer) SyscallExit(t *core.Task, nr uintptr, args core.SyscallArgs, ret uintptr, err error) {
	end := time.Now()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	c := tr.calls[t.TID()]
	delete(tr.calls, t.TID())
	if c == nil {
		return
	}
	rest, result := c.dec.Exit(t, nr, args, ret, err)
	tr.slice(t, c, rest, result, end)
	if err != nil || t.Killed() {
		return
	}
	switch c.name {
	case "fork", "vfork", "clone", "clone3":
		if ret != 0 {
			tr.instant(t, "fork", map[string]any{"child": int64(ret)})
		}
	case "execve", "execveat", "exec":
		tr.instant(t, "exec", map[string]any{"call": c.call + rest})
		tr.track(t)
		tr.counter(t, false)
	}
	if c.cat == "memory" {
		tr.counter(t, false)
	}
}

// Signal implements core.Tracer.
func (tr *chromeTracer) Signal(t *core.Task, info *core.SigInfo) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.track(t)
	d := tr.decoder(t.Personality())
	tr.instant(t, "signal", map[string]any{"signal": d.SignalName(info.Signo), "info": d.Signal(info)})
}

// TaskExit implements core.Tracer: a call that never returned
// (exit_group, or one the task died in) ends here with result "?", as
// strace shows it.
func (tr *chromeTracer) TaskExit(t *core.Task, st core.ExitStatus) {
	now := time.Now()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if c := tr.calls[t.TID()]; c != nil {
		delete(tr.calls, t.TID())
		tr.slice(t, c, ")", "?", now)
	}
	args := map[string]any{"code": st.Code}
	if st.Signal != 0 {
		d := tr.decoder(t.Personality())
		args = map[string]any{"signal": d.SignalName(st.Signal), "core": st.Core}
	}
	tr.instant(t, "exit", args)
}

// PageFault implements core.Tracer.
func (tr *chromeTracer) PageFault(t *core.Task, addr uintptr) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.counter(t, true)
}

// finish closes the array and the file.
func (tr *chromeTracer) finish() error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.w.WriteString("\n]}\n")
	err := errors.Join(tr.werr, tr.w.Flush(), tr.f.Close())
	if err != nil {
		return fmt.Errorf("--trace-out: %w", err)
	}
	return nil
}

// PageFault implements core.Tracer: strace(1) does not show faults.
func (tr *straceTracer) PageFault(t *core.Task, addr uintptr) {}

// tracers is a fan-out: each event goes to every tracer, in order, so
// --strace and --trace-out can watch the same run.
type tracers []core.Tracer

func (ts tracers) ProgramStart(t *core.Task, path string, argv, envv []string) {
	for _, tr := range ts {
		tr.ProgramStart(t, path, argv, envv)
	}
}

func (ts tracers) SyscallEnter(t *core.Task, nr uintptr, args core.SyscallArgs) {
	for _, tr := range ts {
		tr.SyscallEnter(t, nr, args)
	}
}

func (ts tracers) SyscallExit(t *core.Task, nr uintptr, args core.SyscallArgs, ret uintptr, err error) {
	for _, tr := range ts {
		tr.SyscallExit(t, nr, args, ret, err)
	}
}

func (ts tracers) Signal(t *core.Task, info *core.SigInfo) {
	for _, tr := range ts {
		tr.Signal(t, info)
	}
}

func (ts tracers) TaskExit(t *core.Task, st core.ExitStatus) {
	for _, tr := range ts {
		tr.TaskExit(t, st)
	}
}

func (ts tracers) PageFault(t *core.Task, addr uintptr) {
	for _, tr := range ts {
		tr.PageFault(t, addr)
	}
}
