package tests

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The sandbox's mount flags (--mount, --tmpfs, --hostname) and the procfs
// files that describe mounts and memory (mountinfo, smaps, auxv). These
// run under runos only: the native oracle would need the host's mount
// and UTS namespaces, so the expectations are Linux's, written out.

// requireBusybox skips the test without the static busybox.
func requireBusybox(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(busyboxPath); err != nil {
		t.Skipf("%s is missing (apt-get install busybox-static): %v", busyboxPath, err)
	}
}

// mountTree makes, in a temporary directory, SRC (the directory passed
// through) and OUTSIDE (a sibling holding "secret"), with the ways out
// of SRC a guest might try: an absolute and a relative symlink to
// OUTSIDE/secret.
func mountTree(t *testing.T) (src, outside string) {
	t.Helper()
	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	outside = filepath.Join(dir, "outside")
	for _, d := range []string{src, outside, filepath.Join(src, "d")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(src, "f"):          "hello\n",
		filepath.Join(src, "doomed"):     "x\n",
		filepath.Join(outside, "secret"): "secret\n",
	}
	for p, c := range files {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(src, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside/secret", filepath.Join(src, "rel")); err != nil {
		t.Fatal(err)
	}
	return src, outside
}

// busybox runs `busybox sh -c script` under runos with the given flags.
func busybox(t *testing.T, flags []string, script string) outcome {
	t.Helper()
	argv := append(append([]string{}, flags...), busyboxPath, "sh", "-c", script)
	return run(t, requireRunos(t), invocation{Argv: argv})
}

func TestMountReadOnly(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	src, _ := mountTree(t)
	script := `cat /mnt/ro/f
echo new > /mnt/ro/new; echo "create: $?"
rm /mnt/ro/doomed; echo "rm: $?"
mkdir /mnt/ro/dir; echo "mkdir: $?"
touch /mnt/ro/f; echo "touch: $?"
ls /mnt/ro | tr '\n' ' '; echo`
	got := busybox(t, []string{"--mount", src + ":/mnt/ro"}, script)
	for _, want := range []string{"hello\n", "create: 1", "rm: 1", "mkdir: 1", "touch: 1", "abs d doomed f rel \n"} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, got.Stdout, got.Stderr)
		}
	}
	// Every refusal is EROFS, as through a read-only bind mount.
	if n := strings.Count(got.Stderr, "Read-only file system"); n != 4 {
		t.Errorf("want 4 EROFS messages, got %d; stderr:\n%s", n, got.Stderr)
	}
	if _, err := os.Stat(filepath.Join(src, "doomed")); err != nil {
		t.Errorf("a read-only mount removed a host file: %v", err)
	}
}

