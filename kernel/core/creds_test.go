package core

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runos-project/runos/kernel/kerr"
)

// ids builds credentials from real/effective/saved/fs uids and gids.
func ids(u, eu, su, fu, g, eg, sg, fg uint32) Credentials {
	return Credentials{UID: u, EUID: eu, SUID: su, FSUID: fu, GID: g, EGID: eg, SGID: sg, FSGID: fg}
}

func TestCredentialChanges(t *testing.T) {
	root := NewCredentials(0, 0, nil)
	user := NewCredentials(1000, 100, nil)
	// dropped is root with only its saved uid left as 0.
	dropped := ids(1000, 1000, 0, 1000, 0, 0, 0, 0)
	const n = NoID
	tests := []struct {
		name    string
		from    Credentials
		change  func(Credentials) (Credentials, error)
		want    Credentials
		wantErr error
	}{
		{"root setuid sets all three", root, func(c Credentials) (Credentials, error) { return c.SetUID(5) },
			ids(5, 5, 5, 5, 0, 0, 0, 0), nil},
		{"setuid -1", root, func(c Credentials) (Credentials, error) { return c.SetUID(n) }, root, kerr.EINVAL},
		{"user setuid to own uid", user, func(c Credentials) (Credentials, error) { return c.SetUID(1000) }, user, nil},
		{"user setuid to root", user, func(c Credentials) (Credentials, error) { return c.SetUID(0) }, user, kerr.EPERM},
		{"setuid back to saved root sets only euid", dropped, func(c Credentials) (Credentials, error) { return c.SetUID(0) },
			ids(1000, 0, 0, 0, 0, 0, 0, 0), nil},
		{"root setresuid", root, func(c Credentials) (Credentials, error) { return c.SetRESUID(1, 2, 3) },
			ids(1, 2, 3, 2, 0, 0, 0, 0), nil},
		{"setresuid -1s change nothing", user, func(c Credentials) (Credentials, error) { return c.SetRESUID(n, n, n) }, user, nil},
		{"user setresuid among own ids", dropped, func(c Credentials) (Credentials, error) { return c.SetRESUID(0, n, 1000) },
			ids(0, 1000, 1000, 1000, 0, 0, 0, 0), nil},
		{"user setresuid to a stranger", user, func(c Credentials) (Credentials, error) { return c.SetRESUID(n, 7, n) }, user, kerr.EPERM},
		{"setreuid swap sets saved", ids(1, 2, 3, 2, 0, 0, 0, 0), func(c Credentials) (Credentials, error) { return c.SetREUID(2, 1) },
			ids(2, 1, 1, 1, 0, 0, 0, 0), nil},
		{"setreuid euid to real keeps saved", ids(1, 2, 3, 2, 0, 0, 0, 0), func(c Credentials) (Credentials, error) { return c.SetREUID(n, 1) },
			ids(1, 1, 3, 1, 0, 0, 0, 0), nil},
		{"setreuid euid to saved sets saved", ids(1, 2, 3, 2, 0, 0, 0, 0), func(c Credentials) (Credentials, error) { return c.SetREUID(n, 3) },
			ids(1, 3, 3, 3, 0, 0, 0, 0), nil},
		{"setreuid real to saved refused", ids(1, 2, 3, 2, 0, 0, 0, 0), func(c Credentials) (Credentials, error) { return c.SetREUID(3, n) },
			ids(1, 2, 3, 2, 0, 0, 0, 0), kerr.EPERM},
		{"root setgid", root, func(c Credentials) (Credentials, error) { return c.SetGID(9) }, ids(0, 0, 0, 0, 9, 9, 9, 9), nil},
		{"user setgid to stranger", user, func(c Credentials) (Credentials, error) { return c.SetGID(0) }, user, kerr.EPERM},
		{"user setresgid among own", ids(1000, 1000, 1000, 1000, 1, 2, 3, 2), func(c Credentials) (Credentials, error) { return c.SetRESGID(3, 1, 2) },
			ids(1000, 1000, 1000, 1000, 3, 1, 2, 1), nil},
		{"user setregid to stranger", user, func(c Credentials) (Credentials, error) { return c.SetREGID(n, 5) }, user, kerr.EPERM},
		{"root with euid 0 sets any gid", ids(1000, 0, 0, 0, 100, 100, 100, 100), func(c Credentials) (Credentials, error) { return c.SetREGID(7, 8) },
			ids(1000, 0, 0, 0, 7, 8, 8, 8), nil},
		{"user setgroups", user, func(c Credentials) (Credentials, error) { return c.SetGroups(nil) }, user, kerr.EPERM},
		{"root setgroups sorts", root, func(c Credentials) (Credentials, error) { return c.SetGroups([]uint32{3, 1, 2}) },
			Credentials{Groups: []uint32{1, 2, 3}}, nil},
		{"root setgroups too many", root, func(c Credentials) (Credentials, error) { return c.SetGroups(make([]uint32, MaxGroups+1)) }, root, kerr.EINVAL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.change(tc.from)
			if !errors.Is(err, tc.wantErr) || err == nil && tc.wantErr != nil {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("credentials (-want +got):\n%s", d)
			}
		})
	}
}

