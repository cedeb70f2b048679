// Package core is the personality-neutral heart of the kernel: the Kernel,
// its tasks (threads) and thread groups (processes), the ID table, signal
// bookkeeping, futexes, file-descriptor tables and the loop that runs each
// task. It consumes two interfaces and implements neither: a Personality
// (kernel/core/personality.go) gives meaning to traps, and a
// platform.Platform runs guest instructions.
//
// How a task runs (task_run.go): each Task has its own goroutine, locked to
// one host thread. It loops: Switch into the guest until it traps, hand a
// syscall to its personality's table or a fault to mm, then deliver pending
// signals and go round again.
//
// Signal vocabulary: the core numbers signals the traditional Unix way (the
// numbering Linux uses on x86-64: SIGHUP=1 ... SIGSYS=31, real-time signals
// 32..64) and keeps siginfo fields by their POSIX names. A personality whose
// ABI numbers them differently translates at its boundary.
//
// Lock order: Kernel.mu, then ThreadGroup.mu, then futex buckets, then an
// mm.MM's own lock. ThreadGroup.mu guards the signal state of the group and
// of every task in it. A process's timer lock (timer.go) is a leaf: no
// other lock is taken while it is held.
package core
