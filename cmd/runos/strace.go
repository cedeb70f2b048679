package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runos-project/runos/kernel/core"
	"github.com/spf13/pflag"
)

// --strace: a core.Tracer that prints what strace(1) -f prints, one line
// per syscall, decoded by each task's personality. The line layout is
// strace's: "[pid N] " while more than one task lives, the optional
// timestamp, the call, padding to column 40, "= result", and the optional
// time spent. A call whose task blocks while another task prints is split
// into "name(args <unfinished ...>" and "<... name resumed>rest".

// straceFlags are the --strace* command-line options.
type straceFlags struct {
	set     string // --strace[=SET]; "" when off
	out     string // --strace-out FILE
	strsize int    // -s
	time    string // --strace-time=t|tt|ttt
	elapsed bool   // -T
	summary bool   // -c
	verbose bool   // -v
}

func addStraceFlags(f *pflag.FlagSet, s *straceFlags) {
	f.StringVar(&s.set, "strace", "", "print each syscall as strace(1) -f does; =SET traces only the named calls and classes (%file, %process, %memory, %signal, %desc, %network, %ipc; ! negates)")
	f.Lookup("strace").NoOptDefVal = "all"
	f.StringVar(&s.out, "strace-out", "", "write the --strace output to `FILE` instead of stderr (strace -o)")
	f.IntVarP(&s.strsize, "strace-strsize", "s", 32, "show at most `N` bytes of each string (strace -s)")
	f.StringVar(&s.time, "strace-time", "", "prefix each line with the time: t (seconds), tt (microseconds), ttt (since the epoch) (strace -t, -tt, -ttt)")
	f.Lookup("strace-time").NoOptDefVal = "t"
	f.BoolVarP(&s.elapsed, "strace-syscall-times", "T", false, "show the time spent in each syscall (strace -T)")
	f.BoolVar(&s.summary, "strace-summary", false, "at exit, print a table of syscall counts, errors and times instead of each call (strace -c)")
	f.BoolVar(&s.verbose, "strace-verbose", false, "show structs whole (strace -v)")
}

// defaultDecodeOptions are strace's defaults: -s 32, abbreviated structs.
func defaultDecodeOptions() core.DecodeOptions { return core.DecodeOptions{StringLimit: 32} }

// enabled reports whether any --strace option asks for tracing.
func (s *straceFlags) enabled() bool { return s.set != "" || s.summary }

// tracer builds the tracer the flags ask for, checking the names in the
// set against p's table. It returns nil when tracing is off.
func (s *straceFlags) tracer(p core.Personality, stderr io.Writer) (*straceTracer, error) {
	if !s.enabled() {
		return nil, nil
	}
	tr := &straceTracer{
		w:        stderr,
		opts:     core.DecodeOptions{StringLimit: s.strsize, Verbose: s.verbose},
		elapsed:  s.elapsed,
		summary:  s.summary,
		decoders: map[core.Personality]core.SyscallDecoder{},
		calls:    map[int]*pendingCall{},
		stats:    map[string]*callStats{},
		lineTID:  -1,
	}
	switch s.time {
	case "":
	case "t", "1":
		tr.timeFmt = 1
	case "tt", "2":
		tr.timeFmt = 2
	case "ttt", "3":
		tr.timeFmt = 3
	default:
		return nil, fmt.Errorf("--strace-time=%s: want t, tt or ttt", s.time)
	}
	if s.strsize < 0 {
		return nil, fmt.Errorf("-s %d: the string size must not be negative", s.strsize)
	}
	f, err := parseTraceSet(s.set, p.Table())
	if err != nil {
		return nil, err
	}
	tr.filter = f
	if s.out != "" {
		fh, err := os.Create(s.out)
		if err != nil {
			return nil, fmt.Errorf("--strace-out: %w", err)
		}
		tr.w, tr.file = fh, fh
	}
	return tr, nil
}

// traceSet is -e trace=SET: names and %classes, possibly negated.
type traceSet struct {
	all     bool
	negate  bool
	names   map[string]bool
	classes []string
}

var traceClasses = []string{"%file", "%process", "%memory", "%signal", "%desc", "%network", "%net", "%ipc"}

func parseTraceSet(spec string, table *core.SyscallTable) (*traceSet, error) {
	ts := &traceSet{names: map[string]bool{}}
	if spec == "" || spec == "all" {
		ts.all = true
		return ts, nil
	}
	spec = strings.TrimPrefix(spec, "trace=")
	if rest, ok := strings.CutPrefix(spec, "!"); ok {
		ts.negate, spec = true, rest
	}
	known := map[string]bool{}
	for _, nr := range table.Numbers() {
		known[table.Entries[nr].Name] = true
	}
	for _, item := range strings.Split(spec, ",") {
		switch {
		case item == "all":
			ts.all = true
		case strings.HasPrefix(item, "%"):
			ok := false
			for _, c := range traceClasses {
				ok = ok || c == item
			}
			if !ok {
				return nil, fmt.Errorf("--strace=%s: unknown class %s (have %s)", spec, item, strings.Join(traceClasses, ", "))
			}
			ts.classes = append(ts.classes, item)
		case known[item]:
			ts.names[item] = true
		default:
			return nil, fmt.Errorf("--strace=%s: invalid system call %q", spec, item)
		}
	}
	return ts, nil
}