func TestSetFSID(t *testing.T) {
	tests := []struct {
		name      string
		from      Credentials
		id        uint32
		wantOld   uint32
		wantFSUID uint32
	}{
		{"root takes any", NewCredentials(0, 0, nil), 42, 0, 42},
		{"-1 only reports", NewCredentials(0, 0, nil), NoID, 0, 0},
		{"user may take its saved uid", ids(1, 2, 3, 2, 0, 0, 0, 0), 3, 2, 3},
		{"user may not take a stranger", ids(1, 2, 3, 2, 0, 0, 0, 0), 0, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, old := tc.from.SetFSUID(tc.id)
			if old != tc.wantOld || c.FSUID != tc.wantFSUID {
				t.Errorf("SetFSUID(%d) = fsuid %d, old %d; want %d, %d", tc.id, c.FSUID, old, tc.wantFSUID, tc.wantOld)
			}
			g := tc.from
			g.GID, g.EGID, g.SGID, g.FSGID = tc.from.UID, tc.from.EUID, tc.from.SUID, tc.from.FSUID
			c, old = g.SetFSGID(tc.id)
			if old != tc.wantOld || c.FSGID != tc.wantFSUID {
				t.Errorf("SetFSGID(%d) = fsgid %d, old %d; want %d, %d", tc.id, c.FSGID, old, tc.wantFSUID, tc.wantOld)
			}
		})
	}
}

func TestForExec(t *testing.T) {
	tests := []struct {
		name       string
		from       Credentials
		want       Credentials
		wantSecure bool
	}{
		{"plain user", NewCredentials(5, 6, nil), NewCredentials(5, 6, nil), false},
		{"saved ids follow effective", ids(5, 5, 0, 5, 6, 6, 0, 6), NewCredentials(5, 6, nil), false},
		{"euid differs from ruid", ids(1000, 0, 0, 0, 1, 1, 1, 1), ids(1000, 0, 0, 0, 1, 1, 1, 1), true},
		{"egid differs from rgid", ids(1, 1, 1, 1, 2, 3, 2, 2), ids(1, 1, 1, 1, 2, 3, 3, 3), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.from.ForExec()
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ForExec (-want +got):\n%s", d)
			}
			if s := tc.from.SecureExec(); s != tc.wantSecure {
				t.Errorf("SecureExec = %v, want %v", s, tc.wantSecure)
			}
		})
	}
}

// sandbox makes a kernel with one process per set of credentials, all in
// one session, without a platform: enough for the permission rules.
func sandbox(creds ...Credentials) (*Kernel, []*Task) {
	k := NewKernel(Config{})
	var ts []*Task
	for i, c := range creds {
		tg := newThreadGroup(k, i+1, nil)
		tg.sid, tg.pgid = 1, 1
		c := c
		tg.creds = &c
		t := newTask(k, tg, i+1, nil)
		k.groups[i+1], k.tasks[i+1] = tg, t
		ts = append(ts, t)
	}
	return k, ts
}

func TestMaySignal(t *testing.T) {
	root := NewCredentials(0, 0, nil)
	alice := NewCredentials(1000, 1000, nil)
	bob := NewCredentials(2000, 2000, nil)
	setuidBob := ids(1000, 2000, 2000, 2000, 0, 0, 0, 0) // real alice, effective bob
	tests := []struct {
		name           string
		sender, target Credentials
		sig            Signal
		otherSession   bool
		want           bool
	}{
		{"root to anyone", root, alice, SIGTERM, false, true},
		{"same user", alice, alice, SIGTERM, false, true},
		{"other user", alice, bob, SIGTERM, false, false},
		{"user to root", alice, root, SIGKILL, false, false},
		{"effective uid matches target's real", setuidBob, bob, SIGTERM, false, true},
		{"real uid matches target's real", setuidBob, alice, SIGTERM, false, true},
		{"target's saved uid counts", alice, ids(2000, 2000, 1000, 2000, 0, 0, 0, 0), SIGTERM, false, true},
		{"target's effective uid does not", alice, ids(2000, 1000, 2000, 1000, 0, 0, 0, 0), SIGTERM, false, false},
		{"SIGCONT in the session", alice, bob, SIGCONT, false, true},
		{"SIGCONT to another session", alice, bob, SIGCONT, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := sandbox(tc.sender, tc.target)
			if tc.otherSession {
				ts[1].tg.sid = 2
			}
			if got := ts[0].MaySignal(ts[1].tg, tc.sig); got != tc.want {
				t.Errorf("MaySignal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestProcLimit(t *testing.T) {
	alice := NewCredentials(1000, 1000, nil)
	bob := NewCredentials(2000, 2000, nil)
	root := NewCredentials(0, 0, nil)
	tests := []struct {
		name  string
		procs []Credentials // the first one forks
		limit uint64
		want  bool
	}{
		{"no limit", []Credentials{alice, alice}, 0, false},
		{"infinity", []Credentials{alice, alice}, RlimInfinity, false},
		{"below the limit", []Credentials{alice, bob, bob}, 2, false},
		{"at the limit", []Credentials{alice, alice, bob}, 2, true},
		{"limit 1 forbids any fork", []Credentials{alice}, 1, true},
		{"root is exempt", []Credentials{root, root, root}, 1, false},
		{"effective root is exempt", []Credentials{ids(1000, 0, 0, 0, 0, 0, 0, 0), alice}, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, ts := sandbox(tc.procs...)
			k.mu.Lock()
			got := k.overProcLimitLocked(ts[0].tg, tc.limit)
			k.mu.Unlock()
			if got != tc.want {
				t.Errorf("overProcLimit = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCredentialsInheritedDefault(t *testing.T) {
	k := NewKernel(Config{})
	k.InitCreds = NewCredentials(65534, 65534, nil)
	tg := newThreadGroup(k, 1, nil)
	if got := tg.Credentials().UID; got != 65534 {
		t.Fatalf("a process without credentials of its own has uid %d, want the kernel's 65534", got)
	}
	if err := tg.UpdateCredentials(func(c Credentials) (Credentials, error) { return c.SetUID(0) }); !errors.Is(err, kerr.EPERM) {
		t.Fatalf("setuid(0) as 65534: %v, want EPERM", err)
	}
	if k.InitCreds.UID != 65534 {
		t.Fatal("a refused change altered the kernel's initial credentials")
	}
}
