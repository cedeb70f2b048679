package kvm

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

var errReleased = errors.New("kvm: address space released")

// interruptSignal is what Interrupt sends the vCPU thread to make KVM_RUN
// return. SIGURG, because the Go runtime already expects it on any thread
// at any time (it is its preemption signal) and does nothing harmful with
// it; KVM_RUN returns EINTR for any signal that is not blocked.
const interruptSignal = unix.SIGURG

// Context owns one vCPU, run only from the host thread that created it.
//
// Everything but the interrupt state belongs to the Context's goroutine.
type Context struct {
	p   *Platform
	id  int // vCPU id, also the index of its GDT/TSS/stack pages
	fd  int
	tid int

	runMem []byte
	run    *kvmRunPage
	// stack is the host view of the vCPU's interrupt stack page; its
	// last five words are the iretq frame (rip, cs, rflags, rsp, ss),
	// the error code of an exception sits right below them.
	stack []uint64

	// atStub: the last exit was an "out" in a trampoline stub, at
	// stubRip; the vCPU resumes with the stub's iretq.
	atStub  bool
	stubRip uint64
	cr3     uint64 // the address space loaded

	sawPVMSyscall bool // a syscall arrived as a #PF at LSTAR (see exit)

	// deferred: an interrupt arrived while the vCPU was on its way to an
	// exit (see interrupted); Switch finishes the trip and reports the
	// interrupt with the next call. Not c.pending, which would make the
	// re-entry return at once (immediate_exit) and never get there.
	deferred bool

	fpOwner *arch.State // whose FPU state is live in the vCPU
	xsave   *kvmXSave

	// Interrupt state, shared with Interrupt callers.
	mu      sync.Mutex
	pending bool
	running bool

	released bool
}

const (
	frameRip = 507 + iota // indexes in Context.stack
	frameCS
	frameRflags
	frameRsp
	frameSS
	frameErr = 506
)

func newContext(p *Platform) (*Context, error) {
	// A vCPU cannot be destroyed before its VM, nor its id used again:
	// released Contexts wait in a pool for the next NewContext.
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		c.tid, c.released, c.pending, c.fpOwner = unix.Gettid(), false, false, nil
		return c, nil
	}
	id := p.nextVCPU
	if id >= maxVCPUs {
		p.mu.Unlock()
		return nil, fmt.Errorf("kvm: more than %d contexts", maxVCPUs)
	}
	p.nextVCPU++
	p.mu.Unlock()

	c := &Context{p: p, id: id, fd: -1, tid: unix.Gettid(), xsave: new(kvmXSave)}
	if err := c.init(); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// init creates and sets up the vCPU: CPUID, long mode, the GDT, TSS and