func (ts *traceSet) match(d core.SyscallDecoder, nr uintptr) bool {
	in := ts.all || ts.names[d.Name(nr)]
	for _, c := range ts.classes {
		in = in || d.InClass(nr, c)
	}
	return in != ts.negate
}

// pendingCall is a syscall between its enter and exit.
type pendingCall struct {
	dec   core.SyscallDecoder
	name  string
	start time.Time
	shown bool
}

// callStats is one row of the -c table.
type callStats struct {
	calls, errors int
	time          time.Duration
}

type straceTracer struct {
	mu       sync.Mutex
	w        io.Writer
	file     *os.File // the --strace-out file, closed by finish
	opts     core.DecodeOptions
	filter   *traceSet
	timeFmt  int // 0 none, 1 -t, 2 -tt, 3 -ttt
	elapsed  bool
	summary  bool
	decoders map[core.Personality]core.SyscallDecoder
	visible  map[core.SyscallDecoder][]int8 // cache of filter decisions: 0 unknown, 1 yes, -1 no
	calls    map[int]*pendingCall           // by TID
	stats    map[string]*callStats

	// line is the line being written; lineTID is the task whose call it
	// shows, -1 when no line is open.
	line    []byte
	lineTID int
	werr    error
}

func (tr *straceTracer) decoder(p core.Personality) core.SyscallDecoder {
	d, ok := tr.decoders[p]
	if !ok {
		d = core.DecoderFor(p, tr.opts)
		tr.decoders[p] = d
	}
	return d
}

func (tr *straceTracer) traced(d core.SyscallDecoder, nr uintptr) bool {
	if tr.visible == nil {
		tr.visible = map[core.SyscallDecoder][]int8{}
	}
	v := tr.visible[d]
	if nr >= 4096 {
		return tr.filter.match(d, nr)
	}
	if int(nr) >= len(v) {
		v = append(v, make([]int8, int(nr)+1-len(v))...)
		tr.visible[d] = v
	}
	if v[nr] == 0 {
		v[nr] = -1
		if tr.filter.match(d, nr) {
			v[nr] = 1
		}
	}
	return v[nr] == 1
}

// interrupt ends an open line of another task with " <unfinished ...>".
func (tr *straceTracer) interrupt() {
	if tr.lineTID < 0 {
		return
	}
	tr.line = append(tr.line, " <unfinished ...>\n"...)
	tr.flush()
}

func (tr *straceTracer) flush() {
	if _, err := tr.w.Write(tr.line); err != nil && tr.werr == nil {
		tr.werr = err
	}
	tr.line = tr.line[:0]
	tr.lineTID = -1
}

// leader starts a line for task t: the pid while several tasks live
// (alive counts t itself when it has just been removed), and the time.
func (tr *straceTracer) leader(t *core.Task, extra int) {
	tr.interrupt()
	if t.Kernel().TaskCount()+extra > 1 {
		tr.line = fmt.Appendf(tr.line, "[pid %5d] ", t.TID())
	}
	now := time.Now()
	switch tr.timeFmt {
	case 1:
		tr.line = now.AppendFormat(tr.line, "15:04:05 ")
	case 2:
		tr.line = now.AppendFormat(tr.line, "15:04:05.000000 ")
	case 3:
		tr.line = fmt.Appendf(tr.line, "%d.%06d ", now.Unix(), now.Nanosecond()/1000)
	}
}

// result pads to strace's column 40 and ends the line.
func (tr *straceTracer) result(res string, took time.Duration, showTime bool) {
	if n := len(tr.line) - lastLineStart(tr.line); n < 39 {
		tr.line = append(tr.line, strings.Repeat(" ", 39-n)...)
	}
	tr.line = append(tr.line, " = "...)
	tr.line = append(tr.line, res...)
	if showTime {
		tr.line = fmt.Appendf(tr.line, " <%d.%06d>", int64(took/time.Second), int64(took%time.Second/time.Microsecond))
	}
	tr.line = append(tr.line, '\n')
	tr.flush()
}

