package unix

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/net"
)

// fakeNS is a file system of socket nodes only.
type fakeNS struct {
	nodes map[string]uint64
	next  uint64
}

func (n *fakeNS) Mknod(path string, mode uint32) error {
	if n.nodes == nil {
		n.nodes = map[string]uint64{}
	}
	if _, ok := n.nodes[path]; ok {
		return kerr.EEXIST
	}
	n.next++
	n.nodes[path] = n.next
	return nil
}

func (n *fakeNS) Stat(path string) (fs.Stat, error) {
	ino, ok := n.nodes[path]
	if !ok {
		return fs.Stat{}, kerr.ENOENT
	}
	return fs.Stat{Dev: 99, Ino: ino, Mode: fs.ModeSocket | 0o755}, nil
}

var me = net.Cred{PID: 7, UID: 1000, GID: 1000}

func recvString(t *testing.T, s *Socket, n int, o RecvOptions) (string, RecvResult, error) {
	t.Helper()
	b := make([]byte, n)
	r, err := s.Recv(b, o)
	return string(b[:r.N]), r, err
}

func TestPairBoundaries(t *testing.T) {
	tests := []struct {
		typ  net.Type
		want string // what one 16-byte receive gets after sends "ab", "cd"
	}{
		{net.Stream, "abcd"},
		{net.Dgram, "ab"},
		{net.SeqPacket, "ab"},
	}
	for _, tc := range tests {
		t.Run(map[net.Type]string{net.Stream: "stream", net.Dgram: "dgram", net.SeqPacket: "seqpacket"}[tc.typ], func(t *testing.T) {
			a, b := Pair(tc.typ, me)
			defer a.Close()
			defer b.Close()
			for _, m := range []string{"ab", "cd"} {
				if n, err := a.Send([]byte(m), SendOptions{}); n != 2 || err != nil {
					t.Fatalf("Send(%q) = %d, %v", m, n, err)
				}
			}
			if got, _, err := recvString(t, b, 16, RecvOptions{Peek: true}); got != tc.want || err != nil {
				t.Errorf("peek = %q, %v; want %q", got, err, tc.want)
			}
			if got, _, err := recvString(t, b, 16, RecvOptions{}); got != tc.want || err != nil {
				t.Errorf("recv = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDatagramTruncation(t *testing.T) {
	a, b := Pair(net.Dgram, me)
	defer a.Close()
	defer b.Close()
	a.Send([]byte("hello"), SendOptions{})
	got, r, err := recvString(t, b, 2, RecvOptions{})
	if got != "he" || r.Len != 5 || err != nil {
		t.Errorf("recv = %q len %d, %v; want \"he\" len 5", got, r.Len, err)
	}
	if _, _, err := recvString(t, b, 2, RecvOptions{}); err != kerr.EAGAIN {
		t.Errorf("the rest of a truncated datagram is dropped: got %v, want EAGAIN", err)
	}
}

func TestCloseAndShutdown(t *testing.T) {
	tests := []struct {
		name     string
		act      func(a, b *Socket)
		sendErr  error // a sends
		recvN    int   // a receives
		recvErr  error
		readable bool // a polls readable
	}{
		{"peer closed", func(a, b *Socket) { b.Close() }, kerr.EPIPE, 0, nil, true},
		{"shut write", func(a, b *Socket) { a.Shutdown(net.ShutWrite) }, kerr.EPIPE, 0, kerr.EAGAIN, false},
		{"peer shut write", func(a, b *Socket) { b.Shutdown(net.ShutWrite) }, nil, 0, nil, true},
		{"peer closed with unread data", func(a, b *Socket) { a.Send([]byte("x"), SendOptions{}); b.Close() }, kerr.EPIPE, 0, kerr.ECONNRESET, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := Pair(net.Stream, me)
			defer a.Close()
			defer b.Close()
			tc.act(a, b)
			ready := a.Readiness(fs.EventIn)&fs.EventIn != 0
			if _, err := a.Send([]byte("y"), SendOptions{}); err != tc.sendErr {
				t.Errorf("send: %v, want %v", err, tc.sendErr)
			}
			if _, r, err := recvString(t, a, 4, RecvOptions{}); r.N != tc.recvN || err != tc.recvErr {
				t.Errorf("recv: %d, %v; want %d, %v", r.N, err, tc.recvN, tc.recvErr)
			}
			if ready != tc.readable {
				t.Errorf("readable = %v, want %v", ready, tc.readable)
			}
		})
	}
}

func TestBindConnectAccept(t *testing.T) {
	ns := &fakeNS{}
	l := New(net.Stream, me)
	defer l.Close()
	if err := l.Connect(ns, "/s", me); err != kerr.ENOENT {
		t.Errorf("connect to a missing path: %v, want ENOENT", err)
	}
	if err := l.Listen(1, me); err != kerr.EINVAL {
		t.Errorf("listen unbound: %v, want EINVAL", err)
	}
	if err := l.Bind(ns, "/s", 0o777); err != nil {
		t.Fatal(err)
	}
	other := New(net.Stream, me)
	defer other.Close()
	if err := other.Bind(ns, "/s", 0o777); err != kerr.EADDRINUSE {
		t.Errorf("second bind: %v, want EADDRINUSE", err)
	}
	c := New(net.Stream, me)
	defer c.Close()
	if err := c.Connect(ns, "/s", me); err != kerr.ECONNREFUSED {
		t.Errorf("connect before listen: %v, want ECONNREFUSED", err)
	}
	l.Listen(4, net.Cred{PID: 1})
	if _, err := l.Accept(); err != kerr.EAGAIN {
		t.Errorf("accept with none pending: %v, want EAGAIN", err)
	}
	if err := c.Connect(ns, "/s", me); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ns, "/s", me); err != kerr.EISCONN {
		t.Errorf("second connect: %v, want EISCONN", err)
	}
	c.Send([]byte("hi"), SendOptions{})
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _, _ := recvString(t, s, 8, RecvOptions{}); got != "hi" {
		t.Errorf("server got %q", got)
	}
	if pc := c.PeerCred(); pc == nil || pc.PID != 1 {
		t.Errorf("client's SO_PEERCRED = %+v, want the listener's (pid 1)", pc)
	}
	if s.Name() != "/s" {
		t.Errorf("accepted socket's name = %q, want the listener's", s.Name())
	}
	l.Close()
	if err := New(net.Stream, me).Connect(ns, "/s", me); err != kerr.ECONNREFUSED {
		t.Errorf("connect after the listener closed: %v, want ECONNREFUSED", err)
	}
}

func TestAbstractAndAutobind(t *testing.T) {
	ns := &fakeNS{}
	a, b := New(net.Dgram, me), New(net.Dgram, me)
	defer a.Close()
	defer b.Close()
	if err := a.Bind(ns, "\x00name", 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Bind(ns, "", 0); err != nil || len(b.Name()) != 6 || b.Name()[0] != 0 {
		t.Errorf("autobind: %q, %v", b.Name(), err)
	}
	if _, err := b.Send([]byte("x"), SendOptions{To: "\x00name", HasTo: true, NS: ns}); err != nil {
		t.Fatal(err)
	}
	_, r, _ := recvString(t, a, 4, RecvOptions{})
	if r.From != b.Name() {
		t.Errorf("from = %q, want %q", r.From, b.Name())
	}
	st := New(net.Stream, me)
	defer st.Close()
	if err := st.Connect(ns, "\x00name", me); err != kerr.ECONNREFUSED {
		t.Errorf("stream connect to a datagram name: %v, want ECONNREFUSED", err)
	}
}

func TestRightsTravel(t *testing.T) {
	a, b := Pair(net.Stream, me)
	defer a.Close()
	defer b.Close()
	x, y := Pair(net.Stream, me) // any file will do as the passenger
	d := fs.NewFileDescription(x, "x", fs.FlagRead|fs.FlagWrite)
	a.Send([]byte("1"), SendOptions{Control: &net.Control{Rights: []*fs.FileDescription{d}}})
	a.Send([]byte("2"), SendOptions{})
	d.DecRef() // the message holds its own reference
	_, r, _ := recvString(t, b, 8, RecvOptions{})
	if r.N != 1 || len(r.Control.Rights) != 1 {
		t.Fatalf("got %d bytes and %d rights; want the bytes up to the rights' message only", r.N, len(r.Control.Rights))
	}
	r.Control.Rights[0].File.Write([]byte("z"))
	if got, _, _ := recvString(t, y, 4, RecvOptions{}); got != "z" {
		t.Errorf("the passed socket is not the sent one: %q", got)
	}
	r.Control.Release()
	if _, err := y.Send([]byte("q"), SendOptions{}); err != kerr.EPIPE {
		t.Errorf("after the last reference went, the passed end is closed: %v, want EPIPE", err)
	}
}

func TestFullDatagramQueueWakesSender(t *testing.T) {
	ns := &fakeNS{}
	r, s := New(net.Dgram, me), New(net.Dgram, me)
	defer r.Close()
	defer s.Close()
	r.Bind(ns, "\x00full", 0)
	to := SendOptions{To: "\x00full", HasTo: true, NS: ns}
	var err error
	for i := 0; i < 2*MaxDgramQueue && err == nil; i++ {
		_, err = s.Send([]byte("x"), to)
	}
	if err != kerr.EAGAIN {
		t.Fatalf("filling the queue: %v, want EAGAIN", err)
	}
	if s.Readiness(fs.EventOut) != 0 {
		t.Errorf("a sender blocked on a full receiver polls writable")
	}
	w, ch := fs.ChannelWaiter(fs.EventOut)
	s.WaitQueue().Add(w)
	defer s.WaitQueue().Remove(w)
	recvString(t, r, 1, RecvOptions{})
	select {
	case <-ch:
	default:
		t.Errorf("taking a datagram did not wake the blocked sender")
	}
	if s.Readiness(fs.EventOut) == 0 {
		t.Errorf("the sender is still not writable after the receiver made room")
	}
}