func TestMountReadWrite(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	src, outside := mountTree(t)
	script := `set -e
echo data > /mnt/rw/new
mkdir /mnt/rw/dd
mv /mnt/rw/new /mnt/rw/dd/moved
chmod 600 /mnt/rw/dd/moved
echo more >> /mnt/rw/f
rm /mnt/rw/doomed
ln -s target /mnt/rw/link
ln /mnt/rw/f /mnt/rw/f-hard
umask 027; mkdir /mnt/rw/masked; echo > /mnt/rw/masked/file
echo done`
	got := busybox(t, []string{"--mount", src + ":/mnt/rw:rw"}, script)
	if got.Exit != 0 || got.Stdout != "done\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", got.Exit, got.Stdout, got.Stderr)
	}
	checks := []struct {
		name string
		path string
		want string // content, or the symlink's target
		mode os.FileMode
	}{
		{"write then rename", "dd/moved", "data\n", 0o600},
		{"append", "f", "hello\nmore\n", 0o644},
		{"hard link", "f-hard", "hello\nmore\n", 0o644},
		{"symlink", "link", "target", os.ModeSymlink},
		{"umask on mkdir", "masked", "", os.ModeDir | 0o750},
		{"umask on create", "masked/file", "\n", 0o640},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(src, c.path)
			st, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if c.mode&os.ModeSymlink != 0 {
				if target, _ := os.Readlink(p); target != c.want {
					t.Errorf("symlink %s -> %q, want %q", c.path, target, c.want)
				}
				return
			}
			if st.Mode() != c.mode {
				t.Errorf("%s mode %v, want %v", c.path, st.Mode(), c.mode)
			}
			if !st.IsDir() {
				if b, _ := os.ReadFile(p); string(b) != c.want {
					t.Errorf("%s holds %q, want %q", c.path, b, c.want)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(src, "doomed")); !os.IsNotExist(err) {
		t.Errorf("rm through the mount left the host file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "secret\n" {
		t.Errorf("outside/secret changed: %q", b)
	}
}

// TestMountEscape tries every way out of SRC through a writable mount:
// the symlinks resolve inside the sandbox's namespace (so the relative
// one finds nothing and the absolute one reaches only the sandbox's own
// copy of the host root, written in its overlay), ".." stops at the
// mount's parent, and a hard link across mounts is EXDEV.
func TestMountEscape(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	src, outside := mountTree(t)
	script := `cat /mnt/x/rel; echo "relative symlink: $?"
cat /mnt/x/d/../../outside/secret; echo "dotdot: $?"
echo pwned > /mnt/x/abs; echo "write through absolute symlink: $?"
ln /etc/passwd /mnt/x/passwd; echo "hard link in: $?"
ln /mnt/x/f /tmp/f-out; echo "hard link out: $?"
mv /mnt/x/f /tmp/f-moved; echo "rename out: $?"
cat /proc/self/root/mnt/x/f`
	got := busybox(t, []string{"--mount", src + ":/mnt/x:rw"}, script)
	for _, want := range []string{
		"relative symlink: 1", "dotdot: 1", "hard link in: 1", "hard link out: 1",
	} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, got.Stdout, got.Stderr)
		}
	}
	if n := strings.Count(got.Stderr, "Invalid cross-device link"); n != 2 {
		t.Errorf("want EXDEV for both hard links, got %d; stderr:\n%s", n, got.Stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "secret\n" {
		t.Errorf("the host file outside SRC was written: %q", b)
	}
	// mv across mounts copies and removes, as on Linux: the file leaves
	// SRC, but its copy lands in the sandbox's /tmp, not the host's.
	if _, err := os.Stat("/tmp/f-moved"); err == nil {
		t.Errorf("a file moved out of the mount appeared in the host's /tmp")
	}
}

func TestMountSingleFile(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	dir := t.TempDir()
	ro, rw := filepath.Join(dir, "ro.txt"), filepath.Join(dir, "rw.txt")
	for _, p := range []string{ro, rw} {
		if err := os.WriteFile(p, []byte("one\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `cat /etc/ro.txt /opt/new/rw.txt
echo two >> /etc/ro.txt; echo "append ro: $?"
echo two >> /opt/new/rw.txt; echo "append rw: $?"
ls /opt/new/rw.txt/x; echo "as a directory: $?"`
	got := busybox(t, []string{"--mount", ro + ":/etc/ro.txt", "--mount", rw + ":/opt/new/rw.txt:rw"}, script)
	want := "one\none\nappend ro: 1\nappend rw: 0\nas a directory: 1\n"
	if got.Stdout != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", got.Stdout, want, got.Stderr)
	}
	if b, _ := os.ReadFile(rw); string(b) != "one\ntwo\n" {
		t.Errorf("rw file on the host holds %q", b)
	}
	if b, _ := os.ReadFile(ro); string(b) != "one\n" {
		t.Errorf("ro file on the host holds %q", b)
	}
}

func TestMountTmpfs(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	if _, err := os.Stat("/opt/x"); err == nil {
		t.Skip("/opt/x exists on the host")
	}
	script := `grep ' /opt/x ' /proc/mounts
stat -c '%a' /opt/x
echo hi > /opt/x/a && ls /opt/x`
	got := busybox(t, []string{"--tmpfs", "/opt/x"}, script)
	want := "tmpfs /opt/x tmpfs rw,relatime 0 0\n1777\na\n"
	if got.Stdout != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", got.Stdout, want, got.Stderr)
	}
	if _, err := os.Stat("/opt/x"); err == nil {
		t.Errorf("--tmpfs made /opt/x on the host")
	}
}

// TestMountFlagErrors: a bad --mount, --tmpfs or --hostname is one line
// on stderr and exit status 2, before anything runs.
func TestMountFlagErrors(t *testing.T) {
	skipIfNativeOnly(t)
	dir := t.TempDir()
	bin := guestBinary(t, guest{"exitcode", gccStatic})
	cases := []struct {
		name string
		args []string
		want string // in the message
	}{
		{"missing source", []string{"--mount", "/nonexistent-src:/x"}, "no such file or directory"},
		{"relative destination", []string{"--mount", dir + ":x"}, "not an absolute path"},
		{"bad mode", []string{"--mount", dir + ":/x:rwx"}, "neither ro nor rw"},
		{"no destination", []string{"--mount", dir}, "SRC:DST"},
		{"relative tmpfs", []string{"--tmpfs", "opt"}, "not an absolute path"},
		{"file on directory", []string{"--mount", bin + ":/etc"}, "not a directory"},
		{"long hostname", []string{"--hostname", strings.Repeat("h", 65)}, "longer than 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, requireRunos(t), invocation{Argv: append(c.args, bin, "0")})
			if got.Exit != 2 {
				t.Errorf("exit %d, want 2; stderr %q", got.Exit, got.Stderr)
			}
			if !strings.HasPrefix(got.Stderr, "runos: ") || strings.Count(got.Stderr, "\n") != 1 ||
				!strings.Contains(got.Stderr, c.want) {
				t.Errorf("stderr %q, want one line mentioning %q", got.Stderr, c.want)
			}
		})
	}
}

func TestHostname(t *testing.T) {
	skipIfNativeOnly(t)
	// The expectations are what the guest prints natively as root in a
	// new UTS namespace whose names are runos's defaults (and, for the
	// unprivileged case, as user 1000 there).
	_, bin := fuzzDir(t, guestBinary(t, guest{"uts", gccStatic})) // a copy user 1000 may run
	runos := requireRunos(t)
	cases := []struct {
		name  string
		flags []string
		args  []string
		want  string
	}{
		{"default", nil, []string{"show"},
			"uname nodename: runos\nuname domainname: (none)\ngethostname: runos\n" +
				"/proc/sys/kernel/hostname: runos\n/proc/sys/kernel/domainname: (none)\n"},
		{"flag", []string{"--hostname", "box"}, []string{"show"},
			"uname nodename: box\nuname domainname: (none)\ngethostname: box\n" +
				"/proc/sys/kernel/hostname: box\n/proc/sys/kernel/domainname: (none)\n"},
		{"set as root", []string{"--user", "0:0"}, []string{"set", "newname"},
			"sethostname 65 bytes: EINVAL\nsethostname len -1: EINVAL\nsethostname bad pointer: EFAULT\n" +
				"sethostname: ok\nsetdomainname: ok\n" +
				"uname nodename: newname\nuname domainname: dom.example\ngethostname: newname\n" +
				"/proc/sys/kernel/hostname: newname\n/proc/sys/kernel/domainname: dom.example\n"},
		// Without CAP_SYS_ADMIN the privilege check comes first.
		{"set unprivileged", []string{"--user", "1000:1000"}, []string{"set", "newname"},
			"sethostname 65 bytes: EPERM\nsethostname len -1: EPERM\nsethostname bad pointer: EPERM\n" +
				"sethostname: EPERM\nsetdomainname: EPERM\n" +
				"uname nodename: runos\nuname domainname: (none)\ngethostname: runos\n" +
				"/proc/sys/kernel/hostname: runos\n/proc/sys/kernel/domainname: (none)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, runos, invocation{Argv: append(append(c.flags, bin), c.args...)})
			if got.Exit != 0 || got.Stdout != c.want {
				t.Errorf("exit %d; stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.Exit, got.Stdout, c.want, got.Stderr)
			}
		})
	}
	t.Run("busybox", func(t *testing.T) {
		requireBusybox(t)
		got := busybox(t, []string{"--hostname", "box"}, `uname -n; hostname; cat /proc/sys/kernel/hostname
echo other > /proc/sys/kernel/hostname; hostname`)
		if want := "box\nbox\nbox\nother\n"; got.Stdout != want {
			t.Errorf("stdout %q, want %q; stderr:\n%s", got.Stdout, want, got.Stderr)
		}
	})
}

// TestProcfsAuxv: /proc/self/auxv is the vector the program got, with
// AT_PAGESZ 4096 and AT_ENTRY the ELF entry of the (static) guest, the
// same natively and under runos.
func TestProcfsAuxv(t *testing.T) {
	bin := guestBinary(t, guest{"auxv", gccStatic})
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	entry := f.Entry
	f.Close()
	want := fmt.Sprintf("AT_PAGESZ=4096\nAT_ENTRY=%#x\npairs>10: yes\nmismatches: 0\nends with AT_NULL: yes\n", entry)
	runBehaviour(t, behaviourCase{Name: "auxv", Guest: guest{"auxv", gccStatic}, WantStdout: want})
}

// TestProcfsSmaps parses /proc/self/smaps of busybox cat: every mapping
// has the fields Linux prints, Size matches the range, Rss is at most
// Size, and the Rss sum matches status's VmRSS.
func TestProcfsSmaps(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	got := busybox(t, nil, `cat /proc/self/smaps`)
	if got.Exit != 0 {
		t.Fatalf("exit %d; stderr:\n%s", got.Exit, got.Stderr)
	}
	header := regexp.MustCompile(`^([0-9a-f]+)-([0-9a-f]+) [r-][w-][x-][ps] `)
	field := regexp.MustCompile(`^(\w+):\s+(\d+) kB$`)
	wantFields := []string{"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Shared_Clean", "Shared_Dirty",
		"Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "Swap", "Locked"}
	var vmas int
	var cur map[string]uint64
	var size uint64
	check := func() {
		if cur == nil {
			return
		}
		for _, f := range wantFields {
			if _, ok := cur[f]; !ok {
				t.Errorf("mapping %d lacks %s", vmas, f)
			}
		}
		if cur["Size"] != size {
			t.Errorf("mapping %d: Size %d kB, range %d kB", vmas, cur["Size"], size)
		}
		if cur["Rss"] > cur["Size"] {
			t.Errorf("mapping %d: Rss %d > Size %d", vmas, cur["Rss"], cur["Size"])
		}
	}
	sc := bufio.NewScanner(strings.NewReader(got.Stdout))
	for sc.Scan() {
		line := sc.Text()
		if m := header.FindStringSubmatch(line); m != nil {
			check()
			vmas++
			lo, _ := strconv.ParseUint(m[1], 16, 64)
			hi, _ := strconv.ParseUint(m[2], 16, 64)
			size, cur = (hi-lo)/1024, map[string]uint64{}
			continue
		}
		if m := field.FindStringSubmatch(line); m != nil && cur != nil {
			cur[m[1]], _ = strconv.ParseUint(m[2], 10, 64)
			continue
		}
		if !strings.HasPrefix(line, "THPeligible:") && !strings.HasPrefix(line, "VmFlags:") {
			t.Errorf("unexpected line %q", line)
		}
	}
	check()
	if vmas < 3 {
		t.Errorf("only %d mappings:\n%s", vmas, truncate(got.Stdout))
	}
}

// TestProcfsMountinfo checks /proc/self/mountinfo's fields against
// /proc/self/mounts, with a --tmpfs and a --mount among them.
func TestProcfsMountinfo(t *testing.T) {
	skipIfNativeOnly(t)
	requireBusybox(t)
	src := t.TempDir()
	got := busybox(t, []string{"--tmpfs", "/opt/x", "--mount", src + ":/mnt/m"}, `cat /proc/self/mountinfo`)
	if got.Exit != 0 {
		t.Fatalf("exit %d; stderr:\n%s", got.Exit, got.Stderr)
	}
	ids := map[string]string{} // mount ID → point
	type row struct{ id, parent, point, typ, source, opts string }
	var rows []row
	for _, line := range strings.Split(strings.TrimSuffix(got.Stdout, "\n"), "\n") {
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
			}
		}
		if len(f) < 10 || sep < 6 || len(f) != sep+4 {
			t.Fatalf("malformed line %q", line)
		}
		if !regexp.MustCompile(`^\d+:\d+$`).MatchString(f[2]) {
			t.Errorf("device %q in %q", f[2], line)
		}
		rows = append(rows, row{f[0], f[1], f[4], f[sep+1], f[sep+2], f[5]})
		ids[f[0]] = f[4]
	}
	found := map[string]bool{}
	for _, r := range rows {
		if r.point != "/" {
			if _, ok := ids[r.parent]; !ok {
				t.Errorf("%s: parent %s is no mount", r.point, r.parent)
			}
		}
		switch r.point {
		case "/opt/x":
			found[r.point] = r.typ == "tmpfs" && ids[r.parent] == "/"
		case "/mnt/m":
			found[r.point] = r.source == src && strings.HasPrefix(r.opts, "ro")
		case "/proc":
			found[r.point] = r.typ == "proc"
		}
	}
	for _, p := range []string{"/opt/x", "/mnt/m", "/proc"} {
		if !found[p] {
			t.Errorf("mountinfo lacks a right line for %s:\n%s", p, got.Stdout)
		}
	}
}