func lastLineStart(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

func (tr *straceTracer) count(name string, took time.Duration, failed bool) {
	st := tr.stats[name]
	if st == nil {
		st = &callStats{}
		tr.stats[name] = st
	}
	st.calls++
	st.time += took
	if failed {
		st.errors++
	}
}

// ProgramStart implements core.Tracer.
func (tr *straceTracer) ProgramStart(t *core.Task, path string, argv, envv []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	d := tr.decoder(t.Personality())
	if tr.summary {
		tr.count("execve", 0, false)
		return
	}
	tr.leader(t, 0)
	tr.line = append(tr.line, d.Exec(t, path, argv, envv)...)
	tr.line = append(tr.line, ')')
	tr.result("0", 0, tr.elapsed)
}

// SyscallEnter implements core.Tracer.
func (tr *straceTracer) SyscallEnter(t *core.Task, nr uintptr, args core.SyscallArgs) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	d := tr.decoder(t.Personality())
	pc := &pendingCall{dec: d, name: d.Name(nr), start: time.Now()}
	tr.calls[t.TID()] = pc
	if !tr.traced(d, nr) {
		return
	}
	pc.shown = true
	if tr.summary {
		return
	}
	tr.leader(t, 0)
	tr.line = append(tr.line, d.Enter(t, nr, args)...)
	tr.lineTID = t.TID()
}

// SyscallExit implements core.Tracer.
func (tr *straceTracer) SyscallExit(t *core.Task, nr uintptr, args core.SyscallArgs, ret uintptr, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	pc := tr.calls[t.TID()]
	delete(tr.calls, t.TID())
	if pc == nil || !pc.shown {
		return
	}
	took := time.Since(pc.start)
	if tr.summary {
		if !t.Killed() {
			tr.count(pc.name, took, err != nil)
		}
		return
	}
	rest, res := pc.dec.Exit(t, nr, args, ret, err)
	if tr.lineTID != t.TID() {
		tr.leader(t, 0)
		tr.line = fmt.Appendf(tr.line, "<... %s resumed>", pc.name)
		// A call cut short by the task's death was already shown
		// unfinished when another line came between.
		rest = strings.TrimPrefix(rest, " <unfinished ...>")
	}
	tr.line = append(tr.line, rest...)
	tr.result(res, took, tr.elapsed && res != "?")
}

// Signal implements core.Tracer.
func (tr *straceTracer) Signal(t *core.Task, info *core.SigInfo) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.summary {
		return
	}
	d := tr.decoder(t.Personality())
	tr.leader(t, 0)
	tr.line = fmt.Appendf(tr.line, "--- %s ---\n", d.Signal(info))
	tr.flush()
}

// TaskExit implements core.Tracer.
func (tr *straceTracer) TaskExit(t *core.Task, st core.ExitStatus) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.calls, t.TID())
	if tr.summary {
		return
	}
	d := tr.decoder(t.Personality())
	tr.leader(t, 1)
	switch {
	case st.Signal != 0 && st.Core:
		tr.line = fmt.Appendf(tr.line, "+++ killed by %s (core dumped) +++\n", d.SignalName(st.Signal))
	case st.Signal != 0:
		tr.line = fmt.Appendf(tr.line, "+++ killed by %s +++\n", d.SignalName(st.Signal))
	default:
		tr.line = fmt.Appendf(tr.line, "+++ exited with %d +++\n", st.Code)
	}
	tr.flush()
}

// finish prints the -c table, ends an open line and closes the output
// file.
func (tr *straceTracer) finish() error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.lineTID >= 0 {
		tr.line = append(tr.line, " <unfinished ...>\n"...)
		tr.flush()
	}
	if tr.summary {
		tr.line = appendSummary(tr.line, tr.stats)
		tr.flush()
	}
	err := tr.werr
	if tr.file != nil {
		err = errors.Join(err, tr.file.Close())
	}
	return err
}

// appendSummary renders strace -c's table: one row per syscall, most time
// first (then most calls, then by name), and a total.
func appendSummary(b []byte, stats map[string]*callStats) []byte {
	names := make([]string, 0, len(stats))
	var total callStats
	for n, s := range stats {
		names = append(names, n)
		total.calls += s.calls
		total.errors += s.errors
		total.time += s.time
	}
	sort.Slice(names, func(i, j int) bool {
		a, c := stats[names[i]], stats[names[j]]
		if a.time != c.time {
			return a.time > c.time
		}
		if a.calls != c.calls {
			return a.calls > c.calls
		}
		return names[i] < names[j]
	})
	const sep = "------ ----------- ----------- --------- --------- ----------------\n"
	b = append(b, "% time     seconds  usecs/call     calls    errors syscall\n"...)
	b = append(b, sep...)
	row := func(pct float64, s *callStats, name string) {
		errs := ""
		if s.errors > 0 {
			errs = strconv.Itoa(s.errors)
		}
		per := int64(0)
		if s.calls > 0 {
			per = int64(s.time/time.Microsecond) / int64(s.calls)
		}
		b = fmt.Appendf(b, "%6.2f %11.6f %11d %9d %9s %s\n", pct, s.time.Seconds(), per, s.calls, errs, name)
	}
	for _, n := range names {
		pct := 0.0
		if total.time > 0 {
			pct = 100 * float64(stats[n].time) / float64(total.time)
		}
		row(pct, stats[n], n)
	}
	b = append(b, sep...)
	row(100, &total, "total")
	return b
}
