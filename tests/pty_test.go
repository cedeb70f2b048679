package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// ptyPython drives a shell-like child through pty.fork: the child, a
// session leader on the slave, prompts with input(); the parent answers
// through the master and reads until the end (EIO once the child is
// gone).
const ptyPython = `
import os, pty
pid, fd = pty.fork()
if pid == 0:
    print("child isatty", os.isatty(0), os.isatty(1), "sid==pid", os.getsid(0) == os.getpid(),
          "tty", os.ttyname(0).startswith("/dev/pts/"))
    print("hello", input("name? "))
    input()
    os._exit(3)
def expect(want):
    global out
    while want not in out:
        out += os.read(fd, 1024)
out = b""
expect(b"name? ")
os.write(fd, b"runos\r")
expect(b"hello runos\r\n")
# The child exits only now: Linux may drop output still on its way to
# the master when the slave closes.
os.write(fd, b"bye\r")
expect(b"bye\r\n")
while True:
    try:
        b = os.read(fd, 1024)
    except OSError as e:
        print("master read error is EIO:", e.errno == 5)
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
print(repr(out))
print("exit", os.waitstatus_to_exitcode(st))
`

// TestPTY runs pseudo-terminal programs natively and under runos; the
// outcomes must agree, and the native stdout must hold the lines that
// show the case did its work.
func TestPTY(t *testing.T) {
	cases := []struct {
		name      string
		guest     string   // guest/NAME.c, built with gcc -static
		argv      []string // instead of a guest
		wantLines []string
	}{
		{
			name:  "guest",
			guest: "pty",
			wantLines: []string{
				"open while locked: -1 errno=Input/output error",
				`hello: "ready sid=1 pgrp=1 tty=1 isatty=1\r\n"`,
				`edit: "helo\b \blo wrold\b \b`,
				`^C: "^Cafter ^C: sigint=1\r\n"`,
				`winch: "after winch: sigwinch=1 size=50x132\r\n"`,
				`raw: "raw got 3 [xyz] then fionread=1\n"`,
				`background read: sigttin-stop=1 ignored-eio=1\r\n`,
				`fg write\r\nignored write\r\nblocked write\r\nbackground write: sigttou-stop=1 fg-write=1 ignored-write=1 blocked-write=1 orphan-eio=1 tcsetattr-stop=1 tcdrain-stop=1\r\n`,
				"master read after the slave closed: -1 Input/output error",
				"hangup: sighup=1 read-ended=1 write-eio=1 no-tty=1",
			},
		},
		{
			name: "python pty.fork",
			argv: []string{"/usr/bin/python3", "-c", ptyPython},
			wantLines: []string{
				"master read error is EIO: True",
				`b'child isatty True True sid==pid True tty True\r\nname? runos\r\nhello runos\r\nbye\r\n'`,
				"exit 3",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			argv := c.argv
			if c.guest != "" {
				argv = []string{guestBinary(t, guest{c.guest, gccStatic})}
			} else if _, err := exec.LookPath(argv[0]); err != nil {
				t.Skipf("%s is not installed", argv[0])
			}
			inv := invocation{Argv: argv}
			want := run(t, "", inv)
			for _, l := range c.wantLines {
				if !strings.Contains(want.Stdout, l) {
					t.Errorf("native stdout lacks %q:\n%s", l, want.Stdout)
				}
			}
			if t.Failed() {
				return
			}
			skipIfNativeOnly(t)
			got := run(t, requireRunos(t), inv)
			if d := diffOutcomes(want, got); d != "" {
				t.Errorf("runos differs from native (-native +runos):\n%s", d)
			}
		})
	}
}
