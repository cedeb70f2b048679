package tests

import "testing"

// timerCases run guest/timers.c once per check: interval timers, POSIX
// timers, queued signals, CPU-time accounting and pidfds. Each prints
// booleans and counts only, so the native and runos outputs must be
// equal; WantLines pins the lines that carry the check's point.
func timerCases() []behaviourCase {
	g := guest{"timers", gccStatic}
	c := func(check string, want ...string) behaviourCase {
		return behaviourCase{
			Name:      "timers/" + check,
			Guest:     g,
			Args:      []string{check},
			WantLines: append(want, check+": 0 failures"),
		}
	}
	return []behaviourCase{
		c("itimer-real", "at least 5 alarms: yes, more after disarm: no", "usec 1000000 EINVAL: yes"),
		c("alarm", "alarm(5) after alarm(10): 10", "alarm(0) with 0.3s left: 1", "alarm(0) with 0.7s left: 1", "SIGALRMs: 1"),
		c("itimer-virtual", "SIGVTALRMs >= 3: yes", "sleep leaves ITIMER_PROF armed: yes", "spin fires ITIMER_PROF: yes"),
		c("timer-thread", "handler ran on the target thread: yes", "si_code is SI_TIMER: yes", "si_value is 4242: yes"),
		c("sigev-none", "running down: yes", "one-shot expired reads 0: yes", "past abstime expired: yes"),
		c("overrun", "si_overrun counted: yes", "timer_getoverrun agrees: yes", "si_value is the timer id: yes"),
		c("sigqueue", "si_value 12345: yes", "forged SI_USER to parent EPERM: yes", "handler runs: 3"),
		c("rt-order", "order: -1 2 3 201", "nested order: 201 2 3"),
		c("sigtimedwait", "timeout EAGAIN: yes", "pending taken: yes", "other signal EINTR: yes"),
		c("rusage", "self user time > 0: yes", "tms_utime > 0: yes", "children user time > 0: yes"),
		c("pidfd", "ready on exit: yes", "waitid P_PIDFD ok: yes", "nonblocking waitid EAGAIN: yes"),
		c("exec", "timer gone after exec: yes", "alarm survives exec: yes", "fork child has no timers: yes"),
	}
}

func TestTimers(t *testing.T) {
	for _, c := range timerCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
