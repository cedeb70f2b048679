package linux

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/net"
	afunix "github.com/runos-project/runos/net/unix"
)

// This file moves data through sockets: sendto(2), sendmsg(2),
// recvfrom(2), recvmsg(2), with struct msghdr and the control messages
// of unix(7) (SCM_RIGHTS, SCM_CREDENTIALS) decoded here.

// msghdr is struct msghdr's fields, at offsets 0, 8, 16, 24, 32, 40, 48.
type msghdr struct {
	name       uintptr
	namelen    uint32
	iov        uintptr
	iovlen     uintptr
	control    uintptr
	controllen uintptr
	flags      int32
}

func copyInMsghdr(t *core.Task, addr uintptr) (msghdr, error) {
	var b [msghdrSize]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return msghdr{}, err
	}
	return msghdr{
		name: uintptr(le.Uint64(b[0:])), namelen: le.Uint32(b[8:]),
		iov: uintptr(le.Uint64(b[16:])), iovlen: uintptr(le.Uint64(b[24:])),
		control: uintptr(le.Uint64(b[32:])), controllen: uintptr(le.Uint64(b[40:])),
		flags: int32(le.Uint32(b[48:])),
	}, nil
}

func cmsgAlign(n uintptr) uintptr { return (n + 7) &^ 7 }

// copyInControl decodes sendmsg(2)'s control messages: descriptors to
// pass, and credentials to claim (checked as unix(7) says: a process
// may name only itself unless privileged). Messages of other levels are
// ignored, as Linux does.
func copyInControl(t *core.Task, addr, n uintptr) (*net.Control, error) {
	ctl := &net.Control{}
	if n == 0 {
		return ctl, nil
	}
	if n > 1<<20 {
		return nil, kerr.EINVAL
	}
	b := make([]byte, n)
	if _, err := t.MM().CopyIn(addr, b); err != nil {
		return nil, err
	}
	fail := func(err error) (*net.Control, error) {
		ctl.Release()
		return nil, err
	}
	for off := uintptr(0); off+cmsghdrSize <= n; {
		clen := uintptr(le.Uint64(b[off:]))
		if clen < cmsghdrSize || clen > n-off {
			return fail(kerr.EINVAL)
		}
		level, typ := int32(le.Uint32(b[off+8:])), int32(le.Uint32(b[off+12:]))
		data := b[off+cmsghdrSize : off+clen]
		if level == solSocket {
			switch typ {
			case scmRights:
				if len(ctl.Rights)+len(data)/4 > scmMaxFD {
					return fail(kerr.EINVAL)
				}
				for i := 0; i+4 <= len(data); i += 4 {
					d, err := t.FDs().Get(int(int32(le.Uint32(data[i:]))))
					if err != nil {
						return fail(err)
					}
					ctl.Rights = append(ctl.Rights, d)
				}
			case scmCredentials:
				if len(data) != ucredSize {
					return fail(kerr.EINVAL)
				}
				c := net.Cred{PID: int32(le.Uint32(data)), UID: le.Uint32(data[4:]), GID: le.Uint32(data[8:])}
				if err := checkCred(t, c); err != nil {
					return fail(err)
				}
				ctl.Cred = &c
			default:
				return fail(kerr.EINVAL)
			}
		}
		off += cmsgAlign(clen)
	}
	return ctl, nil
}

// checkCred is unix(7)'s rule for SCM_CREDENTIALS: the sender's own PID
// and one of its real, effective or saved IDs, unless privileged.
func checkCred(t *core.Task, c net.Cred) error {
	cr := t.Credentials()
	if cr.Privileged() {
		return nil
	}
	if int(c.PID) != t.Group().PID() ||
		c.UID != cr.UID && c.UID != cr.EUID && c.UID != cr.SUID ||
		c.GID != cr.GID && c.GID != cr.EGID && c.GID != cr.SGID {
		return kerr.EPERM
	}
	return nil
}

// scmCred is the identity a message carries unless the sender names one:
// the real IDs, as Linux's SCM_CREDENTIALS.
func scmCred(t *core.Task) *net.Cred {
	c := t.Credentials()
	return &net.Cred{PID: int32(t.Group().PID()), UID: c.UID, GID: c.GID}
}

