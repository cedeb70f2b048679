package tests

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The tests in this file run ordinary programs of the host (coreutils,
// bash, python3, sqlite3, gcc, git) on runos's default root, the host's /
// under a writable tmpfs overlay, and compare them with the same programs
// run natively; then they try to leave a --root directory and check that
// runos gives the errno Linux gives in a chroot(2) and reaches nothing of
// the host. See issue 4: "Escape attempts get the errno Linux would give
// and reach nothing".

// filesCase is one program run natively and under runos on the default
// root. Each run gets its own empty scratch directory, as its cwd and in
// $T; the runos run's stays empty on the host, since its writes land in
// the overlay. The two outcomes are compared after the scratch paths are
// replaced by "$T".
type filesCase struct {
	Name string
	// Need lists host programs the case runs; it skips when one is
	// missing (`make deps` installs them).
	Need []string
	// Script is run as `bash -c SCRIPT`; Python, if set instead, as
	// `/usr/bin/python3 -c PYTHON` (the system's python, not a pyenv shim
	// that PATH may find first).
	Script, Python string
	// WantLines must all appear in the native stdout, so that a case that
	// does nothing natively fails rather than agrees.
	WantLines []string
	WantExit  int
	// Skip, when set, skips the case under runos with this reason: a
	// runos bug, named precisely, in code this file does not own.
	Skip string
}

func filesCases() []filesCase {
	return []filesCase{
		{
			Name: "coreutils",
			Need: []string{"ls", "head", "cat", "sort", "uniq", "wc", "find", "grep", "sha256sum"},
			Script: `ls -la /usr/bin | head
printf 'pear\napple\npear\nfig\napple\npear\n' > fruit
cat fruit | sort | uniq -c
sort -r fruit | uniq | cat -n
wc fruit; wc -l < /usr/share/common-licenses/GPL-3
find /usr/share/doc -name '*.gz' | head
grep -rn 'GNU GENERAL PUBLIC LICENSE' /usr/share/common-licenses | sort
grep -rl 'Free Software Foundation' /usr/share/common-licenses | sort
grep -c . /usr/share/common-licenses/GPL-3
sha256sum fruit /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/Apache-2.0
cat /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/GPL-3 | sha256sum`,
			WantLines: []string{"      2 apple", "      3 pear", " 6  6 31 fruit"},
		},
		{
			// tar's copy keeps every file's type, mode, size, mtime, link
			// target and contents: the listings of both trees are equal.
			Name: "tar-copy",
			Need: []string{"tar", "find", "cmp", "sha256sum"},
			Script: `set -e
src=/usr/share
trees="common-licenses doc/bash doc/tar"
tar cf - -C $src $trees | tar xf - -C "$T"
list() { (cd "$1" && find $trees ! -type d -printf '%y %m %s %T@ %p %l\n' | LC_ALL=C sort); }
list $src > want.lst; list "$T" > got.lst
cmp want.lst got.lst && echo "file listings equal: $(wc -l < got.lst) entries"
(cd "$T" && find $trees -type d | LC_ALL=C sort) > dirs.lst; wc -l < dirs.lst
(cd "$T" && find $trees -type f -exec sha256sum {} + | LC_ALL=C sort | sha256sum)
(cd $src && find $trees -type f -exec sha256sum {} + | LC_ALL=C sort | sha256sum)
tar cf - -C $src common-licenses | tar tf - | LC_ALL=C sort | head -3`,
			WantLines: []string{"common-licenses/Apache-2.0"},
		},
		{
			// GNU tar creates each directory 0700 and gives it its mode at
			// the end, with chmod("/proc/self/fd/N") on an O_PATH
			// descriptor of it.
			Name: "tar-copy-directory-modes",
			Need: []string{"tar", "find", "cmp"},
			Script: `set -e
tar cf - -C /usr/share common-licenses doc/bash | tar xf - -C "$T"
list() { (cd "$1" && find common-licenses doc/bash -type d -printf '%m %T@ %p\n' | LC_ALL=C sort); }
list /usr/share > want.lst; list "$T" > got.lst
cmp want.lst got.lst && echo "directory listings equal"`,
			WantLines: []string{"directory listings equal"},
		},
		{
			Name: "bash-features",
			Need: []string{"bash", "diff", "tr", "wc"},
			Script: `set -e
trap 'echo "EXIT trap, status $?"' EXIT
f() { local x=$1; echo "f($x)"; return $((x % 3)); }
for i in 1 2 3 4; do f $i || echo "f $i returned $?"; done
n=0; while [ $n -lt 5 ]; do n=$((n+1)); [ $n -eq 2 ] && continue; echo -n "$n "; done; echo
case "abc.tar.gz" in *.gz) echo "gz: ${n}" ;; *) echo no ;; esac
x=hello.world; echo "${x%.*} ${x#*.} ${#x} ${x^^} ${x/o/0}"
arr=(one "two three" four); echo "${#arr[@]} ${arr[1]}"; declare -A m=([k]=v); echo "${m[k]}"
cat <<EOF > heredoc.txt
line $((6*7)) $x
	tabbed
EOF
cat <<'EOF' >> heredoc.txt
literal $x
EOF
cat heredoc.txt; wc -l < heredoc.txt
exec 4>fd4.txt; echo to-fd4 >&4; exec 4>&-; cat fd4.txt
{ echo out; echo err >&2; } > both.txt 2>&1; sort both.txt
echo appended >> fd4.txt; cat < fd4.txt
ls no-such-file 2>/dev/null || echo "ls failed: $?"
echo "command substitution: $(echo inner | tr a-z A-Z) $(( $(echo 20) + 1 ))"
[ -e /dev/fd/0 ] && echo "/dev/fd is there"
diff <(printf 'a\nb\n') <(printf 'a\nc\n') || echo "diff status $?"
cat <(echo from process substitution)
echo feed > >(tr a-z A-Z > upper.txt); wait $!; cat upper.txt
read -r v < <(echo read-from-procsub); echo "v=$v"
printf '1 2\n3 4\n' | while read a b; do echo "sum $((a+b))"; done
printf 'x:y\n' | { IFS=: read p q; echo "$q$p"; }
echo via-stdin | cat /dev/stdin
echo to-stderr >&2
(exit 3) || echo "subshell status $?"
false
echo never`,
			WantExit:  1,
			WantLines: []string{"f 4 returned 1", "diff status 1", "/dev/fd is there", "FEED", "v=read-from-procsub", "EXIT trap, status 1"},
		},
		{
			Name:   "python3",
			Need:   []string{"/usr/bin/python3", "sh", "tr"},
			Python: pythonScript,
			WantLines: []string{
				`{"a": "x\u00e9", "b": [1, 2.5, null, true]}`,
				"file db: (1000, 499500)",
				"subprocess: 3 'out\\n' 'err\\n'",
				"threads: 360000",
				"select ready: True",
				"python: ok",
			},
		},
		{
			Name: "sqlite3-cli",
			Need: []string{"sqlite3"},
			Script: `set -e
db="$T/cli.db"
sqlite3 "$db" "create table t(a integer primary key, b text); insert into t(b) values ('x'),('y'),('z');"
sqlite3 "$db" "select * from t order by a desc; select count(*), group_concat(b, '+') from t; pragma integrity_check;"
printf 'begin;\ninsert into t(b) select b||b from t;\ncommit;\n.separator ";"\nselect * from t;\n.tables\n' | sqlite3 "$db"
sqlite3 "$db" "create index i on t(b); select count(*) from sqlite_master;"
printf 'select nosuchcol from t;\n' | sqlite3 "$db" || echo "bad query: status $?"
ls "$T"`,
			WantLines: []string{"3|x+y+z", "6;zz", "bad query: status 1"},
		},
		{
			// gcc forks and execs cc1, as, collect2 and ld; the program it
			// makes runs in the same sandbox.
			Name: "gcc",
			Need: []string{"gcc"},
			Script: `set -e
cat > hello.c <<'EOF'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	printf("hello from %s, %d\n", strrchr(argv[0], '/') + 1, 6 * 7);
	return 3;
}
EOF
gcc -O1 -Wall hello.c -o "$T/h"
"$T/h" || echo "status $?"
gcc -static -O1 hello.c -o "$T/hs"
"$T/hs" || echo "status $?"`,
			WantLines: []string{"hello from h, 42", "hello from hs, 42", "status 3"},
		},
		{
			Name: "git",
			Need: []string{"git"},
			Script: `set -e
export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
git init -q -b main repo; cd repo
echo one > a.txt; mkdir sub; echo two > sub/b.txt
git add . && git commit -q -m first
echo three >> a.txt; git commit -q -am second
git mv sub/b.txt sub/c.txt; git commit -q -m rename
echo new > d.txt; echo more >> sub/c.txt; git rm -q --cached a.txt
git log --format=%s; git log --format='%H %an %ad' --date=iso-strict -1
git status --short
git rev-list --count HEAD; git cat-file -p 'HEAD^{tree}'
git diff --stat; git diff --cached --stat
git gc -q; git count-objects -v | grep -E '^(count|in-pack)'; git fsck --no-progress && echo fsck ok`,
			WantLines: []string{"rename", "second", "first", "?? d.txt", "fsck ok"},
		},
	}
}

// pythonScript prints only values that are the same in every run: no
// paths, pids or descriptor numbers.
const pythonScript = `import json, os, re, select, sqlite3, subprocess, sys, tempfile, threading
print(json.dumps({"b": [1, 2.5, None, True], "a": "x\u00e9"}, sort_keys=True))
print(json.loads('{"k": [1, {"n": null}], "s": "\\u00e9"}'))
print(re.findall(r"(\w+)=(\d+)", "a=1 bb=22 c=x"), re.sub(r"\s+", "-", "a  b \t c"))
print(re.match(r"(?P<y>\d{4})-(?P<m>\d\d)", "2024-05-01").groupdict())
db = sqlite3.connect(":memory:")
db.execute("create table t(k integer primary key, v text)")
db.executemany("insert into t(v) values (?)", [("one",), ("two",), ("three",)])
print("memory db:", db.execute("select k, v from t order by v").fetchall())
path = os.path.join(os.environ["T"], "file.db")
fdb = sqlite3.connect(path)
fdb.execute("pragma journal_mode=wal")
fdb.execute("create table t(x)")
with fdb:
    fdb.executemany("insert into t values (?)", [(i,) for i in range(1000)])
fdb.close()
print("file db:", sqlite3.connect(path).execute("select count(*), sum(x) from t").fetchone())
r = subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True, text=True)
print("subprocess:", r.returncode, repr(r.stdout), repr(r.stderr))
print("shell:", subprocess.run("echo hi | tr a-z A-Z", shell=True, stdout=subprocess.PIPE).stdout)
p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
print("popen:", p.communicate(b"x" * 200000)[0] == b"x" * 200000, p.returncode)
total = [0]
lock = threading.Lock()
def work(n):
    for _ in range(10000):
        with lock:
            total[0] += n
ts = [threading.Thread(target=work, args=(i,)) for i in range(9)]
for t in ts: t.start()
for t in ts: t.join()
print("threads:", total[0])
n = d = 0
for root, dirs, files in os.walk("/usr/share/common-licenses"):
    n += len(files); d += len(dirs)
print("walk:", n, d, sorted(os.listdir("/usr/share/common-licenses"))[:3])
with tempfile.TemporaryDirectory() as td:
    with open(os.path.join(td, "f"), "w") as f:
        f.write("tmp")
    print("tempdir:", os.listdir(td), open(os.path.join(td, "f")).read())
gone = not os.path.exists(td)
with tempfile.NamedTemporaryFile("w+") as f:
    f.write("named"); f.flush(); f.seek(0)
    print("named:", f.read(), os.path.getsize(f.name), gone)
r, w = os.pipe()
print("select empty:", select.select([r], [], [], 0) == ([], [], []))
os.write(w, b"x")
print("select ready:", select.select([r], [], [], 1)[0] == [r])
pl = select.poll(); pl.register(r, select.POLLIN)
print("poll:", [ev for _, ev in pl.poll(0)] == [select.POLLIN])
os.close(w)
print("read:", os.read(r, 10), os.read(r, 10))
print("python: ok")
sys.exit(0)
`

func TestFiles(t *testing.T) {
	for _, c := range filesCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			for _, tool := range c.Need {
				if _, err := exec.LookPath(tool); err != nil {
					t.Skipf("%s is not installed (make deps): %v", tool, err)
				}
			}
			runFilesCase(t, c)
		})
	}
}

