package tests

import "testing"

// mmapfileCases run guest/mmapfile.c once per check: mappings of a /tmp
// file (a tmpfs file under runos) and of a memfd that share the file's
// pages with each other, with read(2)/write(2) and with a forked child;
// MAP_PRIVATE copy on write; SIGBUS beyond the end after ftruncate; and
// msync(2) and mincore(2) with their errors. The guest prints booleans
// only, so the native and runos outputs must be equal; WantLines pins the
// lines that carry each check's point.
func mmapfileCases() []behaviourCase {
	g := guest{"mmapfile", gccStatic}
	c := func(check string, want ...string) behaviourCase {
		return behaviourCase{
			Name:      "mmapfile/" + check,
			Guest:     g,
			Args:      []string{check},
			WantLines: append(want, check+": 0 failures"),
		}
	}
	return []behaviourCase{
		c("shared", "second mmap sees the store: yes", "read(2) sees the store: yes",
			"mapping sees write(2): yes", "new mapping after the last munmap sees the data: yes",
			"mprotect PROT_WRITE EACCES: yes"),
		c("private", "private sees write(2) before its first store: yes",
			"private store invisible to read(2): yes", "private copy keeps its contents: yes"),
		c("fork", "parent read(2) sees the child's store: yes", "parent read(2) sees the child's own mmap: yes"),
		c("truncate", "shared page beyond EOF SIGBUS: yes", "private copy beyond EOF SIGBUS: yes",
			"tail of the last page zero: yes", "regrown page reads zero: yes"),
		c("msync", "MS_ASYNC|MS_SYNC EINVAL: yes", "hole MS_ASYNC ENOMEM: yes", "unaligned EINVAL: yes"),
		c("mincore", "touched pages resident: yes", "bad vec EFAULT: yes", "hole ENOMEM: yes",
			"pages before the hole written: yes", "data resident, holes not: yes"),
		c("memfd", "memfd mappings coherent: yes", "sealed: writable shared mmap EPERM: yes"),
	}
}

func TestMmapFile(t *testing.T) {
	for _, c := range mmapfileCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