// gather copies the bytes of iovs in, at most maxSocketSend of them.
func gather(t *core.Task, iovs []iovec) ([]byte, error) {
	var total uintptr
	for _, v := range iovs {
		total += v.len
	}
	buf := make([]byte, min(total, maxSocketSend))
	off := 0
	for _, v := range iovs {
		if off == len(buf) {
			break
		}
		n := min(int(v.len), len(buf)-off)
		if _, err := t.MM().CopyIn(v.base, buf[off:off+n]); err != nil {
			return nil, err
		}
		off += n
	}
	return buf, nil
}

// doSend sends data on fd, blocking unless the description or flags say
// not to; a stream keeps going until everything is queued.
func doSend(t *core.Task, fd uintptr, data []byte, flags uintptr, o afunix.SendOptions) (uintptr, error) {
	s, d, err := getSocket(t, fd)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if flags&msgOOB != 0 {
		return 0, kerr.EOPNOTSUPP
	}
	o.NS = sockNS{t}
	if o.Cred == nil {
		o.Cred = scmCred(t)
	}
	nonblock := d.Flags()&fs.FlagNonblock != 0 || flags&msgDontwait != 0
	sent := 0
	for {
		n, err := s.Send(data[sent:], o)
		if n > 0 {
			o.Control = nil // the rights went with the first bytes
		}
		sent += n
		switch {
		case err == nil && (s.Type() != net.Stream || sent == len(data)):
			return uintptr(sent), nil
		case err == nil:
			continue
		case err == kerr.EAGAIN && !nonblock:
			if werr := t.WaitReady(s, fs.EventOut, time.Time{}); werr != nil {
				if sent > 0 {
					return uintptr(sent), nil
				}
				return 0, werr
			}
			continue
		}
		// See unix(7) and send(2): a stream whose other end is gone
		// raises SIGPIPE unless MSG_NOSIGNAL.
		if err == kerr.EPIPE && s.Type() == net.Stream && flags&msgNosignal == 0 {
			t.SendSignal(&core.SigInfo{Signo: core.SIGPIPE, Code: core.SIUser, PID: int32(t.Group().PID())})
		}
		if sent > 0 {
			return uintptr(sent), nil
		}
		return 0, err
	}
}

func sysSendto(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	n := min(a[2], maxSocketSend)
	data := make([]byte, n)
	if _, err := t.MM().CopyIn(a[1], data); err != nil {
		return 0, err
	}
	var o afunix.SendOptions
	if a[4] != 0 && a[5] != 0 {
		fam, name, err := copyInSockaddr(t, a[4], a[5])
		if err != nil {
			return 0, err
		}
		if fam != afUnix {
			return 0, kerr.EINVAL
		}
		o.To, o.HasTo = name, true
	}
	return doSend(t, a[0], data, a[3], o)
}

func sysSendmsg(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	m, err := copyInMsghdr(t, a[1])
	if err != nil {
		return 0, err
	}
	iovs, err := copyInIovecs(t, m.iov, int(m.iovlen))
	if err != nil {
		return 0, err
	}
	data, err := gather(t, iovs)
	if err != nil {
		return 0, err
	}
	var o afunix.SendOptions
	if m.name != 0 && m.namelen != 0 {
		fam, name, err := copyInSockaddr(t, m.name, uintptr(m.namelen))
		if err != nil {
			return 0, err
		}
		if fam != afUnix {
			return 0, kerr.EINVAL
		}
		o.To, o.HasTo = name, true
	}
	ctl, err := copyInControl(t, m.control, m.controllen)
	if err != nil {
		return 0, err
	}
	defer ctl.Release()
	o.Control = ctl
	if ctl.Cred != nil {
		o.Cred = ctl.Cred
	}
	return doSend(t, a[0], data, a[2], o)
}

