package core

// Scheduling attributes. runos does not schedule: every task is a host
// thread the host schedules. What a program sets with nice(2),
// setpriority(2), sched_setscheduler(2) or sched_setaffinity(2) is
// recorded per thread, inherited by fork and clone, and reported back, so
// that programs which adjust and read them behave as on Linux; the host
// never sees it.

// SchedAttr are one thread's scheduling attributes. Policy and Priority
// are in the personality's numbering, except that policy 0 with priority
// 0 is the default time-sharing policy and a non-zero priority marks a
// real-time policy (sched(7): only those have a static priority).
type SchedAttr struct {
	Policy      int
	Priority    int
	Nice        int  // -20 (most favourable) to 19
	ResetOnFork bool // SCHED_RESET_ON_FORK
	// Affinity is the set of allowed CPUs, bit i for CPU i; 0 means all.
	Affinity uint64
}

// forChild is what a new thread or process inherits. With ResetOnFork
// a real-time policy becomes the default one and a negative nice value
// becomes 0, and the flag itself is not inherited (sched(7), "Privileges
// and resource limits").
func (a SchedAttr) forChild() SchedAttr {
	if !a.ResetOnFork {
		return a
	}
	if a.Priority != 0 {
		a.Policy, a.Priority = 0, 0
	}
	a.Nice = max(a.Nice, 0)
	a.ResetOnFork = false
	return a
}

// SchedAttr returns the task's scheduling attributes.
func (t *Task) SchedAttr() SchedAttr {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	return t.sched
}

// SetSchedAttr replaces the task's scheduling attributes; the personality
// has checked the caller's right to.
func (t *Task) SetSchedAttr(a SchedAttr) {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	t.sched = a
}

// AllTasks returns a snapshot of every live task in the sandbox
// (setpriority(2)'s PRIO_PGRP and PRIO_USER walk them).
func (k *Kernel) AllTasks() []*Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*Task, 0, len(k.tasks))
	for _, t := range k.tasks {
		out = append(out, t)
	}
	return out
}
