package tests

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStdio checks that runos hands its own standard streams to the guest as
// they are: a seekable file stays seekable with its offset, a pipe stays a
// pipe, and a guest writing into a closed pipe dies of SIGPIPE as it would
// natively.
func TestStdio(t *testing.T) {
	input := filepath.Join(t.TempDir(), "input.txt")
	if err := os.WriteFile(input, []byte("0123456789abcdef\nsecond line\nthird\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []behaviourCase{
		{
			Name:      "seek a file on stdin",
			Guest:     guest{"seekstdin", gccStatic},
			StdinFile: input,
			WantLines: []string{
				"stdin is a regular file: 1",
				"size by lseek: 35, by fstat: 35",
				`read 6: 6 bytes "abcdef"`,
				"offset now: 16",
				`read rest: 22 bytes "def|second line|third|"`,
				"read past end: 0",
				"seek to -1: -1 EINVAL",
			},
		},
		{
			Name:      "seek a pipe on stdin",
			Guest:     guest{"seekstdin", gccStatic},
			Stdin:     "through a pipe\n",
			WantLines: []string{"stdin is a regular file: 0", "lseek SEEK_END: ESPIPE", `read: 15 bytes "through a pipe|"`},
		},
		{
			// bash reports the writer's status in PIPESTATUS[0]: 141 is
			// 128+SIGPIPE natively, and runos must exit with the same.
			Name:       "yes | head -1",
			Guest:      guest{"yes", gccStatic},
			Shell:      `"$@" | head -1; echo "status=${PIPESTATUS[0]}"`,
			WantStdout: "y\nstatus=141\n",
		},
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
