package core

import (
	"slices"

	"github.com/runos-project/runos/fs/vfs"

	"github.com/runos-project/runos/kernel/kerr"
)

// This file is process credentials: who a process is (credentials(7)),
// how it may change that (setuid(2), setreuid(2), setresuid(2),
// setfsuid(2), setgroups(2) and their gid twins), and who may signal whom
// (kill(2)).
//
// Linux keeps credentials per thread, but POSIX wants them per process,
// and glibc and musl make them so: their set*id wrappers broadcast the
// change to every thread of the process (glibc's "setxid" signal). The
// core therefore keeps one set per thread group, which is what every
// libc-using program observes. A program that makes the raw syscall in
// one thread and expects the others to keep their old ids would see a
// difference.
//
// Capabilities are not modelled as sets: "privileged" means an effective
// user ID of 0, which is what root's capability sets amount to when they follow
// the uid rules of capabilities(7) ("Effect of user ID changes on
// capabilities"): dropping euid 0 clears the effective set, and regaining
// it (allowed only if 0 is still the real or saved uid) restores it.

// NoID is the id -1, which the set*id calls take as "leave unchanged".
const NoID = ^uint32(0)

// Credentials are the user and group identities of a process. A value is
// never changed once installed on a thread group: changes install a copy,
// so readers need no lock once they hold one.
type Credentials struct {
	UID, EUID, SUID, FSUID uint32 // real, effective, saved, filesystem user ID
	GID, EGID, SGID, FSGID uint32 // real, effective, saved, filesystem group ID
	// Groups are the supplementary group IDs, sorted (as Linux keeps
	// them; getgroups returns them in that order).
	Groups []uint32
}

// NewCredentials returns the credentials of a process that is uid:gid in
// every respect, with supplementary groups groups.
func NewCredentials(uid, gid uint32, groups []uint32) Credentials {
	g := slices.Clone(groups)
	slices.Sort(g)
	return Credentials{
		UID: uid, EUID: uid, SUID: uid, FSUID: uid,
		GID: gid, EGID: gid, SGID: gid, FSGID: gid,
		Groups: g,
	}
}

// Privileged reports whether the credentials stand for root, which may
// change ids freely, signal anyone, raise hard limits and so on (Linux's
// CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_SYS_RESOURCE, CAP_SYS_NICE).
func (c *Credentials) Privileged() bool { return c.EUID == 0 }

// InGroup reports whether gid is the effective or a supplementary group.
func (c *Credentials) InGroup(gid uint32) bool {
	if gid == c.EGID {
		return true
	}
	_, ok := slices.BinarySearch(c.Groups, gid)
	return ok
}

// oneOf reports whether id equals any of ids.
func oneOf(id uint32, ids ...uint32) bool {
	return slices.Contains(ids, id)
}

// The user and the group ids follow the same rules (credentials(7)); the
// functions below apply them to one set of four ids, and the Set* methods
// pick the set. Privilege comes from the effective user id either way.

// idSet is a real, effective, saved and filesystem id.
type idSet struct{ real, eff, saved, fs *uint32 }

func (c *Credentials) uids() idSet { return idSet{&c.UID, &c.EUID, &c.SUID, &c.FSUID} }
func (c *Credentials) gids() idSet { return idSet{&c.GID, &c.EGID, &c.SGID, &c.FSGID} }

// set is setuid(2): a privileged process sets real, effective and saved
// id; anyone else may set the effective id to the real or saved one.
func (q idSet) set(priv bool, id uint32) error {
	if id == NoID {
		return kerr.EINVAL
	}
	switch {
	case priv:
		*q.real, *q.saved = id, id
	case !oneOf(id, *q.real, *q.saved):
		return kerr.EPERM
	}
	*q.eff, *q.fs = id, id
	return nil
}

// setRE is setreuid(2). An unprivileged process may set the real id to
// the real or effective one and the effective id to any of the three. The
// saved id follows the new effective one when the real id is set, or the
// effective one is set to something other than the old real id.
func (q idSet) setRE(priv bool, r, e uint32) error {
	if !priv && (r != NoID && !oneOf(r, *q.real, *q.eff) ||
		e != NoID && !oneOf(e, *q.real, *q.eff, *q.saved)) {
		return kerr.EPERM
	}
	oldReal := *q.real
	if r != NoID {
		*q.real = r
	}
	if e != NoID {
		*q.eff = e
	}
	if r != NoID || e != NoID && e != oldReal {
		*q.saved = *q.eff
	}
	*q.fs = *q.eff
	return nil
}

