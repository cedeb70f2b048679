package linux

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// The x86-64 signal frame, as arch/x86/kernel/signal_64.c builds it and as
// libc's restorer and debuggers expect to find it:
//
//	rsp ->  struct rt_sigframe {
//	  0       char *pretcode;          // return address: sa_restorer
//	  8       struct ucontext uc;      // 304 bytes, below
//	  312     struct siginfo info;     // 128 bytes
//	        }
//	        ... then, 64-byte aligned, the XSAVE image of the FPU state,
//	        followed by FP_XSTATE_MAGIC2.
//
// struct ucontext: uc_flags(0) uc_link(8) uc_stack(16, 24 bytes)
// uc_mcontext(40, struct sigcontext, 256 bytes) uc_sigmask(296).
const (
	frameUC        = 8
	frameInfo      = 312
	frameSize      = 440
	ucFlags        = 0
	ucStack        = 16
	ucMcontext     = 40
	ucSigmask      = 296
	redZone        = 128
	fpXstateMagic1 = 0x46505853
	fpXstateMagic2 = 0x46505845
	// uc_flags bits: the frame has XSAVE state and saves SS.
	ucFPXstate        = 0x1
	ucSigcontextSS    = 0x2
	ucStrictRestoreSS = 0x4
)

// sigcontext offsets (struct sigcontext_64 in <asm/sigcontext.h>),
// relative to uc_mcontext.
const (
	scR8 = 8 * iota
	scR9
	scR10
	scR11
	scR12
	scR13
	scR14
	scR15
	scRdi
	scRsi
	scRbp
	scRbx
	scRdx
	scRax
	scRcx
	scRsp
	scRip
	scEflags
	scSegs // cs, gs, fs, ss: 2 bytes each
	scErr
	scTrapno
	scOldmask
	scCr2
	scFpstate
)

// gregs lists the sigcontext slots that map one-to-one to registers.
func gregs(r *arch.Registers) [16]*uint64 {
	return [16]*uint64{&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15,
		&r.Rdi, &r.Rsi, &r.Rbp, &r.Rbx, &r.Rdx, &r.Rax, &r.Rcx, &r.Rsp}
}

