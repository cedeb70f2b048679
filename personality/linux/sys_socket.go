package linux

import (
	"fmt"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/net"
	afunix "github.com/runos-project/runos/net/unix"
)

// socketCalls are the BSD socket calls. Only AF_UNIX is served
// (net/unix); see unix(7) and socket(2).
var socketCalls = map[string]impl{
	"socket":      partial(sysSocket, "AF_UNIX only (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET); AF_INET, AF_INET6, AF_NETLINK and every other family EAFNOSUPPORT"),
	"socketpair":  partial(sysSocketpair, "AF_UNIX only; other families EAFNOSUPPORT"),
	"bind":        partial(sysBind, "paths (a socket inode in the VFS), abstract names and autobind; no permission check on connect"),
	"listen":      partial(sysListen, "the backlog is recorded but never limits connects"),
	"accept":      full(sysAccept),
	"accept4":     full(sysAccept4),
	"connect":     full(sysConnect),
	"sendto":      full(sysSendto),
	"recvfrom":    full(sysRecvfrom),
	"sendmsg":     partial(sysSendmsg, "SCM_RIGHTS and SCM_CREDENTIALS; other control messages EINVAL; MSG_OOB EOPNOTSUPP"),
	"recvmsg":     partial(sysRecvmsg, "SCM_RIGHTS and SCM_CREDENTIALS; no SO_PEEK_OFF"),
	"shutdown":    full(sysShutdown),
	"getsockname": full(sysGetsockname),
	"getpeername": full(sysGetpeername),
	"setsockopt":  partial(sysSetsockopt, "SOL_SOCKET: SO_SNDBUF, SO_RCVBUF (doubled as Linux), SO_PASSCRED; SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER, SO_PRIORITY, SO_RCVLOWAT, SO_RCVTIMEO and SO_SNDTIMEO are accepted and ignored; other levels EOPNOTSUPP"),
	"getsockopt":  partial(sysGetsockopt, "SOL_SOCKET: SO_TYPE, SO_ERROR, SO_PEERCRED, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, and zeros for the accepted-but-ignored options"),
}

// Linux's socket numbers (<linux/socket.h>, <linux/net.h>).
const (
	afUnspec = 0
	afUnix   = 1
	afMax    = 46

	sockStream    = 1
	sockDgram     = 2
	sockRaw       = 3
	sockSeqpacket = 5
	sockMax       = 11
	sockNonblock  = oNonblock
	sockCloexec   = oCloexec

	msgOOB         = 0x1
	msgPeek        = 0x2
	msgCtrunc      = 0x8
	msgTrunc       = 0x20
	msgDontwait    = 0x40
	msgWaitall     = 0x100
	msgNosignal    = 0x4000
	msgCmsgCloexec = 0x40000000

	solSocket      = 1
	scmRights      = 1
	scmCredentials = 2
	scmMaxFD       = 253

	sunPathMax     = 108
	sockaddrUnSize = 2 + sunPathMax
	msghdrSize     = 56
	cmsghdrSize    = 16
	ucredSize      = 12

	wmemMax       = 212992
	rmemMax       = 212992
	sockMinSndbuf = 4608
	sockMinRcvbuf = 2304
	maxSocketSend = 64 << 20

	soReuseaddr   = 2
	soType        = 3
	soError       = 4
	soSndbuf      = 7
	soRcvbuf      = 8
	soKeepalive   = 9
	soPriority    = 12
	soLinger      = 13
	soPasscred    = 16
	soPeercred    = 17
	soRcvlowat    = 18
	soSndlowat    = 19
	soRcvtimeoOld = 20
	soSndtimeoOld = 21
	soAcceptconn  = 30
	soProtocol    = 38
	soDomain      = 39
	soRcvtimeoNew = 66
	soSndtimeoNew = 67

	shutRd   = 0 // SHUT_RD
	shutRdwr = 2 // SHUT_RDWR
)

var sockTypes = map[uintptr]net.Type{
	sockStream: net.Stream, sockDgram: net.Dgram, sockRaw: net.Dgram, sockSeqpacket: net.SeqPacket,
}