// IDT, the syscall MSRs and XCR0.
func (c *Context) init() error {
	p := c.p
	fd, e := ioctl(p.vmFD, kvmCreateVCPU, uintptr(c.id))
	if e != 0 {
		return fmt.Errorf("kvm: KVM_CREATE_VCPU %d: %v", c.id, e)
	}
	c.fd = int(fd)
	unix.CloseOnExec(c.fd)
	var err error
	if c.runMem, c.run, err = mapRunPage(c.fd, p.runSize); err != nil {
		return fmt.Errorf("kvm: mmap kvm_run: %w", err)
	}
	if e := setCPUID(c.fd, p.cpuid); e != 0 {
		return fmt.Errorf("kvm: KVM_SET_CPUID2: %v", e)
	}

	// This vCPU's pages in the kernel half: GDT and TSS, and its stack.
	gdtPage := arenaVCPU0 + 2*c.id
	g := u64s(p.arenaPage(gdtPage))
	clear(g)
	copy(g, gdt(vcpuTSSVA(c.id)))
	copy(p.arenaPage(gdtPage)[tssOffset:], tss(vcpuStackTop(c.id)))
	c.stack = u64s(p.arenaPage(gdtPage + 1))
	kptIndex := (vcpuGDTVA(c.id) - kernelBase) / pageSize
	p.kpt[kptIndex] = arenaPageGPA(gdtPage) | ptePresent | pteWrite | pteAccessed | pteDirty | pteNX
	p.kpt[kptIndex+1] = arenaPageGPA(gdtPage+1) | ptePresent | pteWrite | pteAccessed | pteDirty | pteNX

	var s kvmSregs
	if e := getSregs(c.fd, &s); e != 0 {
		return fmt.Errorf("kvm: KVM_GET_SREGS: %v", e)
	}
	code := kvmSegment{Limit: 0xffffffff, Selector: kernelCS, Type: 0xb, Present: 1, S: 1, L: 1, G: 1}
	data := kvmSegment{Limit: 0xffffffff, Selector: kernelSS, Type: 0x3, Present: 1, S: 1, DB: 1, G: 1}
	null := kvmSegment{Type: 0x3, S: 1, Present: 1, DB: 1, G: 1, Limit: 0xffffffff}
	s.CS, s.SS = code, data
	s.DS, s.ES, s.FS, s.GS = null, null, null, null
	s.TR = kvmSegment{Base: vcpuTSSVA(c.id), Limit: tssLimit, Selector: tssSel, Type: 0xb, Present: 1}
	s.LDT = kvmSegment{Type: 0x2, Present: 1, Unusable: 1}
	s.GDT = kvmDtable{Base: vcpuGDTVA(c.id), Limit: 10*8 - 1}
	s.IDT = kvmDtable{Base: idtVA, Limit: numVectors*16 - 1}
	// CR0: PE, MP, ET, NE, WP, AM, PG. CR4: PAE, OSFXSR, OSXMMEXCPT,
	// FSGSBASE, OSXSAVE. EFER: SCE, LME, LMA, NXE.
	s.CR0 = 1 | 2 | 0x10 | 0x20 | 1<<16 | 1<<18 | 1<<31
	s.CR4 = 1<<5 | 1<<9 | 1<<10 | 1<<16 | 1<<18
	s.EFER = 1 | 1<<8 | 1<<10 | 1<<11
	// A CR3 with only the kernel half, until the first Switch.
	kernelOnly, err := p.allocTable()
	if err != nil {
		return err
	}
	p.arenaAt(kernelOnly)[511] = arenaPageGPA(arenaKernelPDPT) | ptePresent | pteWrite | pteAccessed
	s.CR3 = kernelOnly
	c.cr3 = kernelOnly
	if e := setSregs(c.fd, &s); e != 0 {
		return fmt.Errorf("kvm: KVM_SET_SREGS (long mode): %v", e)
	}

	xcrs := kvmXCRs{NrXCRs: 1}
	xcrs.XCRs[0].Value = p.xcr0
	if e := setXCRs(c.fd, &xcrs); e != 0 {
		return fmt.Errorf("kvm: KVM_SET_XCRS %#x: %v", p.xcr0, e)
	}
	var m kvmMSRs
	for i, kv := range [][2]uint64{
		{msrSTAR, starValue},
		{msrLSTAR, codeVA + offSyscall},
		{msrCSTAR, codeVA + offSyscall},
		{msrSFMASK, sfmaskValue},
	} {
		m.Entries[i].Index, m.Entries[i].Data = uint32(kv[0]), kv[1]
		m.Nmsrs++
	}
	if e := setMSRs(c.fd, &m); e != 0 {
		return fmt.Errorf("kvm: KVM_SET_MSRS (syscall): %v", e)
	}

	// From now on registers travel through kvm_run: KVM fills in both
	// sets at every exit, and takes what we mark dirty at entry. The
	// first entry goes through the iretq at offIretq.
	c.run.KVMValidRegs = syncRegs | syncSregs
	c.run.Sregs = s
	c.run.KVMDirtyRegs = syncSregs
	return nil
}

// userFlags are the rflags bits a guest may set (Linux's FIX_EFLAGS in
// sigreturn); IF and bit 1 are always set.
const userFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x10000 | 0x200000

