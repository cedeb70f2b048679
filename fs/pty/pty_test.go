package pty

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// recorder is a JobControl that remembers what it was asked.
type recorder struct {
	sigs    []signal
	hangups []int
}

func (r *recorder) SignalGroup(pgrp, sig int) { r.sigs = append(r.sigs, signal{pgrp, sig}) }
func (r *recorder) Hangup(sid int)            { r.hangups = append(r.hangups, sid) }

// open makes a pair with its slave open and unlocked.
func open(t *testing.T) (*Master, *Slave) {
	t.Helper()
	m, err := NewFS().OpenMaster()
	if err != nil {
		t.Fatal(err)
	}
	m.SetLocked(false)
	s, err := m.OpenSlave()
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// drain reads everything the master has.
func drain(m *Master) string {
	var out []byte
	buf := make([]byte, 64)
	for {
		n, err := m.Read(buf)
		if err != nil || n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// readAll reads the slave until it would wait, one read per element.
func readAll(s *Slave) []string {
	var reads []string
	buf := make([]byte, 64)
	for range 10 {
		n, err := s.Read(buf)
		if err != nil {
			break
		}
		reads = append(reads, string(buf[:n]))
		if n == 0 {
			break
		}
	}
	return reads
}

func TestDiscipline(t *testing.T) {
	raw := func(tio *Termios) {
		tio.Lflag &^= ICANON | ECHO | ISIG
		tio.Iflag &^= ICRNL
		tio.Oflag &^= OPOST
	}
	cases := []struct {
		name      string
		setup     func(*Termios)
		typed     string
		wantReads []string // the slave's reads, one line each in canonical mode
		wantEcho  string   // what the master reads back
		wantSigs  []signal
	}{
		{"line with CR", nil, "hi\r", []string{"hi\n"}, "hi\r\n", nil},
		{"two lines, one read each", nil, "a\nb\n", []string{"a\n", "b\n"}, "a\r\nb\r\n", nil},
		{"erase", nil, "ab\x7fc\n", []string{"ac\n"}, "ab\b \bc\r\n", nil},
		{"erase a control character", nil, "a\x01\x7f\n", []string{"a\n"}, "a^A\b \b\b \b\r\n", nil},
		{"erase on an empty line", nil, "\x7fx\n", []string{"x\n"}, "x\r\n", nil},
		{"werase", nil, "one two\x17\n", []string{"one \n"}, "one two\b \b\b \b\b \b\r\n", nil},
		{"kill", nil, "abc\x15d\n", []string{"d\n"}, "abc\b \b\b \b\b \bd\r\n", nil},
		{"kill without echoke", func(t *Termios) { t.Lflag &^= ECHOKE }, "ab\x15d\n", []string{"d\n"}, "ab^U\nd\r\n", nil},
		{"eof alone", nil, "\x04", []string{""}, "", nil},
		{"eof after text", nil, "ab\x04", []string{"ab"}, "ab", nil},
		{"lnext", nil, "\x16\x03\n", []string{"\x03\n"}, "^\b^C\r\n", nil},
		{"no echo", func(t *Termios) { t.Lflag &^= ECHO }, "pw\n", []string{"pw\n"}, "", nil},
		{"echonl", func(t *Termios) { t.Lflag = t.Lflag&^ECHO | ECHONL }, "pw\n", []string{"pw\n"}, "\r\n", nil},
		{"no icrnl", func(t *Termios) { t.Iflag &^= ICRNL }, "a\rb\n", []string{"a\rb\n"}, "a^Mb\r\n", nil},
		{"igncr", func(t *Termios) { t.Iflag |= IGNCR }, "a\r\n", []string{"a\n"}, "a\r\n", nil},
		{"intr flushes and signals", nil, "abc\x03", nil, "^C", []signal{{7, sigINT}}},
		{"quit", nil, "\x1c", nil, "^\\", []signal{{7, sigQUIT}}},
		{"susp", nil, "\x1a", nil, "^Z", []signal{{7, sigTSTP}}},
		{"noflsh keeps the line", func(t *Termios) { t.Lflag |= NOFLSH }, "ab\x03\n", []string{"ab\n"}, "ab^C\r\n", []signal{{7, sigINT}}},
		{"isig off", func(t *Termios) { t.Lflag &^= ISIG }, "\x03\n", []string{"\x03\n"}, "^C\r\n", nil},
		{"raw", raw, "a\x03\r\x7f", []string{"a\x03\r\x7f"}, "", nil},
		{"raw with echo", func(t *Termios) { raw(t); t.Lflag |= ECHO; t.Oflag |= OPOST }, "a\n", []string{"a\n"}, "a\r\n", nil},
		{"ixon stop and start are taken", nil, "a\x13\x11b\n", []string{"ab\n"}, "ab\r\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, s := open(t)
			tio := s.Termios()
			if c.setup != nil {
				c.setup(&tio)
				s.SetTermios(tio, false)
			}
			rec := &recorder{}
			s.SetControl(3, 7, rec)
			if n, err := m.Write([]byte(c.typed)); err != nil || n != len(c.typed) {
				t.Fatalf("master write %q = %d, %v", c.typed, n, err)
			}
			if d := cmp.Diff(c.wantReads, readAll(s)); d != "" {
				t.Errorf("slave reads after %q (-want +got):\n%s", c.typed, d)
			}
			if got := drain(m); got != c.wantEcho {
				t.Errorf("echo of %q = %q, want %q", c.typed, got, c.wantEcho)
			}
			if d := cmp.Diff(c.wantSigs, rec.sigs, cmp.AllowUnexported(signal{})); d != "" {
				t.Errorf("signals after %q (-want +got):\n%s", c.typed, d)
			}
		})
	}
}

// TestIntrOutput checks what INTR flushes of the output: the echoes of
// the same write, not what the slave wrote before.
func TestIntrOutput(t *testing.T) {
	m, s := open(t)
	s.Write([]byte("out\n"))
	m.Write([]byte("abc\x03"))
	if got, want := drain(m), "out\r\n^C"; got != want {
		t.Errorf("master reads %q, want %q", got, want)
	}
}

func TestOutputProcessing(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*Termios)
		write string
		want  string
	}{
		{"onlcr", nil, "a\nb", "a\r\nb"},
		{"no opost", func(t *Termios) { t.Oflag &^= OPOST }, "a\nb", "a\nb"},
		{"ocrnl", func(t *Termios) { t.Oflag |= OCRNL }, "a\r", "a\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, s := open(t)
			if c.setup != nil {
				tio := s.Termios()
				c.setup(&tio)
				s.SetTermios(tio, false)
			}
			if _, err := s.Write([]byte(c.write)); err != nil {
				t.Fatal(err)
			}
			if got := drain(m); got != c.want {
				t.Errorf("master reads %q, want %q", got, c.want)
			}
		})
	}
}

