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
	// For a Program they are how many times the program is run.
	Native, Platform int
	// Bytes, if not 0, is how many bytes one unit moves: the report
	// then gives the throughput too (MB/s).
	Bytes int
	// Program, if set, makes this a whole-program benchmark: not a
	// guest of guest/, but a program of the host (found in $PATH) with
	// its arguments, whose wall time the harness measures from the
	// outside, start-up included, natively and as `runos PROGRAM ARGS`.
	// It is skipped, with a note, where the program is missing.
	Program []string
}

// unitRun is the unit of a whole-program benchmark.
const unitRun = "run"

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
	{Name: "getpid", What: "the null system call: the bare cost of trapping into the kernel and back", Native: 200000, Platform: 5000},
	{Name: "read_zero", What: "read(2) of 1 byte from /dev/zero: descriptor lookup, a file's read and a copy out", Native: 200000, Platform: 5000},
	{Name: "write_null", What: "write(2) of 1 byte to /dev/null: descriptor lookup and a copy in", Native: 200000, Platform: 5000},
	{Name: "stat", What: "stat(2) of /etc/passwd: a path walk in the filesystem and a struct copied out", Native: 50000, Platform: 3000},
	{Name: "read_file", What: "pread(2) of 4 KiB at offset 0 from a file in /tmp: a file's data read and a page copied out", Native: 100000, Platform: 3000},
	{Name: "fstat", What: "fstat(2) of an open file: stat without the path walk", Native: 100000, Platform: 5000},
	{Name: "open_close", What: "open(2)+close(2): a path walk, an open file description and a descriptor slot", Native: 50000, Platform: 2000},
	{Name: "pipe_rt", What: "a 1-byte round trip between two processes over two pipes: two wake-ups", Native: 20000, Platform: 500},
	{Name: "pipe_bw", What: "pipe throughput between two processes, 64 KiB writes: copies and wake-ups in bulk", Native: 20000, Platform: 400, Bytes: 64 << 10},
	{Name: "ctx_ring", What: "a token around a ring of 4 processes over pipes: per hop, a wake-up and a context switch", Native: 2000, Platform: 200},
	{Name: "fork_exit", What: "fork(2), _exit(2), waitpid(2): process creation with a copy-on-write address space", Native: 500, Platform: 30},
	{Name: "fork_exec", What: "fork(2), execve(2) of a small static program, waitpid(2): process creation plus ELF loading", Native: 200, Platform: 20},
	{Name: "mmap_touch", What: "mmap(2) of 64 anonymous pages, a write to each, munmap(2): per page, a demand-zero page fault", Native: 200, Platform: 10},
	{Name: "signal", What: "kill(2) to self with a handler: sending, the signal frame, the handler and rt_sigreturn(2)", Native: 50000, Platform: 2000},
	{Name: "thread", What: "pthread_create(3)+pthread_join(3): clone(2) of a thread and the exit futex wake", Native: 2000, Platform: 100},
	{Name: "futex", What: "two threads taking turns on one futex word: FUTEX_WAKE and FUTEX_WAIT, two wake-ups per round trip", Native: 20000, Platform: 1000},
	{Name: "bash", What: "`bash -c true`, the whole program: exec, dynamic loading, start-up and exit", Native: 40, Platform: 8, Program: []string{"bash", "-c", "true"}},
	{Name: "python3", What: "`python3 -c pass`, the whole program: exec, dynamic loading, hundreds of files opened and mapped, exit", Native: 16, Platform: 8, Program: []string{"python3", "-c", "pass"}},
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
