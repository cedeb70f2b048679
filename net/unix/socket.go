package unix

import (
	"fmt"
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/net"
)

// DefaultBuffer is the send and receive buffer a socket starts with
// (Linux's net.core.wmem_default and rmem_default).
const DefaultBuffer = 212992

// MaxDgramQueue is how many datagrams a receive queue holds before
// senders wait (Linux's net.unix.max_dgram_qlen).
const MaxDgramQueue = 512

// dgramOverhead is what a datagram's size must leave of the send buffer
// (Linux refuses len > sk_sndbuf - 32 with EMSGSIZE).
const dgramOverhead = 32

// sockfsDev is the device number fstat(2) shows for sockets.
const sockfsDev = 0x8

type state int

const (
	unconnected state = iota
	listening
	connected
)

// Namespace is the file system as bind and connect see it: the caller
// resolves relative paths from the caller's working directory.
type Namespace interface {
	// Mknod creates a socket inode (mode holds the type and permission
	// bits); EEXIST if the name exists.
	Mknod(path string, mode uint32) error
	// Stat resolves path, following symbolic links.
	Stat(path string) (fs.Stat, error)
}

type inodeKey struct{ dev, ino uint64 }

// abstractKey names an abstract socket: like Linux, each type has its
// own abstract namespace, so a stream connect never finds a datagram
// socket there (ECONNREFUSED, where a path gives EPROTOTYPE).
type abstractKey struct {
	typ  net.Type
	name string
}

var (
	mu       sync.Mutex
	byInode  = map[inodeKey]*Socket{}
	abstract = map[abstractKey]*Socket{}
	nextIno  uint64
	autoName uint32
)

// message is one send's worth of data in a receive queue.
type message struct {
	data   []byte
	sender *Socket
	from   string // the sender's address when it sent
	cred   net.Cred
	rights []*fs.FileDescription
}

// Socket is an AF_UNIX endpoint. Every field below queue is guarded by mu.
type Socket struct {
	typ   net.Type
	ino   uint64
	queue fs.WaitQueue

	state    state
	closed   bool
	addr     string // bound address: "" unbound, "\x00..." abstract, else a path
	key      *inodeKey
	peer     *Socket
	recv     []*message
	inflight int // bytes this socket has queued at receivers
	pending  []*Socket
	backlog  int
	shut     net.Shutdown
	sndbuf   int
	rcvbuf   int
	passcred bool
	cred     net.Cred  // the owner's identity, given to peers at connect
	peerCred *net.Cred // SO_PEERCRED
	err      error     // SO_ERROR, reported once
	// blockedOn is the datagram receiver whose full queue made our
	// last send fail; we are not writable until it has room, and it
	// wakes us then (its senders).
	blockedOn *Socket
	senders   map[*Socket]struct{}
}

// New returns an unconnected socket of type typ made by cred.
func New(typ net.Type, cred net.Cred) *Socket {
	mu.Lock()
	defer mu.Unlock()
	return newLocked(typ, cred)
}

func newLocked(typ net.Type, cred net.Cred) *Socket {
	nextIno++
	return &Socket{typ: typ, ino: nextIno, sndbuf: DefaultBuffer, rcvbuf: DefaultBuffer, cred: cred}
}

// Pair returns two sockets connected to each other (socketpair(2)); each
// one's peer credentials are cred.
func Pair(typ net.Type, cred net.Cred) (*Socket, *Socket) {
	mu.Lock()
	defer mu.Unlock()
	a, b := newLocked(typ, cred), newLocked(typ, cred)
	a.peer, b.peer = b, a
	a.state, b.state = connected, connected
	c1, c2 := cred, cred
	a.peerCred, b.peerCred = &c1, &c2
	return a, b
}

// wakeups are notifications to send once mu is released.
type wakeups []struct {
	s  *Socket
	ev fs.Events
}

func (w *wakeups) add(s *Socket, ev fs.Events) {
	if s != nil {
		*w = append(*w, struct {
			s  *Socket
			ev fs.Events
		}{s, ev})
	}
}

func (w wakeups) fire() {
	for _, x := range w {
		x.s.queue.Notify(x.ev)
	}
}

// Family implements net.Socket.
func (s *Socket) Family() net.Family { return net.FamilyUnix }

// Type implements net.Socket.
func (s *Socket) Type() net.Type { return s.typ }