// doRecv receives into a buffer of size n, blocking unless told not to;
// with MSG_WAITALL a stream waits until the buffer is full.
func doRecv(t *core.Task, fd uintptr, n uintptr, flags uintptr) (afunix.RecvResult, []byte, error) {
	var r afunix.RecvResult
	s, d, err := getSocket(t, fd)
	if err != nil {
		return r, nil, err
	}
	defer d.DecRef()
	if flags&msgOOB != 0 {
		return r, nil, kerr.EOPNOTSUPP
	}
	buf := make([]byte, min(n, maxSocketSend))
	nonblock := d.Flags()&fs.FlagNonblock != 0 || flags&msgDontwait != 0
	waitall := flags&msgWaitall != 0 && flags&msgPeek == 0 && s.Type() == net.Stream
	for {
		got, err := s.Recv(buf[r.N:], afunix.RecvOptions{Peek: flags&msgPeek != 0})
		if err == nil {
			if r.N == 0 {
				r.From, r.Len = got.From, got.Len
			} else {
				r.Len += got.Len
			}
			r.N += got.N
			r.Control.Rights = append(r.Control.Rights, got.Control.Rights...)
			if r.Control.Cred == nil {
				r.Control.Cred = got.Control.Cred
			}
			if !waitall || got.N == 0 || r.N == len(buf) || len(got.Control.Rights) > 0 {
				return r, buf[:r.N], nil
			}
			continue
		}
		if err == kerr.EAGAIN && !nonblock {
			if werr := t.WaitReady(s, fs.EventIn, time.Time{}); werr != nil {
				err = werr
			} else {
				continue
			}
		}
		if r.N > 0 {
			return r, buf[:r.N], nil
		}
		return r, nil, err
	}
}

func sysRecvfrom(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	r, data, err := doRecv(t, a[0], a[2], a[3])
	r.Control.Release()
	if err != nil {
		return 0, err
	}
	if len(data) > 0 {
		if _, err := t.MM().CopyOut(a[1], data); err != nil {
			return 0, err
		}
	}
	if a[4] != 0 {
		var b []byte
		if r.From != "" {
			b = sockaddrBytes(r.From)
		}
		if err := copyOutSockaddr(t, a[4], a[5], b); err != nil {
			return 0, err
		}
	}
	return recvResult(r, a[3]), nil
}

// recvResult is the call's return value: with MSG_TRUNC a datagram's
// whole length (see recv(2)).
func recvResult(r afunix.RecvResult, flags uintptr) uintptr {
	if flags&msgTrunc != 0 && r.Len > r.N {
		return uintptr(r.Len)
	}
	return uintptr(r.N)
}

func sysRecvmsg(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	m, err := copyInMsghdr(t, a[1])
	if err != nil {
		return 0, err
	}
	iovs, err := copyInIovecs(t, m.iov, int(m.iovlen))
	if err != nil {
		return 0, err
	}
	var total uintptr
	for _, v := range iovs {
		total += v.len
	}
	flags := a[2]
	r, data, err := doRecv(t, a[0], total, flags)
	if err != nil {
		return 0, err
	}
	defer r.Control.Release()
	if err := scatter(t, iovs, data); err != nil {
		return 0, err
	}
	var outFlags uint32
	if r.Len > r.N {
		outFlags |= msgTrunc
	}
	if m.name != 0 {
		var b []byte
		if r.From != "" {
			b = sockaddrBytes(r.From)
		}
		if n := min(int(m.namelen), len(b)); n > 0 && int32(m.namelen) > 0 {
			if _, err := t.MM().CopyOut(m.name, b[:n]); err != nil {
				return 0, err
			}
		}
		if err := copyOutU32(t, a[1]+8, uint32(len(b))); err != nil {
			return 0, err
		}
	}
	used, ctrunc, err := copyOutControl(t, m.control, m.controllen, &r.Control, flags&msgCmsgCloexec != 0)
	if err != nil {
		return 0, err
	}
	if ctrunc {
		outFlags |= msgCtrunc
	}
	var b [8]byte
	le.PutUint64(b[:], uint64(used))
	if _, err := t.MM().CopyOut(a[1]+40, b[:]); err != nil {
		return 0, err
	}
	if err := copyOutU32(t, a[1]+48, outFlags); err != nil {
		return 0, err
	}
	return recvResult(r, flags), nil
}

