package ptrace

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Batches of injected system calls. Every injection is a round trip
// between a runos thread and a stub thread (SETREGS, CONT, wait4,
// GETREGS), some tens of microseconds, more on a busy host. A fresh
// address space gets many Maps before anyone runs in it (fork maps every
// page of the child, exec every page the loader fills), all queued (see
// addressSpace.pending); they run in one round trip instead, through the
// stub's batch loop (stub_elf.go, offBatch). The loop reads its calls from
// a table: a page of the platform's table file, which the stub has as
// stubTableFD and maps read-only at tableAddr for good (prepareStub), so
// that a batch is one round trip: fill the table, run the loop. (It used
// to be mapped for each batch and unmapped after it, three round trips,
// which made a batch pay only from four calls up. The guest can read the
// tables, as it can read the stub's code page: they hold the addresses
// and memory-file offsets of the Maps of running batches, nothing that
// the guests of one sandbox could not learn from each other's
// /proc/PID/maps.) A page fault's Maps are batched too (BeginMapBatch).

const (
	// tableAddr is where a stub maps the table file: in the reserved
	// top of the address space, above the stub's code page, where the
	// guest can map nothing.
	tableAddr = stubCodeAddr + pageSize

	tableSlots   = 8 // tables, i.e. batches running at once
	entryWords   = 8 // nr, six arguments, expected result
	tableEntries = pageSize / (8 * entryWords)
)

// tableFile holds the batch tables: a memfd of tableSlots pages, mapped
// here read-write.
type tableFile struct {
	file  *os.File
	mem   []byte
	slots chan int // free pages
}

func newTableFile() (*tableFile, error) {
	fd, err := unix.MemfdCreate("runos-ptrace-tables", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create for the batch tables: %w", err)
	}
	if err := unix.Ftruncate(fd, tableSlots*pageSize); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("size the batch tables: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, tableSlots*pageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("map the batch tables: %w", err)
	}
	tf := &tableFile{file: os.NewFile(uintptr(fd), "runos-ptrace-tables"), mem: mem, slots: make(chan int, tableSlots)}
	for i := range tableSlots {
		tf.slots <- i
	}
	return tf, nil
}

// close frees the tables once no batch uses them (the platform's stubs
// are dead by then, so running batches end soon).
func (tf *tableFile) close() {
	for range tableSlots {
		<-tf.slots
	}
	unix.Munmap(tf.mem)
	tf.file.Close()
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
	tf := t.as.p.tables
	var slot int
	select {
	case slot = <-tf.slots:
	default:
		slot = -1
	}
	if len(calls) < 2 || slot < 0 {
		// Not worth it, or all tables are busy: one by one.
		if slot >= 0 {
			tf.slots <- slot
		}
		return t.runCallsSingly(calls)
	}
	defer func() { tf.slots <- slot }()

	table := tf.mem[slot*pageSize : (slot+1)*pageSize]
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