// connOriented reports whether the type has connections.
func (s *Socket) connOriented() bool { return s.typ != net.Dgram }

// Bind gives s the address addr: "" autobinds an abstract name, a name
// starting with a zero byte is abstract, anything else a path created
// through ns with permission bits perm. EINVAL if s has a name already,
// EADDRINUSE if the name is taken.
func (s *Socket) Bind(ns Namespace, addr string, perm uint32) error {
	mu.Lock()
	bound := s.addr != ""
	mu.Unlock()
	if bound {
		return kerr.EINVAL
	}
	if addr == "" {
		mu.Lock()
		defer mu.Unlock()
		return s.autobindLocked()
	}
	if addr[0] == 0 {
		mu.Lock()
		defer mu.Unlock()
		if s.addr != "" {
			return kerr.EINVAL
		}
		if abstract[abstractKey{s.typ, addr}] != nil {
			return kerr.EADDRINUSE
		}
		abstract[abstractKey{s.typ, addr}] = s
		s.addr = addr
		return nil
	}
	// See unix(7): binding to a path creates the socket file, and fails
	// with EADDRINUSE if the path exists, whatever it names.
	if err := ns.Mknod(addr, fs.ModeSocket|perm&0o777); err != nil {
		if err == kerr.EEXIST {
			return kerr.EADDRINUSE
		}
		return err
	}
	st, err := ns.Stat(addr)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if s.addr != "" {
		return kerr.EINVAL
	}
	k := inodeKey{st.Dev, st.Ino}
	byInode[k] = s
	s.key = &k
	s.addr = addr
	return nil
}

// autobindLocked binds s to a fresh abstract name (unix(7), "Autobind
// feature").
func (s *Socket) autobindLocked() error {
	if s.addr != "" {
		return nil
	}
	for range 1 << 20 {
		autoName = (autoName + 1) & 0xfffff
		name := fmt.Sprintf("\x00%05x", autoName)
		if abstract[abstractKey{s.typ, name}] == nil {
			abstract[abstractKey{s.typ, name}] = s
			s.addr = name
			return nil
		}
	}
	return kerr.ENOSPC
}

// lookup finds the socket of type typ bound to addr.
func lookup(ns Namespace, addr string, typ net.Type) (*Socket, error) {
	if addr == "" {
		return nil, kerr.EINVAL
	}
	if addr[0] == 0 {
		mu.Lock()
		defer mu.Unlock()
		if t := abstract[abstractKey{typ, addr}]; t != nil && !t.closed {
			return t, nil
		}
		return nil, kerr.ECONNREFUSED
	}
	st, err := ns.Stat(addr)
	if err != nil {
		return nil, err
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeSocket {
		return nil, kerr.ECONNREFUSED
	}
	mu.Lock()
	defer mu.Unlock()
	if t := byInode[inodeKey{st.Dev, st.Ino}]; t != nil && !t.closed {
		return t, nil
	}
	return nil, kerr.ECONNREFUSED
}

// Listen marks a bound stream or seqpacket socket as accepting
// connections; cred becomes the peer credentials of those who connect.
func (s *Socket) Listen(backlog int, cred net.Cred) error {
	mu.Lock()
	defer mu.Unlock()
	if !s.connOriented() {
		return kerr.EOPNOTSUPP
	}
	if s.addr == "" || s.state == connected {
		return kerr.EINVAL // listen(2): no listening on an unbound socket
	}
	s.state = listening
	s.backlog = backlog
	s.cred = cred
	return nil
}

// Connect connects s to the socket bound to addr: for a stream or
// seqpacket socket, a new connection queued on a listener; for a
// datagram socket, the default destination (and the only source it
// receives from). cred is the caller's identity.
func (s *Socket) Connect(ns Namespace, addr string, cred net.Cred) error {
	t, err := lookup(ns, addr, s.typ)
	if err != nil {
		return err
	}
	mu.Lock()
	var w wakeups
	defer func() { w.fire() }()
	defer mu.Unlock()
	if t.closed {
		return kerr.ECONNREFUSED
	}
	if t.typ != s.typ {
		return kerr.EPROTOTYPE
	}
	if !s.connOriented() {
		s.peer = t
		s.state = connected
		w.add(s, fs.EventOut)
		return nil
	}
	switch s.state {
	case connected:
		return kerr.EISCONN
	case listening:
		return kerr.EINVAL
	}
	if t.state != listening {
		return kerr.ECONNREFUSED
	}
	srv := newLocked(s.typ, t.cred)
	srv.addr = t.addr
	srv.sndbuf, srv.rcvbuf, srv.passcred = t.sndbuf, t.rcvbuf, t.passcred
	srv.state, s.state = connected, connected
	srv.peer, s.peer = s, srv
	c, lc := cred, t.cred
	srv.peerCred, s.peerCred = &c, &lc
	s.cred = cred
	t.pending = append(t.pending, srv)
	w.add(t, fs.EventIn)
	w.add(s, fs.EventOut)
	return nil
}

// Disconnect drops a datagram socket's default destination (connect(2)
// with AF_UNSPEC).
func (s *Socket) Disconnect() error {
	mu.Lock()
	defer mu.Unlock()
	if s.connOriented() {
		return nil
	}
	s.peer = nil
	s.state = unconnected
	return nil
}

// Accept takes the first pending connection: EINVAL if s is not
// listening, EAGAIN if none is waiting.
func (s *Socket) Accept() (*Socket, error) {
	mu.Lock()
	defer mu.Unlock()
	if !s.connOriented() {
		return nil, kerr.EOPNOTSUPP
	}
	if s.state != listening {
		return nil, kerr.EINVAL
	}
	if len(s.pending) == 0 {
		return nil, kerr.EAGAIN
	}
	c := s.pending[0]
	s.pending = s.pending[1:]
	return c, nil
}

// Name returns the bound address ("" if unbound).
func (s *Socket) Name() string {
	mu.Lock()
	defer mu.Unlock()
	return s.addr
}

// PeerName returns the peer's address; ENOTCONN without a peer.
func (s *Socket) PeerName() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if s.peer == nil || s.state != connected {
		return "", kerr.ENOTCONN
	}
	return s.peer.addr, nil
}