// DeliverSignal implements core.Personality: it writes an rt_sigframe on
// the user stack (or the alternate stack) and enters the handler with
// rdi = signal, rsi = &info, rdx = &uc.
func (l *Linux) DeliverSignal(t *core.Task, info *core.SigInfo, act *core.SigAction) error {
	if act.Flags&core.SARestorer == 0 {
		// x86-64 has no kernel-provided trampoline: without SA_RESTORER
		// the handler could never return (Linux fails the delivery).
		return kerr.EFAULT
	}
	if err := t.PullFP(); err != nil {
		return err
	}
	r := &t.State.Regs
	alt := t.AltStack()
	sp := uintptr(r.Rsp)
	onAlt := alt.Contains(sp)
	if act.Flags&core.SAOnStack != 0 && alt.Flags&core.SSDisable == 0 && alt.Size != 0 && !onAlt {
		sp = alt.SP + alt.Size
	} else {
		sp -= redZone
	}
	fp := t.State.FP.Bytes
	fpSize := uintptr(len(fp))
	sp -= fpSize + 4 // the image and MAGIC2
	sp &^= 63        // XSAVE needs 64-byte alignment
	fpAddr := sp
	sp -= frameSize
	// Align so that at handler entry (after the "call" that pushed
	// pretcode) rsp+8 is 16-byte aligned, as the ABI requires.
	sp = ((sp + 8) &^ 15) - 8
	frame := sp

	// The FPU image carries the software-reserved bytes that tell
	// sigreturn it is an XSAVE image (struct _fpx_sw_bytes at 464).
	img := make([]byte, fpSize+4)
	copy(img, fp)
	le.PutUint32(img[464:], fpXstateMagic1)
	le.PutUint32(img[468:], uint32(fpSize+4))
	le.PutUint64(img[472:], le.Uint64(fp[512:])|0x3) // xfeatures present
	le.PutUint32(img[480:], uint32(fpSize))
	le.PutUint32(img[fpSize:], fpXstateMagic2)
	if _, err := t.MM().CopyOut(fpAddr, img); err != nil {
		return err
	}

	var b [frameSize]byte
	le.PutUint64(b[0:], uint64(act.Restorer))
	uc := b[frameUC:]
	le.PutUint64(uc[ucFlags:], ucFPXstate|ucSigcontextSS|ucStrictRestoreSS)
	// uc_stack records the alternate stack in force.
	le.PutUint64(uc[ucStack:], uint64(alt.SP))
	ssFlags := uint32(0)
	if alt.Flags&core.SSDisable != 0 || alt.Size == 0 {
		ssFlags = ssDisable
	} else if onAlt {
		ssFlags = ssOnstack
	}
	le.PutUint32(uc[ucStack+8:], ssFlags)
	le.PutUint64(uc[ucStack+16:], uint64(alt.Size))
	mc := uc[ucMcontext:]
	for i, p := range gregs(r) {
		le.PutUint64(mc[8*i:], *p)
	}
	le.PutUint64(mc[scRip:], r.Rip)
	le.PutUint64(mc[scEflags:], r.Eflags)
	le.PutUint16(mc[scSegs:], uint16(r.Cs))
	le.PutUint16(mc[scSegs+2:], uint16(r.Gs))
	le.PutUint16(mc[scSegs+4:], uint16(r.Fs))
	le.PutUint16(mc[scSegs+6:], uint16(r.Ss))
	le.PutUint64(mc[scTrapno:], uint64(faultTrapno(info)))
	le.PutUint64(mc[scOldmask:], uint64(t.FrameMask()))
	if isFault(info) {
		le.PutUint64(mc[scCr2:], uint64(info.Addr))
	}
	le.PutUint64(mc[scFpstate:], uint64(fpAddr))
	le.PutUint64(uc[ucSigmask:], uint64(t.FrameMask()))
	encodeSiginfo(b[frameInfo:frameInfo+128], info)
	if _, err := t.MM().CopyOut(frame, b[:]); err != nil {
		return err
	}

	r.Rsp = uint64(frame)
	r.Rip = uint64(act.Handler)
	r.Rdi = uint64(info.Signo)
	r.Rsi = uint64(frame + frameInfo)
	r.Rdx = uint64(frame + frameUC)
	r.Rax = 0
	// The handler starts with DF and TF clear (the ABI's direction flag
	// rule; no single-stepping into the handler).
	r.Eflags &^= 0x400 | 0x100
	r.Cs, r.Ss = arch.UserCS, arch.UserSS
	// The handler runs with the default FPU state, as on Linux.
	t.State.FP.Reset()
	t.State.FPDirty = true
	if act.Flags&core.SAOnStack != 0 && !onAlt && alt.Flags&ssAutodisarm != 0 {
		t.SetAltStack(core.SignalStack{Flags: core.SSDisable})
	}
	return nil
}

// restorableFlags are the eflags bits sigreturn takes from the frame
// (Linux's FIX_EFLAGS): AC OF DF TF SF ZF AF PF CF RF.
const restorableFlags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000

// sysRtSigreturn undoes DeliverSignal: the handler's `ret` popped
// pretcode, so the ucontext starts at rsp.
func sysRtSigreturn(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	r := &t.State.Regs
	frame := uintptr(r.Rsp) - 8
	var b [frameSize]byte
	if _, err := t.MM().CopyIn(frame, b[:]); err != nil {
		return 0, sigreturnFault(t)
	}
	uc := b[frameUC:]
	mc := uc[ucMcontext:]
	var nr arch.Registers = *r
	for i, p := range gregs(&nr) {
		*p = le.Uint64(mc[8*i:])
	}
	nr.Rip = le.Uint64(mc[scRip:])
	nr.Eflags = r.Eflags&^restorableFlags | le.Uint64(mc[scEflags:])&restorableFlags
	nr.Cs, nr.Ss = arch.UserCS, arch.UserSS
	if fpAddr := uintptr(le.Uint64(mc[scFpstate:])); fpAddr != 0 {
		img := make([]byte, len(t.State.FP.Bytes))
		if _, err := t.MM().CopyIn(fpAddr, img); err != nil {
			return 0, sigreturnFault(t)
		}
		// The software bytes are not part of the hardware image.
		clear(img[464:512])
		copy(t.State.FP.Bytes, img)
	} else {
		t.State.FP.Reset()
	}
	t.State.FPDirty = true
	t.SetSigMask(core.SignalSet(le.Uint64(uc[ucSigmask:])))
	// restore_altstack: sigaltstack() with the saved stack_t; errors are
	// ignored, as in Linux.
	if ss := le.Uint32(uc[ucStack+8:]); ss&ssDisable != 0 {
		t.SetAltStack(core.SignalStack{Flags: core.SSDisable})
	} else if size := uintptr(le.Uint64(uc[ucStack+16:])); size >= minSigStkSz {
		t.SetAltStack(core.SignalStack{SP: uintptr(le.Uint64(uc[ucStack:])), Size: size})
	}
	*r = nr
	// rax is the interrupted code's rax, not a result: hand it back as is.
	return uintptr(nr.Rax), nil
}

