package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Options say what a Run measures and how.
type Options struct {
	// Runos is the runos binary that runs guests under a platform.
	Runos string
	// Platforms are the platforms to try ("ptrace", "kvm"); one that
	// cannot run a tiny guest is skipped with a note.
	Platforms []string
	// Reps is the number of repetitions of every measurement.
	Reps int
	// Quick shrinks the iteration counts (a run under 30 seconds).
	Quick bool
	// Filter selects benchmarks by name; nil selects all.
	Filter *regexp.Regexp
	// Progress, if not nil, receives a progress line redrawn in place
	// (a terminal).
	Progress io.Writer
	// Timeout bounds one program run; 0 means two minutes.
	Timeout time.Duration

	// exec runs one program and returns its output; tests replace it.
	exec func(ctx context.Context, argv []string) ([]byte, error)
}

// job is one program run of the schedule: benchmark Bench (or the floor
// of mechanism Bench, if Floor) on Target, in repetition Rep.
type job struct {
	Rep    int
	Bench  string
	Floor  bool
	Target string
}

func (j job) String() string {
	if j.Floor {
		return j.Bench + " floor"
	}
	return j.Bench + " on " + j.Target
}

// schedule interleaves the runs: every repetition measures the floors and
// then every benchmark on every target before the next repetition starts
// (A B A B, not A A B B), so that drift on a shared machine (another
// tenant, frequency changes) hits every target alike instead of biasing
// whichever ran during the slow minute.
func schedule(benches []Benchmark, floors []string, targets []string, reps int) []job {
	var js []job
	for r := range reps {
		for _, f := range floors {
			js = append(js, job{Rep: r, Bench: f, Floor: true, Target: f})
		}
		for _, b := range benches {
			for _, t := range targets {
				js = append(js, job{Rep: r, Bench: b.Name, Target: t})
			}
		}
	}
	return js
}

// Select returns the benchmarks of the suite whose names match filter
// (all of them for a nil filter).
func Select(filter *regexp.Regexp) []Benchmark {
	var out []Benchmark
	for _, b := range Suite {
		if filter == nil || filter.MatchString(b.Name) {
			out = append(out, b)
		}
	}
	return out
}

// Run measures the selected benchmarks natively and on every platform that
// works, with the floors, and returns the report.
func Run(ctx context.Context, progs Programs, o Options) (*Report, error) {
	if o.Reps < 1 {
		o.Reps = 1
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.exec == nil {
		o.exec = runProgram
	}
	benches := Select(o.Filter)
	if len(benches) == 0 {
		return nil, fmt.Errorf("no benchmark matches %v", o.Filter)
	}
	r := newReport(o)

	// Whole-program benchmarks run a program of the host: find it, or
	// skip the benchmark with a note.
	progs = maps.Clone(progs)
	benches = slices.DeleteFunc(benches, func(b Benchmark) bool {
		if b.Program == nil || progs[b.Name] != "" {
			return false
		}
		p, err := findProgram(b.Program[0])
		if err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s skipped: %v", b.Name, err))
			return true
		}
		progs[b.Name] = p
		return false
	})
	if len(benches) == 0 {
		return r, nil
	}

	// Probe each floor and platform with a tiny run: one that cannot
	// work here is reported as skipped, not as a failure of the suite.
	var floors []string
	for _, f := range Floors {
		if !slices.Contains(o.Platforms, f.Mechanism) {
			continue
		}
		if _, _, err := o.measure(ctx, floorArgv(progs, f, 10)); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s floor skipped: %v", f.Mechanism, err))
			continue
		}
		floors = append(floors, f.Mechanism)
	}
	targets := []string{Native}
	for _, p := range o.Platforms {
		if _, _, err := o.measure(ctx, guestArgv(progs, o, "getpid", p, 10)); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("platform %s skipped: runos --platform=%s cannot run a tiny guest: %v", p, p, err))
			continue
		}
		targets = append(targets, p)
	}
	r.Platforms = targets

	samples := map[job][]float64{}
	units := map[job]string{}
	failed := map[job]string{}
	js := schedule(benches, floors, targets, o.Reps)
	for i, j := range js {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := j
		key.Rep = 0
		if _, ok := failed[key]; ok {
			continue // one failure is enough; do not wait for it again
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\r\033[K[%d/%d] rep %d/%d: %s", i+1, len(js), j.Rep+1, o.Reps, j)
		}
		var argv []string
		runs := 0 // a whole program, run this many times
		if j.Floor {
			f, _ := floorOf(j.Bench)
			n := f.Count
			if o.Quick {
				n /= quickDivisor
			}
			argv = floorArgv(progs, f, n)
		} else {
			b, _ := benchmarkOf(j.Bench)
			argv = guestArgv(progs, o, b.Name, j.Target, b.count(j.Target, o.Quick))
			if b.Program != nil {
				argv = programArgv(progs, o, b, j.Target)
				runs = b.count(j.Target, o.Quick)
			}
		}
		var ns float64
		var unit string
		var err error
		if runs > 0 {
			ns, unit, err = o.timeRuns(ctx, argv, runs)
		} else {
			ns, unit, err = o.measure(ctx, argv)
		}
		if err != nil {
			failed[key] = err.Error()
			continue
		}
		samples[key] = append(samples[key], ns)
		units[key] = unit
	}
	if o.Progress != nil {
		fmt.Fprint(o.Progress, "\r\033[K")
	}

	for _, f := range floors {
		key := job{Bench: f, Floor: true, Target: f}
		fl := FloorResult{Mechanism: f, Unit: units[key], Stats: NewStats(samples[key]), Error: failed[key]}
		r.Floors = append(r.Floors, fl)
	}
	for _, b := range benches {
		var native float64
		for _, t := range targets {
			key := job{Bench: b.Name, Target: t}
			res := Result{Benchmark: b.Name, Platform: t, Unit: units[key], Stats: NewStats(samples[key]), Error: failed[key]}
			if b.Bytes > 0 && res.Median > 0 {
				res.MBPerS = float64(b.Bytes) / res.Median * 1e3 // bytes/ns → MB/s
			}
			if t == Native {
				native = res.Median
			} else if res.Median > 0 {
				if native > 0 {
					res.XNative = res.Median / native
				}
				if fl := r.floor(t); fl != nil && fl.Median > 0 {
					res.XFloor = res.Median / fl.Median
				}
			}
			r.Results = append(r.Results, res)
		}
	}
	r.LoadAfter = loadAverage()
	return r, nil
}

