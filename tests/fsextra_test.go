package tests

import "testing"

// fsextraCases run guest/fsextra.c once per check: statfs and fstatfs
// on proc, tmpfs, sysfs, pipes and anonymous files; sync, syncfs,
// fadvise and readahead; the xattr calls on tmpfs (user.*, trusted.*,
// flags, limits, symlinks, pipes, /proc); utime, utimes and futimesat;
// fallocate; openat2's struct checks and RESOLVE_* flags, and creat;
// close_range; fchmodat2; epoll_pwait2; the time left select, pselect6
// and ppoll write back. The guest prints booleans only,
// so the native and runos outputs must be equal; WantLines pins the
// lines that carry each check's point.
func fsextraCases() []behaviourCase {
	g := guest{"fsextra", gccStatic}
	c := func(check string, want ...string) behaviourCase {
		return behaviourCase{
			Name:      "fsextra/" + check,
			Guest:     g,
			Args:      []string{check},
			WantLines: append(want, check+": 0 failures"),
		}
	}
	return []behaviourCase{
		c("statfs", "proc f_type: yes", "shm f_type: yes", "sys f_type: yes", "fstatfs pipe: yes"),
		c("sync", "fadvise pipe ESPIPE: yes", "readahead pipe EINVAL: yes"),
		c("xattr", "list: trusted.t user.a user.b", "create existing EEXIST: yes", "prefix only EINVAL: yes",
			"lset symlink EPERM: yes", "proc set EOPNOTSUPP: yes", "non-root trusted.* set EPERM: yes"),
		c("utimes", "utimes: yes", "futimesat NULL path: yes"),
		c("fallocate", "keep size: yes", "punch hole: yes", "pipe ESPIPE: yes"),
		c("openat2", "nonzero tail E2BIG: yes", "beneath .. EXDEV: yes", "in root: .. stays: yes",
			"no magiclinks ELOOP: yes", "creat is O_WRONLY: yes"),
		c("closerange", "cloexec: yes", "unshare: yes"),
		c("fchmodat2", "nofollow on a symlink EOPNOTSUPP: yes", "nofollow on a file: yes"),
		c("epollpwait2", "waited the timeout: yes", "bad timespec EINVAL: yes"),
		c("timeleft", "select left 0: yes", "pselect6 left most: yes", "ppoll left 0: yes"),
	}
}

func TestFSExtra(t *testing.T) {
	for _, c := range fsextraCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
