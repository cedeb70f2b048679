package fs

// JobControl is what a terminal asks of the kernel once it is some
// session's controlling terminal (see credentials(7), "Sessions and
// process groups"): a terminal generates signals for the typed INTR, QUIT
// and SUSP characters and for a change of window size, and a hang-up ends
// its session. Signals are numbered as kernel/core numbers them (the
// traditional Unix numbers: SIGHUP 1, SIGINT 2, ...). The kernel
// implements it; a terminal never calls it with its own lock held.
type JobControl interface {
	// SignalGroup sends sig to every process of process group pgrp.
	SignalGroup(pgrp int, sig int)
	// Hangup tells session sid that its controlling terminal hung up.
	Hangup(sid int)
}
