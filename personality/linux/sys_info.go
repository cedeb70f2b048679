package linux

import (
	"crypto/rand"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

func sysGetpid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().PID()), nil
}

func sysGettid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.TID()), nil
}

func sysGetppid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().PPID()), nil
}

func sysUname(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var host unix.Utsname
	if err := unix.Uname(&host); err != nil {
		return 0, kerr.EFAULT
	}
	// struct utsname: six fields of 65 bytes. The release and version are
	// the host's, because libc and runtimes compare them against minimum
	// kernel versions; the node name is the sandbox's own.
	var b [6 * 65]byte
	put := func(i int, s string) { copy(b[i*65:i*65+64], s) }
	put(0, "Linux")
	put(1, t.Kernel().Hostname())
	put(2, unix.ByteSliceToString(host.Release[:]))
	put(3, unix.ByteSliceToString(host.Version[:]))
	put(4, "x86_64")
	put(5, t.Kernel().Domainname())
	_, err := t.MM().CopyOut(a[0], b[:])
	return 0, err
}

// readUTSName copies in the name of sethostname(2) or setdomainname(2),
// with their checks in Linux's order: the privilege (CAP_SYS_ADMIN,
// which only root has in the sandbox) before the length, both before
// the copy.
func readUTSName(t *core.Task, a core.SyscallArgs) (string, error) {
	if !t.Credentials().Privileged() {
		return "", kerr.EPERM
	}
	n := int(int32(a[1]))
	if n < 0 || n > core.HostnameMax {
		return "", kerr.EINVAL
	}
	b := make([]byte, n)
	if _, err := t.MM().CopyIn(a[0], b); err != nil {
		return "", err
	}
	// The name is len bytes, NUL or not; uname shows it up to the first
	// NUL, as Linux's C strings do.
	return unix.ByteSliceToString(b), nil
}

// fUTSName shows the name of sethostname(2) and setdomainname(2) as
// strace does: the string when the length is acceptable, else the
// pointer.
func fUTSName(c *call, v uintptr) string {
	if n := c.args[1]; n > core.HostnameMax {
		return ptrString(v)
	}
	return c.buffer(v, uint64(c.args[1]), false)
}

func sysSethostname(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	name, err := readUTSName(t, a)
	if err != nil {
		return 0, err
	}
	t.Kernel().SetHostname(name)
	return 0, nil
}

func sysSetdomainname(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	name, err := readUTSName(t, a)
	if err != nil {
		return 0, err
	}
	t.Kernel().SetDomainname(name)
	return 0, nil
}

// getrandom(2) flags.
const (
	grndNonblock = 1
	grndRandom   = 2
	grndInsecure = 4
)

func sysGetrandom(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[2]
	if flags&^(grndNonblock|grndRandom|grndInsecure) != 0 || flags&(grndRandom|grndInsecure) == grndRandom|grndInsecure {
		return 0, kerr.EINVAL
	}
	n := min(a[1], 1<<25-1) // getrandom(2): at most 33554431 bytes per call
	if n == 0 {
		return 0, nil
	}
	bp := ioBuffers.Get().(*[]byte)
	defer ioBuffers.Put(bp)
	var done uintptr
	for done < n {
		chunk := (*bp)[:min(n-done, ioChunk)]
		rand.Read(chunk)
		c, err := t.MM().CopyOut(a[0]+done, chunk)
		done += uintptr(c)
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

func sysGetcpu(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	for _, p := range []uintptr{a[0], a[1]} {
		if p != 0 {
			if err := copyOutU32(t, p, 0); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

func sysSysinfo(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var host unix.Sysinfo_t
	if err := unix.Sysinfo(&host); err != nil {
		return 0, kerr.EFAULT
	}
	// struct sysinfo on x86-64: 112 bytes.
	var b [112]byte
	le.PutUint64(b[0:], uint64(t.Kernel().Uptime().Seconds()))
	for i, l := range host.Loads {
		le.PutUint64(b[8+8*i:], l)
	}
	le.PutUint64(b[32:], host.Totalram)
	le.PutUint64(b[40:], host.Freeram)
	le.PutUint64(b[48:], host.Sharedram)
	le.PutUint64(b[56:], host.Bufferram)
	le.PutUint64(b[64:], host.Totalswap)
	le.PutUint64(b[72:], host.Freeswap)
	le.PutUint16(b[80:], uint16(t.Kernel().TaskCount()))
	le.PutUint32(b[104:], host.Unit)
	_, err := t.MM().CopyOut(a[0], b[:])
	return 0, err
}