// Switch implements platform.Context.Switch.
func (c *Context) Switch(as platform.AddressSpace, st *arch.State) (platform.Event, error) {
	a, ok := as.(*addressSpace)
	if !ok {
		return platform.Event{}, fmt.Errorf("kvm: Switch: address space %T is not a kvm address space", as)
	}
	if c.released {
		return platform.Event{}, errors.New("kvm: Switch on a released Context")
	}
	if a.released.Load() {
		return platform.Event{}, errReleased
	}
	if st.Regs.Cs != arch.UserCS || st.Regs.Ss != arch.UserSS {
		return platform.Event{}, fmt.Errorf("kvm: Switch: segments cs=%#x ss=%#x, want %#x %#x",
			st.Regs.Cs, st.Regs.Ss, arch.UserCS, arch.UserSS)
	}
	c.mu.Lock()
	if c.pending {
		c.pending = false
		c.mu.Unlock()
		return platform.Event{Kind: platform.EventInterrupt}, nil
	}
	c.mu.Unlock()
	if st.Regs.Rip >= maxUserAddress+pageSize || st.Regs.Rsp >= 1<<47 && st.Regs.Rsp < 0xffff_8000_0000_0000 {
		// iretq to a non-canonical address faults in ring 0; Linux
		// reports it as a #GP of the user.
		return platform.Event{Kind: platform.EventFault, Vector: platform.VectorGeneralProt}, nil
	}
	if err := c.loadFP(st); err != nil {
		return platform.Event{}, err
	}
	c.load(a, st)
	for {
		exitErr := c.enter()
		ev, again, err := c.exit(st, exitErr)
		if !again {
			if c.deferred {
				c.deferred = false
				c.mu.Lock()
				c.pending = true
				c.mu.Unlock()
			}
			return ev, err
		}
	}
}

// load puts st into kvm_run for the next entry: the general registers
// directly, rip/rflags/rsp into the iretq frame on the interrupt stack.
func (c *Context) load(a *addressSpace, st *arch.State) {
	r, s := &c.run.Regs, &c.run.Sregs
	u := &st.Regs
	c.stack[frameRip] = u.Rip
	c.stack[frameCS] = userCS
	c.stack[frameRflags] = u.Eflags&userFlags | 0x202
	c.stack[frameRsp] = u.Rsp
	c.stack[frameSS] = userSS
	*r = kvmRegs{
		Rax: u.Rax, Rbx: u.Rbx, Rcx: u.Rcx, Rdx: u.Rdx, Rsi: u.Rsi, Rdi: u.Rdi,
		Rsp: vcpuStackTop(c.id) - 40, Rbp: u.Rbp,
		R8: u.R8, R9: u.R9, R10: u.R10, R11: u.R11, R12: u.R12, R13: u.R13, R14: u.R14, R15: u.R15,
		Rflags: 0x2,
	}
	dirty := uint64(syncRegs) | c.run.KVMDirtyRegs
	if c.atStub {
		// Resume after the stub's "out": KVM completes the
		// instruction and the stub's iretq follows.
		r.Rip = c.stubRip
	} else {
		r.Rip = codeVA + offIretq
		if s.CS.Selector != kernelCS {
			s.CS.Selector, s.CS.DPL, s.CS.Type, s.CS.L, s.CS.DB = kernelCS, 0, 0xb, 1, 0
			s.SS.Selector, s.SS.DPL, s.SS.Type = kernelSS, 0, 0x3
			dirty |= syncSregs
		}
	}
	if s.FS.Base != u.FsBase || s.GS.Base != u.GsBase || c.cr3 != a.pml4 {
		s.FS.Base, s.GS.Base, s.CR3 = u.FsBase, u.GsBase, a.pml4
		c.cr3 = a.pml4
		dirty |= syncSregs
	}
	c.run.KVMDirtyRegs = dirty
}

// enter runs the vCPU once.
func (c *Context) enter() unix.Errno {
	c.mu.Lock()
	if c.pending {
		c.run.ImmediateExit = 1
	}
	c.running = true
	c.mu.Unlock()
	e := run(c.fd)
	c.mu.Lock()
	c.running = false
	c.run.ImmediateExit = 0
	c.mu.Unlock()
	return e
}

