// Package ptrace is the platform that runs guest code in ordinary host
// processes under ptrace(2). It owns the stub processes, one per guest
// address space, and the stub threads in them that carry out a task's
// Switch; it knows nothing of what a system call means.
//
// A guest address space is a stub process whose only mappings are pieces of
// the kernel's memory file, made with injected mmap calls. A Context is a
// runos host thread that traces one stub thread in each address space it has
// entered; Switch loads a task's registers into that thread, lets it run
// with PTRACE_SYSEMU until it makes a system call or raises an exception,
// and reads the registers back. docs/platform-ptrace.md tells the whole
// story.
//
// Locks: Platform.mu, addressSpace.mu and Context.mu never nest, and none
// is held while waiting for a stub.
package ptrace

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

const (
	pageSize = arch.PageSize
	pageMask = arch.PageMask
)

// Options tune the platform.
type Options struct {
	// PinCPUs pins each Context's host thread, and the stub threads it
	// traces, to one CPU (contexts are spread over the CPUs). See pin.go
	// and docs/platform-ptrace.md for measurements.
	PinCPUs bool
}

// DefaultOptions are the options New uses.
func DefaultOptions() Options { return Options{PinCPUs: true} }

// Platform is the ptrace platform.
type Platform struct {
	opts     Options
	memFile  *os.File   // our own duplicate of the kernel's memory file
	stubELF  *os.File   // the stub executable, read-only
	tables   *tableFile // the batch tables (batch.go)
	mu       sync.Mutex
	cpus     *cpuSet
	spaces   map[*addressSpace]struct{}
	isClosed bool

	spare     *addressSpace  // started ahead for the next NewAddressSpace (spare.go)
	refilling bool           // a spare is being started
	refills   sync.WaitGroup // Close waits for it: it uses memFile, stubELF and tables
}

var _ platform.Platform = (*Platform)(nil)

// New returns a ptrace platform whose guest memory lives in memFD (the
// kernel's memory file), with DefaultOptions. The platform duplicates memFD
// and never closes the caller's descriptor.
func New(memFD int) (*Platform, error) { return NewWithOptions(memFD, DefaultOptions()) }

// NewWithOptions is New with explicit options.
func NewWithOptions(memFD int, opts Options) (*Platform, error) {
	dup, err := unix.FcntlInt(uintptr(memFD), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("ptrace: dup memory file %d: %w", memFD, err)
	}
	p := &Platform{
		opts:    opts,
		memFile: os.NewFile(uintptr(dup), "runos-memory-file"),
		spaces:  make(map[*addressSpace]struct{}),
	}
	if p.stubELF, err = newStubELFFile(); err != nil {
		p.memFile.Close()
		return nil, fmt.Errorf("ptrace: %w", err)
	}
	if p.tables, err = newTableFile(); err != nil {
		p.Close()
		return nil, fmt.Errorf("ptrace: %w", err)
	}
	if p.cpus, err = newCPUSet(); err != nil {
		p.Close()
		return nil, fmt.Errorf("ptrace: %w", err)
	}
	return p, nil
}

// Name implements platform.Platform.
func (p *Platform) Name() string { return "ptrace" }

// MaxUserAddress implements platform.Platform: the stub's code page and
// everything above it are not the guest's.
func (p *Platform) MaxUserAddress() uintptr { return stubCodeAddr }

// NewAddressSpace implements platform.Platform: it starts a stub process.
func (p *Platform) NewAddressSpace() (platform.AddressSpace, error) {
	p.mu.Lock()
	closed := p.isClosed
	p.mu.Unlock()
	if closed {
		return nil, errors.New("ptrace: NewAddressSpace on a closed platform")
	}
	defer p.refill()
	if as := p.takeSpare(); as != nil {
		return as, nil
	}
	as, err := newAddressSpace(p)
	if err != nil {
		return nil, fmt.Errorf("ptrace: new address space: %w", err)
	}
	p.mu.Lock()
	p.spaces[as] = struct{}{}
	p.mu.Unlock()
	return as, nil
}

func (p *Platform) forget(as *addressSpace) {
	p.mu.Lock()
	delete(p.spaces, as)
	p.mu.Unlock()
}

// NewContext implements platform.Platform. The caller's goroutine must be
// locked to its OS thread: that thread becomes the tracer of every stub
// thread the Context uses.
func (p *Platform) NewContext() (platform.Context, error) {
	c := &Context{p: p, tid: unix.Gettid(), cpu: -1}
	if p.opts.PinCPUs {
		if err := unix.SchedGetaffinity(0, &c.oldMask); err != nil {
			return nil, fmt.Errorf("ptrace: sched_getaffinity: %w", err)
		}
		c.cpu = p.takeCPU()
		if err := pinThread(0, c.cpu); err != nil {
			p.unpin(c.cpu)
			return nil, fmt.Errorf("ptrace: pin context thread: %w", err)
		}
	}
	return c, nil
}

func (p *Platform) takeCPU() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cpus.take()
}

func (p *Platform) unpin(cpu int) {
	if cpu < 0 {
		return
	}
	p.mu.Lock()
	p.cpus.give(cpu)
	p.mu.Unlock()
}

// Close implements platform.Platform: it kills every stub process left.
func (p *Platform) Close() {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return
	}
	p.isClosed = true
	spaces := make([]*addressSpace, 0, len(p.spaces))
	for as := range p.spaces {
		spaces = append(spaces, as)
	}
	p.mu.Unlock()
	for _, as := range spaces {
		as.Release()
	}
	// A spare being started sees isClosed and releases itself.
	p.refills.Wait()
	if p.stubELF != nil {
		p.stubELF.Close()
	}
	if p.tables != nil {
		p.tables.close()
	}
	p.memFile.Close()
}
