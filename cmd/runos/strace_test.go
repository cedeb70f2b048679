package main

import (
	"strings"
	"testing"
	"time"

	"github.com/runos-project/runos/personality/linux"
)

func TestAppendSummary(t *testing.T) {
	stats := map[string]*callStats{
		"write":  {calls: 2, time: 30 * time.Microsecond},
		"openat": {calls: 3, errors: 1, time: 10 * time.Microsecond},
		"brk":    {calls: 5},
		"close":  {calls: 1},
	}
	want := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 75.00    0.000030          15         2           write
 25.00    0.000010           3         3         1 openat
  0.00    0.000000           0         5           brk
  0.00    0.000000           0         1           close
------ ----------- ----------- --------- --------- ----------------
100.00    0.000040           3        11         1 total
`
	if got := string(appendSummary(nil, stats)); got != want {
		t.Errorf("appendSummary:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseTraceSet(t *testing.T) {
	table := linux.New().Table()
	dec := linux.New().Decoder(defaultDecodeOptions())
	nr := func(name string) uintptr {
		for _, n := range table.Numbers() {
			if table.Entries[n].Name == name {
				return uintptr(n)
			}
		}
		t.Fatalf("no syscall %s", name)
		return 0
	}
	cases := []struct {
		spec    string
		in, out []string
		err     string
	}{
		{spec: "all", in: []string{"read", "openat", "mmap"}},
		{spec: "read,write", in: []string{"read", "write"}, out: []string{"openat"}},
		{spec: "%file", in: []string{"openat", "execve", "stat"}, out: []string{"read", "fstat", "mmap"}},
		{spec: "%memory,%signal", in: []string{"mmap", "brk", "rt_sigaction", "kill"}, out: []string{"read"}},
		{spec: "%process", in: []string{"clone", "wait4", "exit_group"}, out: []string{"getpid"}},
		{spec: "%desc", in: []string{"read", "close", "openat"}, out: []string{"stat"}},
		{spec: "!write", in: []string{"read"}, out: []string{"write"}},
		{spec: "nosuch", err: "invalid system call"},
		{spec: "%bogus", err: "unknown class"},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			ts, err := parseTraceSet(tc.spec, table)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseTraceSet(%q) error = %v, want %q", tc.spec, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.in {
				if !ts.match(dec, nr(n)) {
					t.Errorf("%s is not traced by %q", n, tc.spec)
				}
			}
			for _, n := range tc.out {
				if ts.match(dec, nr(n)) {
					t.Errorf("%s is traced by %q", n, tc.spec)
				}
			}
		})
	}
}
