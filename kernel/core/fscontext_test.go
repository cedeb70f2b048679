package core

import (
	"testing"

	"github.com/runos-project/runos/fs/vfs"
)

// TestFSCreds checks the capabilities file operations get from the ids,
// by capabilities(7)'s rules for root.
func TestFSCreds(t *testing.T) {
	cases := []struct {
		name   string
		c      Credentials
		access bool // AccessCreds instead of FSCreds
		uid    uint32
		want   vfs.Caps
	}{
		{"root", NewCredentials(0, 0, nil), false, 0, vfs.AllCaps},
		{"user", NewCredentials(1000, 1000, nil), false, 1000, 0},
		{"root with fsuid 1000", Credentials{FSUID: 1000, FSGID: 1000}, false, 1000, vfs.AllCaps &^ vfs.FileCaps},
		{"euid 1000, saved 0, fsuid 0", Credentials{UID: 1000, EUID: 1000, FSUID: 0}, false, 0, vfs.FileCaps},
		{"euid 1000, no 0 left, fsuid 0", Credentials{UID: 1000, EUID: 1000, SUID: 1000, FSUID: 0}, false, 0, 0},
		{"access: real uid 1000, euid 0", Credentials{UID: 1000, EUID: 0, FSUID: 0}, true, 1000, 0},
		{"access: real uid 0, euid 1000", Credentials{UID: 0, EUID: 1000, FSUID: 1000}, true, 0, vfs.AllCaps},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.c.FSCreds()
			if c.access {
				got = c.c.AccessCreds()
			}
			if got.UID != c.uid || got.Caps != c.want {
				t.Errorf("uid %d caps %#x, want uid %d caps %#x", got.UID, got.Caps, c.uid, c.want)
			}
		})
	}
}