var linuxSockType = map[net.Type]int32{net.Stream: sockStream, net.Dgram: sockDgram, net.SeqPacket: sockSeqpacket}

// newSocketArgs checks socket(2)'s arguments in Linux's order: flags,
// the family's range, the type's range, then what the family serves.
func newSocketArgs(domain, typ, proto uintptr) (net.Type, uintptr, error) {
	flags := typ &^ 0xf
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return 0, 0, kerr.EINVAL
	}
	if int32(domain) < 0 || int32(domain) >= afMax {
		return 0, 0, kerr.EAFNOSUPPORT
	}
	if typ&0xf >= sockMax {
		return 0, 0, kerr.EINVAL
	}
	if domain != afUnix {
		return 0, 0, kerr.EAFNOSUPPORT // no AF_INET, AF_INET6 or AF_NETLINK yet
	}
	if proto != 0 && proto != afUnix {
		return 0, 0, kerr.EPROTONOSUPPORT
	}
	st, ok := sockTypes[typ&0xf]
	if !ok {
		return 0, 0, kerr.ESOCKTNOSUPPORT
	}
	return st, flags, nil
}

func sockCred(t *core.Task) net.Cred {
	c := t.Credentials()
	return net.Cred{PID: int32(t.Group().PID()), UID: c.EUID, GID: c.EGID}
}

// installSocket puts s in a new descriptor.
func installSocket(t *core.Task, s *afunix.Socket, flags uintptr) (int, error) {
	status := fs.FlagRead | fs.FlagWrite
	if flags&sockNonblock != 0 {
		status |= fs.FlagNonblock
	}
	st, _ := s.Stat()
	d := fs.NewFileDescription(s, fmt.Sprintf("socket:[%d]", st.Ino), status)
	fd, err := t.FDs().Allocate(d, 0, flags&sockCloexec != 0)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return fd, nil
}

func sysSocket(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	typ, flags, err := newSocketArgs(a[0], a[1], a[2])
	if err != nil {
		return 0, err
	}
	fd, err := installSocket(t, afunix.New(typ, sockCred(t)), flags)
	return uintptr(fd), err
}

func sysSocketpair(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	typ, flags, err := newSocketArgs(a[0], a[1], a[2])
	if err != nil {
		return 0, err
	}
	s1, s2 := afunix.Pair(typ, sockCred(t))
	fd1, err := installSocket(t, s1, flags)
	if err != nil {
		s2.Close()
		return 0, err
	}
	fd2, err := installSocket(t, s2, flags)
	if err != nil {
		t.FDs().Close(fd1)
		return 0, err
	}
	var b [8]byte
	le.PutUint32(b[0:], uint32(fd1))
	le.PutUint32(b[4:], uint32(fd2))
	if _, err := t.MM().CopyOut(a[3], b[:]); err != nil {
		t.FDs().Close(fd1)
		t.FDs().Close(fd2)
		return 0, err
	}
	return 0, nil
}

// getSocket returns the socket behind fd; the caller must DecRef d.
func getSocket(t *core.Task, fd uintptr) (*afunix.Socket, *fs.FileDescription, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	s, ok := d.File.(*afunix.Socket)
	if !ok {
		d.DecRef()
		return nil, nil, kerr.ENOTSOCK
	}
	return s, d, nil
}

// sockNS is the caller's view of the file system for bind and connect.
type sockNS struct{ t *core.Task }

func (n sockNS) Mknod(path string, mode uint32) error {
	start, err := startAt(n.t, atFDCWD, path)
	if err != nil {
		return err
	}
	return n.t.Kernel().FS.Mknod(n.t.FSContext(), start, path, mode, 0)
}

func (n sockNS) Stat(path string) (fs.Stat, error) {
	start, err := startAt(n.t, atFDCWD, path)
	if err != nil {
		return fs.Stat{}, err
	}
	return n.t.Kernel().FS.Stat(n.t.FSContext(), start, path, 0)
}

