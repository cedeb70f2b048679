package bench

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// tools builds runos, the getpid guest and the ptrace floor once.
type tools struct{ runos, guest, floor string }

func build(tb testing.TB) tools {
	tb.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		tb.Skip("gcc not found: the guest and the floor are C programs")
	}
	dir := tb.TempDir()
	t := tools{
		runos: filepath.Join(dir, "runos"),
		guest: filepath.Join(dir, "getpid"),
		floor: filepath.Join(dir, "ptrace_floor"),
	}
	steps := [][]string{
		{"go", "build", "-o", t.runos, "../cmd/runos"},
		{"gcc", "-static", "-O2", "-o", t.guest, "guest/getpid.c"},
		{"gcc", "-O2", "-o", t.floor, "floor/ptrace_floor.c"},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			tb.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	return t
}

var perCall = regexp.MustCompile(`([0-9.]+) ns per (call|round trip)`)

func measure(tb testing.TB, argv ...string) float64 {
	tb.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%v: %v\n%s", argv, err, out)
	}
	m := perCall.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("%v: no timing in %q", argv, out)
	}
	ns, _ := strconv.ParseFloat(string(m[1]), 64)
	return ns
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkGetpid measures the null syscall natively, under runos on
// ptrace, and the bare PTRACE_SYSEMU round trip of a minimal C tracer
// (the floor of the mechanism), interleaved round by round so that drift
// on a shared machine hits all three alike. It reports medians in ns per
// call and the ratio of runos to the floor.
func BenchmarkGetpid(b *testing.B) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		b.Skip("x86-64 Linux only")
	}
	t := build(b)
	const calls = 20000
	var native, floor, runos []float64
	for i := 0; i < b.N; i++ {
		native = append(native, measure(b, t.guest, strconv.Itoa(calls*10)))
		floor = append(floor, measure(b, t.floor, strconv.Itoa(calls)))
		runos = append(runos, measure(b, t.runos, t.guest, strconv.Itoa(calls)))
	}
	n, f, r := median(native), median(floor), median(runos)
	b.ReportMetric(n, "native-ns/call")
	b.ReportMetric(f, "floor-ns/call")
	b.ReportMetric(r, "runos-ns/call")
	b.ReportMetric(r/f, "runos/floor")
	b.ReportMetric(0, "ns/op")
	b.Logf("getpid: native %.0f ns, ptrace floor %.0f ns, runos on ptrace %.0f ns: %.2fx the floor, %.0fx native",
		n, f, r, r/f, r/n)
}

// TestGetpidGuest checks that the benchmark's programs run at all, so a
// broken benchmark shows in the test suite rather than at measuring time.
func TestGetpidGuest(t *testing.T) {
	tl := build(t)
	for _, argv := range [][]string{
		{tl.guest, "100"},
		{tl.floor, "100"},
		{tl.runos, tl.guest, "100"},
	} {
		if ns := measure(t, argv...); ns <= 0 {
			t.Errorf("%v: %v ns per call", argv, ns)
		}
	}
}
