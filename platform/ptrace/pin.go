package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CPU pinning. A Switch is a ping-pong between a runos thread and its stub
// thread: each side sleeps while the other runs. On one CPU that hand-off is
// a plain context switch; across CPUs each hop needs a wake-up IPI and often
// an idle CPU coming out of a sleep state, which costs from a few to tens of
// microseconds. Pinning a Context's thread and all of its stub threads to the
// same CPU keeps the ping-pong local. Contexts are spread over the CPUs the
// process may use, each new one going to the least loaded CPU.

// cpuSet is the platform's pinning table.
type cpuSet struct {
	cpus  []int // CPUs the process may run on
	users []int // Contexts pinned to cpus[i]
}

func newCPUSet() (*cpuSet, error) {
	var mask unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mask); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	s := &cpuSet{}
	for cpu := 0; cpu < len(mask)*64; cpu++ {
		if mask.IsSet(cpu) {
			s.cpus = append(s.cpus, cpu)
		}
	}
	s.users = make([]int, len(s.cpus))
	return s, nil
}

// take returns the least used CPU and counts one more user of it.
func (s *cpuSet) take() int {
	best := 0
	for i := range s.cpus {
		if s.users[i] < s.users[best] {
			best = i
		}
	}
	s.users[best]++
	return s.cpus[best]
}

// give returns a CPU obtained from take.
func (s *cpuSet) give(cpu int) {
	for i, c := range s.cpus {
		if c == cpu && s.users[i] > 0 {
			s.users[i]--
			return
		}
	}
}

// pinThread restricts host thread tid (0: the caller) to one CPU.
// sched_setaffinity(2) accepts any thread id of a process we may signal.
func pinThread(tid, cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(tid, &set); err != nil {
		return fmt.Errorf("sched_setaffinity(%d, cpu %d): %w", tid, cpu, err)
	}
	return nil
}
