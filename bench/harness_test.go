package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, out string
		ns        float64
		unit      string
		fail      bool
	}{
		{"guest", "getpid: 1000 calls, 227.5 ns per call\n", 227.5, "call", false},
		{"integer", "getpid: 1000 calls, 227 ns per call\n", 227, "call", false},
		{"two-word unit", "pipe_rt: 300 round trips, 321221.7 ns per round trip\n", 321221.7, "round trip", false},
		{"floor", "ptrace_floor: 5000 round trips, pinned, 5843 ns per round trip\n", 5843, "round trip", false},
		{"after noise", "warming up\nkvm_floor: 10 exits, 48618 ns per exit\n", 48618, "exit", false},
		{"no result", "Segmentation fault\n", 0, "", true},
		{"zero", "getpid: 1 calls, 0.0 ns per call\n", 0, "", true},
		{"empty", "", 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns, unit, err := Parse([]byte(tc.out))
			if (err != nil) != tc.fail {
				t.Fatalf("Parse(%q): error %v, want failure %v", tc.out, err, tc.fail)
			}
			if ns != tc.ns || unit != tc.unit {
				t.Errorf("Parse(%q) = %v, %q; want %v, %q", tc.out, ns, unit, tc.ns, tc.unit)
			}
		})
	}
}