func benchmarkOf(name string) (Benchmark, bool) {
	for _, b := range Suite {
		if b.Name == name {
			return b, true
		}
	}
	return Benchmark{}, false
}

func floorOf(mechanism string) (Floor, bool) {
	for _, f := range Floors {
		if f.Mechanism == mechanism {
			return f, true
		}
	}
	return Floor{}, false
}

func guestArgv(progs Programs, o Options, name, target string, n int) []string {
	argv := []string{progs[name], strconv.Itoa(n)}
	if target != Native {
		argv = append([]string{o.Runos, "--platform=" + target}, argv...)
	}
	return argv
}

// systemDirs are searched for a whole program before $PATH: a $PATH that
// starts with shims (pyenv's python3 is a shell script that runs another
// program) would measure the shim, not the program.
var systemDirs = []string{"/usr/bin", "/bin", "/usr/local/bin"}

// findProgram finds the program a whole-program benchmark runs.
func findProgram(name string) (string, error) {
	for _, d := range systemDirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// programArgv is the command line of whole-program benchmark b on target.
func programArgv(progs Programs, o Options, b Benchmark, target string) []string {
	argv := append([]string{progs[b.Name]}, b.Program[1:]...)
	if target != Native {
		argv = append([]string{o.Runos, "--platform=" + target}, argv...)
	}
	return argv
}

func floorArgv(progs Programs, f Floor, n int) []string {
	return append([]string{progs[f.Program], strconv.Itoa(max(n, minCount))}, f.Args...)
}

// measure runs one program under the run timeout and parses its result.
func (o Options) measure(ctx context.Context, argv []string) (float64, string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	out, err := o.exec(ctx, argv)
	if err != nil {
		if ctx.Err() != nil {
			return 0, "", fmt.Errorf("timed out after %v", o.Timeout)
		}
		if msg := lastLine(out); msg != "" {
			return 0, "", fmt.Errorf("%v: %s", err, msg)
		}
		return 0, "", err
	}
	return Parse(out)
}

// timeRuns runs a whole program n times, after one run that warms the
// host's caches, under the run timeout, and returns its mean wall time
// per run: start-up (under runos, runos's own too) and exit included.
func (o Options) timeRuns(ctx context.Context, argv []string, n int) (float64, string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var t0 time.Time
	for i := -1; i < n; i++ {
		if i == 0 {
			t0 = time.Now()
		}
		out, err := o.exec(ctx, argv)
		if err != nil {
			if ctx.Err() != nil {
				return 0, "", fmt.Errorf("timed out after %v", o.Timeout)
			}
			if msg := lastLine(out); msg != "" {
				return 0, "", fmt.Errorf("%v: %s", err, msg)
			}
			return 0, "", err
		}
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(n), unitRun, nil
}

// runProgram runs argv with no input and returns its combined output.
func runProgram(ctx context.Context, argv []string) ([]byte, error) {
	if argv[0] == "" {
		return nil, errors.New("program not built")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// A guest's orphaned child may keep the output pipe open after a
	// timeout killed the guest; do not wait for it forever.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// loadAverage is /proc/loadavg's 1-minute figure, to show how busy the
// machine was; "" if unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func newReport(o Options) *Report {
	r := &Report{
		Date:       time.Now().UTC().Truncate(time.Second),
		CPUs:       runtime.NumCPU(),
		Reps:       o.Reps,
		Quick:      o.Quick,
		LoadBefore: loadAverage(),
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		r.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	return r
}
