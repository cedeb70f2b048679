// Package floor measures the floor under the ptrace platform: the cost of
// one ptrace system-call round trip (SYSEMU, waitpid, GETREGS, SETREGS) in
// a minimal C tracer, with nothing of runos around it. Compare it with
// platform/ptrace's BenchmarkSwitchGetpid.
package floor

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// build compiles ptrace_floor.c, or skips the test without gcc.
func build(tb testing.TB) string {
	tb.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		tb.Skip("gcc not found")
	}
	bin := filepath.Join(tb.TempDir(), "ptrace_floor")
	if out, err := exec.Command(gcc, "-O2", "-Wall", "-o", bin, "ptrace_floor.c").CombinedOutput(); err != nil {
		tb.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

var nsPerTrip = regexp.MustCompile(`([0-9]+) ns per round trip`)

// run runs the floor program and returns its ns per round trip.
func run(tb testing.TB, bin string, n int, mode string) float64 {
	tb.Helper()
	out, err := exec.Command(bin, strconv.Itoa(n), mode).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", bin, err, out)
	}
	m := nsPerTrip.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("no result in output %q", out)
	}
	ns, _ := strconv.ParseFloat(string(m[1]), 64)
	return ns
}

// TestFloor runs the floor pinned and unpinned and logs the numbers (see
// them with go test -v). It checks only that the program works.
func TestFloor(t *testing.T) {
	bin := build(t)
	for _, mode := range []string{"pin", "nopin"} {
		t.Run(mode, func(t *testing.T) {
			ns := run(t, bin, 5000, mode)
			if ns <= 0 {
				t.Fatalf("%v ns per round trip", ns)
			}
			t.Logf("ptrace floor, %s: %.0f ns per round trip", mode, ns)
		})
	}
}

// BenchmarkFloor reports the floor as ns/op, one op being one round trip.
func BenchmarkFloor(b *testing.B) {
	bin := build(b)
	for _, mode := range []string{"pin", "nopin"} {
		b.Run(mode, func(b *testing.B) {
			b.ResetTimer()
			ns := run(b, bin, max(b.N, 1000), mode)
			b.StopTimer()
			// The program times itself, without its start-up.
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ns, "ns/roundtrip")
		})
	}
}
