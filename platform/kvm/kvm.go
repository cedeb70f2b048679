// Package kvm is the platform that runs guest code in a KVM virtual
// machine: the guest program runs in the VM's ring 3, on page tables this
// package writes, and every system call or exception leaves the VM through
// a tiny ring-0 trampoline. It knows nothing of what a system call means.
//
// One VM per Platform. The kernel's memory file is the VM's guest physical
// memory: file offset X is guest physical address X, so an mm mapping
// (virtual page → file offset) becomes a page-table entry holding that
// offset. The page tables, the trampoline and the descriptor tables live
// in a separate, platform-private memory slot (the arena) above the
// memory file. Each Context owns one vCPU, used only from its locked host
// thread. docs/platform-kvm.md tells the whole story.
//
// Locks: Platform.mu, addressSpace.mu and Context.mu never nest, except
// that addressSpace.mu may take Platform.mu (to register memory or
// allocate page-table pages).
package kvm

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

const (
	pageSize = arch.PageSize
	pageMask = arch.PageMask

	// windowMax is the largest memory file the platform can show the
	// guest: the mm's own reservation (mm.maxReservation).
	windowMax = 1 << 40
	// arenaGPA is the guest physical address of the arena, right above
	// the largest memory file; arenaSize is its size. Neither costs host
	// memory until used (MAP_NORESERVE).
	arenaGPA  = windowMax
	arenaSize = 1 << 30

	// maxUserAddress is Linux's TASK_SIZE: the last page below the
	// canonical hole stays unused, as on Linux.
	maxUserAddress = 0x7fff_ffff_f000

	arenaSlot = 0 // memory slot numbers: the arena, then window chunks
)

// Platform is the KVM platform.
type Platform struct {
	kvm     *os.File
	vmFD    int
	runSize int
	pvm     bool // the hypervisor is kvm_pvm (software), not VT-x/AMD-V

	cpuid *kvmCPUID2
	xcr0  uint64

	// window is this platform's own mapping of the memory file, the host
	// side of the guest physical range [0, len(window)).
	window []byte
	// registered is how much of the window is registered with KVM, in
	// whole chunks of chunkSize.
	registered atomic.Uint64
	chunkSize  uint64

	// The arena: page-table pages, the trampoline, descriptor tables.
	arena []byte
	code  []byte // the trampoline's code page (for tests)
	kpt   []uint64

	mu        sync.Mutex
	arenaNext uint64     // next never-used arena page offset
	nextVCPU  int        // vCPU ids below are taken
	idle      []*Context // released Contexts, their vCPUs ready for reuse
	isClosed  bool
}

var _ platform.Platform = (*Platform)(nil)

// ErrUnavailable wraps every reason New cannot give a working VM (no
// /dev/kvm, no permission, a hypervisor that refuses the VM).
var ErrUnavailable = errors.New("KVM unavailable")

// New returns a KVM platform whose guest physical memory is the memory
// file memFD. The platform maps the file itself and never closes memFD.
func New(memFD int) (*Platform, error) {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	p := &Platform{kvm: f, vmFD: -1}
	if err := p.init(memFD); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Platform) check(cap uintptr) uintptr {
	r, e := ioctl(int(p.kvm.Fd()), kvmCheckExtension, cap)
	if e != 0 {
		return 0
	}
	return r
}

func (p *Platform) init(memFD int) error {
	kfd := int(p.kvm.Fd())
	v, e := ioctl(kfd, kvmGetAPIVersion, 0)
	if e != 0 {
		return fmt.Errorf("%w: /dev/kvm: KVM_GET_API_VERSION: %v", ErrUnavailable, e)
	}
	if v != 12 {
		return fmt.Errorf("%w: /dev/kvm: API version %d, want 12", ErrUnavailable, v)
	}
	if p.check(capSyncRegs)&(syncRegs|syncSregs) != syncRegs|syncSregs {
		return fmt.Errorf("%w: /dev/kvm: no KVM_CAP_SYNC_REGS for regs and sregs", ErrUnavailable)
	}
	if p.check(capImmediateExit) == 0 || p.check(capXSave) == 0 || p.check(capUserMemory) == 0 {
		return fmt.Errorf("%w: /dev/kvm: lacks KVM_CAP_IMMEDIATE_EXIT, XSAVE or USER_MEMORY", ErrUnavailable)
	}
	_, err := os.Stat("/sys/module/kvm_pvm")
	p.pvm = err == nil
	fd, e := ioctl(kfd, kvmCreateVM, 0)
	if e != 0 {
		return fmt.Errorf("%w: KVM_CREATE_VM: %v", ErrUnavailable, e)
	}
	p.vmFD = int(fd)
	unix.CloseOnExec(p.vmFD)
	sz, e := ioctl(kfd, kvmGetVCPUMmapSize, 0)
	if e != 0 {
		return fmt.Errorf("KVM_GET_VCPU_MMAP_SIZE: %v", e)
	}
	p.runSize = int(sz)
	if err := p.initCPUID(); err != nil {
		return err
	}
	if err := p.initMemory(memFD); err != nil {
		return err
	}
	return nil
}

// Hypervisor names the kind of KVM in use, for --debug output.
func (p *Platform) Hypervisor() string {
	if p.pvm {
		return "kvm_pvm (software virtualization: ring-0 code emulated, exits slow)"
	}
	return "hardware KVM"
}

// Name implements platform.Platform.
func (p *Platform) Name() string { return "kvm" }

// MaxUserAddress implements platform.Platform: the guest has the lower
// canonical half; the trampoline lives in the upper one.
func (p *Platform) MaxUserAddress() uintptr { return maxUserAddress }

// NewAddressSpace implements platform.Platform.
func (p *Platform) NewAddressSpace() (platform.AddressSpace, error) {
	return newAddressSpace(p)
}

// NewContext implements platform.Platform: it creates a vCPU for the
// calling thread.
func (p *Platform) NewContext() (platform.Context, error) {
	return newContext(p)
}

// Close implements platform.Platform.
func (p *Platform) Close() {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return
	}
	p.isClosed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	if p.vmFD >= 0 {
		unix.Close(p.vmFD)
	}
	if p.window != nil {
		unix.Munmap(p.window)
	}
	if p.arena != nil {
		unix.Munmap(p.arena)
	}
	p.kvm.Close()
}