// copyOutControl writes the credentials, then the rights (installed as
// new descriptors), as Linux's scm_recv does; what does not fit is
// dropped and reported with MSG_CTRUNC. It returns the bytes used.
func copyOutControl(t *core.Task, addr, room uintptr, ctl *net.Control, cloexec bool) (uintptr, bool, error) {
	var used uintptr
	ctrunc := false
	put := func(typ int32, data []byte) error {
		rem := room - used
		if rem < cmsghdrSize {
			ctrunc = true
			return nil
		}
		clen := uintptr(cmsghdrSize + len(data))
		b := make([]byte, clen)
		le.PutUint64(b, uint64(clen))
		le.PutUint32(b[8:], solSocket)
		le.PutUint32(b[12:], uint32(typ))
		copy(b[cmsghdrSize:], data)
		if rem < clen {
			ctrunc = true
			b = b[:rem]
		}
		if _, err := t.MM().CopyOut(addr+used, b); err != nil {
			return err
		}
		used += min(cmsgAlign(clen), rem)
		return nil
	}
	if c := ctl.Cred; c != nil {
		var b [ucredSize]byte
		le.PutUint32(b[0:], uint32(c.PID))
		le.PutUint32(b[4:], c.UID)
		le.PutUint32(b[8:], c.GID)
		if err := put(scmCredentials, b[:]); err != nil {
			return 0, false, err
		}
	}
	if len(ctl.Rights) == 0 {
		return used, ctrunc, nil
	}
	fit := 0
	if room-used >= cmsghdrSize {
		fit = int((room - used - cmsghdrSize) / 4)
	}
	var fds []byte
	for len(ctl.Rights) > 0 && len(fds)/4 < fit {
		d := ctl.Rights[0]
		fd, err := t.FDs().Allocate(d, 0, cloexec)
		if err != nil {
			break
		}
		ctl.Rights = ctl.Rights[1:]
		fds = le.AppendUint32(fds, uint32(fd))
	}
	if len(ctl.Rights) > 0 {
		ctrunc = true // the rest are closed by the caller's Release
	}
	if len(fds) > 0 {
		if err := put(scmRights, fds); err != nil {
			return 0, false, err
		}
	}
	return used, ctrunc, nil
}

// socketVector serves readv(2) and writev(2) on a socket as one
// recvmsg(2) or sendmsg(2), so that a datagram is one message however
// many buffers it spans; ok is false if fd is not a socket or the call
// has an offset (preadv(2) on a socket is ESPIPE through the file path).
func socketVector(t *core.Task, fd, iovAddr, cnt uintptr, off int64, write bool) (n uintptr, ok bool, err error) {
	if off >= 0 {
		return 0, false, nil
	}
	d, err := getFile(t, fd)
	if err != nil {
		return 0, false, nil
	}
	_, ok = d.File.(*afunix.Socket)
	d.DecRef()
	if !ok {
		return 0, false, nil
	}
	iovs, err := copyInIovecs(t, iovAddr, int(int32(cnt)))
	if err != nil {
		return 0, true, err
	}
	if write {
		data, err := gather(t, iovs)
		if err != nil {
			return 0, true, err
		}
		n, err := doSend(t, fd, data, 0, afunix.SendOptions{})
		return n, true, err
	}
	var total uintptr
	for _, v := range iovs {
		total += v.len
	}
	r, data, err := doRecv(t, fd, total, 0)
	r.Control.Release() // read(2) drops passed descriptors, as Linux
	if err != nil {
		return 0, true, err
	}
	return uintptr(len(data)), true, scatter(t, iovs, data)
}

// scatter copies data out over iovs.
func scatter(t *core.Task, iovs []iovec, data []byte) error {
	off := 0
	for _, v := range iovs {
		if off == len(data) {
			break
		}
		n := min(int(v.len), len(data)-off)
		if _, err := t.MM().CopyOut(v.base, data[off:off+n]); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// sigpipeOnEPIPE says whether a write that failed with EPIPE raises
// SIGPIPE: it does for pipes and streams, but a datagram or seqpacket
// socket only fails (Linux's unix_dgram_sendmsg sends no signal).
func sigpipeOnEPIPE(f fs.File) bool {
	s, ok := f.(*afunix.Socket)
	return !ok || s.Type() == net.Stream
}
