package kvm

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The KVM API (Documentation/virt/kvm/api.rst, <linux/kvm.h>): ioctl
// numbers and the x86-64 layouts of the structures this platform uses.
const (
	kvmGetAPIVersion       = 0xae00
	kvmCreateVM            = 0xae01
	kvmCheckExtension      = 0xae03
	kvmGetVCPUMmapSize     = 0xae04
	kvmGetSupportedCPUID   = 0xc008ae05
	kvmCreateVCPU          = 0xae41
	kvmSetUserMemoryRegion = 0x4020ae46
	kvmRun                 = 0xae80
	kvmGetRegs             = 0x8090ae81
	kvmSetRegs             = 0x4090ae82
	kvmGetSregs            = 0x8138ae83
	kvmSetSregs            = 0x4138ae84
	kvmSetMSRs             = 0x4008ae89
	kvmSetCPUID2           = 0x4008ae90
	kvmGetXSave            = 0x9000aea4
	kvmSetXSave            = 0x5000aea5
	kvmSetXCRs             = 0x4188aea7
	kvmGetVCPUEvents       = 0x8040ae9f

	capUserMemory    = 3
	capSyncRegs      = 74
	capImmediateExit = 136
	capXSave         = 55
	capNrMemslots    = 10

	syncRegs  = 1 << 0 // KVM_SYNC_X86_REGS
	syncSregs = 1 << 1 // KVM_SYNC_X86_SREGS

	exitIO        = 2
	exitHlt       = 5
	exitMMIO      = 6
	exitShutdown  = 8
	exitFailEntry = 9
	exitIntr      = 10
	exitInternal  = 17
)

// kvmRegs is struct kvm_regs.
type kvmRegs struct {
	Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp uint64
	R8, R9, R10, R11, R12, R13, R14, R15   uint64
	Rip, Rflags                            uint64
}

// kvmSegment is struct kvm_segment.
type kvmSegment struct {
	Base                                 uint64
	Limit                                uint32
	Selector                             uint16
	Type, Present, DPL, DB, S, L, G, AVL uint8
	Unusable, _                          uint8
}

// kvmDtable is struct kvm_dtable (GDTR, IDTR).
type kvmDtable struct {
	Base  uint64
	Limit uint16
	_     [3]uint16
}

// kvmSregs is struct kvm_sregs.
type kvmSregs struct {
	CS, DS, ES, FS, GS, SS, TR, LDT kvmSegment
	GDT, IDT                        kvmDtable
	CR0, CR2, CR3, CR4, CR8         uint64
	EFER, ApicBase                  uint64
	InterruptBitmap                 [4]uint64
}

// kvmRunPage is the start of struct kvm_run, the page shared with the
// kernel through the vCPU file's mmap, up to the sync_regs area.
type kvmRunPage struct {
	RequestInterruptWindow uint8
	ImmediateExit          uint8
	_                      [6]uint8
	ExitReason             uint32
	_                      [4]uint8
	CR8, ApicBase          uint64
	// The exit's union; for KVM_EXIT_IO: direction, size, port, count,
	// data_offset.
	Exit         [256]byte
	KVMValidRegs uint64
	KVMDirtyRegs uint64
	Regs         kvmRegs  // s.regs.regs
	Sregs        kvmSregs // s.regs.sregs
}

// kvmVCPUEvents is struct kvm_vcpu_events: the events (exception,
// external interrupt, NMI) that KVM has queued for the vCPU but not yet
// delivered through the IDT.
type kvmVCPUEvents struct {
	Exception struct {
		Injected, Nr, HasErrorCode, Pending uint8
		ErrorCode                           uint32
	}
	Interrupt struct {
		Injected, Nr, Soft, Shadow uint8
	}
	NMI struct {
		Injected, Pending, Masked, _ uint8
	}
	SIPIVector, Flags   uint32
	SMI                 [4]uint8
	TripleFault         uint8
	_                   [26]uint8
	ExceptionHasPayload uint8
	ExceptionPayload    uint64
}

// kvmUserspaceMemoryRegion is struct kvm_userspace_memory_region.
type kvmUserspaceMemoryRegion struct {
	Slot, Flags                         uint32
	GuestPhysAddr, MemorySize, UserAddr uint64
}

// kvmCPUIDEntry2 is struct kvm_cpuid_entry2.
type kvmCPUIDEntry2 struct {
	Function, Index, Flags, Eax, Ebx, Ecx, Edx uint32
	_                                          [3]uint32
}

const maxCPUIDEntries = 256

