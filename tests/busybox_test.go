package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// busyboxPath is Debian's statically linked busybox (package
// busybox-static, which `make deps` installs).
const busyboxPath = "/bin/busybox"

// busyboxCase is one `busybox sh -c SCRIPT`, run natively and under runos,
// each in a fresh temporary cwd holding Files, with PATH set to a directory
// of busybox applet links. Both runs must agree on stdout, stderr and exit
// status, and the native run must give WantStdout and WantExit.
type busyboxCase struct {
	Name       string
	Script     string
	Env        []string          // on top of baseEnv
	Files      map[string]string // name → contents, made in the cwd; a name ending in "/" is a directory
	WantStdout string
	WantExit   int
}

// bigHeredoc is larger than a pipe's 64 KiB buffer, so the shell cannot
// write it into the pipe before running the command that reads it.
var bigHeredoc = strings.Repeat("0123456789abcdefghi\n", 5000)

func busyboxCases() []busyboxCase {
	return []busyboxCase{
		{
			Name: "pipeline-of-five",
			Script: `seq 1 2000 | grep 7 | sort -r | head -n 5 | wc -l
seq 1 2000 | grep 7 | sort -rn | head -n 3 | tr '\n' ' '; echo
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"`,
			WantStdout: "5\n1997 1987 1979 \nfalse|true: 0\ntrue|false: 1\n",
		},
		{
			Name: "and-or-chains",
			Script: `true && echo a || echo b
false && echo c || echo d
false || false || echo e
true && false; echo "true&&false: $?"
false || true && echo f`,
			WantStdout: "a\nd\ne\ntrue&&false: 1\nf\n",
		},
		{
			Name: "subshell-exit-codes",
			Script: `(exit 3); echo $?
(false; exit 42); echo $?
( (exit 5) ); echo $?
(exit 300); echo $?
sh -c 'kill -9 $$'; echo $?
sh -c 'kill -SEGV $$'; echo $?
(exit 0) && echo ok`,
			WantStdout: "3\n42\n5\n44\n137\n139\nok\n",
		},
		{
			Name: "command-substitution",
			Script: `a=$(echo hello | tr a-z A-Z); echo "$a"
echo "n=$(seq 1 10 | wc -l)"
echo $(echo $(echo nested))
b=` + "`echo back`" + `; echo $b
x=$(exit 4); echo "status=$?"
echo "[$(printf 'trailing\n\n\n')]"`,
			WantStdout: "HELLO\nn=10\nnested\nback\nstatus=4\n[trailing]\n",
		},
		{
			Name:       "environment",
			Env:        []string{"BB_GREETING=hello from env", "BB_EMPTY="},
			Script:     `echo "$BB_GREETING"; env | grep '^BB_' | sort; sh -c 'echo "child: $BB_GREETING"'; BB_ONE=1 sh -c 'echo "one: $BB_ONE"'; echo "unset: [${BB_ONE-none}]"`,
			WantStdout: "hello from env\nBB_EMPTY=\nBB_GREETING=hello from env\nchild: hello from env\none: 1\nunset: [none]\n",
		},
		{
			Name: "background-jobs",
			Script: `sh -c 'exit 3' & p=$!
wait $p; echo "job=$?"
(exit 4) & wait $!; echo "job2=$?"
sh -c 'kill -TERM $$' & wait $!; echo "killed=$?"
true & false & wait; echo "all=$?"
[ "$p" -gt 0 ] && echo "pid ok"
kill -0 $p 2>/dev/null || echo "reaped"`,
			WantStdout: "job=3\njob2=4\nkilled=143\nall=0\npid ok\nreaped\n",
		},
		{
			Name:       "trap-term",
			Script:     `trap 'echo got TERM' TERM; kill -TERM $$; echo after; trap - TERM; echo reset`,
			WantStdout: "got TERM\nafter\nreset\n",
		},
		{
			// The shell sends SIGTERM to itself with the default action and
			// dies of it. Under runos the shell is PID 1 of the sandbox; a
			// Linux init would ignore such a signal (pid_namespaces(7)), but
			// runos's guest is meant to behave like an ordinary process.
			Name:       "kill-self-default",
			Script:     `echo before; kill -TERM $$; echo after`,
			WantStdout: "before\n",
			WantExit:   143,
		},
		{
			// The starting limit is runos's and the native run's own, so it
			// is not printed. `ulimit -n N` sets both limits; a soft limit
			// above the hard one is EINVAL (setrlimit(2)) with or without
			// privilege. Raising the hard limit is left out: whether that
			// works depends on CAP_SYS_RESOURCE in the test environment.
			Name: "ulimit",
			Script: `ulimit -n > /dev/null && echo "read ok"
ulimit -n 64; ulimit -n; ulimit -Hn
(ulimit -S -n 32; ulimit -n; sh -c 'ulimit -Sn'); ulimit -n
ulimit -S -n 100 2>/dev/null; echo "soft above hard: $?"
ulimit -c 0; ulimit -c`,
			WantStdout: "read ok\n64\n64\n32\n32\n64\nsoft above hard: 1\n0\n",
		},
		{
			// The slowest case under runos by far: each fork+exec costs
			// tens of milliseconds there, about one natively.
			Name:       "fork-exec-1000",
			Script:     `i=0; while [ $i -lt 1000 ]; do busybox true; i=$((i+1)); done; echo done`,
			WantStdout: "done\n",
		},
		{
			// The job's sleep would end 1 s in, but it is stopped first, so
			// it is still there 2 s in: the one use of sleep as a witness
			// (there is no ps to ask). SIGCONT lets it finish; a stopped job killed
			// outright reports SIGKILL.
			Name: "stop-continue",
			Script: `sleep 1 & p=$!
kill -STOP $p
sleep 2
kill -0 $p && echo "alive after its sleep time"
kill -CONT $p
wait $p; echo "wait=$?"
# ash may or may not print "Killed" for this job, depending on when it
# reaps it (natively too), so that line is not compared.
{
sleep 5 & q=$!
kill -STOP $q
until [ "$(cut -d' ' -f3 /proc/$q/stat)" = T ]; do sleep 0.01; done
kill -KILL $q
wait $q; echo "killed while stopped=$?"
} 2>/dev/null`,
			WantStdout: "alive after its sleep time\nwait=0\nkilled while stopped=137\n",
		},
		{
			Name: "set-e",
			Script: `set -e
false || echo tolerated
if false; then echo no; else echo else-branch; fi
! true; echo "negation does not exit"
(false; echo "not here") || echo "subshell failed" # -e is off inside ||
echo before
false
echo never`,
			WantStdout: "tolerated\nelse-branch\nnegation does not exit\nnot here\nbefore\n",
			WantExit:   1,
		},
		{
			Name: "here-documents",
			Script: "cat <<EOF\none $((1+2)) $BB_WORD\n\ttwo\nEOF\n" +
				"cat <<'EOF'\n$BB_WORD $((1+2)) literal\nEOF\n" +
				"cat <<-EOF\n\tstripped\n\tEOF\n" +
				"tr a-z A-Z <<EOF | wc -c\nhello\nEOF\n" +
				"wc -l <<EOF\n" + bigHeredoc + "EOF\n",
			Env:        []string{"BB_WORD=word"},
			WantStdout: "one 3 word\n\ttwo\n$BB_WORD $((1+2)) literal\nstripped\n6\n5000\n",
		},
		{
			Name: "read-from-pipe",
			Script: `printf 'a b c\nd e\n' | { read x y; read p q; echo "$x|$y|$p|$q"; }
echo abc | while read l; do echo "got $l"; done
seq 1 100 | { s=0; while read n; do s=$((s+n)); done; echo "sum=$s"; }
echo "x:y:z" | { IFS=: read a b c; echo "$c$b$a"; }
read v </dev/null || echo "eof=$?"`,
			WantStdout: "a|b c|d|e\ngot abc\nsum=5050\nzyx\neof=1\n",
		},
		{
			Name: "exec-replaces-shell",
			Script: `(exec true); echo "sub=$?"
(exec sh -c 'exit 3'); echo "sub=$?"
exec sh -c 'echo replaced; exit 6'
echo never`,
			WantStdout: "sub=0\nsub=3\nreplaced\n",
			WantExit:   6,
		},
		{
			Name: "exit-from-function",
			Script: `g() { return 3; }; g; echo "ret=$?"
f() { echo "in f"; exit 7; echo never; }
f
echo never`,
			WantStdout: "ret=3\nin f\n",
			WantExit:   7,
		},
		{
			Name: "arithmetic",
			Script: `echo $((3*7+2)) $((17/5)) $((17%5)) $((1<<10)) $((-5+2)) $((0x10)) $(( (2+3)*4 )) $((7>3)) $((2>3||1))
i=5; : $((i+=2)); echo $i
j=$((i*i)); echo $((j-i))`,
			WantStdout: "23 3 2 1024 -3 16 20 1 1\n7\n42\n",
		},
		{
			Name:  "globbing",
			Files: map[string]string{"a.txt": "", "b.txt": "", "c.log": "", ".hidden": "", "sub/": "", "sub/d.txt": ""},
			Script: `echo *.txt
echo *
echo .h*
echo nomatch*
echo */*.txt
echo [ab].txt ?.log
for f in *.log; do echo "f=$f"; done`,
			WantStdout: "a.txt b.txt\na.txt b.txt c.log sub\n.hidden\nnomatch*\nsub/d.txt\na.txt b.txt c.log\nf=c.log\n",
		},
		{
			Name: "redirections-through-pipes",
			Script: `{ echo out; echo err >&2; } 2>&1 | sort
exec 3>&1; echo via3 >&3; exec 3>&-
echo hidden >/dev/null; echo "null=$?"
cat </dev/null; echo "empty=$?"
ls nonexistent-file 2>&1 >/dev/null | wc -l
echo to-stderr >&2`,
			WantStdout: "err\nout\nvia3\nnull=0\nempty=0\n1\n",
		},
		{
			// Under runos the writes land in the sandbox's writable overlay
			// over the host root, natively in the temporary cwd; the script
			// sees the same either way.
			Name:       "redirections-to-files",
			Files:      map[string]string{"in.txt": "from a file\n"},
			Script:     `cat < in.txt; echo data > out.txt; echo more >> out.txt; cat out.txt; wc -l < out.txt`,
			WantStdout: "from a file\ndata\nmore\n2\n",
		},
	}
}