func runFilesCase(t *testing.T, c filesCase) {
	t.Helper()
	inv := func(scratch string) invocation {
		argv := []string{"/bin/bash", "-c", c.Script}
		if c.Python != "" {
			argv = []string{"/usr/bin/python3", "-c", c.Python}
		}
		return invocation{Argv: argv, Dir: scratch, Env: []string{"T=" + scratch}}
	}
	nativeDir := t.TempDir()
	native := scrubPath(run(t, "", inv(nativeDir)), nativeDir)
	checkNative(t, behaviourCase{WantExit: c.WantExit, WantLines: c.WantLines}, native)
	if nativeOnly {
		return
	}
	if c.Skip != "" {
		t.Skip(c.Skip)
	}
	runosDir := t.TempDir()
	got := scrubPath(run(t, requireRunos(t), inv(runosDir)), runosDir)
	if d := diffOutcomes(native, got); d != "" {
		t.Errorf("runos differs from the native run (-native +runos):\n%s", d)
	}
	// Everything the guest wrote went to the overlay.
	if names := filesDirNames(t, runosDir); len(names) != 0 {
		t.Errorf("the runos run wrote into the host's %s: %v", runosDir, names)
	}
}

// scrubPath replaces a run's own scratch directory, which differs between
// the two runs, by "$T" in its output.
func scrubPath(o outcome, dir string) outcome {
	o.Stdout = strings.ReplaceAll(o.Stdout, dir, "$T")
	o.Stderr = strings.ReplaceAll(o.Stderr, dir, "$T")
	return o
}

func filesDirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// hostFile is what the host shows of one file: enough to notice any
// write, chmod, touch, rename or removal.
type hostFile struct {
	Path    string
	Exists  bool
	Mode    fs.FileMode
	ModTime time.Time
	Data    []byte
}

func snapshotHost(t *testing.T, path string) hostFile {
	t.Helper()
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return hostFile{Path: path}
	}
	if err != nil {
		t.Fatal(err)
	}
	h := hostFile{Path: path, Exists: true, Mode: fi.Mode(), ModTime: fi.ModTime()}
	if fi.Mode().IsRegular() {
		if h.Data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	} else if fi.IsDir() {
		names := filesDirNames(t, path)
		sort.Strings(names)
		h.Data = []byte(strings.Join(names, "\n"))
	}
	return h
}

func (h hostFile) String() string {
	if !h.Exists {
		return h.Path + ": absent"
	}
	return fmt.Sprintf("%s: %v %v %d bytes sha256 %x", h.Path, h.Mode, h.ModTime.UTC().Format(time.RFC3339Nano), len(h.Data), sha256.Sum256(h.Data))
}

// TestFilesHostUnchanged writes, appends, truncates, chmods, touches,
// renames and removes host files under runos's default root: the guest
// sees each change in the same run, and the host sees none afterwards.
func TestFilesHostUnchanged(t *testing.T) {
	skipIfNativeOnly(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root: the guest runs with runos's own credentials, and only root may write /etc and /usr/share")
	}
	const lic = "/usr/share/common-licenses"
	for _, p := range []string{"/etc/hostname", lic + "/GPL-3", lic + "/GPL-2", lic + "/BSD"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("the host lacks %s: %v", p, err)
		}
	}
	newDir := fmt.Sprintf("/usr/share/runos-files-test-%d", os.Getpid())
	watched := []string{"/etc/hostname", lic, lic + "/GPL-3", lic + "/GPL-2", lic + "/BSD", lic + "/BSD.moved", newDir}
	var before []hostFile
	for _, p := range watched {
		before = append(before, snapshotHost(t, p))
	}
	gpl3 := before[2]

	script := `set -e
L=/usr/share/common-licenses
echo sandbox-host > /etc/hostname; cat /etc/hostname
printf 'appended\n' >> $L/GPL-3; tail -n 1 $L/GPL-3; stat -c %s $L/GPL-3
chmod 0600 /etc/hostname; stat -c %a /etc/hostname
touch -d @86400 $L/GPL-3; stat -c %Y $L/GPL-3
rm $L/GPL-2; [ ! -e $L/GPL-2 ] && echo "GPL-2 removed"
mv $L/BSD $L/BSD.moved; ls $L/BSD*
mkdir ` + newDir + `; echo new > ` + newDir + `/f; cat ` + newDir + `/f
: > /etc/hostname; stat -c %s /etc/hostname`
	want := fmt.Sprintf("sandbox-host\nappended\n%d\n600\n86400\nGPL-2 removed\n%s/BSD.moved\nnew\n0\n", len(gpl3.Data)+len("appended\n"), lic)
	got := run(t, requireRunos(t), invocation{Argv: []string{"/bin/bash", "-c", script}})
	if got.Stdout != want || got.Exit != 0 {
		t.Errorf("the guest did not see its own writes: exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.Exit, got.Stdout, want, got.Stderr)
	}
	var changed [][2]hostFile
	for i, p := range watched {
		after := snapshotHost(t, p)
		if after.String() == before[i].String() && bytes.Equal(after.Data, before[i].Data) {
			continue
		}
		t.Errorf("runos changed the host's file:\nbefore %v\nafter  %v", before[i], after)
		changed = append(changed, [2]hostFile{before[i], after})
	}
	// Directories last: putting their files back changes their mtimes.
	sort.SliceStable(changed, func(i, j int) bool { return !changed[i][0].Mode.IsDir() && changed[j][0].Mode.IsDir() })
	for _, c := range changed {
		restoreHost(t, c[0], c[1])
	}
}

