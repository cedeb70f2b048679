package core

// BeginExec is the point of no return of execve(2), called by a
// personality once the new program is loaded: every other thread of the
// process is killed (the caller takes over the process's ID if it was not
// the leader), close-on-exec descriptors are closed, handled signals go
// back to their default action, the alternate signal stack is forgotten
// and a vfork parent is released. See execve(2), "Effect on process
// attributes".
func (t *Task) BeginExec() {
	tg := t.tg
	k := t.k
	for {
		tg.mu.Lock()
		others := 0
		for _, o := range tg.tasks {
			if o != t {
				others++
				o.killed.Store(true)
				o.kick()
			}
		}
		gone := tg.threadGone
		tg.mu.Unlock()
		if others == 0 {
			break
		}
		<-gone
	}
	if t.tid != tg.pid {
		k.mu.Lock()
		delete(k.tasks, t.tid)
		t.tid = tg.pid
		k.tasks[t.tid] = t
		k.mu.Unlock()
	}
	if t.fds.users.Load() > 1 {
		// The table is shared with another process (CLONE_FILES): exec
		// gets a private copy first.
		old := t.fds
		t.fds = old.Fork()
		old.Release()
	}
	t.fds.CloseExec()
	tg.handlers.ResetForExec()
	tg.deletePosixTimers() // timer_create(2), NOTES; interval timers stay
	t.altStack = SignalStack{Flags: SSDisable}
	t.ClearChildTID = 0
	// Linux's exec_mm_release: locks on the robust list of the old
	// program die with it.
	t.releaseFutexes(false)
	t.RobustList, t.RobustLen = 0, 0
	k.mu.Lock()
	tg.execed = true
	k.mu.Unlock()
	tg.releaseVfork()
}
