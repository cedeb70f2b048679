package xv6

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Programs are the user programs in user/ that a root directory holds.
var Programs = []string{"init", "sh", "cat", "echo", "grep", "kill", "ln", "ls",
	"mkdir", "rm", "wc", "zombie", "forktest", "usertests"}

// RootREADME is the README a root directory gets, for the shell's first
// `cat README`.
const RootREADME = `xv6 on runos: a teaching personality.

This is xv6's user land, built for xv6's 21 system calls, running under
the runos kernel. Try: ls, echo hi | wc, cat README | grep xv6 | wc,
usertests. Type Ctrl-D to leave the shell.
`

// BuildRoot builds every program from the sources in userDir into dir,
// top-level as in xv6's file system image, beside a README: the --root of
// `runos --personality=xv6 --root DIR /init`.
func BuildRoot(dir, userDir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte(RootREADME), 0o644); err != nil {
		return err
	}
	for _, p := range Programs {
		c := BuildCommand(filepath.Join(dir, p), userDir, filepath.Join(userDir, p+".c"))
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return nil
}