// exit turns the vCPU's exit into an Event, or asks for another entry.
func (c *Context) exit(st *arch.State, e unix.Errno) (ev platform.Event, again bool, err error) {
	r, s := &c.run.Regs, &c.run.Sregs
	c.run.KVMDirtyRegs = 0
	if e == unix.EINTR || e == 0 && c.run.ExitReason == exitIntr {
		return c.interrupted(st)
	}
	if e != 0 {
		return ev, false, fmt.Errorf("kvm: KVM_RUN vCPU %d: %w", c.id, e)
	}
	switch c.run.ExitReason {
	case exitIO:
		if s.CS.DPL != 0 {
			return ev, false, fmt.Errorf("kvm: I/O exit from ring %d at %#x", s.CS.DPL, r.Rip)
		}
	case exitShutdown:
		return ev, false, fmt.Errorf("kvm: vCPU %d shut down (triple fault) at rip %#x cs %#x", c.id, r.Rip, s.CS.Selector)
	case exitInternal:
		return ev, false, fmt.Errorf("kvm: vCPU %d internal error, suberror %d, rip %#x", c.id, c.u32(0), r.Rip)
	case exitFailEntry:
		return ev, false, fmt.Errorf("kvm: vCPU %d entry failed, reason %#x", c.id, c.u32(0))
	default:
		return ev, false, fmt.Errorf("kvm: vCPU %d unexpected exit %d at rip %#x", c.id, c.run.ExitReason, r.Rip)
	}
	port := int(c.run.Exit[2]) | int(c.run.Exit[3])<<8
	c.atStub, c.stubRip = true, r.Rip
	c.saveGeneral(st)
	u := &st.Regs
	if port == portSyscall {
		// rsp is still the user's; the CPU saved rip and rflags in rcx
		// and r11.
		u.Rip, u.Eflags, u.Rsp = r.Rcx, r.R11, r.Rsp
		u.OrigRax = r.Rax
		return platform.Event{Kind: platform.EventSyscall}, false, nil
	}
	if port >= numVectors {
		return ev, false, fmt.Errorf("kvm: exit to unknown port %#x at rip %#x", port, r.Rip)
	}
	if port == platform.VectorPageFault && c.stack[frameRip] == codeVA+offSyscall && c.stack[frameCS]&3 == 3 {
		// PVM runs the syscall instruction of a guest that is not
		// PVM-aware by jumping to LSTAR without leaving ring 3: the
		// fetch from the supervisor-only trampoline faults. It is a
		// system call all the same, and rcx, r11 and rsp say so.
		u.Rip, u.Eflags, u.Rsp = r.Rcx, r.R11, c.stack[frameRsp]
		u.OrigRax = r.Rax
		c.sawPVMSyscall = true
		return platform.Event{Kind: platform.EventSyscall}, false, nil
	}
	if c.stack[frameCS]&3 != 3 {
		return ev, false, fmt.Errorf("kvm: exception %d in the trampoline at %#x (error code %#x, cr2 %#x)",
			port, c.stack[frameRip], c.stack[frameErr], s.CR2)
	}
	u.Rip, u.Eflags, u.Rsp = c.stack[frameRip], c.stack[frameRflags], c.stack[frameRsp]
	ev = platform.Event{Kind: platform.EventFault, Vector: port}
	if port == platform.VectorPageFault {
		// The error code (Intel SDM vol. 3A, 4.7): P, W/R, U/S,
		// RSVD, I/D.
		code := c.stack[frameErr]
		ev.Addr = uintptr(s.CR2)
		ev.Present = code&1 != 0
		ev.AccessKnown = true
		ev.Write = code&2 != 0
		ev.Fetch = code&0x10 != 0
		ev.HostCode = int(code)
	}
	return ev, false, nil
}

