package tests

import (
	"bufio"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsForwarded sends a signal to a process running the sleeper
// guest and checks how it ends: natively the guest dies of the signal;
// under runos the signal goes to the runos process, which must pass it to
// the guest and then exit with 128+N like a shell would report it.
func TestSignalsForwarded(t *testing.T) {
	cases := []struct {
		name string
		sig  syscall.Signal
		want int
	}{
		{"SIGTERM", syscall.SIGTERM, 143},
		{"SIGINT", syscall.SIGINT, 130},
		{"SIGHUP", syscall.SIGHUP, 129},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bin := guestBinary(t, guest{"sleeper", gccStatic})
			t.Run("native", func(t *testing.T) {
				if got := signalRun(t, []string{bin}, c.sig, false); got != c.want {
					t.Errorf("native sleeper ended with %d after %v, want %d", got, c.sig, c.want)
				}
			})
			t.Run("runos", func(t *testing.T) {
				skipIfNativeOnly(t)
				runos := requireRunos(t)
				if got := signalRun(t, []string{runos, bin}, c.sig, true); got != c.want {
					t.Errorf("runos ended with %d after %v, want exit status %d", got, c.sig, c.want)
				}
			})
		})
	}
}

// signalRun starts argv, waits for the "ready" line, sends sig to the
// started process and returns its shell-style status. With mustExit, dying
// of a signal (rather than exiting) is an error.
func signalRun(t *testing.T, argv []string, sig syscall.Signal, mustExit bool) int {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = baseEnv
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = errors.New("first line is " + line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%q did not print ready: %v\nstderr:\n%s", argv, err, stderr.String())
		}
	case <-time.After(runTimeout): // hang guard, not a timing check
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%q printed nothing within %v\nstderr:\n%s", argv, runTimeout, stderr.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(runTimeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q still running %v after %v", argv, runTimeout, sig)
	}
	var exitErr *exec.ExitError
	if werr == nil {
		return 0
	}
	if !errors.As(werr, &exitErr) {
		t.Fatalf("waiting for %q: %v", argv, werr)
	}
	ws := exitErr.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		if mustExit {
			t.Errorf("%q was killed by %v itself; it must exit with 128+N (stderr: %s)", argv, ws.Signal(), stderr.String())
		}
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
