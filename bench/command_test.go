package bench

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCommand runs `runos bench` itself: built from ../cmd/runos, with the
// programs built into (or taken from) runos's cache. It checks that every selected
// benchmark (but a whole program missing here) has a positive figure
// natively and on ptrace, and that the ptrace floor is there. The full quick suite (one repetition) is left
// out by -short.
func TestCommand(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("x86-64 Linux only")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found: the benchmark programs are C")
	}
	dir := t.TempDir()
	runos := filepath.Join(dir, "runos")
	if out, err := exec.Command("go", "build", "-o", runos, "../cmd/runos").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The programs' cache is keyed by a hash of their sources, so
	// sharing runos's own cache is safe and spares rebuilding them.
	cache := DefaultCacheDir()
	tests := []struct {
		name  string
		args  []string
		short bool
	}{
		{"getpid", []string{"--quick", "--filter", "^getpid$"}, true},
		{"all", []string{"--quick", "--reps", "1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && !tc.short {
				t.Skip("the whole quick suite takes seconds")
			}
			svg := filepath.Join(dir, tc.name+".svg")
			args := append([]string{"bench", "--json", "--platforms", "ptrace", "--cache", cache, "--svg", svg}, tc.args...)
			cmd := exec.Command(runos, args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("runos %v: %v\n%s", args, err, out)
			}
			var r Report
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if fl := r.floor("ptrace"); fl == nil || fl.Median <= 0 {
				t.Errorf("no ptrace floor in %+v (notes %q)", r.Floors, r.Notes)
			}
			want := 0 // every benchmark, but a program missing here
			for _, b := range Select(nil) {
				if b.Program != nil {
					if _, err := findProgram(b.Program[0]); err != nil {
						continue
					}
				}
				want++
			}
			if tc.name == "getpid" {
				want = 1
			}
			got := map[string]int{}
			for _, x := range r.Results {
				if x.Median <= 0 || x.Error != "" {
					t.Errorf("%s on %s: median %v, error %q", x.Benchmark, x.Platform, x.Median, x.Error)
					continue
				}
				got[x.Platform]++
			}
			if got[Native] != want || got["ptrace"] != want {
				t.Errorf("positive results per platform %v, want %d each", got, want)
			}
			if st, err := os.Stat(svg); err != nil || st.Size() == 0 {
				t.Errorf("--svg %s: %v", svg, err)
			}
		})
	}
}
