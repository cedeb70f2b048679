package core

// NewThread creates a task in t's thread group that shares its address
// space, files and signal handlers (clone(2) with CLONE_VM|CLONE_THREAD|
// CLONE_SIGHAND|CLONE_FILES, as pthread_create and Go's runtime use). The
// child starts with a copy of t's state; the caller adjusts it and then
// calls Start. The signal mask is inherited (see clone(2)).
func (t *Task) NewThread() (*Task, error) {
	k := t.k
	if err := t.PullFP(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if tg.exiting {
		return nil, ErrInterrupted
	}
	c := &Task{
		k:    k,
		tid:  k.allocID(),
		tg:   tg,
		p:    t.p,
		wake: make(chan struct{}, 1),
		mm:   t.mm,
		fds:  t.fds,
		Comm: t.Comm,
	}
	c.State.Regs = t.State.Regs
	c.State.FP = t.State.FP.Clone()
	c.State.FPDirty = true
	c.sigMask = t.sigMask
	c.sched = t.sched.forChild()
	tg.tasks = append(tg.tasks, c)
	k.tasks[c.tid] = c
	k.mmUsers[c.mm]++
	c.fds.users.Add(1)
	return c, nil
}

// Start runs a task made by NewThread or Fork on a task thread
// (task_run.go: an idle one if there is one).
func (t *Task) Start() { startTask(t) }