func (c *Context) u32(off int) uint32 {
	b := c.run.Exit[off:]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// saveGeneral copies the general registers (not rip, rflags, rsp) from
// kvm_run into st.
func (c *Context) saveGeneral(st *arch.State) {
	r, u := &c.run.Regs, &st.Regs
	u.Rax, u.Rbx, u.Rcx, u.Rdx, u.Rsi, u.Rdi, u.Rbp = r.Rax, r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp
	u.R8, u.R9, u.R10, u.R11, u.R12, u.R13, u.R14, u.R15 = r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15
	u.FsBase, u.GsBase = c.run.Sregs.FS.Base, c.run.Sregs.GS.Base
}

// interrupted handles a KVM_RUN that a signal (or immediate_exit) cut
// short. The vCPU may be anywhere: in the guest's ring 3, or in the
// trampoline on the way in or out.
func (c *Context) interrupted(st *arch.State) (platform.Event, bool, error) {
	r, s := &c.run.Regs, &c.run.Sregs
	c.mu.Lock()
	c.pending = false
	c.mu.Unlock()
	intr := platform.Event{Kind: platform.EventInterrupt}
	// KVM may stop with an event queued but not yet delivered: a #PF
	// the guest's instruction raised, say, whose frame is still to be
	// pushed. The registers then show the faulting instruction, but the
	// event stays with the vCPU and would be delivered at whatever state
	// the next entry loads: the trampoline's iretq in ring 0, reported as
	// an exception "in the trampoline". So let it be delivered now, and
	// report the interrupt with the next Switch.
	var q kvmVCPUEvents
	if e := getVCPUEvents(c.fd, &q); e != 0 {
		return intr, false, fmt.Errorf("kvm: KVM_GET_VCPU_EVENTS vCPU %d: %v", c.id, e)
	}
	if q.Exception.Injected|q.Exception.Pending|q.Interrupt.Injected|q.NMI.Injected != 0 {
		c.deferred = true
		return platform.Event{}, true, nil
	}
	if s.CS.DPL == 3 && r.Rip == codeVA+offSyscall {
		// PVM's way of running a guest's syscall (see exit) was cut
		// short after the jump to LSTAR, before the fault that reports
		// it: the system call happened, and rcx and r11 hold where it
		// returns to. Report it; the interrupt comes with the next Switch.
		c.saveGeneral(st)
		st.Regs.Rip, st.Regs.Eflags, st.Regs.Rsp = r.Rcx, r.R11, r.Rsp
		st.Regs.OrigRax = r.Rax
		c.atStub = false
		c.mu.Lock()
		c.pending = true
		c.mu.Unlock()
		return platform.Event{Kind: platform.EventSyscall}, false, nil
	}
	if s.CS.DPL == 3 {
		// In the guest program: its registers are all in kvm_run.
		c.saveGeneral(st)
		st.Regs.Rip, st.Regs.Eflags, st.Regs.Rsp = r.Rip, r.Rflags, r.Rsp
		c.atStub = false
		return intr, false, nil
	}
	switch {
	case c.atStub && r.Rip == c.stubRip:
		// Stopped before the pending "out" completed: nothing ran,
		// st is as loaded, and the next entry resumes the same way.
		return intr, false, nil
	case r.Rip == codeVA+offIretq || isStubIretq(r.Rip):
		// About to return to the guest: st (in the frame and the
		// general registers) is as loaded.
		c.atStub = false
		return intr, false, nil
	}
	// On the way in (an exception or syscall entered the trampoline,
	// the "out" has yet to run): finish the trip, and let the next
	// Switch report the interrupt.
	c.deferred = true
	return platform.Event{}, true, nil
}

func isStubIretq(rip uint64) bool {
	if rip == codeVA+offSyscall+2 {
		return true
	}
	off := rip - (codeVA + offVectors)
	return off < numVectors*vectorStub && off%vectorStub == 2
}

// Interrupt implements platform.Context.Interrupt.
func (c *Context) Interrupt() {
	c.mu.Lock()
	c.pending = true
	if c.running {
		// immediate_exit covers a signal that lands before KVM_RUN
		// has entered the guest; the signal one that is running.
		c.run.ImmediateExit = 1
		unix.Tgkill(unix.Getpid(), c.tid, interruptSignal)
	}
	c.mu.Unlock()
}

// loadFP makes st's FPU state the vCPU's, when it is not already.
func (c *Context) loadFP(st *arch.State) error {
	if !st.FPDirty && c.fpOwner == st {
		return nil
	}
	if !st.FPDirty && c.fpOwner != nil {
		if err := c.pullFP(c.fpOwner); err != nil {
			return err
		}
	}
	if len(st.FP.Bytes) != 0 {
		clear(c.xsave.Region[:])
		copy(c.xsave.Region[:], st.FP.Bytes)
		if e := setXSave(c.fd, c.xsave); e != 0 {
			return fmt.Errorf("kvm: KVM_SET_XSAVE: %v", e)
		}
	}
	st.FPDirty = false
	c.fpOwner = st
	return nil
}

func (c *Context) pullFP(st *arch.State) error {
	if e := getXSave(c.fd, c.xsave); e != 0 {
		return fmt.Errorf("kvm: KVM_GET_XSAVE: %v", e)
	}
	if len(st.FP.Bytes) != arch.XSaveSize() {
		st.FP.Bytes = make([]byte, arch.XSaveSize())
	}
	copy(st.FP.Bytes, c.xsave.Region[:])
	return nil
}

// PullFP implements platform.Context.PullFP.
func (c *Context) PullFP(st *arch.State) error {
	if st.FPDirty || c.fpOwner != st {
		return nil
	}
	return c.pullFP(st)
}

// Release implements platform.Context.Release: the vCPU goes back to the
// platform's pool.
func (c *Context) Release() {
	if c.released {
		return
	}
	c.released = true
	c.fpOwner = nil
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.p.isClosed {
		c.close()
		return
	}
	c.p.idle = append(c.p.idle, c)
}

func (c *Context) close() {
	if c.runMem != nil {
		unix.Munmap(c.runMem)
		c.runMem, c.run = nil, nil
	}
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}
