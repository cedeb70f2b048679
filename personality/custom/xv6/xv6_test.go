package xv6

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/runos-project/runos/fs"
)

// The user programs the tests build, from user/.
var programs = []string{"sh", "cat", "echo", "grep", "ls", "wc", "mkdir", "rm", "ln", "kill", "init", "zombie", "forktest", "usertests"}

const readme = "This README is for xv6 on runos.\nIt has words, and xv6 says hello.\nthe end\n"

var world struct {
	once  sync.Once
	dir   string // holds runos and root/
	err   error
	runos string
	root  string
}

// buildWorld builds runos and the xv6 programs once for all tests: the
// programs go top-level in a root directory, xv6 style, beside a README.
func buildWorld(t *testing.T) (runos, root string) {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found")
	}
	world.once.Do(func() {
		world.dir, world.err = os.MkdirTemp("", "xv6test")
		if world.err != nil {
			return
		}
		world.runos = filepath.Join(world.dir, "runos")
		world.root = filepath.Join(world.dir, "root")
		if world.err = os.Mkdir(world.root, 0o755); world.err != nil {
			return
		}
		if world.err = os.WriteFile(filepath.Join(world.root, "README"), []byte(readme), 0o644); world.err != nil {
			return
		}
		cmds := [][]string{{"go", "build", "-o", world.runos, "../../../cmd/runos"}}
		for _, p := range programs {
			cmds = append(cmds, BuildCommand(filepath.Join(world.root, p), "user", "user/"+p+".c"))
		}
		for _, c := range cmds {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				world.err = errors.New(strings.Join(c, " ") + ": " + err.Error() + "\n" + string(out))
				return
			}
		}
	})
	if world.err != nil {
		t.Fatal(world.err)
	}
	return world.runos, world.root
}

func TestMain(m *testing.M) {
	code := m.Run()
	if world.dir != "" {
		os.RemoveAll(world.dir)
	}
	os.Exit(code)
}

// lsLine matches a line of ls: padded name, type, inode, size.
var lsLine = regexp.MustCompile(`(?m)^((?:\$ )*\S+ +)([123]) (\d+) (\d+)$`)

// normalize hides what differs from run to run in ls output: inode
// numbers always, and the sizes of directories.
func normalize(s string) string {
	return lsLine.ReplaceAllStringFunc(s, func(l string) string {
		m := lsLine.FindStringSubmatch(l)
		size := m[4]
		if m[2] == "1" {
			size = "S"
		}
		return m[1] + m[2] + " I " + size
	})
}

// TestShell drives the shell with a script on its standard input (the
// console) and compares what it prints with xv6's behaviour, written out
// by hand. Prompts go to fd 2 and are checked apart.
func TestShell(t *testing.T) {
	runos, root := buildWorld(t)
	script := strings.Join([]string{
		"echo hello | cat",
		"echo hi | wc",
		"mkdir d",
		"echo x > d/f",
		"cat d/f",
		"ls d",
		"wc README",
		"grep xv6 README",
		"grep ^the README",
		"cat README | grep xv6 | wc",
		"rm d/f",
		"ls d",
		"echo a > g; echo b >> g; cat g",
		"(echo 1; echo 2) | wc",
		"cat < README | grep e.d$",
		"cd d",
		"echo in d > f",
		"cat f",
		"cd /",
		"ln g h; rm g; cat h",
		"nosuchprogram",
		"cat nosuchfile",
		"echo one; echo two; echo three",
	}, "\n") + "\n"
	want := strings.Join([]string{
		"hello",
		"1 1 3 ",
		"x",
		".              1 I S",
		"..             1 I S",
		"f              2 I 2",
		"3 16 75 README",
		"This README is for xv6 on runos.",
		"It has words, and xv6 says hello.",
		"the end",
		"2 14 67 ",
		".              1 I S",
		"..             1 I S",
		"a",
		"b",
		"2 2 4 ",
		"the end",
		"in d",
		"a",
		"b",
		"one",
		"two",
		"three",
	}, "\n") + "\n"
	cmd := exec.Command(runos, "--root", root, "/sh")
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("runos /sh: %v\nstderr:\n%s", err, stderr.String())
	}
	if got := normalize(stdout.String()); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	wantErr := strings.Repeat("$ ", 21) + "exec nosuchprogram failed\n$ cat: cannot open nosuchfile\n$ $ "
	if stderr.String() != wantErr {
		t.Errorf("stderr: %q\nwant:   %q", stderr.String(), wantErr)
	}
}

// TestUsertests runs the semantic checks of user/usertests.c.
func TestUsertests(t *testing.T) {
	runos, root := buildWorld(t)
	out, err := exec.Command(runos, "--root", root, "/usertests").CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "ALL TESTS PASSED\n") {
		t.Fatalf("usertests: %v\n%s", err, out)
	}
}

