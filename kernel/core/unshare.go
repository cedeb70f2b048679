package core

import "github.com/runos-project/runos/kernel/kerr"

// UnshareOptions are the parts of its context a task stops sharing with
// others (unshare(2)); the personality has applied its ABI's
// implications between them (CLONE_VM implies CLONE_SIGHAND, and so on).
type UnshareOptions struct {
	FS    bool // the root, working directory and umask (CLONE_FS)
	Files bool // the descriptor table (CLONE_FILES)
	// Thread, Handlers and VM cannot be taken apart; as on Linux they
	// are accepted only when there is nothing to take apart: a single
	// thread, signal handlers no other process shares, and an address
	// space no other process (a vfork parent or child) uses.
	Thread, Handlers, VM bool
}

// Unshare is unshare(2) for the parts of a process runos keeps: EINVAL
// if o asks for the impossible, and nothing is changed then.
func (t *Task) Unshare(o UnshareOptions) error {
	k, tg := t.k, t.tg
	if o.Handlers || o.VM {
		k.mu.Lock()
		shared := k.mmUsers[t.mm] > 1 && o.VM
		for _, g := range k.groups {
			if g != tg && !g.zombie && g.handlers == tg.handlers {
				shared = true
			}
		}
		k.mu.Unlock()
		if shared {
			return kerr.EINVAL
		}
	}
	if o.Thread || o.Handlers || o.VM || o.FS {
		tg.mu.Lock()
		threads := len(tg.tasks)
		tg.mu.Unlock()
		if threads > 1 {
			// UnshareFS refuses too: runos's threads share one
			// FSStruct (fsstruct.go).
			return kerr.EINVAL
		}
	}
	if o.FS {
		if err := t.UnshareFS(); err != nil {
			return err
		}
	}
	if o.Files {
		t.UnshareFDs()
	}
	return nil
}
