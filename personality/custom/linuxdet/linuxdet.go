// Package linuxdet is linux-deterministic, a research personality composed
// from Linux: the Linux ABI with every source of run-to-run difference a
// simple program sees made a function of a seed, so that two runs of the
// same program with the same --seed print the same thing.
//
// It overrides six entries of the Linux table (see linux.Derive) and
// nothing else:
//
//   - getrandom(2), and read(2)/pread64(2) of /dev/random and /dev/urandom
//     (see random(4)), return bytes from a ChaCha8 stream keyed by the seed;
//   - clock_gettime(2), gettimeofday(2) and time(2) read a virtual clock
//     that starts at a time given by the seed and advances one millisecond
//     per reading, so a program that waits for time to pass still sees it
//     pass.
//
// Each override first runs Linux's own handler, which checks the
// arguments, reports errors and copies out; it then replaces what was
// copied out. getpid(2) needs no override: runos numbers processes from 1
// in every sandbox, so pids are already reproducible. What stays
// nondeterministic: the order in which threads draw from the shared
// stream, readv(2) of the random devices, timeouts and sleeps (real time),
// and the auxiliary vector's AT_RANDOM bytes (which only seed libc's
// stack protector).
package linuxdet

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/personality/linux"
)

// Name is what --personality takes.
const Name = "linux-deterministic"

// epoch is where the virtual wall clock starts for seed 0:
// 2000-01-01T00:00:00Z. A seed moves it by up to a year.
const (
	epoch      = 946684800
	yearSecs   = 365 * 24 * 3600
	tickNanos  = 1_000_000 // each clock reading advances one millisecond
	bootOffset = 1         // CLOCK_MONOTONIC starts at one second, as after a quick boot
)

// Random-device numbers as Linux assigns them (devices.txt): major 1,
// minor 8 (random) and 9 (urandom).
const (
	rdevRandom  = 1<<8 | 8
	rdevURandom = 1<<8 | 9
)

// source is the seeded state every override draws from; one per
// personality, shared by all its tasks.
type source struct {
	seed uint64

	mu    sync.Mutex
	rng   *rand.ChaCha8
	ticks int64 // clock readings so far
}

// New returns linux-deterministic for seed.
func New(seed uint64) *linux.Linux {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "runos linux-deterministic")
	s := &source{seed: seed, rng: rand.NewChaCha8(key)}
	base := linux.New()
	h := func(name string) core.Handler { return handler(base, name) }
	return base.Derive(Name,
		"Linux with getrandom, /dev/urandom and the clocks reproducible from --seed",
		map[string]core.Handler{
			"getrandom":     s.overwrite(h("getrandom"), 0, always),
			"read":          s.overwrite(h("read"), 1, isRandomDevice),
			"pread64":       s.overwrite(h("pread64"), 1, isRandomDevice),
			"clock_gettime": s.clockGettime(h("clock_gettime")),
			"gettimeofday":  s.gettimeofday(h("gettimeofday")),
			"time":          s.time(h("time")),
		})
}

// handler finds Linux's own handler for the call name.
func handler(l *linux.Linux, name string) core.Handler {
	tb := l.Table()
	for _, nr := range tb.Numbers() {
		if e := tb.Lookup(uintptr(nr)); e.Name == name {
			return e.Handler
		}
	}
	panic("linuxdet: Linux has no " + name)
}

// fill writes n bytes of the seeded stream to guest memory at addr.
func (s *source) fill(t *core.Task, addr, n uintptr) error {
	b := make([]byte, n)
	s.mu.Lock()
	s.rng.Read(b)
	s.mu.Unlock()
	_, err := t.MM().CopyOut(addr, b)
	return err
}

func always(*core.Task, core.SyscallArgs) bool { return true }

// isRandomDevice says whether the fd in a[0] is /dev/random or
// /dev/urandom, wherever the file system put them.
func isRandomDevice(t *core.Task, a core.SyscallArgs) bool {
	d, err := t.FDs().Get(int(a[0]))
	if err != nil {
		return false
	}
	defer d.DecRef()
	st, err := d.File.Stat()
	if err != nil || st.Mode&fs.ModeTypeMask != fs.ModeChar {
		return false
	}
	return st.Rdev == rdevRandom || st.Rdev == rdevURandom
}

// overwrite runs base and, when it succeeded and which says so, replaces
// the bytes it returned at the buffer in argument buf by seeded ones.
func (s *source) overwrite(base core.Handler, buf int, which func(*core.Task, core.SyscallArgs) bool) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		n, err := base(t, a)
		if err != nil || n == 0 || !which(t, a) {
			return n, err
		}
		if err := s.fill(t, a[buf], n); err != nil {
			return 0, err
		}
		return n, nil
	}
}

// now reads the virtual clock: seconds and nanoseconds of the wall clock
// (realtime) or of the time since boot, advancing it one tick.
func (s *source) now(realtime bool) (sec, nsec int64) {
	s.mu.Lock()
	s.ticks++
	ns := s.ticks * tickNanos
	s.mu.Unlock()
	sec, nsec = ns/1e9, ns%1e9
	if realtime {
		return sec + epoch + int64(s.seed%yearSecs), nsec
	}
	return sec + bootOffset, nsec
}

// clockIsRealtime: CLOCK_REALTIME (0), CLOCK_REALTIME_COARSE (5),
// CLOCK_REALTIME_ALARM (8) and CLOCK_TAI (11) tell the date; every other
// clock counts from boot or from the process start (clock_gettime(2)).
func clockIsRealtime(id int32) bool {
	return id == 0 || id == 5 || id == 8 || id == 11
}

func (s *source) clockGettime(base core.Handler) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		if _, err := base(t, a); err != nil {
			return 0, err
		}
		sec, nsec := s.now(clockIsRealtime(int32(a[0])))
		var b [16]byte // struct timespec
		binary.LittleEndian.PutUint64(b[0:], uint64(sec))
		binary.LittleEndian.PutUint64(b[8:], uint64(nsec))
		_, err := t.MM().CopyOut(a[1], b[:])
		return 0, err
	}
}

func (s *source) gettimeofday(base core.Handler) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		if _, err := base(t, a); err != nil || a[0] == 0 {
			return 0, err
		}
		sec, nsec := s.now(true)
		var b [16]byte // struct timeval
		binary.LittleEndian.PutUint64(b[0:], uint64(sec))
		binary.LittleEndian.PutUint64(b[8:], uint64(nsec/1000))
		_, err := t.MM().CopyOut(a[0], b[:])
		return 0, err
	}
}

func (s *source) time(base core.Handler) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		if _, err := base(t, a); err != nil {
			return 0, err
		}
		sec, _ := s.now(true)
		if a[0] != 0 {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(sec))
			if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
				return 0, err
			}
		}
		return uintptr(sec), nil
	}
}