func TestVMIN(t *testing.T) {
	m, s := open(t)
	tio := s.Termios()
	tio.Lflag &^= ICANON | ECHO
	tio.CC[VMIN], tio.CC[VTIME] = 3, 0
	s.SetTermios(tio, false)
	buf := make([]byte, 8)
	m.Write([]byte("ab"))
	if _, err := s.Read(buf); !errors.Is(err, kerr.EAGAIN) {
		t.Fatalf("read with 2 of VMIN 3 bytes: %v, want EAGAIN", err)
	}
	if s.Readiness(fs.EventIn) != 0 {
		t.Errorf("slave ready with fewer than VMIN bytes")
	}
	if n, err := s.Read(buf[:2]); n != 2 || err != nil {
		t.Errorf("read of 2 with 2 there = %d, %v; want 2 (fewer than VMIN asked)", n, err)
	}
	m.Write([]byte("cde"))
	if n, err := s.Read(buf); n != 3 || err != nil {
		t.Errorf("read with VMIN there = %d, %v; want 3", n, err)
	}
	tio.CC[VMIN] = 0
	s.SetTermios(tio, false)
	if n, err := s.Read(buf); n != 0 || err != nil {
		t.Errorf("VMIN 0 VTIME 0 read of nothing = %d, %v; want 0", n, err)
	}
}

func TestHangup(t *testing.T) {
	m, s := open(t)
	rec := &recorder{}
	s.SetControl(3, 7, rec)
	s.Write([]byte("x"))
	m.Close()
	if d := cmp.Diff([]int{3}, rec.hangups); d != "" {
		t.Errorf("hangups (-want +got):\n%s", d)
	}
	buf := make([]byte, 4)
	if n, err := s.Read(buf); n != 0 || err != nil {
		t.Errorf("slave read after hang-up = %d, %v; want end of file", n, err)
	}
	if _, err := s.Write(buf); !errors.Is(err, kerr.EIO) {
		t.Errorf("slave write after hang-up: %v, want EIO", err)
	}
}

func TestMasterEIO(t *testing.T) {
	m, s := open(t)
	buf := make([]byte, 4)
	if _, err := m.Read(buf); !errors.Is(err, kerr.EAGAIN) {
		t.Errorf("master read with the slave open and quiet: %v, want EAGAIN", err)
	}
	s.Write([]byte("z"))
	s.Close()
	if n, err := m.Read(buf); n != 1 || err != nil {
		t.Errorf("master read of what the slave left = %d, %v; want 1", n, err)
	}
	if _, err := m.Read(buf); !errors.Is(err, kerr.EIO) {
		t.Errorf("master read after the slave closed: %v, want EIO", err)
	}
}

func TestLockAndNames(t *testing.T) {
	f := NewFS()
	m0, _ := f.OpenMaster()
	m1, _ := f.OpenMaster()
	if m0.Index() != 0 || m1.Index() != 1 {
		t.Fatalf("indexes %d, %d; want 0, 1", m0.Index(), m1.Index())
	}
	if _, err := f.Root().Lookup("1"); err != nil {
		t.Errorf("lookup of /dev/pts/1: %v", err)
	}
	ino, _ := f.Root().Lookup("0")
	if _, err := ino.Open(openFlags); !errors.Is(err, kerr.EIO) {
		t.Errorf("open of a locked slave: %v, want EIO", err)
	}
	m0.Close()
	if _, err := ino.Getattr(); !errors.Is(err, kerr.ENOENT) {
		t.Errorf("stat of a slave whose master closed: %v, want ENOENT", err)
	}
	if m, _ := f.OpenMaster(); m.Index() != 0 {
		t.Errorf("a new pair got %d, want the free 0", m.Index())
	}
}

var openFlags = fs.OpenFlags{Read: true, Write: true}
