package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestHostMmap runs guest/hostmmap.c natively on a temporary directory
// and under runos on another one passed in with --mount DIR:/mnt:rw: a
// MAP_SHARED mapping of a host file must be coherent with read(2),
// write(2), a second mmap and a forked child, and its stores must reach
// the host file (msync, fsync, exit). The outputs and the files left
// behind must be equal.
func TestHostMmap(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"hostmmap", gccStatic})
	nativeDir, runosDir := t.TempDir(), t.TempDir()

	want := run(t, "", invocation{Argv: []string{bin, nativeDir}})
	if want.Exit != 0 {
		t.Fatalf("native run failed: %+v", want)
	}
	got := run(t, runos, invocation{Argv: []string{"--mount", runosDir + ":/mnt:rw", bin, "/mnt"}})
	if d := diffOutcomes(want, got); d != "" {
		t.Errorf("runos differs from native:\n%s", d)
	}
	for _, line := range []string{"child reads: hello\n", "child reads: world\n",
		"read of an unsynced store: tail\n", "page resident in the second mapping: 1"} {
		if !bytes.Contains([]byte(got.Stdout), []byte(line)) {
			t.Errorf("runos output lacks %q:\n%s", line, got.Stdout)
		}
	}

	native, err := os.ReadFile(filepath.Join(nativeDir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	hosted, err := os.ReadFile(filepath.Join(runosDir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(native, hosted) {
		t.Errorf("host file after runos (%d bytes) differs from the native one (%d bytes)", len(hosted), len(native))
	}
	// The stores the program left to each write-back point.
	const page = 4096
	for _, c := range []struct {
		off  int
		want string
	}{{10, "hello"}, {page + 20, "world"}, {50, "child"}, {60, "fsync"}, {70, "exit"}, {2*page + 5, "tail"}} {
		if end := c.off + len(c.want); end > len(hosted) || string(hosted[c.off:end]) != c.want {
			t.Errorf("host file at %d: %q, want %q", c.off, hosted[c.off:min(end, len(hosted))], c.want)
		}
	}
	if len(hosted) != 2*page+100 {
		t.Errorf("host file is %d bytes, want %d: a store beyond end of file must not extend it", len(hosted), 2*page+100)
	}
}
