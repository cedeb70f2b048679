package core

import "github.com/runos-project/runos/mm"

// This file is a hook for benchmarks and tests outside the package that
// drive the real task loop with a fake platform (for example
// personality/linux's dispatch benchmark). runos itself starts tasks with
// Kernel.Start and never calls these.

// NewTestTask creates a process in k with one task that runs personality
// p in address space m, with an empty descriptor table and / as its
// working directory, without starting it. The first one becomes k's init.
// It is for benchmarks and tests only; see RunForTest.
func NewTestTask(k *Kernel, p Personality, m *mm.MM) *Task {
	k.mu.Lock()
	id := k.allocID()
	tg := newThreadGroup(k, id, nil)
	t := newTask(k, tg, id, p)
	t.fds = NewFDTable()
	k.tasks[id] = t
	k.groups[id] = tg
	if k.init == nil {
		k.init = tg
	}
	k.mu.Unlock()
	t.SetMM(m)
	return t
}

// RunForTest runs the task loop of a task made by NewTestTask on the
// calling goroutine, as the goroutine of Kernel.Start does (without an
// exec first), until the task exits. It locks the goroutine to its
// thread for good, so call it on a goroutine of its own. For benchmarks
// and tests only.
func (t *Task) RunForTest() { t.run(nil, nil) }
