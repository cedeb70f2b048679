package tests

import "testing"

// tmpfileCases run guest/tmpfile.c once per check: O_TMPFILE in a tmpfs
// (/dev/shm) and in the sandbox's overlay (/tmp, a tmpfs upper layer;
// natively ext4), naming the file with linkat(2), and its errors;
// readlinkat(2) with an empty path; read(2) of zero bytes; fallocate(2)
// and F_SEAL_WRITE on a memfd; fchmod(2) and fchown(2) on pipes,
// eventfds and standard output. The guest prints "what: result" lines
// that are the same on every machine, so the native and runos outputs
// must be equal; WantLines pins the lines that carry each check's point.
func tmpfileCases() []behaviourCase {
	g := guest{"tmpfile", gccStatic}
	c := func(name string, args []string, want ...string) behaviourCase {
		return behaviourCase{
			Name:      "tmpfile/" + name,
			Guest:     g,
			Args:      args,
			WantLines: append(want, args[0]+": 0 failures"),
		}
	}
	tmpfile := []string{
		"nlink 0: yes", "nlink after link: 1", "named file reads: hello",
		`linkat fd "" AT_EMPTY_PATH (root): ok`, "O_EXCL: linkat via /proc: ENOENT",
		"O_TMPFILE read-only: EINVAL", "on a regular file: ENOTDIR", "on /proc: EOPNOTSUPP",
		"fd link names #N (deleted) in the directory: yes",
		"user: linkat AT_EMPTY_PATH: ok", "root's fd, user: linkat AT_EMPTY_PATH: ENOENT",
	}
	return []behaviourCase{
		c("shm", []string{"tmpfile", "/dev/shm"}, tmpfile...),
		c("overlay", []string{"tmpfile", "/tmp"}, tmpfile...),
		c("readlink", []string{"readlink"}, `readlinkat(O_PATH symlink, "") reads it: yes`, "on a pipe: ENOENT"),
		c("readzero", []string{"readzero"}, "inotify, event queued: EINVAL", "pipe, empty, blocking: 0",
			"regular file: 0", "eventfd: EINVAL", "directory: EISDIR"),
		c("memfd", []string{"memfd"}, "size after fallocate: 8192", "hole reads zeros: yes",
			"F_SEAL_WRITE with a writable shared mapping: EBUSY", "F_SEAL_WRITE with a private mapping: ok",
			"fallocate past the end when grow-sealed: EPERM"),
		c("fdattr", []string{"fdattr"}, "other end mode: 10640", "pipe owner: 1000 1001",
			"fchmod eventfd: EOPNOTSUPP", "stdout mode: 620"),
	}
}

func TestTmpfile(t *testing.T) {
	for _, c := range tmpfileCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