func TestNewStats(t *testing.T) {
	tests := []struct {
		name             string
		in               []float64
		median, min, max float64
	}{
		{"empty", nil, 0, 0, 0},
		{"one", []float64{7}, 7, 7, 7},
		{"odd", []float64{5, 1, 9}, 5, 1, 9},
		{"even", []float64{4, 1, 3, 10}, 3.5, 1, 10},
		{"outlier", []float64{100, 101, 99, 5000, 100}, 100, 99, 5000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			s := NewStats(in)
			if s.Median != tc.median || s.Min != tc.min || s.Max != tc.max {
				t.Errorf("NewStats(%v) = median %v min %v max %v; want %v %v %v", tc.in, s.Median, s.Min, s.Max, tc.median, tc.min, tc.max)
			}
			if !slices.Equal(in, tc.in) {
				t.Errorf("NewStats reordered its input: %v", in)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	benches := []Benchmark{{Name: "a"}, {Name: "b"}}
	var got []string
	for _, j := range schedule(benches, []string{"ptrace"}, []string{Native, "ptrace"}, 2) {
		got = append(got, fmt.Sprintf("%d:%s", j.Rep, j))
	}
	want := []string{
		"0:ptrace floor", "0:a on native", "0:a on ptrace", "0:b on native", "0:b on ptrace",
		"1:ptrace floor", "1:a on native", "1:a on ptrace", "1:b on native", "1:b on ptrace",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schedule (-want +got):\n%s", diff)
	}
}

func TestCount(t *testing.T) {
	b := Benchmark{Name: "x", Native: 1000, Platform: 100}
	tests := []struct {
		target string
		quick  bool
		want   int
	}{
		{Native, false, 1000},
		{Native, true, 125},
		{"ptrace", false, 100},
		{"ptrace", true, 12},
		{"kvm", false, 25},
		{"kvm", true, minCount},
	}
	for _, tc := range tests {
		if got := b.count(tc.target, tc.quick); got != tc.want {
			t.Errorf("count(%s, quick=%v) = %d, want %d", tc.target, tc.quick, got, tc.want)
		}
	}
}

// fakeRun runs the harness with programs that are never executed: a fake
// exec answers for them (native 100 ns, ptrace 5000 ns, ptrace floor
// 1000 ns; no KVM) and records the order of the runs.
func fakeRun(t *testing.T, filter string, reps int) (*Report, []string) {
	t.Helper()
	progs := Programs{}
	for _, b := range Suite {
		progs[b.Name] = "/bin/" + b.Name
	}
	for _, f := range Floors {
		progs[f.Program] = "/bin/" + f.Program
	}
	var runs []string
	o := Options{
		Runos:     "/bin/runos",
		Platforms: []string{"ptrace", "kvm"},
		Reps:      reps,
		Filter:    regexp.MustCompile(filter),
		exec: func(ctx context.Context, argv []string) ([]byte, error) {
			target := Native
			if argv[0] == "/bin/runos" {
				target = strings.TrimPrefix(argv[1], "--platform=")
				argv = argv[2:]
			}
			name := path.Base(argv[0])
			runs = append(runs, name+"/"+target)
			switch {
			case name == "kvm_floor":
				return []byte("kvm_floor: /dev/kvm: No such file or directory\n"), errors.New("exit status 2")
			case target == "kvm":
				return []byte("runos: --platform kvm: unknown platform\n"), errors.New("exit status 2")
			case name == "ptrace_floor":
				return []byte("ptrace_floor: 10 round trips, pinned, 1000 ns per round trip\n"), nil
			case target == "ptrace":
				return []byte(name + ": 10 calls, 5000 ns per call\n"), nil
			}
			return []byte(name + ": 10 calls, 100 ns per call\n"), nil
		},
	}
	r, err := Run(context.Background(), progs, o)
	if err != nil {
		t.Fatal(err)
	}
	return r, runs
}

func TestRun(t *testing.T) {
	r, runs := fakeRun(t, "^(getpid|fstat)$", 2)
	want := []string{
		// Probes: the floors, then each platform with a tiny getpid.
		"ptrace_floor/native", "kvm_floor/native", "getpid/ptrace", "getpid/kvm",
		// Interleaved repetitions.
		"ptrace_floor/native", "getpid/native", "getpid/ptrace", "fstat/native", "fstat/ptrace",
		"ptrace_floor/native", "getpid/native", "getpid/ptrace", "fstat/native", "fstat/ptrace",
	}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{Native, "ptrace"}, r.Platforms); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}
	if len(r.Notes) != 2 || !strings.Contains(r.Notes[0], "kvm floor skipped") || !strings.Contains(r.Notes[1], "platform kvm skipped") {
		t.Errorf("notes = %q, want the kvm floor and platform skipped", r.Notes)
	}
	if len(r.Floors) != 1 || r.Floors[0].Median != 1000 || r.Floors[0].Unit != "round trip" {
		t.Errorf("floors = %+v, want ptrace at 1000 ns per round trip", r.Floors)
	}
	if len(r.Results) != 4 {
		t.Fatalf("%d results, want 4: %+v", len(r.Results), r.Results)
	}
	for _, x := range r.Results {
		if len(x.Samples) != 2 {
			t.Errorf("%s on %s: %d samples, want 2", x.Benchmark, x.Platform, len(x.Samples))
		}
		if x.Platform == "ptrace" && (x.XNative != 50 || x.XFloor != 5) {
			t.Errorf("%s on ptrace: %v× native, %v× floor; want 50 and 5", x.Benchmark, x.XNative, x.XFloor)
		}
	}
}

func TestRunNoMatch(t *testing.T) {
	_, err := Run(context.Background(), Programs{}, Options{Filter: regexp.MustCompile("^nothing$")})
	if err == nil {
		t.Error("Run with a filter matching nothing succeeded")
	}
}

func TestOutputs(t *testing.T) {
	r, _ := fakeRun(t, "^(getpid|fstat|fork_exit)$", 3)
	t.Run("json", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
		if diff := cmp.Diff(r, &back); diff != "" {
			t.Errorf("JSON round trip (-want +got):\n%s", diff)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+len(r.Floors)+len(r.Results) {
			t.Fatalf("%d rows, want header + %d floors + %d results", len(rows), len(r.Floors), len(r.Results))
		}
		if !slices.Equal(rows[0], csvHeader) {
			t.Errorf("header %q", rows[0])
		}
		want := []string{"getpid", "ptrace", "call", "3", "5000", "5000", "5000", "50", "5", "", ""}
		if !slices.ContainsFunc(rows, func(row []string) bool { return slices.Equal(row, want) }) {
			t.Errorf("no row %q in %q", want, rows)
		}
	})
	t.Run("svg", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.WriteSVG(&b); err != nil {
			t.Fatal(err)
		}
		bars, titles := 0, 0
		d := xml.NewDecoder(&b)
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				switch se.Name.Local {
				case "rect":
					bars++
				case "title":
					titles++
				}
			}
		}
		// One bar (with a tooltip) per result; the rest are the
		// background and the legend's swatches.
		if titles != len(r.Results) || bars != titles+1+len(r.Platforms) {
			t.Errorf("%d rects and %d titles, want %d bars", bars, titles, len(r.Results))
		}
	})
	t.Run("text", func(t *testing.T) {
		var b bytes.Buffer
		r.WriteText(&b)
		for _, s := range []string{"fork_exit", "5.00 µs", "50×", "5.00×", "note: platform kvm skipped"} {
			if !strings.Contains(b.String(), s) {
				t.Errorf("text report lacks %q:\n%s", s, b.String())
			}
		}
	})
}

func TestFormatNS(t *testing.T) {
	tests := []struct {
		ns   float64
		want string
	}{
		{0, "0 ns"}, {87.4, "87 ns"}, {999, "999 ns"}, {1000, "1.00 µs"}, {5843, "5.84 µs"},
		{48618, "48.6 µs"}, {321221, "321 µs"}, {21.3e6, "21.3 ms"}, {2.5e9, "2.50 s"},
	}
	for _, tc := range tests {
		if got := FormatNS(tc.ns); got != tc.want {
			t.Errorf("FormatNS(%v) = %q, want %q", tc.ns, got, tc.want)
		}
	}
}

func TestDecadeLabel(t *testing.T) {
	for d, want := range []string{"1 ns", "10 ns", "100 ns", "1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s"} {
		if got := decadeLabel(d); got != want {
			t.Errorf("decadeLabel(%d) = %q, want %q", d, got, want)
		}
	}
}
