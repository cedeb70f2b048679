package unix

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/net"
)

// SendOptions are what sendmsg(2) says beside the bytes.
type SendOptions struct {
	// To is a datagram's destination (sendto(2)); HasTo says one was
	// given. NS resolves it when it is a path.
	To    string
	HasTo bool
	NS    Namespace
	// Control is the ancillary data. The message takes its own
	// reference to each right; the caller keeps (and drops) its own.
	Control *net.Control
	// Cred is the identity the message carries (SCM_CREDENTIALS); nil
	// means the socket's owner.
	Cred *net.Cred
}

// Send queues p (or, on a stream, as much of it as the send buffer
// allows) at the peer or destination. It never blocks: EAGAIN when full.
// EPIPE when the connection or our sending side is shut down; the caller
// raises SIGPIPE (stream only, as Linux) unless told not to.
func (s *Socket) Send(p []byte, o SendOptions) (int, error) {
	var target *Socket
	if s.typ == net.Dgram && o.HasTo {
		t, err := lookup(o.NS, o.To, s.typ)
		if err != nil {
			return 0, err
		}
		target = t
	}
	mu.Lock()
	var w wakeups
	defer func() { w.fire() }()
	defer mu.Unlock()
	cred := s.cred
	if o.Cred != nil {
		cred = *o.Cred
	}
	switch s.typ {
	case net.Stream:
		if o.HasTo {
			if s.state == connected {
				return 0, kerr.EISCONN
			}
			return 0, kerr.EOPNOTSUPP
		}
		if s.state != connected || s.peer == nil {
			return 0, kerr.ENOTCONN
		}
		if s.shut&net.ShutWrite != 0 || s.peer.closed || s.peer.shut&net.ShutRead != 0 {
			return 0, kerr.EPIPE
		}
		if len(p) == 0 {
			return 0, nil
		}
		room := s.sndbuf - s.inflight
		if room <= 0 {
			return 0, kerr.EAGAIN
		}
		n := min(len(p), room)
		s.enqueueLocked(s.peer, p[:n], cred, o.Control, &w)
		return n, nil
	case net.SeqPacket:
		// unix(7): a seqpacket socket ignores a destination address.
		if s.state != connected || s.peer == nil {
			return 0, kerr.ENOTCONN
		}
		if s.shut&net.ShutWrite != 0 || s.peer.closed || s.peer.shut&net.ShutRead != 0 {
			return 0, kerr.EPIPE
		}
		target = s.peer
	default:
		if s.shut&net.ShutWrite != 0 {
			return 0, kerr.EPIPE
		}
		if target == nil {
			target = s.peer
		}
		if target == nil {
			return 0, kerr.ENOTCONN
		}
		if target.closed {
			if target == s.peer {
				s.peer = nil
				s.state = unconnected
			}
			return 0, kerr.ECONNREFUSED
		}
		if target.peer != nil && target.peer != s {
			return 0, kerr.EPERM // it receives only from its own peer
		}
		if target.shut&net.ShutRead != 0 {
			return 0, kerr.EPIPE
		}
		if s.passcred {
			s.autobindLocked()
		}
	}
	if len(p) > s.sndbuf-dgramOverhead {
		return 0, kerr.EMSGSIZE
	}
	if len(target.recv) > MaxDgramQueue {
		s.blockedOn = target
		if target.senders == nil {
			target.senders = map[*Socket]struct{}{}
		}
		target.senders[s] = struct{}{}
		return 0, kerr.EAGAIN
	}
	if s.inflight >= s.sndbuf {
		return 0, kerr.EAGAIN
	}
	s.enqueueLocked(target, p, cred, o.Control, &w)
	return len(p), nil
}

func (s *Socket) enqueueLocked(t *Socket, p []byte, cred net.Cred, ctl *net.Control, w *wakeups) {
	m := &message{data: append([]byte(nil), p...), sender: s, from: s.addr, cred: cred}
	if ctl != nil {
		for _, d := range ctl.Rights {
			d.IncRef()
		}
		m.rights = append([]*fs.FileDescription(nil), ctl.Rights...)
	}
	t.recv = append(t.recv, m)
	s.inflight += len(m.data)
	w.add(t, fs.EventIn)
}