func TestBusybox(t *testing.T) {
	bindir := busyboxBin(t)
	for _, c := range busyboxCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBusybox(t, c, bindir)
		})
	}
}

// busyboxBin makes a directory of busybox applet links, so that the
// scripts name applets as commands with PATH holding only it, or skips
// when busybox is missing.
func busyboxBin(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(busyboxPath); err != nil {
		t.Skipf("%s is missing (apt-get install busybox-static, or `make deps`): %v", busyboxPath, err)
	}
	bindir := filepath.Join(t.TempDir(), "bin")
	if err := os.Mkdir(bindir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(busyboxPath, "--list").Output()
	if err != nil {
		t.Fatalf("%s --list: %v", busyboxPath, err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if err := os.Symlink(busyboxPath, filepath.Join(bindir, applet)); err != nil {
			t.Fatal(err)
		}
	}
	return bindir
}

// busyboxInvocation is c's script run by busybox sh in a fresh directory
// holding c's files (a name ending in "/" is a directory).
func busyboxInvocation(t *testing.T, c busyboxCase, bindir string) invocation {
	t.Helper()
	dir := t.TempDir()
	for name, text := range c.Files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// PATH is set by the script rather than in the environment, which
	// already holds baseEnv's PATH.
	script := fmt.Sprintf("PATH=%s\n%s", bindir, c.Script)
	return invocation{Argv: []string{busyboxPath, "sh", "-c", script}, Env: c.Env, Dir: dir}
}

func runBusybox(t *testing.T, c busyboxCase, bindir string) {
	t.Helper()
	inv := func() invocation { return busyboxInvocation(t, c, bindir) }
	native := run(t, "", inv())
	checkNative(t, behaviourCase{WantExit: c.WantExit, WantStdout: c.WantStdout}, native)
	if nativeOnly {
		return
	}
	got := run(t, requireRunos(t), inv())
	if d := diffOutcomes(native, got); d != "" {
		t.Errorf("runos busybox sh differs from the native run (-native +runos):\n%s", d)
	}
}