// copyInSockaddr reads a struct sockaddr_un of length n: its family and
// its name ("" for a bare family, a leading zero byte for an abstract
// name, else a path up to its first zero byte). See unix(7), "Address
// format".
func copyInSockaddr(t *core.Task, addr, n uintptr) (family uint16, name string, err error) {
	if int32(n) < 0 || n > sockaddrUnSize {
		return 0, "", kerr.EINVAL
	}
	if n < 2 {
		return 0, "", kerr.EINVAL
	}
	b := make([]byte, n)
	if _, err := t.MM().CopyIn(addr, b); err != nil {
		return 0, "", err
	}
	family = le.Uint16(b)
	path := b[2:]
	if len(path) == 0 || path[0] == 0 {
		return family, string(path), nil
	}
	for i, c := range path {
		if c == 0 {
			path = path[:i]
			break
		}
	}
	return family, string(path), nil
}

// sockaddrBytes is name as a struct sockaddr_un, as long as Linux makes
// it: a path carries its terminating zero byte, an abstract name does not.
func sockaddrBytes(name string) []byte {
	b := []byte{afUnix, 0}
	b = append(b, name...)
	if name != "" && name[0] != 0 {
		b = append(b, 0)
	}
	return b
}

// copyOutSockaddr writes an address to addr, truncated to the length
// *lenAddr says, and stores its real length there (accept(2),
// getsockname(2)).
func copyOutSockaddr(t *core.Task, addr, lenAddr uintptr, b []byte) error {
	if lenAddr == 0 {
		return nil
	}
	var lb [4]byte
	if _, err := t.MM().CopyIn(lenAddr, lb[:]); err != nil {
		return err
	}
	room := int32(le.Uint32(lb[:]))
	if room < 0 {
		return kerr.EINVAL
	}
	if n := min(int(room), len(b)); n > 0 {
		if _, err := t.MM().CopyOut(addr, b[:n]); err != nil {
			return err
		}
	}
	return copyOutU32(t, lenAddr, uint32(len(b)))
}

func sysBind(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	fam, name, err := copyInSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if fam != afUnix {
		return 0, kerr.EINVAL
	}
	return 0, s.Bind(sockNS{t}, name, 0o777&^t.Group().Umask())
}

func sysListen(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return 0, s.Listen(int(int32(a[1])), sockCred(t))
}

func sysConnect(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	fam, name, err := copyInSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if fam == afUnspec && s.Type() == net.Dgram {
		return 0, s.Disconnect()
	}
	if fam != afUnix || name == "" {
		return 0, kerr.EINVAL
	}
	return 0, s.Connect(sockNS{t}, name, sockCred(t))
}

func sysAccept(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doAccept(t, a[0], a[1], a[2], 0)
}

func sysAccept4(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doAccept(t, a[0], a[1], a[2], a[3])
}

func doAccept(t *core.Task, fd, addr, lenAddr, flags uintptr) (uintptr, error) {
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return 0, kerr.EINVAL
	}
	s, d, err := getSocket(t, fd)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	var c *afunix.Socket
	for {
		c, err = s.Accept()
		if err != kerr.EAGAIN || d.Flags()&fs.FlagNonblock != 0 {
			break
		}
		if err := t.WaitReady(s, fs.EventIn, time.Time{}); err != nil {
			return 0, err
		}
	}
	if err != nil {
		return 0, err
	}
	peer, _ := c.PeerName()
	nfd, err := installSocket(t, c, flags)
	if err != nil {
		return 0, err
	}
	if addr != 0 {
		if err := copyOutSockaddr(t, addr, lenAddr, sockaddrBytes(peer)); err != nil {
			t.FDs().Close(nfd)
			return 0, err
		}
	}
	return uintptr(nfd), nil
}

func sysShutdown(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	how := int32(a[1])
	if how < shutRd || how > shutRdwr {
		return 0, kerr.EINVAL
	}
	// SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 are one less than the bit sets.
	return 0, s.Shutdown(net.Shutdown(how + 1))
}

func sysGetsockname(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return 0, copyOutSockaddr(t, a[1], a[2], sockaddrBytes(s.Name()))
}

func sysGetpeername(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	s, d, err := getSocket(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	name, err := s.PeerName()
	if err != nil {
		return 0, err
	}
	return 0, copyOutSockaddr(t, a[1], a[2], sockaddrBytes(name))
}