// RecvOptions are recvmsg(2)'s flags that reach the socket.
type RecvOptions struct {
	// Peek leaves the data queued (MSG_PEEK); rights are duplicated.
	Peek bool
}

// RecvResult is what one receive got.
type RecvResult struct {
	N int // bytes copied
	// Len is the whole message's length: more than N when a datagram
	// was truncated (MSG_TRUNC).
	Len int
	// From is the sender's address ("" if it had none).
	From string
	// Control holds the rights (one reference each, the caller's) and,
	// with SO_PASSCRED, the sender's credentials.
	Control net.Control
}

// Recv takes data from s's queue into p: a stream reads across messages
// (stopping at one that carries rights, so that they arrive with their
// bytes), the other types one message. 0 bytes and no error is end of
// file; EAGAIN if nothing is queued yet.
func (s *Socket) Recv(p []byte, o RecvOptions) (RecvResult, error) {
	mu.Lock()
	var w wakeups
	defer func() { w.fire() }()
	defer mu.Unlock()
	var r RecvResult
	switch {
	case s.typ == net.Stream && s.state != connected:
		return r, kerr.EINVAL
	case s.typ == net.SeqPacket && s.state != connected:
		return r, kerr.ENOTCONN
	}
	if len(s.recv) == 0 {
		if s.err != nil {
			err := s.err
			s.err = nil
			return r, err
		}
		if s.shut&net.ShutRead != 0 {
			return r, nil
		}
		return r, kerr.EAGAIN
	}
	if s.typ != net.Stream {
		m := s.recv[0]
		r.N = copy(p, m.data)
		r.Len = len(m.data)
		r.From = m.from
		s.controlLocked(&r, m, o.Peek)
		if !o.Peek {
			s.dequeueLocked(&w)
		}
		return r, nil
	}
	first := s.recv[0]
	r.From = first.from
	if s.passcred {
		c := first.cred
		r.Control.Cred = &c
	}
	for i := 0; i < len(s.recv) && r.N < len(p); {
		m := s.recv[i]
		if i > 0 && (len(m.rights) > 0 || s.passcred && m.cred != first.cred) {
			break // never glue rights or another writer's bytes onto what we have
		}
		n := copy(p[r.N:], m.data)
		r.N += n
		hasRights := len(m.rights) > 0
		if len(m.rights) > 0 {
			s.controlLocked(&r, m, o.Peek)
		}
		if o.Peek {
			i++
		} else if n == len(m.data) {
			s.dequeueLocked(&w)
		} else {
			m.data = m.data[n:]
			m.sender.inflight -= n
			w.add(m.sender, fs.EventOut)
		}
		if hasRights {
			break
		}
	}
	r.Len = r.N
	return r, nil
}

// controlLocked hands m's rights to r: taken, or duplicated for a peek.
func (s *Socket) controlLocked(r *RecvResult, m *message, peek bool) {
	if peek {
		for _, d := range m.rights {
			d.IncRef()
		}
		r.Control.Rights = append(r.Control.Rights, m.rights...)
	} else {
		r.Control.Rights = append(r.Control.Rights, m.rights...)
		m.rights = nil
	}
	if s.passcred && r.Control.Cred == nil {
		c := m.cred
		r.Control.Cred = &c
	}
}

// dequeueLocked drops the first queued message and gives its sender the
// room back.
func (s *Socket) dequeueLocked(w *wakeups) {
	m := s.recv[0]
	s.recv[0] = nil
	s.recv = s.recv[1:]
	if len(s.recv) == 0 {
		s.recv = nil
	}
	if m.sender != nil {
		m.sender.inflight -= len(m.data)
		w.add(m.sender, fs.EventOut)
	}
	if len(s.recv) <= MaxDgramQueue {
		s.wakeSendersLocked(w)
	}
	// m.rights is empty: Recv moved them into its result first.
}
