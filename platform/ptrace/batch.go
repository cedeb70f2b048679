package ptrace

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Batches of injected system calls. Every injection is a round trip
// between a runos thread and a stub thread (SETREGS, CONT, wait4,
// GETREGS), some tens of microseconds, more on a busy host. A fresh
// address space gets many Maps before anyone runs in it (fork maps every
// page of the child, exec every page the loader fills), all queued (see
// addressSpace.pending); they run in one round trip instead, through the
// stub's batch loop (stub_elf.go, offBatch). The loop reads its calls from
// a table: a page of the platform's table file, a memfd that runos maps
// read-write. Every address space has its own group of tablePages pages
// of that file, which its stub maps read-only at tableAddr for good
// (prepareStub), so that a batch is one round trip: fill the table, run
// the loop. (It used to be mapped for each batch and unmapped after it,
// three round trips, which made a batch pay only from four calls up.)
//
// The guest can read its tables, as it can read the stub's code page;
// they hold the addresses and memory-file offsets of its own address
// space's batches, nothing it could not learn from its own /proc/self/maps.
// It sees no other address space's: a stub maps only its own group (and
// keeps no descriptor of the file), and a group goes back to the free list
// only once no batch uses it, cleared. (All stubs used to map the same
// eight pages, so a guest could glimpse where other processes of the
// sandbox mapped pages while their batches ran.) A page fault's Maps are
// batched too (BeginMapBatch).

const (
	// tableAddr is where a stub maps its tables: in the reserved top of
	// the address space, above the stub's code page, where the guest can
	// map nothing.
	tableAddr = stubCodeAddr + pageSize

	// tablePages is the number of tables of an address space, i.e. its
	// batches running at once; more fall back to one injection per call.
	// A fault's batch runs under the mm's lock and the pending queue
	// before anyone enters, so an address space's batches hardly ever
	// overlap (eight threads faulting on a mapped file: 708 batches,
	// never two at once); two tables leave room for the odd overlap.
	tablePages   = 2
	groupSize    = tablePages * pageSize
	entryWords   = 8 // nr, six arguments, expected result
	tableEntries = pageSize / (8 * entryWords)

	// maxTableGroups bounds the address spaces that have tables at
	// once (beyond it, one injection per call): runos reserves host
	// address space for that many groups up front (64 MiB, never
	// touched beyond the file's size), so that the file can grow
	// without moving the tables.
	maxTableGroups = 1 << 13
)

// tableFile holds the batch tables: a memfd, grown by ftruncate(2) a
// group of tablePages pages at a time as address spaces are created, and
// mapped here read-write over maxTableGroups groups.
type tableFile struct {
	file *os.File
	fd   int
	mem  []byte

	mu   sync.Mutex
	free []int // groups of released address spaces, cleared
	next int   // groups ever handed out
	size int   // groups the file holds
}

func newTableFile() (*tableFile, error) {
	fd, err := unix.MemfdCreate("runos-ptrace-tables", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create for the batch tables: %w", err)
	}
	// Mapping beyond the end of the file is allowed; only touching a
	// page there would fault (SIGBUS), and no group is used before the
	// file holds it.
	mem, err := unix.Mmap(fd, 0, maxTableGroups*groupSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_NORESERVE)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("map the batch tables: %w", err)
	}
	return &tableFile{file: os.NewFile(uintptr(fd), "runos-ptrace-tables"), fd: fd, mem: mem}, nil
}

// alloc returns a group of tables for a new address space, or -1 if there
// is none to be had (the address space then runs its calls one by one).
func (tf *tableFile) alloc() int {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	if n := len(tf.free); n > 0 {
		g := tf.free[n-1]
		tf.free = tf.free[:n-1]
		return g
	}
	if tf.next == maxTableGroups {
		return -1
	}
	if tf.next == tf.size {
		size := min(max(2*tf.size, 16), maxTableGroups)
		if err := unix.Ftruncate(tf.fd, int64(size)*groupSize); err != nil {
			return -1
		}
		tf.size = size
	}
	tf.next++
	return tf.next - 1
}

// release clears group g, whose address space is gone and no batch uses
// any more, and puts it on the free list: the next address space to get
// it must not see this one's calls.
func (tf *tableFile) release(g int) {
	b := tf.group(g)
	// MADV_REMOVE frees the pages (they read as zeros again); clear
	// them by hand where it fails.
	if unix.Madvise(b, unix.MADV_REMOVE) != nil {
		clear(b)
	}
	tf.mu.Lock()
	tf.free = append(tf.free, g)
	tf.mu.Unlock()
}