// kvmCPUID2 is struct kvm_cpuid2 with room for maxCPUIDEntries entries.
type kvmCPUID2 struct {
	Nent, _ uint32
	Entries [maxCPUIDEntries]kvmCPUIDEntry2
}

// kvmMSRs is struct kvm_msrs with room for a few entries.
type kvmMSRs struct {
	Nmsrs, _ uint32
	Entries  [8]struct {
		Index, _ uint32
		Data     uint64
	}
}

// kvmXCRs is struct kvm_xcrs.
type kvmXCRs struct {
	NrXCRs, Flags uint32
	XCRs          [16]struct {
		XCR, _ uint32
		Value  uint64
	}
	_ [16]uint64
}

// kvmXSave is struct kvm_xsave (the legacy 4 KiB form).
type kvmXSave struct {
	Region [4096]byte
}

func init() {
	// Guard the layouts against a typo: the sizes are in the ioctl
	// numbers and in <linux/kvm.h>.
	if unsafe.Sizeof(kvmRegs{}) != 0x90 || unsafe.Sizeof(kvmSregs{}) != 0x138 ||
		unsafe.Offsetof(kvmRunPage{}.Regs) != 304 || unsafe.Sizeof(kvmCPUIDEntry2{}) != 40 ||
		unsafe.Sizeof(kvmXCRs{}) != 0x188 || unsafe.Sizeof(kvmUserspaceMemoryRegion{}) != 32 ||
		unsafe.Sizeof(kvmVCPUEvents{}) != 64 {
		panic("kvm: structure layout does not match <linux/kvm.h>")
	}
}

func ioctl(fd int, req uintptr, arg uintptr) (uintptr, unix.Errno) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, arg)
	return r, e
}

func ioctlPtr(fd int, req uintptr, p unsafe.Pointer) unix.Errno {
	_, e := ioctl(fd, req, uintptr(p))
	return e
}

// run is KVM_RUN. It goes through the Go scheduler's blocking-syscall
// path (unix.Syscall), since it lasts as long as the guest runs.
func run(fd int) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), kvmRun, 0)
	return e
}

// mapRunPage maps the vCPU's struct kvm_run.
func mapRunPage(vcpuFD, size int) ([]byte, *kvmRunPage, error) {
	b, err := unix.Mmap(vcpuFD, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, (*kvmRunPage)(unsafe.Pointer(&b[0])), nil
}

// u64s views a page-aligned byte slice as 64-bit words (page tables,
// descriptor tables).
func u64s(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
}

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func setMemoryRegion(vmFD int, r *kvmUserspaceMemoryRegion) unix.Errno {
	return ioctlPtr(vmFD, kvmSetUserMemoryRegion, unsafe.Pointer(r))
}

func getSupportedCPUID(kvmFD int, c *kvmCPUID2) unix.Errno {
	return ioctlPtr(kvmFD, kvmGetSupportedCPUID, unsafe.Pointer(c))
}

func setCPUID(vcpuFD int, c *kvmCPUID2) unix.Errno {
	return ioctlPtr(vcpuFD, kvmSetCPUID2, unsafe.Pointer(c))
}

func getSregs(vcpuFD int, s *kvmSregs) unix.Errno {
	return ioctlPtr(vcpuFD, kvmGetSregs, unsafe.Pointer(s))
}

func setSregs(vcpuFD int, s *kvmSregs) unix.Errno {
	return ioctlPtr(vcpuFD, kvmSetSregs, unsafe.Pointer(s))
}

func setMSRs(vcpuFD int, m *kvmMSRs) unix.Errno {
	r, e := ioctl(vcpuFD, kvmSetMSRs, uintptr(unsafe.Pointer(m)))
	if e == 0 && r != uintptr(m.Nmsrs) {
		return unix.EINVAL // KVM_SET_MSRS returns how many it set
	}
	return e
}

func setXCRs(vcpuFD int, x *kvmXCRs) unix.Errno {
	return ioctlPtr(vcpuFD, kvmSetXCRs, unsafe.Pointer(x))
}

func getVCPUEvents(vcpuFD int, ev *kvmVCPUEvents) unix.Errno {
	return ioctlPtr(vcpuFD, kvmGetVCPUEvents, unsafe.Pointer(ev))
}

func getXSave(vcpuFD int, x *kvmXSave) unix.Errno {
	return ioctlPtr(vcpuFD, kvmGetXSave, unsafe.Pointer(x))
}

func setXSave(vcpuFD int, x *kvmXSave) unix.Errno {
	return ioctlPtr(vcpuFD, kvmSetXSave, unsafe.Pointer(x))
}