// restoreHost undoes what a failing runos did to a host file, as far as
// it can, so that one broken run does not damage the machine.
func restoreHost(t *testing.T, was, is hostFile) {
	t.Helper()
	switch {
	case !was.Exists && is.Exists:
		os.RemoveAll(was.Path)
	case was.Exists && was.Mode.IsRegular():
		if err := os.WriteFile(was.Path, was.Data, was.Mode.Perm()); err != nil {
			t.Errorf("restoring %s: %v", was.Path, err)
			return
		}
		os.Chmod(was.Path, was.Mode.Perm())
		os.Chtimes(was.Path, was.ModTime, was.ModTime)
	case was.Exists && was.Mode.IsDir():
		os.Chmod(was.Path, was.Mode.Perm())
		os.Chtimes(was.Path, was.ModTime, was.ModTime)
	}
}

// escapeGroups are the groups of guest/escape.c, each with what Linux
// prints in a chroot(2) of the tree escapeTree builds. Skip, when set,
// skips the runos run of the group with this reason.
var escapeGroups = []struct {
	Name, Want, Skip string
}{
	{
		Name: "dotdot",
		Want: `chdir /../../..: ok
cwd: /
ls .: abs-etc abs-out bin dev etc loop proc rel-out rel-up sys tmp
/.. is /: same
/../../.. is /: same
open /../../../etc/passwd: read "root:sandbox"
chdir /bin: ok
chdir ../../../..: ok
cwd: /
openat(/bin, ../../../etc/passwd): read "root:sandbox"
fchdir /bin: ok
chdir ..x20: ok
cwd: /
open /../..OUTSIDE/secret: ENOENT
open OUTSIDE/secret: ENOENT
`,
	},
	{
		Name: "symlinks",
		Want: `readlink /abs-etc: /etc
open /abs-etc/passwd: read "root:sandbox"
open /abs-out/secret: ENOENT
open /rel-up: read "root:sandbox"
open /rel-out: ENOENT
open /bin/up/etc/passwd: read "root:sandbox"
open /bin/up/bin/up/abs-etc/passwd: read "root:sandbox"
realpath /bin/up/abs-etc: /etc
open /loop: ELOOP
creat through /rel-out: ENOENT
mkdir /abs-out/new: ENOENT
symlink /tmp/l -> /abs-out: ok
open /tmp/l/secret: ENOENT
chdir /abs-out: ENOENT
chdir /bin/up: ok
cwd: /
ls .: abs-etc abs-out bin dev etc loop proc rel-out rel-up sys tmp
`,
	},
	{
		Name: "proc",
		Want: `getpid: 1
readlink /proc/self/root: /
readlink /proc/1/root: /
open /proc/self/root/../../etc/passwd: read "root:sandbox"
/proc/self/root/.. is /: same
chdir /proc/self/root/..: ok
cwd: /
ls .: abs-etc abs-out bin dev etc loop proc rel-out rel-up sys tmp
chdir /bin: ok
readlink /proc/1/cwd: /bin
readlink /proc/self/cwd: /bin
readlink /proc/1/exe: /bin/escape
open /proc/1/cwd/../etc/passwd: read "root:sandbox"
open /proc/1/cwd/up/etc/passwd: read "root:sandbox"
ls /proc/1/root/..: abs-etc abs-out bin dev etc loop proc rel-out rel-up sys tmp
chdir /proc/1/cwd/../..: ok
cwd: /
`,
	},
	{
		Name: "link",
		Want: `link /../../../etc/passwd /tmp/l1: ok
open /tmp/l1: read "root:sandbox"
link /abs-out/secret /tmp/l2: ENOENT
linkat /rel-out /tmp/l3 FOLLOW: ENOENT
link /../..OUTSIDE/secret /tmp/l4: ENOENT
link /proc/self/status /tmp/l5: EXDEV
link /etc/passwd /abs-out/l7: ENOENT
link /etc/passwd /bin/up/etc/l8: ok
stat /etc/l8: ok
/etc/passwd links: 3
ls /tmp: l1
`,
	},
	{
		Name: "linkproc",
		Want: `link /etc/passwd /proc/l6: ENOENT
link /etc/passwd /proc/self/l7: ENOENT
link /proc/self/status /tmp/l8: EXDEV
`,
	},
	{
		Name: "openat2",
		Want: `BENEATH escape: ok
BENEATH etc/passwd: read "inroot:bin"
BENEATH sub/../etc/passwd: read "inroot:bin"
BENEATH ../etc/passwd: EXDEV
BENEATH /etc/passwd: EXDEV
BENEATH up/etc/passwd: EXDEV
BENEATH sub/../../etc/passwd: EXDEV
BENEATH AT_FDCWD /etc/passwd: EXDEV
IN_ROOT ../etc/passwd: read "inroot:bin"
IN_ROOT /etc/passwd: read "inroot:bin"
IN_ROOT up/etc/passwd: read "inroot:bin"
NO_SYMLINKS up/etc/passwd: ELOOP
NO_MAGICLINKS /proc/self/fd/BIN/etc/passwd: ELOOP
plain /proc/self/root/etc/passwd: read "root:sandbox"
NO_XDEV /proc/self/status: EXDEV
BENEATH|IN_ROOT: EINVAL
unknown resolve bit: EINVAL
short open_how: EINVAL
`,
	},
	{
		Name: "fdlinks",
		Want: `open /proc/self/fd/BIN/etc/passwd: read "inroot:bin"
BENEATH / proc/self/fd/BIN/etc/passwd: EXDEV
IN_ROOT / proc/self/fd/BIN/etc/passwd: EXDEV
`,
	},
	{
		Name: "magiclinks",
		Want: `chdir /bin: ok
NO_MAGICLINKS /proc/self/root/etc/passwd: ELOOP
NO_MAGICLINKS /proc/self/cwd/etc/passwd: ELOOP
NO_MAGICLINKS /proc/1/exe: ELOOP
NO_MAGICLINKS /proc/self/root: ELOOP
BENEATH / proc/self/root/etc/passwd: EXDEV
BENEATH / proc/self/cwd/etc/passwd: EXDEV
`,
	},
}

