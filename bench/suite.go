package bench

// Benchmark is one guest program of the suite.
type Benchmark struct {
	// Name is the guest's name (guest/NAME.c) and the name in reports.
	Name string
	// What the benchmark measures, and why it is in the suite.
	What string
	// Native and Platform are iteration counts (argv[1]) natively and
	// under a platform. A run takes a fraction of a second on the 2-core
	// VM the suite was tuned on; --quick divides them by quickDivisor.
	Native, Platform int
}

// quickDivisor shrinks the iteration counts of a --quick run; kvmDivisor
// those of the kvm platform, whose every exit costs tens of microseconds.
const (
	quickDivisor = 8
	kvmDivisor   = 4
	minCount     = 5
)

// Suite is every benchmark, in the order reports list them: from the
// cheapest system call to the heaviest process operations, in the spirit
// of lmbench's lat_syscall, lat_pipe, lat_ctx, lat_proc and lat_sig.
var Suite = []Benchmark{
	{"getpid", "the null system call: the bare cost of trapping into the kernel and back", 200000, 5000},
	{"read_zero", "read(2) of 1 byte from /dev/zero: descriptor lookup, a file's read and a copy out", 200000, 5000},
	{"write_null", "write(2) of 1 byte to /dev/null: descriptor lookup and a copy in", 200000, 5000},
	{"stat", "stat(2) of /etc/passwd: a path walk in the filesystem and a struct copied out", 50000, 3000},
	{"fstat", "fstat(2) of an open file: stat without the path walk", 100000, 5000},
	{"open_close", "open(2)+close(2): a path walk, an open file description and a descriptor slot", 50000, 2000},
	{"pipe_rt", "a 1-byte round trip between two processes over two pipes: two wake-ups", 20000, 500},
	{"ctx_ring", "a token around a ring of 4 processes over pipes: per hop, a wake-up and a context switch", 2000, 200},
	{"fork_exit", "fork(2), _exit(2), waitpid(2): process creation with a copy-on-write address space", 500, 30},
	{"fork_exec", "fork(2), execve(2) of a small static program, waitpid(2): process creation plus ELF loading", 200, 20},
	{"mmap_touch", "mmap(2) of 64 anonymous pages, a write to each, munmap(2): per page, a demand-zero page fault", 200, 10},
	{"signal", "kill(2) to self with a handler: sending, the signal frame, the handler and rt_sigreturn(2)", 50000, 2000},
	{"thread", "pthread_create(3)+pthread_join(3): clone(2) of a thread and the exit futex wake", 2000, 100},
	{"futex", "two threads taking turns on one futex word: FUTEX_WAKE and FUTEX_WAIT, two wake-ups per round trip", 20000, 1000},
}

// count is the iteration count of b on target ("native" or a platform).
func (b Benchmark) count(target string, quick bool) int {
	n := b.Platform
	switch target {
	case Native:
		n = b.Native
	case "kvm":
		n /= kvmDivisor
	}
	if quick {
		n /= quickDivisor
	}
	return max(n, minCount)
}

// Floor is the bare mechanism under a platform, measured by a minimal C
// program: the least a platform built on it can cost per guest trap.
type Floor struct {
	// Mechanism is the platform the floor is under ("ptrace", "kvm").
	Mechanism string
	// Program is the floor program (floor/PROGRAM.c).
	Program string
	// What it measures.
	What string
	// Args are the arguments after the iteration count.
	Args []string
	// Count is the iteration count (divided by quickDivisor with --quick).
	Count int
}

// Floors are the mechanisms' floors.
var Floors = []Floor{
	{"ptrace", "ptrace_floor", "a tracer answering getpid with PTRACE_SYSEMU, waitpid, GETREGS, SETREGS; tracer and tracee pinned to one CPU", []string{"pin"}, 20000},
	{"kvm", "kvm_floor", "ring-3 guest code doing out in a loop; the host calls KVM_RUN again at each KVM_EXIT_IO", nil, 5000},
}

// Native is the name of the target that runs a guest directly on the host.
const Native = "native"