// setRES is setresuid(2): each id that is not -1 is set; an unprivileged
// process may only pick among its current real, effective and saved ids.
func (q idSet) setRES(priv bool, r, e, s uint32) error {
	if !priv {
		for _, id := range []uint32{r, e, s} {
			if id != NoID && !oneOf(id, *q.real, *q.eff, *q.saved) {
				return kerr.EPERM
			}
		}
	}
	for _, f := range []struct {
		id  uint32
		dst *uint32
	}{{r, q.real}, {e, q.eff}, {s, q.saved}} {
		if f.id != NoID {
			*f.dst = f.id
		}
	}
	*q.fs = *q.eff
	return nil
}

// setFS is setfsuid(2): it returns the old filesystem id whatever
// happens, and changes it if id is the real, effective, saved or current
// filesystem id, or the caller is privileged. -1 changes nothing.
func (q idSet) setFS(priv bool, id uint32) uint32 {
	old := *q.fs
	if id != NoID && (priv || oneOf(id, *q.real, *q.eff, *q.saved, *q.fs)) {
		*q.fs = id
	}
	return old
}

// SetUID is setuid(2). On an error the credentials come back unchanged.
func (c Credentials) SetUID(uid uint32) (Credentials, error) {
	n := c
	if err := n.uids().set(c.Privileged(), uid); err != nil {
		return c, err
	}
	return n, nil
}

// SetREUID is setreuid(2).
func (c Credentials) SetREUID(r, e uint32) (Credentials, error) {
	n := c
	if err := n.uids().setRE(c.Privileged(), r, e); err != nil {
		return c, err
	}
	return n, nil
}

// SetRESUID is setresuid(2).
func (c Credentials) SetRESUID(r, e, s uint32) (Credentials, error) {
	n := c
	if err := n.uids().setRES(c.Privileged(), r, e, s); err != nil {
		return c, err
	}
	return n, nil
}

// SetFSUID is setfsuid(2); it returns the old filesystem uid.
func (c Credentials) SetFSUID(uid uint32) (Credentials, uint32) {
	old := c.uids().setFS(c.Privileged(), uid)
	return c, old
}

// SetGID is setgid(2). Whether a process may change group ids depends on
// its user id (CAP_SETGID goes with euid 0).
func (c Credentials) SetGID(gid uint32) (Credentials, error) {
	n := c
	if err := n.gids().set(c.Privileged(), gid); err != nil {
		return c, err
	}
	return n, nil
}

// SetREGID is setregid(2).
func (c Credentials) SetREGID(r, e uint32) (Credentials, error) {
	n := c
	if err := n.gids().setRE(c.Privileged(), r, e); err != nil {
		return c, err
	}
	return n, nil
}

// SetRESGID is setresgid(2).
func (c Credentials) SetRESGID(r, e, s uint32) (Credentials, error) {
	n := c
	if err := n.gids().setRES(c.Privileged(), r, e, s); err != nil {
		return c, err
	}
	return n, nil
}

// SetFSGID is setfsgid(2); it returns the old filesystem gid.
func (c Credentials) SetFSGID(gid uint32) (Credentials, uint32) {
	old := c.gids().setFS(c.Privileged(), gid)
	return c, old
}

// MaxGroups is NGROUPS_MAX: the most supplementary groups a process has.
const MaxGroups = 65536

// SetGroups is setgroups(2): only root may change the list.
func (c Credentials) SetGroups(groups []uint32) (Credentials, error) {
	if !c.Privileged() {
		return c, kerr.EPERM
	}
	if len(groups) > MaxGroups {
		return c, kerr.EINVAL
	}
	c.Groups = slices.Clone(groups)
	slices.Sort(c.Groups)
	return c, nil
}

// ForExec is what execve(2) makes of the credentials: no set-user-ID bit
// is honoured, so the ids stay, but the saved ids become copies of the
// effective ones ("Effect on process attributes") and the filesystem ids
// follow the effective ones.
func (c Credentials) ForExec() Credentials {
	c.SUID, c.FSUID = c.EUID, c.EUID
	c.SGID, c.FSGID = c.EGID, c.EGID
	return c
}

// SecureExec reports whether an exec with these credentials is a
// "secure" one that a loader must distrust its environment for (AT_SECURE
// in getauxval(3)): Linux sets it when the effective ids differ from the
// real ones, even without a set-user-ID file.
func (c *Credentials) SecureExec() bool {
	return c.EUID != c.UID || c.EGID != c.GID
}

