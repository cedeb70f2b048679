package stdio

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// pipe returns the two ends of a host pipe, closed at the end of the test.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

func newFile(t *testing.T, fd int, name string) *File {
	t.Helper()
	f, err := New(fd, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestPipe(t *testing.T) {
	r, w := pipe(t)
	in, out := newFile(t, r, "stdin"), newFile(t, w, "stdout")
	if n, err := out.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	buf := make([]byte, 10)
	if n, err := in.Read(buf); n != 3 || err != nil || string(buf[:n]) != "abc" {
		t.Errorf("Read = %d, %v, %q; want 3, nil, \"abc\"", n, err, buf[:n])
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Seek", func() error { _, err := in.Seek(0, 1); return err }, kerr.ESPIPE},
		{"ReadAt", func() error { _, err := in.ReadAt(buf, 0); return err }, kerr.ESPIPE},
		{"WriteAt", func() error { _, err := out.WriteAt(buf, 0); return err }, kerr.ESPIPE},
		{"WindowSize", func() error { _, _, err := in.WindowSize(); return err }, kerr.ENOTTY},
		{"Termios", func() error { _, err := in.Termios(); return err }, kerr.ENOTTY},
		{"Read of the write end", func() error { _, err := out.Read(buf); return err }, kerr.EBADF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err != tc.want {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
	if in.IsTerminal() {
		t.Error("a pipe is a terminal")
	}
	st, err := in.Stat()
	if err != nil || st.Mode&fs.ModeTypeMask != fs.ModeFIFO {
		t.Errorf("Stat = mode %o, %v; want a FIFO", st.Mode, err)
	}
	if in.Name() != "stdin" {
		t.Errorf("Name = %q", in.Name())
	}
}

func TestPipeEnds(t *testing.T) {
	t.Run("EOF when the writer is gone", func(t *testing.T) {
		r, w := pipe(t)
		in := newFile(t, r, "stdin")
		unix.Close(w) // the test's only write end; New's duplicate is of r
		if n, err := in.Read(make([]byte, 4)); n != 0 || err != nil {
			t.Errorf("Read = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("EPIPE when the reader is gone", func(t *testing.T) {
		r, w := pipe(t)
		out := newFile(t, w, "stdout")
		unix.Close(r)
		// The Go runtime ignores SIGPIPE for writes not made through
		// os.Stdout/os.Stderr, as runos will ignore it altogether.
		if _, err := out.Write([]byte("x")); err != kerr.EPIPE {
			t.Errorf("Write error = %v, want EPIPE", err)
		}
	})
}

// TestRegularFile is `runos prog < file`: the guest may seek and pread.
func TestRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostFD, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(hostFD)
	f := newFile(t, hostFD, "stdin")
	buf := make([]byte, 4)
	if n, err := f.Read(buf); n != 4 || err != nil || string(buf) != "0123" {
		t.Errorf("Read = %d, %v, %q", n, err, buf[:n])
	}
	// The duplicate shares the host offset, as a forked child would.
	if off, err := unix.Seek(hostFD, 0, 1); off != 4 || err != nil {
		t.Errorf("host offset = %d, %v; want 4 (shared)", off, err)
	}
	if off, err := f.Seek(-3, 2); off != 7 || err != nil {
		t.Errorf("Seek(-3, END) = %d, %v; want 7", off, err)
	}
	if n, err := f.Read(buf); n != 3 || err != nil || string(buf[:n]) != "789" {
		t.Errorf("Read after Seek = %d, %v, %q", n, err, buf[:n])
	}
	if n, err := f.ReadAt(buf, 2); n != 4 || err != nil || string(buf) != "2345" {
		t.Errorf("ReadAt(2) = %d, %v, %q", n, err, buf[:n])
	}
	if n, err := f.WriteAt([]byte("ab"), 10); n != 2 || err != nil {
		t.Errorf("WriteAt(10) = %d, %v", n, err)
	}
	st, err := f.Stat()
	if err != nil || st.Size != 12 || st.Mode&fs.ModeTypeMask != fs.ModeRegular {
		t.Errorf("Stat = size %d mode %o, %v; want a 12-byte regular file", st.Size, st.Mode, err)
	}
	if f.IsTerminal() {
		t.Error("a regular file is a terminal")
	}
}

func TestClose(t *testing.T) {
	r, _ := pipe(t)
	f, err := New(r, "stdin")
	if err != nil {
		t.Fatal(err)
	}
	if f.fd == r {
		t.Fatalf("New did not duplicate fd %d", r)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.Close(); err != kerr.EBADF {
		t.Errorf("second Close = %v, want EBADF", err)
	}
	if _, err := f.Read(make([]byte, 1)); err != kerr.EBADF {
		t.Errorf("Read after Close = %v, want EBADF", err)
	}
	// runos's own descriptor is untouched.
	if _, err := unix.FcntlInt(uintptr(r), unix.F_GETFD, 0); err != nil {
		t.Errorf("host fd %d closed by File.Close: %v", r, err)
	}
	if _, err := New(-1, "bad"); err != kerr.EBADF {
		t.Errorf("New(-1) error = %v, want EBADF", err)
	}
}

// openPTY opens a pseudo-terminal pair (see pty(7)); the test uses the
// slave as a guest's terminal.
func openPTY(t *testing.T) (master, slave int) {
	t.Helper()
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { unix.Close(master) })
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(master, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	slave, err = unix.Open("/dev/pts/"+strconv.Itoa(int(n)), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("opening slave: %v", err)
	}
	t.Cleanup(func() { unix.Close(slave) })
	return master, slave
}

func TestTerminal(t *testing.T) {
	master, slave := openPTY(t)
	if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &unix.Winsize{Row: 33, Col: 101}); err != nil {
		t.Fatal(err)
	}
	f := newFile(t, slave, "stdout")
	if !f.IsTerminal() {
		t.Fatal("the pty slave is not a terminal")
	}
	if rows, cols, err := f.WindowSize(); rows != 33 || cols != 101 || err != nil {
		t.Errorf("WindowSize = %d, %d, %v; want 33, 101", rows, cols, err)
	}
	tio, err := f.Termios()
	if err != nil {
		t.Fatal(err)
	}
	// Turn echo off and see the host terminal change.
	tio.Lflag &^= unix.ECHO
	if err := f.SetTermios(unix.TCSETS, tio); err != nil {
		t.Fatalf("SetTermios: %v", err)
	}
	got, err := unix.IoctlGetTermios(slave, unix.TCGETS)
	if err != nil || got.Lflag&unix.ECHO != 0 {
		t.Errorf("host termios Lflag = %#x, %v; want ECHO cleared", got.Lflag, err)
	}
	if err := f.SetTermios(unix.TCGETS, tio); err != kerr.EINVAL {
		t.Errorf("SetTermios(TCGETS) = %v, want EINVAL", err)
	}
	if _, err := f.Seek(0, 0); err != kerr.ESPIPE {
		t.Errorf("Seek on a terminal = %v, want ESPIPE", err)
	}
	if n, err := f.Write([]byte("hi\n")); n != 3 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	// The line discipline may hand the master "hi" and the "\r\n" of
	// ONLCR in two pieces: read until all four bytes came, or nothing
	// more comes within a second.
	var out []byte
	buf := make([]byte, 16)
	for len(out) < 4 {
		fds := []unix.PollFd{{Fd: int32(master), Events: unix.POLLIN}}
		if n, err := unix.Poll(fds, 1000); n <= 0 {
			if err != nil && err != unix.EINTR {
				t.Fatalf("poll of the master: %v", err)
			}
			if err == nil {
				break
			}
			continue
		}
		n, err := unix.Read(master, buf)
		if err != nil {
			t.Fatalf("master read: %v", err)
		}
		out = append(out, buf[:n]...)
	}
	if string(out) != "hi\r\n" {
		t.Errorf("master read %q; want \"hi\\r\\n\" (onlcr)", out)
	}
}
