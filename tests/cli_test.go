package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCLI checks the runos command line itself: the exit statuses of
// DESIGN.md (127 no such program, 126 not executable, 2 usage) and the
// informational subcommands.
func TestCLI(t *testing.T) {
	skipIfNativeOnly(t)
	dir := t.TempDir()
	noExec := filepath.Join(dir, "not-executable")
	textExec := filepath.Join(dir, "text-with-exec-bit")
	elf := guestBinary(t, guest{"exitcode", gccStatic})
	data, err := os.ReadFile(elf)
	if err != nil {
		t.Fatal(err)
	}
	// A real ELF without any exec bit: refused for the permission alone.
	if err := os.WriteFile(noExec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Neither ELF nor a #! script: execve(2) says ENOEXEC.
	if err := os.WriteFile(textExec, []byte("just some text\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name       string
		args       []string
		wantExit   int
		wantStderr string         // exact stderr, if set
		stderrRE   *regexp.Regexp // stderr must match, if set
		stdoutRE   []*regexp.Regexp
	}{
		{
			name:       "missing program",
			args:       []string{"/nonexistent"},
			wantExit:   127,
			wantStderr: "runos: /nonexistent: no such file or directory\n",
		},
		{
			name:     "file without exec permission",
			args:     []string{noExec},
			wantExit: 126,
			stderrRE: regexp.MustCompile(`^runos: ` + regexp.QuoteMeta(noExec) + `: `),
		},
		{
			name:     "text file with exec bit",
			args:     []string{textExec},
			wantExit: 126,
			stderrRE: regexp.MustCompile(`^runos: ` + regexp.QuoteMeta(textExec) + `: `),
		},
		{
			name:     "directory",
			args:     []string{dir},
			wantExit: 126,
			stderrRE: regexp.MustCompile(`^runos: ` + regexp.QuoteMeta(dir) + `: `),
		},
		{
			name:     "unknown flag",
			args:     []string{"--bogus-flag", elf, "0"},
			wantExit: 2,
			stderrRE: regexp.MustCompile(`\Arunos: unknown flag: --bogus-flag \(runos --help lists the flags\)\n\z`),
		},
		{
			name:     "no program",
			args:     nil,
			wantExit: 2,
			stderrRE: regexp.MustCompile(`(?i)usage`),
		},
		{
			name:     "version",
			args:     []string{"version"},
			wantExit: 0,
			stdoutRE: []*regexp.Regexp{regexp.MustCompile(`runos`)},
		},
		{
			name:     "syscalls table",
			args:     []string{"syscalls"},
			wantExit: 0,
			stdoutRE: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^.*\bread\b`),
				regexp.MustCompile(`(?m)^.*\bwrite\b`),
				regexp.MustCompile(`(?mi)^.*\btotals?\b.*\d`),
			},
		},
	}
	runos := requireRunos(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := run(t, runos, invocation{Argv: c.args})
			if o.Exit != c.wantExit {
				t.Errorf("runos %q exited %d, want %d\nstderr:\n%s", c.args, o.Exit, c.wantExit, truncate(o.Stderr))
			}
			if c.wantStderr != "" && o.Stderr != c.wantStderr {
				t.Errorf("runos %q stderr = %q, want %q", c.args, o.Stderr, c.wantStderr)
			}
			if c.stderrRE != nil && !c.stderrRE.MatchString(o.Stderr) {
				t.Errorf("runos %q stderr = %q, want a match for %v", c.args, truncate(o.Stderr), c.stderrRE)
			}
			for _, re := range c.stdoutRE {
				if !re.MatchString(o.Stdout) {
					t.Errorf("runos %q stdout lacks %v:\n%s", c.args, re, truncate(o.Stdout))
				}
			}
			if c.wantExit != 0 && strings.TrimSpace(o.Stderr) == "" {
				t.Errorf("runos %q failed without saying why on stderr", c.args)
			}
		})
	}
}
