package tests

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReach checks the host kernel's entry points that bypass the 64-bit
// syscall instruction (see "What the guest can reach" in
// docs/platform-ptrace.md): int $0x80 must never be served as an x86-64
// call, and the legacy vsyscall page, which the host emulates itself, may
// only read the time. A host FIFO must never hold a task in a host
// call.
func TestReach(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"reach", gccStatic})
	cases := []struct {
		mode   string
		fifo   bool    // the mode takes a directory in a :rw --mount
		native bool    // want what the native run does
		want   outcome // otherwise
	}{
		// Linux without ia32 emulation: #GP at the int $0x80, SIGSEGV.
		{mode: "int80", want: outcome{Exit: 128 + 11}},
		{mode: "vsyscall", native: true},
		// A host FIFO read empty or written full must not hold the
		// task in a host call: SIGALRM ends the wait (142 = 128+14).
		{mode: "fiforead", fifo: true, native: true},
		{mode: "fifowrite", fifo: true, native: true},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			argv, nativeArgv := []string{bin, c.mode}, []string{bin, c.mode}
			if c.fifo {
				dir := t.TempDir()
				argv = append([]string{"--mount", dir + ":/mnt:rw"}, append(argv, "/mnt")...)
				nativeArgv = append(nativeArgv, t.TempDir())
			}
			got := run(t, runos, invocation{Argv: argv})
			if strings.Contains(got.Stdout, "served as x86-64") {
				t.Fatalf("an i386 system call was served as an x86-64 one:\n%s", got.Stdout)
			}
			want := c.want
			if c.native {
				want = run(t, "", invocation{Argv: nativeArgv})
			}
			if got.Stdout != want.Stdout || got.Exit != want.Exit {
				t.Errorf("reach %s: got stdout %q exit %d, want stdout %q exit %d (stderr %q)",
					c.mode, got.Stdout, got.Exit, want.Stdout, want.Exit, got.Stderr)
			}
		})
	}
}

// TestReachHostTerminal gives runos a host terminal as stdin: the guest's
// TIOCSTI must not push input into it, and TIOCSPGRP and TCSETS must not
// change it (only TCGETS and TIOCGWINSZ reach a host terminal; see
// docs/platform-ptrace.md).
func TestReachHostTerminal(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"reach", gccStatic})
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	sfd := int(slave.Fd())
	// Raw mode, so that FIONREAD counts a lone injected byte.
	before, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	before.Lflag &^= unix.ICANON | unix.ECHO
	before.Cc[unix.VMIN], before.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(sfd, unix.TCSETS, before); err != nil {
		t.Fatal(err)
	}
	got := run(t, runos, invocation{Argv: []string{bin, "tty"}, Stdin: slave})
	if got.Exit != 0 || !strings.HasPrefix(got.Stdout, "TIOCSTI -1 TIOCSPGRP -1 TCSETS -1") {
		t.Errorf("guest on a host terminal: exit %d, stdout %q, stderr %q; want every change refused",
			got.Exit, got.Stdout, got.Stderr)
	}
	if q, err := unix.IoctlGetInt(sfd, unix.TIOCINQ); err != nil || q != 0 {
		t.Errorf("host terminal has %d bytes of input after the run (err %v): TIOCSTI reached it", q, err)
	}
	after, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("host terminal settings changed by the guest:\nbefore %+v\nafter  %+v", *before, *after)
	}
}
