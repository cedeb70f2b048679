package bench

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestProgramBenchmarks checks the whole-program kind: the program's own
// command line natively and after `runos --platform=P`, run count+1 times
// (one warm-up), reported per run; and a missing program skipped with a
// note.
func TestProgramBenchmarks(t *testing.T) {
	saved := Suite
	t.Cleanup(func() { Suite = saved })
	Suite = append(slices.Clone(saved),
		Benchmark{Name: "prog_here", Native: 16, Platform: 8, Program: []string{"prog", "-c", "x"}},
		Benchmark{Name: "prog_missing", Native: 16, Platform: 8, Program: []string{"runos-no-such-program"}})
	runs := map[string]int{}
	o := Options{
		Runos:     "/bin/runos",
		Platforms: []string{"ptrace"},
		Reps:      1,
		Filter:    regexp.MustCompile("^(getpid|prog_here|prog_missing)$"),
		exec: func(ctx context.Context, argv []string) ([]byte, error) {
			runs[strings.Join(argv, " ")]++
			return []byte("getpid: 10 calls, 100 ns per call\n"), nil
		},
	}
	progs := Programs{"getpid": "/bin/getpid", "prog_here": "/opt/prog"}
	r, err := Run(context.Background(), progs, o)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		argv string
		want int
	}{
		{"/opt/prog -c x", 16 + 1},
		{"/bin/runos --platform=ptrace /opt/prog -c x", 8 + 1},
	}
	for _, tc := range tests {
		if got := runs[tc.argv]; got != tc.want {
			t.Errorf("%q ran %d times, want %d (runs %v)", tc.argv, got, tc.want, runs)
		}
	}
	var got []string
	for _, x := range r.Results {
		if x.Benchmark == "prog_here" {
			got = append(got, x.Platform)
			if x.Unit != unitRun || x.Median <= 0 || x.Error != "" {
				t.Errorf("prog_here on %s: unit %q, median %v, error %q", x.Platform, x.Unit, x.Median, x.Error)
			}
		}
		if x.Benchmark == "prog_missing" {
			t.Errorf("prog_missing measured: %+v", x)
		}
	}
	if !slices.Equal(got, []string{Native, "ptrace"}) {
		t.Errorf("prog_here measured on %v", got)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, "prog_missing skipped") }) {
		t.Errorf("notes %q: want prog_missing skipped", r.Notes)
	}
}

// TestThroughput checks the MB/s of a benchmark that moves data.
func TestThroughput(t *testing.T) {
	r, _ := fakeRun(t, "^(getpid|pipe_bw)$", 1)
	for _, x := range r.Results {
		want := 0.0
		if x.Benchmark == "pipe_bw" {
			// 64 KiB per unit, in 100 ns natively and 5000 on ptrace.
			want = 65536 / x.Median * 1e3
		}
		if x.MBPerS != want {
			t.Errorf("%s on %s: %v MB/s, want %v", x.Benchmark, x.Platform, x.MBPerS, want)
		}
	}
	if x := r.Results[len(r.Results)-1]; x.Benchmark != "pipe_bw" || x.Platform != "ptrace" || x.MBPerS < 13107 || x.MBPerS > 13108 {
		t.Errorf("pipe_bw on ptrace: %+v, want 13107 MB/s", x)
	}
}