// Credentials returns the process's credentials. The first process has
// the Kernel's InitCreds until it changes them.
func (tg *ThreadGroup) Credentials() *Credentials {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.credsLocked()
}

func (tg *ThreadGroup) credsLocked() *Credentials {
	if tg.creds == nil {
		return &tg.k.InitCreds
	}
	return tg.creds
}

// Credentials returns the credentials of t's process.
func (t *Task) Credentials() *Credentials { return t.tg.Credentials() }

// UpdateCredentials applies change to the process's credentials and
// installs the result, unless change fails; the lock makes concurrent
// set*id calls from two threads serialise as they would on Linux.
func (tg *ThreadGroup) UpdateCredentials(change func(Credentials) (Credentials, error)) error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	n, err := change(*tg.credsLocked())
	if err != nil {
		return err
	}
	tg.creds = &n
	tg.fsctx.Store(nil) // rebuilt with the new ids by FSContext
	return nil
}

// AccessCreds are what access(2) checks against: the real ids instead
// of the filesystem ones, and root's privileges only for a real uid of 0
// (with any uid of 0 still keeping them permitted).
func (c *Credentials) AccessCreds() *vfs.Creds {
	v := &vfs.Creds{UID: c.UID, GID: c.GID, Groups: c.Groups}
	if c.UID == 0 {
		v.Caps = vfs.AllCaps
	}
	return v
}

// FSCreds are the identities file operations are checked against: the
// filesystem ids, the supplementary groups, and the capabilities root's
// uid rules amount to (capabilities(7), "Effect of user ID changes on
// capabilities"): all of them with effective uid 0, but the file ones
// only while the filesystem uid is 0; the file ones alone when the
// filesystem uid is 0 and a real or saved uid of 0 keeps them permitted.
func (c *Credentials) FSCreds() *vfs.Creds {
	v := &vfs.Creds{UID: c.FSUID, GID: c.FSGID, Groups: c.Groups}
	if c.EUID == 0 {
		v.Caps = vfs.AllCaps
	}
	if c.FSUID != 0 {
		v.Caps &^= vfs.FileCaps
	} else if oneOf(0, c.UID, c.EUID, c.SUID) {
		v.Caps |= vfs.FileCaps
	}
	return v
}

// MaySignal reports whether t may send sig to target, by kill(2)'s rule:
// root may signal anyone; otherwise the sender's real or effective uid
// must equal the target's real or saved uid. SIGCONT may also go to any
// process of the sender's session.
func (t *Task) MaySignal(target *ThreadGroup, sig Signal) bool {
	if target == t.tg {
		return true
	}
	s := t.Credentials()
	if s.Privileged() {
		return true
	}
	d := target.Credentials()
	if oneOf(s.UID, d.UID, d.SUID) || oneOf(s.EUID, d.UID, d.SUID) {
		return true
	}
	return sig == SIGCONT && target.Session() == t.tg.Session()
}

// OwnsOrPrivileged reports whether t may change scheduling attributes or
// resource limits of target as its owner: its effective uid is the
// target's real or effective uid, or it is root (sched_setscheduler(2),
// setpriority(2), "EPERM").
func (t *Task) OwnsOrPrivileged(target *ThreadGroup) bool {
	s := t.Credentials()
	if s.Privileged() || target == t.tg {
		return true
	}
	d := target.Credentials()
	return oneOf(s.EUID, d.UID, d.EUID)
}

// userProcessesLocked counts the processes (live or zombie) whose real
// uid is uid; the caller holds k.mu. See Fork and RLIMIT_NPROC.
func (k *Kernel) userProcessesLocked(uid uint32) int {
	n := 0
	for _, g := range k.groups {
		g.mu.Lock()
		if g.credsLocked().UID == uid {
			n++
		}
		g.mu.Unlock()
	}
	return n
}

// overProcLimitLocked reports whether a fork by tg would take its real
// user beyond limit processes (RLIMIT_NPROC, see ForkOptions.ProcLimit);
// the caller holds k.mu. Like Linux, which exempts the root user and
// holders of CAP_SYS_RESOURCE or CAP_SYS_ADMIN, root is never limited.
// Linux counts threads too; the core counts processes, live or zombie.
func (k *Kernel) overProcLimitLocked(tg *ThreadGroup, limit uint64) bool {
	if limit == 0 || limit == RlimInfinity {
		return false
	}
	tg.mu.Lock()
	c := tg.credsLocked()
	tg.mu.Unlock()
	if c.UID == 0 || c.Privileged() {
		return false
	}
	return uint64(k.userProcessesLocked(c.UID)) >= limit
}