// TestForktest forks a hundred children and reaps them all.
func TestForktest(t *testing.T) {
	runos, root := buildWorld(t)
	out, err := exec.Command(runos, "--root", root, "/forktest").CombinedOutput()
	if err != nil || string(out) != "fork test OK\n" {
		t.Fatalf("forktest: %v\n%s", err, out)
	}
}

// TestInitConsole starts /init, which makes the console with mknod and
// runs the shell on it; the shell reads the script from the console, and
// at its end both exit.
func TestInitConsole(t *testing.T) {
	runos, root := buildWorld(t)
	cmd := exec.Command(runos, "--root", root, "/init")
	cmd.Stdin = strings.NewReader("echo via the console\nls console\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("runos /init: %v\n%s", err, out)
	}
	want := "init: starting sh\n$ via the console\n$ console        3 I 0\n$ "
	if got := normalize(string(out)); got != want {
		t.Errorf("output: %q\nwant:   %q", got, want)
	}
}

// TestNotXv6 runs a program without the xv6 note under
// --personality=xv6: one clear line and exit 126, not a crash.
func TestNotXv6(t *testing.T) {
	runos, _ := buildWorld(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "linux.c")
	prog := filepath.Join(dir, "linux")
	os.WriteFile(src, []byte("void _start(void){__asm__ volatile(\"mov $60,%eax; xor %edi,%edi; syscall\");}\n"), 0o644)
	if out, err := exec.Command("gcc", "-nostdlib", "-static", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(runos, "--personality=xv6", prog).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 126 {
		t.Fatalf("runos: %v, want exit status 126\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "not an xv6 program") {
		t.Errorf("output %q, want one line saying it is not an xv6 program", out)
	}
}

func TestEncodeStat(t *testing.T) {
	for _, c := range []struct {
		name string
		st   fs.Stat
		want []byte
	}{
		{"file", fs.Stat{Dev: 1, Ino: 0x1234, Mode: fs.ModeRegular | 0o644, Nlink: 2, Size: 0x0102030405},
			[]byte{1, 0, 0, 0, 0x34, 0x12, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 5, 4, 3, 2, 1, 0, 0, 0}},
		{"dir", fs.Stat{Ino: 7, Mode: fs.ModeDir | 0o755, Nlink: 3, Size: 40},
			[]byte{0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0}},
		{"pipe is a device", fs.Stat{Ino: 1 << 33, Mode: fs.ModeFIFO, Nlink: 1 << 20},
			[]byte{0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := encodeStat(c.st); string(got[:]) != string(c.want) {
				t.Errorf("encodeStat(%+v) = % x, want % x", c.st, got, c.want)
			}
		})
	}
}

func TestEncodeDirent(t *testing.T) {
	for _, c := range []struct {
		name string
		e    fs.Dirent
		want string // inum as 2 bytes, then the 14-byte name
	}{
		{"short", fs.Dirent{Ino: 0x0203, Name: "ls"}, "\x03\x02ls\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"exactly DIRSIZ", fs.Dirent{Ino: 1, Name: "abcdefghijklmn"}, "\x01\x00abcdefghijklmn"},
		{"too long is cut", fs.Dirent{Ino: 1, Name: "abcdefghijklmnopq"}, "\x01\x00abcdefghijklmn"},
		{"inode 0 mod 65536 is not a free slot", fs.Dirent{Ino: 0x10000, Name: "x"}, "\xff\xffx" + strings.Repeat("\x00", 13)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := encodeDirent(c.e); string(got[:]) != c.want {
				t.Errorf("encodeDirent(%+v) = %q, want %q", c.e, got, c.want)
			}
		})
	}
}

func TestDecodeOpen(t *testing.T) {
	for _, c := range []struct {
		name string
		mode uintptr
		want fs.OpenFlags
	}{
		{"O_RDONLY", oRdonly, fs.OpenFlags{Read: true, Mode: 0o644}},
		{"O_WRONLY", oWronly, fs.OpenFlags{Write: true, Mode: 0o644}},
		{"O_RDWR", oRdwr, fs.OpenFlags{Read: true, Write: true, Mode: 0o644}},
		{"O_CREATE|O_TRUNC|O_WRONLY", oCreate | oTrunc | oWronly, fs.OpenFlags{Write: true, Create: true, Truncate: true, Mode: 0o644}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := decodeOpen(c.mode); got != c.want {
				t.Errorf("decodeOpen(%#x) = %+v, want %+v", c.mode, got, c.want)
			}
		})
	}
}
