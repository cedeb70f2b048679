package tests

import "testing"

// futexCases run futex(2) guests natively and under runos; both runs must
// print the same lines (see guest/futex_*.c for what each checks).
func futexCases() []behaviourCase {
	cs := []behaviourCase{{
		// Every line is a return value or errno name of a raw futex(2)
		// call; the native run is the whole specification.
		Name:      "errors/" + string(gccStatic),
		Guest:     guest{"futex_errors", gccStatic},
		WantLines: []string{"unknown op 99: -1 ENOSYS", "WAIT misaligned: -1 EINVAL", "WAIT nsec 1e9: -1 EINVAL", "WAIT_PRIVATE read-only page, times out: -1 ETIMEDOUT", "WAIT unmapped: -1 EFAULT", "LOCK_PI dead owner: -1 ESRCH", "futex_errors: done, 0 failures"},
	}}
	for _, tc := range []toolchain{gccStatic, muslStatic} {
		cs = append(cs,
			behaviourCase{
				Name:      "shared/" + string(tc),
				Guest:     guest{"futex_shared", tc},
				WantLines: []string{"pshared mutex+condvar ping-pong: ok", "PI robust owner killed, waiter asleep: EOWNERDEAD: ok", "futex_shared: 0 failures"},
			},
			behaviourCase{
				Name:      "robust/" + string(tc),
				Guest:     guest{"futex_robust", tc},
				WantLines: []string{"PI robust, owner exits while a thread waits: EOWNERDEAD: ok", "futex_robust: 0 failures"},
			},
			behaviourCase{
				Name:      "pi/" + string(tc),
				Guest:     guest{"futex_pi", tc},
				WantLines: []string{"counter: 32000 (want 32000)", "futex_pi: ok"},
			},
		)
	}
	return cs
}

func TestFutex(t *testing.T) {
	for _, c := range futexCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