// Shutdown closes directions of s. On a connection, the peer sees the
// mirror image: our SHUT_WR is its end of file. See shutdown(2).
func (s *Socket) Shutdown(how net.Shutdown) error {
	mu.Lock()
	var w wakeups
	defer func() { w.fire() }()
	defer mu.Unlock()
	s.shut |= how
	w.add(s, fs.EventIn|fs.EventOut|fs.EventHup|fs.EventRdHup)
	if p := s.peer; p != nil && s.connOriented() {
		if how&net.ShutRead != 0 {
			p.shut |= net.ShutWrite
		}
		if how&net.ShutWrite != 0 {
			p.shut |= net.ShutRead
		}
		w.add(p, fs.EventIn|fs.EventOut|fs.EventHup|fs.EventRdHup)
	}
	return nil
}

// Close releases s (the last close of its file description): its name is
// freed (a socket file stays, as on Linux), pending connections are
// dropped, and a connected peer sees end of file (or ECONNRESET if we
// left data unread).
func (s *Socket) Close() error {
	mu.Lock()
	var w wakeups
	drop := s.releaseLocked(&w)
	mu.Unlock()
	w.fire()
	for _, d := range drop {
		d.DecRef()
	}
	return nil
}

func (s *Socket) releaseLocked(w *wakeups) []*fs.FileDescription {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.key != nil && byInode[*s.key] == s {
		delete(byInode, *s.key)
	}
	if k := (abstractKey{s.typ, s.addr}); s.addr != "" && s.addr[0] == 0 && abstract[k] == s {
		delete(abstract, k)
	}
	var drop []*fs.FileDescription
	for _, c := range s.pending {
		drop = append(drop, c.releaseLocked(w)...)
	}
	s.pending = nil
	if p := s.peer; p != nil && s.connOriented() {
		p.shut = net.ShutRead | net.ShutWrite
		if len(s.recv) > 0 {
			p.err = kerr.ECONNRESET
		}
		w.add(p, fs.EventIn|fs.EventOut|fs.EventHup|fs.EventRdHup|fs.EventErr)
	}
	for _, m := range s.recv {
		if m.sender != nil {
			m.sender.inflight -= len(m.data)
			w.add(m.sender, fs.EventOut)
		}
		drop = append(drop, m.rights...)
	}
	s.recv = nil
	s.peer = nil
	s.wakeSendersLocked(w)
	return drop
}

// SetPassCred sets SO_PASSCRED: every message received carries its
// sender's credentials.
func (s *Socket) SetPassCred(on bool) {
	mu.Lock()
	defer mu.Unlock()
	s.passcred = on
}