// sigreturnFault kills the task with SIGSEGV, as Linux does when the frame
// cannot be read.
func sigreturnFault(t *core.Task) error {
	t.ForceSignal(&core.SigInfo{Signo: core.SIGSEGV, Code: core.SIKernel})
	return kerr.EFAULT
}

// si_code values of fault signals (<asm-generic/siginfo.h>).
const (
	segvMaperr = 1
	segvAccerr = 2
	busAdrerr  = 2
	illIllopn  = 2
	fpeIntdiv  = 1
	fpeFltinv  = 7
	trapBrkpt  = 1
	trapTrace  = 2
)

func isFault(info *core.SigInfo) bool {
	switch info.Signo {
	case core.SIGSEGV, core.SIGBUS, core.SIGILL, core.SIGFPE, core.SIGTRAP:
		return info.Code > 0 || info.Code == core.SIKernel
	}
	return false
}

func faultTrapno(info *core.SigInfo) int {
	if !isFault(info) {
		return 0
	}
	switch info.Signo {
	case core.SIGSEGV, core.SIGBUS:
		if info.Code == core.SIKernel {
			return platform.VectorGeneralProt
		}
		return platform.VectorPageFault
	case core.SIGILL:
		return platform.VectorInvalidOp
	case core.SIGFPE:
		return platform.VectorDivideError
	case core.SIGTRAP:
		return platform.VectorBreakpoint
	}
	return 0
}

// encodeSiginfo writes siginfo_t (128 bytes): signo, errno, code, then a
// union whose shape depends on the signal and code.
func encodeSiginfo(b []byte, info *core.SigInfo) {
	le.PutUint32(b[0:], uint32(info.Signo))
	le.PutUint32(b[4:], uint32(info.Errno))
	le.PutUint32(b[8:], uint32(info.Code))
	if isFault(info) {
		le.PutUint64(b[16:], uint64(info.Addr)) // si_addr
		return
	}
	if info.Code == core.SITimer {
		// The union's _timer member: si_tid, si_overrun, si_value.
		le.PutUint32(b[16:], uint32(info.TimerID))
		le.PutUint32(b[20:], uint32(info.Overrun))
		le.PutUint64(b[24:], info.Value)
		return
	}
	le.PutUint32(b[16:], uint32(info.PID))
	le.PutUint32(b[20:], info.UID)
	if info.Signo == core.SIGCHLD {
		le.PutUint32(b[24:], uint32(info.Status))
		return
	}
	le.PutUint64(b[24:], info.Value) // si_value
}

// FaultSignal implements core.Personality: the signal Linux raises for
// each x86 exception (arch/x86/kernel/traps.c).
func (l *Linux) FaultSignal(ev platform.Event, err error) core.SigInfo {
	switch ev.Vector {
	case platform.VectorPageFault:
		info := core.SigInfo{Signo: core.SIGSEGV, Code: segvMaperr, Addr: ev.Addr}
		if se, ok := err.(*mm.SegvError); ok {
			switch se.Code {
			case mm.FaultAccErr:
				info.Code = segvAccerr
			case mm.FaultBusErr:
				info.Signo, info.Code = core.SIGBUS, busAdrerr
			}
		}
		return info
	case platform.VectorGeneralProt:
		return core.SigInfo{Signo: core.SIGSEGV, Code: core.SIKernel}
	case platform.VectorInvalidOp:
		return core.SigInfo{Signo: core.SIGILL, Code: illIllopn, Addr: ev.Addr}
	case platform.VectorDivideError:
		return core.SigInfo{Signo: core.SIGFPE, Code: fpeIntdiv, Addr: ev.Addr}
	case platform.VectorX87, platform.VectorSIMD:
		return core.SigInfo{Signo: core.SIGFPE, Code: fpeFltinv, Addr: ev.Addr}
	case platform.VectorBreakpoint:
		return core.SigInfo{Signo: core.SIGTRAP, Code: core.SIKernel}
	case platform.VectorDebug:
		return core.SigInfo{Signo: core.SIGTRAP, Code: trapTrace}
	case platform.VectorAlignment:
		return core.SigInfo{Signo: core.SIGBUS, Code: 1, Addr: ev.Addr}
	}
	return core.SigInfo{Signo: core.SIGSEGV, Code: core.SIKernel}
}
