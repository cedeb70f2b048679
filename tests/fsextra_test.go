package tests

import "testing"

// fsextraCases run guest/fsextra.c once per check: statfs and fstatfs
// on proc, tmpfs, sysfs, pipes and anonymous files; sync, syncfs,
// fadvise and readahead; the xattr calls on tmpfs (user.*, trusted.*,
// flags, limits, symlinks, pipes, /proc); utime, utimes and futimesat;
// fallocate; openat2's struct checks and RESOLVE_* flags, and creat;
// close_range; fchmodat2; epoll_pwait2; the time left select, pselect6
// and ppoll write back; a pipe's owner (the creator's fsuid and
// fsgid), fchmodat2 and utimensat on a pipe, and utimensat's permission
// rules; statx's birth time and attributes on tmpfs. The guest prints
// booleans only, so the native and runos outputs must be equal;
// WantLines pins the lines that carry each check's point.
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
		c("fallocate", "keep size: yes", "punch hole: yes", "pipe ESPIPE: yes", "tmpfs zero range EOPNOTSUPP: yes"),
		c("openat2", "nonzero tail E2BIG: yes", "beneath .. EXDEV: yes", "in root: .. stays: yes",
			"no magiclinks ELOOP: yes", "creat is O_WRONLY: yes"),
		c("closerange", "cloexec: yes", "unshare: yes"),
		c("fchmodat2", "nofollow on a symlink EOPNOTSUPP: yes", "nofollow on a file: yes"),
		c("epollpwait2", "waited the timeout: yes", "bad timespec EINVAL: yes"),
		c("timeleft", "select left 0: yes", "pselect6 left most: yes", "ppoll left 0: yes"),
		c("pipeattr", "owner is the fsuid and fsgid: yes", "fchmodat2 empty path on own pipe: yes",
			"times set on both ends: yes", "now on root's 0600 pipe EACCES: yes",
			"both omitted, path not looked up: yes", "now on root's 0666 file: yes"),
		c("statx", "tmpfs has btime: yes", "btime is the creation time: yes", "tmpfs attributes mask: yes",
			"/dev/shm is a mount root: yes", "pipe: no btime, generic mask: yes"),
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