// PassCred reports SO_PASSCRED.
func (s *Socket) PassCred() bool {
	mu.Lock()
	defer mu.Unlock()
	return s.passcred
}

// SetBuffers sets the effective send and receive buffer sizes (a value
// < 0 is left alone); the personality decides how a request maps to one.
func (s *Socket) SetBuffers(snd, rcv int) {
	mu.Lock()
	var w wakeups
	defer func() { w.fire() }()
	defer mu.Unlock()
	if snd >= 0 {
		s.sndbuf = snd
		w.add(s, fs.EventOut)
	}
	if rcv >= 0 {
		s.rcvbuf = rcv
	}
}

// Buffers returns the send and receive buffer sizes.
func (s *Socket) Buffers() (snd, rcv int) {
	mu.Lock()
	defer mu.Unlock()
	return s.sndbuf, s.rcvbuf
}

// Listening reports SO_ACCEPTCONN.
func (s *Socket) Listening() bool {
	mu.Lock()
	defer mu.Unlock()
	return s.state == listening
}

// TakeError returns and clears the pending error (SO_ERROR).
func (s *Socket) TakeError() error {
	mu.Lock()
	defer mu.Unlock()
	err := s.err
	s.err = nil
	return err
}

// PeerCred returns SO_PEERCRED: the peer's identity when it connected
// (or made the pair), nil if s has no peer.
func (s *Socket) PeerCred() *net.Cred {
	mu.Lock()
	defer mu.Unlock()
	if s.peerCred == nil {
		return nil
	}
	c := *s.peerCred
	return &c
}

// Stat implements fs.File: a socket inode of sockfs.
func (s *Socket) Stat() (fs.Stat, error) {
	mu.Lock()
	defer mu.Unlock()
	return fs.Stat{Dev: sockfsDev, Ino: s.ino, Mode: fs.ModeSocket | 0o777, Nlink: 1,
		UID: s.cred.UID, GID: s.cred.GID, Blksize: 4096}, nil
}

// Read implements fs.File: recv(2) with no flags.
func (s *Socket) Read(p []byte) (int, error) {
	r, err := s.Recv(p, RecvOptions{})
	r.Control.Release()
	return r.N, err
}

// Write implements fs.File: send(2) with no flags, as the owner.
func (s *Socket) Write(p []byte) (int, error) {
	return s.Send(p, SendOptions{})
}

func (s *Socket) ReadAt(p []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (s *Socket) WriteAt(p []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (s *Socket) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }

// WaitQueue implements fs.Pollable.
func (s *Socket) WaitQueue() *fs.WaitQueue { return &s.queue }

// Readiness implements fs.Pollable, with Linux's unix_poll rules: a
// connection-oriented socket that is not connected shows POLLHUP, a
// received shutdown POLLRDHUP and POLLIN, a sender may write while at
// most a quarter of its send buffer is in flight.
func (s *Socket) Readiness(mask fs.Events) fs.Events {
	mu.Lock()
	defer mu.Unlock()
	var ev fs.Events
	if s.err != nil {
		ev |= fs.EventErr
	}
	if s.shut == net.ShutRead|net.ShutWrite {
		ev |= fs.EventHup
	}
	if s.shut&net.ShutRead != 0 {
		ev |= fs.EventRdHup | fs.EventIn
	}
	if len(s.recv) > 0 || len(s.pending) > 0 {
		ev |= fs.EventIn
	}
	if s.connOriented() && s.state == unconnected {
		ev |= fs.EventHup
	}
	if s.state != listening && s.writableLocked() {
		ev |= fs.EventOut
	}
	return ev & (mask | fs.EventErr | fs.EventHup)
}

func (s *Socket) writableLocked() bool {
	if s.inflight*4 > s.sndbuf {
		return false
	}
	if b := s.blockedOn; b != nil {
		if !b.closed && len(b.recv) > MaxDgramQueue {
			return false
		}
		s.blockedOn = nil
	}
	if !s.connOriented() && s.peer != nil && !s.peer.closed && s.peer.peer != s &&
		len(s.peer.recv) > MaxDgramQueue {
		return false
	}
	return true
}

// wakeSendersLocked tells the datagram senders that found s's queue full
// that they may try again.
func (s *Socket) wakeSendersLocked(w *wakeups) {
	for snd := range s.senders {
		w.add(snd, fs.EventOut)
	}
	s.senders = nil
}