// group is group g's pages in runos.
func (tf *tableFile) group(g int) []byte {
	return tf.mem[g*groupSize : (g+1)*groupSize : (g+1)*groupSize]
}

// close frees the tables once every group is back (the platform's
// address spaces are released by then, so running batches end soon). If
// some group is still used after a while (an address space that was never
// released), the tables stay mapped rather than vanish under its batches.
func (tf *tableFile) close() {
	for range 1000 {
		tf.mu.Lock()
		used := tf.next - len(tf.free)
		tf.mu.Unlock()
		if used == 0 {
			unix.Munmap(tf.mem)
			break
		}
		time.Sleep(time.Millisecond)
	}
	tf.file.Close()
}

// tableGroup is an address space's group of tables.
type tableGroup struct {
	g int // in the table file; -1 if it has none

	// busy has bit i set while table i runs a batch, and
	// groupReleased once the address space is released: whoever
	// leaves it at exactly groupReleased gives the group back.
	busy atomic.Uint32
}

const groupReleased = 1 << 31

// take returns a free table of the group, or -1 if all are busy.
func (tg *tableGroup) take() int {
	if tg.g < 0 {
		return -1
	}
	for {
		m := tg.busy.Load()
		i := bits.TrailingZeros32(^m)
		if m&groupReleased != 0 || i >= tablePages {
			return -1
		}
		if tg.busy.CompareAndSwap(m, m|1<<i) {
			return i
		}
	}
}

// put gives back table i, taken by take.
func (tg *tableGroup) put(tf *tableFile, i int) {
	if tg.busy.Add(^uint32(1<<i-1)) == groupReleased {
		tf.release(tg.g)
	}
}

// close gives the group back to tf as soon as no batch runs in it.
func (tg *tableGroup) close(tf *tableFile) {
	if tg.g >= 0 && tg.busy.Or(groupReleased) == 0 {
		tf.release(tg.g)
	}
}

// expectedResult is what a queued call returns when it succeeds: mmap
// with MAP_FIXED returns its address, munmap 0.
func expectedResult(c queuedCall) uintptr {
	if c.nr == unix.SYS_MMAP {
		return c.args[0]
	}
	return 0
}

// runCalls makes the stub thread execute calls in order, stopping at the
// first that does not return its expected result. The caller must be t's
// tracer, and no guest code may run in the address space meanwhile.
func (t *stubThread) runCalls(calls []queuedCall) error {
	tg := &t.as.tables
	slot := -1
	if len(calls) >= 2 {
		slot = tg.take()
	}
	if slot < 0 {
		// Not worth it, or all tables are busy: one by one.
		return t.runCallsSingly(calls)
	}
	tf := t.as.p.tables
	defer tg.put(tf, slot)

	table := tf.group(tg.g)[slot*pageSize : (slot+1)*pageSize]
	for len(calls) > 0 {
		n := min(len(calls), tableEntries)
		for i, c := range calls[:n] {
			e := table[i*8*entryWords:]
			binary.LittleEndian.PutUint64(e, uint64(c.nr))
			for j, a := range c.args {
				binary.LittleEndian.PutUint64(e[8*(j+1):], uint64(a))
			}
			binary.LittleEndian.PutUint64(e[8*7:], uint64(expectedResult(c)))
		}
		t.regs = injectRegs(stubCodeAddr+offBatch, 0, [6]uintptr{})
		t.regs.Rbx = uint64(tableAddr + slot*pageSize)
		t.regs.R12 = uint64(n)
		if err := t.runInjected(stubCodeAddr+offBatchEnd, unix.SYS_MMAP); err != nil {
			return err
		}
		if left := int(t.regs.R12); left != 0 {
			c := calls[n-left]
			r := uintptr(t.regs.Rax)
			err := fmt.Errorf("returned %#x", r)
			if r > ^uintptr(4095) {
				err = unix.Errno(-r)
			}
			return fmt.Errorf("system call %d (%#x, %#x): %w", c.nr, c.args[0], c.args[1], err)
		}
		calls = calls[n:]
	}
	return nil
}

// runCallsSingly is runCalls with one injection per call.
func (t *stubThread) runCallsSingly(calls []queuedCall) error {
	for _, c := range calls {
		r, err := t.injectSyscall(c.nr, c.args)
		if err == nil && r != expectedResult(c) {
			err = fmt.Errorf("returned %#x", r)
		}
		if err != nil {
			return fmt.Errorf("system call %d (%#x, %#x): %w", c.nr, c.args[0], c.args[1], err)
		}
	}
	return nil
}
