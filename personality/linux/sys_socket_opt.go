package linux

import (
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Socket options (socket(7), unix(7)). Only SOL_SOCKET exists for
// AF_UNIX; Linux fails other levels with EOPNOTSUPP.

// ignoredSockopts are accepted by setsockopt and read back as zeros:
// they tune behaviour a Unix domain socket here does not have.
var ignoredSockopts = map[int32]int{
	soReuseaddr: 4, soKeepalive: 4, soPriority: 4, soLinger: 8,
	soRcvtimeoOld: 16, soSndtimeoOld: 16, soRcvtimeoNew: 16, soSndtimeoNew: 16,
}

func sysSetsockopt(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	level, name, optval, optlen := int32(a[1]), int32(a[2]), a[3], int32(a[4])
	if level != solSocket {
		return 0, kerr.EOPNOTSUPP
	}
	if _, ok := ignoredSockopts[name]; ok || name == soRcvlowat {
		return 0, nil
	}
	if optlen < 4 {
		return 0, kerr.EINVAL
	}
	var b [4]byte
	if _, err := t.MM().CopyIn(optval, b[:]); err != nil {
		return 0, err
	}
	val := int32(le.Uint32(b[:]))
	switch name {
	case soSndbuf:
		// See socket(7), SO_SNDBUF: the kernel doubles the value (to
		// allow for its bookkeeping), capped by wmem_max, floored by
		// SOCK_MIN_SNDBUF; getsockopt returns the doubled value.
		v := min(uint32(val), wmemMax)
		s.SetBuffers(max(int(v)*2, sockMinSndbuf), -1)
	case soRcvbuf:
		v := min(uint32(val), rmemMax)
		s.SetBuffers(-1, max(int(v)*2, sockMinRcvbuf))
	case soPasscred:
		s.SetPassCred(val != 0)
	default:
		return 0, kerr.ENOPROTOOPT
	}
	return 0, nil
}

func sysGetsockopt(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	level, name, optval, lenAddr := int32(a[1]), int32(a[2]), a[3], a[4]
	if level != solSocket {
		return 0, kerr.EOPNOTSUPP
	}
	var lb [4]byte
	if _, err := t.MM().CopyIn(lenAddr, lb[:]); err != nil {
		return 0, err
	}
	room := int32(le.Uint32(lb[:]))
	if room < 0 {
		return 0, kerr.EINVAL
	}
	b2i := func(v bool) int32 {
		if v {
			return 1
		}
		return 0
	}
	var val []byte
	num := func(v int32) { val = le.AppendUint32(nil, uint32(v)) }
	switch name {
	case soType:
		num(linuxSockType[s.Type()])
	case soError:
		num(0)
		if err := s.TakeError(); err != nil {
			num(int32(Errno(err)))
		}
	case soSndbuf:
		snd, _ := s.Buffers()
		num(int32(snd))
	case soRcvbuf:
		_, rcv := s.Buffers()
		num(int32(rcv))
	case soPasscred:
		num(b2i(s.PassCred()))
	case soAcceptconn:
		num(b2i(s.Listening()))
	case soDomain:
		num(afUnix)
	case soProtocol:
		num(0)
	case soRcvlowat, soSndlowat:
		num(1)
	case soPeercred:
		// See unix(7), SO_PEERCRED; with no peer, pid 0 and IDs -1.
		val = make([]byte, ucredSize)
		le.PutUint32(val[4:], ^uint32(0))
		le.PutUint32(val[8:], ^uint32(0))
		if c := s.PeerCred(); c != nil {
			le.PutUint32(val[0:], uint32(c.PID))
			le.PutUint32(val[4:], c.UID)
			le.PutUint32(val[8:], c.GID)
		}
	default:
		n, ok := ignoredSockopts[name]
		if !ok {
			return 0, kerr.ENOPROTOOPT
		}
		val = make([]byte, n)
	}
	n := min(int(room), len(val))
	if n > 0 {
		if _, err := t.MM().CopyOut(optval, val[:n]); err != nil {
			return 0, err
		}
	}
	return 0, copyOutU32(t, lenAddr, uint32(n))
}
