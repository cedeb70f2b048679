package linux

import (
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// User and group identities: the get*id and set*id calls and the
// supplementary group list. The rules are the core's (kernel/core/creds.go);
// these handlers decode ids (uid_t and gid_t are 32 bits, -1 meaning
// "unchanged") and copy values in and out.

// credCalls are the credential calls.
var credCalls = map[string]impl{
	"getuid":    full(sysGetuid),
	"geteuid":   full(sysGeteuid),
	"getgid":    full(sysGetgid),
	"getegid":   full(sysGetegid),
	"getresuid": full(sysGetresuid),
	"getresgid": full(sysGetresgid),
	"setuid":    partial(sysSetuid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setgid":    partial(sysSetgid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setreuid":  partial(sysSetreuid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setregid":  partial(sysSetregid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setresuid": partial(sysSetresuid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setresgid": partial(sysSetresgid, "process-wide, as libc makes it; capabilities follow the effective uid (0 has all, others none; no capset)"),
	"setfsuid":  full(sysSetfsuid),
	"setfsgid":  full(sysSetfsgid),
	"getgroups": full(sysGetgroups),
	"setgroups": full(sysSetgroups),
}

// idArg is a uid_t or gid_t argument.
func idArg(v uintptr) uint32 { return uint32(v) }

func sysGetuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Credentials().UID), nil
}

func sysGeteuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Credentials().EUID), nil
}

func sysGetgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Credentials().GID), nil
}

func sysGetegid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Credentials().EGID), nil
}

// copyOutIDs stores three ids at three addresses (getresuid(2)).
func copyOutIDs(t *core.Task, a core.SyscallArgs, ids [3]uint32) error {
	for i, id := range ids {
		if err := copyOutU32(t, a[i], id); err != nil {
			return err
		}
	}
	return nil
}

func sysGetresuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	c := t.Credentials()
	return 0, copyOutIDs(t, a, [3]uint32{c.UID, c.EUID, c.SUID})
}

func sysGetresgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	c := t.Credentials()
	return 0, copyOutIDs(t, a, [3]uint32{c.GID, c.EGID, c.SGID})
}

func sysSetuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetUID(idArg(a[0]))
	})
}

func sysSetgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetGID(idArg(a[0]))
	})
}

func sysSetreuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetREUID(idArg(a[0]), idArg(a[1]))
	})
}

func sysSetregid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetREGID(idArg(a[0]), idArg(a[1]))
	})
}

func sysSetresuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetRESUID(idArg(a[0]), idArg(a[1]), idArg(a[2]))
	})
}

func sysSetresgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetRESGID(idArg(a[0]), idArg(a[1]), idArg(a[2]))
	})
}

// sysSetfsuid never fails: it returns the previous fsuid whether or not
// it changed it (setfsuid(2)).
func sysSetfsuid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var old uint32
	t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		c, old = c.SetFSUID(idArg(a[0]))
		return c, nil
	})
	return uintptr(old), nil
}

func sysSetfsgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var old uint32
	t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		c, old = c.SetFSGID(idArg(a[0]))
		return c, nil
	})
	return uintptr(old), nil
}

// sysGetgroups returns the number of supplementary groups; with a
// non-zero size it also stores them, failing with EINVAL when they do not
// fit (getgroups(2)).
func sysGetgroups(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	size := int(int32(a[0]))
	if size < 0 {
		return 0, kerr.EINVAL
	}
	g := t.Credentials().Groups
	if size == 0 {
		return uintptr(len(g)), nil
	}
	if len(g) > size {
		return 0, kerr.EINVAL
	}
	b := make([]byte, 4*len(g))
	for i, id := range g {
		le.PutUint32(b[4*i:], id)
	}
	if _, err := t.MM().CopyOut(a[1], b); err != nil {
		return 0, err
	}
	return uintptr(len(g)), nil
}

// sysSetgroups replaces the supplementary groups: root only (EPERM), at
// most NGROUPS_MAX (EINVAL), checked in that order as Linux does.
func sysSetgroups(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if !t.Credentials().Privileged() {
		return 0, kerr.EPERM
	}
	size := uint32(a[0])
	if size > core.MaxGroups {
		return 0, kerr.EINVAL
	}
	b := make([]byte, 4*int(size))
	if _, err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	g := make([]uint32, size)
	for i := range g {
		g[i] = le.Uint32(b[4*i:])
	}
	return 0, t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) {
		return c.SetGroups(g)
	})
}
