package tests

import "testing"

// inotifyCases run guest/inotify.c once per part: the events of create,
// write, close, rename, link, chmod, unlink and rmdir on a fresh
// directory under /tmp (on the root overlay) and under /dev/shm (a
// tmpfs), the watch flags, the deletion of open files, the
// errno cases, readiness and blocking reads, and queue overflow. The
// guest prints watches by role and cookies as "matches"/"differs", so
// the native and runos outputs must be equal.
func inotifyCases() []behaviourCase {
	g := guest{"inotify", gccStatic}
	c := func(part string, want ...string) behaviourCase {
		return behaviourCase{Name: "inotify/" + part, Guest: g, Args: []string{part}, WantLines: want}
	}
	return []behaviourCase{
		c("events", `  dir MOVED_TO "b" len%16=0 cookie matches`, "  a DELETE_SELF", `  dir DELETE|ISDIR "sub2" len%16=0`),
		{Name: "inotify/events-tmpfs", Guest: g, Args: []string{"events", "/dev/shm"},
			WantLines: []string{`  dir MOVED_TO "b" len%16=0 cookie matches`}},
		// IN_DELETE_SELF waits for the last close of a file
		// unlinked (or renamed over, or a directory removed) while open.
		c("deleteopen", "close the last descriptor:", "  o DELETE_SELF", "  d DELETE_SELF", "  t DELETE_SELF"),
		{Name: "inotify/deleteopen-tmpfs", Guest: g, Args: []string{"deleteopen", "/dev/shm"},
			WantLines: []string{"  o DELETE_SELF"}},
		c("flags", "IN_MASK_CREATE on a watched file: -1 EEXIST", "DONT_FOLLOW watches the link: yes"),
		c("errors", "inotify_add_watch(fd, at(\"file\"), IN_ALL_EVENTS | IN_ONLYDIR): ENOTDIR", "(int)read(fd, buf, 31): EINVAL"),
		c("readiness", "blocking read interrupted: -1 EINTR", `restarted read: event "q"`),
		c("overflow", "overflow: events == max+1, overflow events 1, last: yes, wd -1"),
	}
}

func TestInotify(t *testing.T) {
	for _, c := range inotifyCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
