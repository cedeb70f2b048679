package tests

import (
	"os"
	"testing"
)

// TestCloneFS runs guest/clonefs.c natively and under runos: the root,
// working directory and umask are shared by clone(2) with CLONE_FS and
// copied by fork, vfork and clone without it; unshare(2) with CLONE_FS
// and CLONE_FILES takes them apart, and its other flags fail where
// Linux's do. The native run must report no failures and runos must
// print the same.
func TestCloneFS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the guest's chroot(2) checks need root natively")
	}
	runProcess(t, processCase{Name: "clonefs", Guest: "clonefs"})
}