// escapeTree builds a root directory for guest/escape.c at root: the
// guest as /bin/escape, two distinct passwd files, mount points for
// runos's /proc, /dev and /sys, and symlinks that point out of the root,
// absolutely (to outside, a host directory) and by climbing with "..".
func escapeTree(t *testing.T, root, outside, bin string) {
	t.Helper()
	for _, d := range []string{"bin/sub", "bin/etc", "etc", "tmp", "proc", "dev", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"etc/passwd": "root:sandbox\n", "bin/etc/passwd": "inroot:bin\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/escape"), exe, 0o755); err != nil {
		t.Fatal(err)
	}
	climb := strings.Repeat("../", 12)
	links := map[string]string{
		"abs-etc": "/etc",
		"abs-out": outside,
		"rel-up":  climb + "etc/passwd",
		"rel-out": climb + strings.TrimPrefix(outside, "/") + "/secret",
		"bin/up":  "../../../..",
		"loop":    "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFilesEscape runs each group of guest/escape.c under `runos --root`
// and compares it with what Linux prints, and (as root, where namespaces
// may be made) with the same guest run natively in a chroot of a tree
// built the same way. Neither may read the host's secret, and the host
// directory outside the root must stay as it was.
func TestFilesEscape(t *testing.T) {
	bin := guestBinary(t, guest{"escape", gccStatic})
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	secret := fmt.Sprintf("HOST-SECRET-%d", time.Now().UnixNano())
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	canChroot := os.Geteuid() == 0
	for _, g := range escapeGroups {
		t.Run(g.Name, func(t *testing.T) {
			t.Parallel()
			check := func(who string, o outcome) {
				t.Helper()
				if o.Stdout != g.Want || o.Exit != 0 || o.Stderr != "" {
					t.Errorf("%s run: exit %d, stdout (-want +got):\n%s\nstderr:\n%s", who, o.Exit, filesLineDiff(g.Want, o.Stdout), o.Stderr)
				}
				if strings.Contains(o.Stdout+o.Stderr, secret) {
					t.Errorf("%s run read the host's secret", who)
				}
			}
			var native outcome
			haveNative := false
			if canChroot {
				root := filepath.Join(t.TempDir(), "root")
				escapeTree(t, root, outside, bin)
				native = run(t, "", invocation{Argv: []string{bin, "--native-root", root, g.Name, outside}})
				if native.Exit == 3 && strings.Contains(native.Stderr, "escape: ") {
					t.Logf("no native oracle (cannot make namespaces here): %s", native.Stderr)
				} else {
					haveNative = true
					check("native", native)
				}
			}
			if nativeOnly {
				return
			}
			if g.Skip != "" {
				t.Skip(g.Skip)
			}
			root := filepath.Join(t.TempDir(), "root")
			escapeTree(t, root, outside, bin)
			got := run(t, requireRunos(t), invocation{Argv: []string{"--root", root, "/bin/escape", g.Name, outside}})
			check("runos", got)
			if haveNative {
				if d := diffOutcomes(native, got); d != "" {
					t.Errorf("runos differs from Linux in a chroot (-native +runos):\n%s", d)
				}
			}
			// The root is read-only to runos: the guest's links and
			// symlinks went to the overlay.
			if names := filesDirNames(t, filepath.Join(root, "tmp")); len(names) != 0 {
				t.Errorf("the runos run wrote into the host's %s/tmp: %v", root, names)
			}
		})
	}
	t.Cleanup(func() {
		if names := filesDirNames(t, outside); len(names) != 1 || names[0] != "secret" {
			t.Errorf("the directory outside the root changed: %v", names)
		}
		if b, err := os.ReadFile(filepath.Join(outside, "secret")); err != nil || string(b) != secret+"\n" {
			t.Errorf("the secret outside the root changed: %q, %v", b, err)
		}
	})
}

// filesLineDiff is a line diff of two texts for test messages.
func filesLineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		switch {
		case i >= len(g):
			fmt.Fprintf(&b, "-%s\n", w[i])
		case i >= len(w):
			fmt.Fprintf(&b, "+%s\n", g[i])
		case w[i] != g[i]:
			fmt.Fprintf(&b, "-%s\n+%s\n", w[i], g[i])
		default:
			fmt.Fprintf(&b, " %s\n", w[i])
		}
	}
	return b.String()
}
