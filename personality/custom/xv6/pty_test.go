package xv6

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// patience bounds each wait for the shell's output. It only stops a hung
// test; nothing is asserted about how fast the answer comes.
const patience = 60 * time.Second

// openPty opens a pseudo-terminal pair (see pty(7)): the master, and the
// slave that the shell takes as its terminal.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(mfd), "/dev/ptmx")
	// unlockpt(3) and ptsname(3), as ioctls.
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("TIOCSPTLCK: %v", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("TIOCGPTN: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("open slave: %v", err)
	}
	return master, slave
}

// terminal collects everything the shell writes to the pty, and lets the
// test wait for a string to appear past a mark.
type terminal struct {
	mu   sync.Mutex
	cond *sync.Cond
	out  []byte
	eof  bool
	mark int // where the next wait starts looking
}

func newTerminal(master *os.File) *terminal {
	tm := &terminal{}
	tm.cond = sync.NewCond(&tm.mu)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			tm.mu.Lock()
			tm.out = append(tm.out, buf[:n]...)
			if err != nil {
				tm.eof = true
			}
			tm.cond.Broadcast()
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return tm
}

// waitFor waits until s appears after the mark, moves the mark past it
// and returns what came before it. It reports false if the output ends,
// or patience runs out, first.
func (tm *terminal) waitFor(s string) (string, bool) {
	timer := time.AfterFunc(patience, func() {
		tm.mu.Lock()
		tm.eof = true
		tm.cond.Broadcast()
		tm.mu.Unlock()
	})
	defer timer.Stop()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for {
		if i := bytes.Index(tm.out[tm.mark:], []byte(s)); i >= 0 {
			before := string(tm.out[tm.mark : tm.mark+i])
			tm.mark += i + len(s)
			return before, true
		}
		if tm.eof {
			return "", false
		}
		tm.cond.Wait()
	}
}

func (tm *terminal) String() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return string(tm.out)
}

// TestInteractiveShell runs /init on a pseudo-terminal, as `make xv6`
// does, and types at xv6's prompt. The terminal echoes what is typed and
// turns "\n" into "\r\n" on output (termios(3): ECHO, ONLCR), so each
// answer is looked for after the echo of its command line.
func TestInteractiveShell(t *testing.T) {
	runos, root := buildWorld(t)
	master, slave := openPty(t)
	defer master.Close()

	cmd := exec.Command(runos, "--personality=xv6", "--root", root, "/init")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close() // runos holds it now; the master sees EOF when runos exits
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	}()
	tm := newTerminal(master)

	if _, ok := tm.waitFor("init: starting sh\r\n$ "); !ok {
		t.Fatalf("no prompt; the terminal shows:\n%s", tm)
	}
	// Each line's answer is what comes between its echo and the next
	// prompt; ls lists in directory order, so only membership is checked.
	steps := []struct {
		line string
		want []string
	}{
		{"echo hi | wc", []string{"1 1 3 \r\n"}},
		{"ls", []string{"README ", "console        3 ", "usertests ", "sh "}},
		{"mkdir d; cd d; echo x > f; cat f", []string{"x\r\n"}},
		{"ls", []string{".  ", "..  ", "f              2 "}},
		{"cd /", nil},
		{"cat README | grep xv6 | wc", []string{"2 14 67 \r\n"}},
	}
	for _, s := range steps {
		if _, err := master.Write([]byte(s.line + "\n")); err != nil {
			t.Fatal(err)
		}
		if _, ok := tm.waitFor(s.line + "\r\n"); !ok {
			t.Fatalf("the terminal did not echo %q; it shows:\n%s", s.line, tm)
		}
		answer, ok := tm.waitFor("$ ")
		if !ok {
			t.Fatalf("%q: no prompt after it; the terminal shows:\n%s", s.line, tm)
		}
		for _, w := range s.want {
			if !strings.Contains(answer, w) {
				t.Errorf("%q: answer has no %q:\n%s", s.line, w, answer)
			}
		}
	}

	// Ctrl-D at the prompt: end of input for the shell, and init, seeing
	// the shell exit cleanly, exits too.
	if _, err := master.Write([]byte{4}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err // for the deferred check
		if err != nil {
			t.Errorf("runos after Ctrl-D: %v; the terminal shows:\n%s", err, tm)
		}
	case <-time.After(patience):
		t.Errorf("runos still running after Ctrl-D; the terminal shows:\n%s", tm)
	}
}
