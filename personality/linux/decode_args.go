package linux

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runos-project/runos/kernel/core"
)

// Argument renderers for the rows of decode.go, one per kind of argument.
// Each reads guest memory only through the task's mm, and a pointer it
// cannot read is shown as the pointer, as strace does.

func (c *call) mem(addr uintptr, n int) ([]byte, bool) {
	if addr == 0 || c.t.MM() == nil {
		return nil, false
	}
	b := make([]byte, n)
	got, err := c.t.MM().CopyIn(addr, b)
	return b[:got], err == nil
}

// cstring reads a NUL-terminated string of at most limit bytes; more says
// it went on.
func (c *call) cstring(addr uintptr, limit int) (s []byte, more, ok bool) {
	if addr == 0 || c.t.MM() == nil {
		return nil, false, false
	}
	str, err := c.t.MM().CopyInString(addr, limit+1)
	if err == nil {
		return []byte(str), false, true
	}
	b, ok := c.mem(addr, limit)
	return b, true, ok
}

func (c *call) limit() int { return c.o.StringLimit }

func fInt(c *call, v uintptr) string  { return strconv.Itoa(int(int32(v))) }
func fLong(c *call, v uintptr) string { return strconv.FormatInt(int64(v), 10) }
func fUint(c *call, v uintptr) string { return strconv.FormatUint(uint64(uint32(v)), 10) }
func fSize(c *call, v uintptr) string { return strconv.FormatUint(uint64(v), 10) }
func fHex(c *call, v uintptr) string  { return hexC(uint64(v)) }
func fPtr(c *call, v uintptr) string  { return ptrString(v) }
func fFD(c *call, v uintptr) string   { return fInt(c, v) }
func fMode(c *call, v uintptr) string { return fmt.Sprintf("%#03o", v) }

func fDirFD(c *call, v uintptr) string {
	if int32(v) == atFDCWD {
		return "AT_FDCWD"
	}
	return fInt(c, v)
}

func fXlat(names []flagName, zero string) argFmt {
	return func(c *call, v uintptr) string { return flagsString(uint64(v), names, zero) }
}

func fEnum(names map[uint64]string, prefix string) argFmt {
	return func(c *call, v uintptr) string { return enumString(uint64(v), names, prefix) }
}

func fSignal(c *call, v uintptr) string {
	if v == 0 {
		return "0"
	}
	return signalName(int(int32(v)))
}

func fPath(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	s, err := c.t.MM().CopyInString(v, pathMax)
	if err != nil {
		return hexC(uint64(v))
	}
	return quoteBytes([]byte(s), false, false)
}

func fStr(c *call, v uintptr) string {
	s, more, ok := c.cstring(v, c.limit())
	if !ok {
		return ptrString(v)
	}
	return quoteBytes(s, more, false)
}

// buffer renders n bytes at addr, cut at the string limit.
func (c *call) buffer(addr uintptr, n uint64, hex bool) string {
	show := min(n, uint64(max(c.limit(), 0)))
	b, ok := c.mem(addr, int(show))
	if !ok {
		return ptrString(addr)
	}
	return quoteBytes(b, n > show, hex)
}

func fBufArg(lenReg int) argFmt {
	return func(c *call, v uintptr) string { return c.buffer(v, uint64(c.args[lenReg]), false) }
}

func fBufRet(c *call, v uintptr) string { return c.buffer(v, uint64(c.ret), false) }
func fRandom(c *call, v uintptr) string { return c.buffer(v, uint64(c.ret), true) }

// fStrRet is a string the call wrote without a NUL, ret bytes long
// (readlink).
func fStrRet(c *call, v uintptr) string { return c.buffer(v, uint64(c.ret), false) }

// fCwd is getcwd's buffer: ret bytes including the NUL.
func fCwd(c *call, v uintptr) string {
	if c.ret == 0 {
		return ptrString(v)
	}
	b, ok := c.mem(v, int(c.ret)-1)
	if !ok {
		return ptrString(v)
	}
	return quoteBytes(b, false, false)
}

func fOpenFlags(c *call, v uintptr) string {
	acc := xOpenAccess[uint64(v)&3]
	if rest := uint64(v) &^ 3; rest != 0 {
		return acc + "|" + flagsString(rest, xOpenBits, "")
	}
	return acc
}

// fOpenMode shows the mode only when the flags create a file.
func fOpenMode(flagsReg int) argFmt {
	return func(c *call, v uintptr) string {
		if c.args[flagsReg]&(0o100|0o20000000) == 0 {
			return ""
		}
		return fMode(c, v)
	}
}

func fMapFlags(c *call, v uintptr) string {
	typ, ok := xMapType[uint64(v)&0xf]
	if !ok {
		typ = hexC(uint64(v) & 0xf)
	}
	if rest := uint64(v) &^ 0xf; rest != 0 {
		return typ + "|" + flagsString(rest, xMapBits, "")
	}
	return typ
}

func fMremapNew(c *call, v uintptr) string {
	if c.args[3]&2 == 0 {
		return ""
	}
	return ptrString(v)
}

func fFDPair(c *call, v uintptr) string {
	b, ok := c.mem(v, 8)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("[%d, %d]", int32(le.Uint32(b)), int32(le.Uint32(b[4:])))
}

func fDirents(c *call, v uintptr) string {
	b, ok := c.mem(v, int(c.ret))
	if !ok {
		return ptrString(v)
	}
	n := 0
	for off := 0; off+18 <= len(b); n++ {
		rl := int(le.Uint16(b[off+16:]))
		if rl == 0 {
			break
		}
		off += rl
	}
	return fmt.Sprintf("%s /* %d entries */", ptrString(v), n)
}

func fIovec(isRead bool) argFmt {
	return func(c *call, v uintptr) string {
		cnt := int(int32(c.args[2]))
		if cnt <= 0 || cnt > uioMaxIov {
			return ptrString(v)
		}
		raw, ok := c.mem(v, 16*cnt)
		if !ok {
			return ptrString(v)
		}
		left := uint64(c.ret) // bytes a read filled in
		var parts []string
		for i := 0; i < cnt; i++ {
			if i >= c.limit() {
				parts = append(parts, "...")
				break
			}
			base, n := uintptr(le.Uint64(raw[16*i:])), le.Uint64(raw[16*i+8:])
			shown := n
			if isRead {
				shown = min(n, left)
				left -= shown
			}
			parts = append(parts, fmt.Sprintf("{iov_base=%s, iov_len=%d}", c.buffer(base, shown, false), n))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
}

// The stat family (struct stat of <asm/stat.h>, x86-64 layout).
func fStat(c *call, v uintptr) string {
	b, ok := c.mem(v, 144)
	if !ok {
		return ptrString(v)
	}
	mode := le.Uint32(b[24:])
	size := int64(le.Uint64(b[48:]))
	rdev := le.Uint64(b[40:])
	if !c.o.Verbose {
		f := []string{"st_mode=" + modeString(mode)}
		if t := mode & 0o170000; t == 0o020000 || t == 0o060000 {
			f = append(f, "st_rdev="+devString(rdev))
		} else {
			f = append(f, fmt.Sprintf("st_size=%d", size))
		}
		return structString(f, true)
	}
	ts := func(off int) string {
		sec, nsec := int64(le.Uint64(b[off:])), int64(le.Uint64(b[off+8:]))
		return fmt.Sprintf("%d /* %s */", sec, time.Unix(sec, nsec).UTC().Format("2006-01-02T15:04:05.999999999+0000"))
	}
	f := []string{
		"st_dev=" + devString(le.Uint64(b[0:])), fmt.Sprintf("st_ino=%d", le.Uint64(b[8:])),
		"st_mode=" + modeString(mode), fmt.Sprintf("st_nlink=%d", le.Uint64(b[16:])),
		fmt.Sprintf("st_uid=%d", le.Uint32(b[28:])), fmt.Sprintf("st_gid=%d", le.Uint32(b[32:])),
		fmt.Sprintf("st_blksize=%d", le.Uint64(b[56:])), fmt.Sprintf("st_blocks=%d", le.Uint64(b[64:])),
		fmt.Sprintf("st_size=%d", size),
		"st_atime=" + ts(72), fmt.Sprintf("st_atime_nsec=%d", le.Uint64(b[80:])),
		"st_mtime=" + ts(88), fmt.Sprintf("st_mtime_nsec=%d", le.Uint64(b[96:])),
		"st_ctime=" + ts(104), fmt.Sprintf("st_ctime_nsec=%d", le.Uint64(b[112:])),
	}
	return structString(f, false)
}

func fStatx(c *call, v uintptr) string {
	b, ok := c.mem(v, statxSize)
	if !ok {
		return ptrString(v)
	}
	f := []string{
		"stx_mask=" + flagsString(uint64(le.Uint32(b[0:])), xStatxMask, "0"),
		fmt.Sprintf("stx_attributes=%s", hexC(le.Uint64(b[8:]))),
		"stx_mode=" + modeString(uint32(le.Uint16(b[28:]))),
		fmt.Sprintf("stx_size=%d", le.Uint64(b[40:])),
	}
	if c.o.Verbose {
		f = append(f, fmt.Sprintf("stx_blksize=%d", le.Uint32(b[4:])), fmt.Sprintf("stx_nlink=%d", le.Uint32(b[16:])),
			fmt.Sprintf("stx_uid=%d", le.Uint32(b[20:])), fmt.Sprintf("stx_gid=%d", le.Uint32(b[24:])),
			fmt.Sprintf("stx_ino=%d", le.Uint64(b[32:])), fmt.Sprintf("stx_blocks=%d", le.Uint64(b[48:])))
	}
	return structString(f, !c.o.Verbose)
}

func fIoctlArg(c *call, v uintptr) string {
	if c.args[1] == 0x5413 { // TIOCGWINSZ: struct winsize
		b, ok := c.mem(v, 8)
		if ok {
			return fmt.Sprintf("{ws_row=%d, ws_col=%d, ws_xpixel=%d, ws_ypixel=%d}",
				le.Uint16(b), le.Uint16(b[2:]), le.Uint16(b[4:]), le.Uint16(b[6:]))
		}
	}
	return ptrString(v)
}

func fFcntlArg(c *call, v uintptr) string {
	switch c.args[1] {
	case 1, 3, 9, 11, 1025, 1032, 1034: // the F_GET* commands take no argument
		return ""
	case 2:
		return flagsString(uint64(v), xFdFlags, "0")
	case 4:
		return fOpenFlags(c, v)
	case 5, 6, 7:
		return ptrString(v)
	}
	return fInt(c, v)
}

func rFcntl(c *call) string {
	if c.ret == 0 {
		return "0"
	}
	switch c.args[1] {
	case 1:
		return fmt.Sprintf("%s (flags %s)", hexC(uint64(c.ret)), flagsString(uint64(c.ret), xFdFlags, "0"))
	case 3:
		return fmt.Sprintf("%s (flags %s)", hexC(uint64(c.ret)), fOpenFlags(c, c.ret))
	}
	return strconv.FormatInt(int64(c.ret), 10)
}

func fPollfds(c *call, v uintptr) string {
	n := int(c.args[1])
	if n > 1024 {
		return ptrString(v)
	}
	b, ok := c.mem(v, 8*n)
	if !ok {
		return ptrString(v)
	}
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("{fd=%d, events=%s}", int32(le.Uint32(b[8*i:])),
			flagsString(uint64(le.Uint16(b[8*i+4:])), xPollEvents, "0")))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rPoll adds the descriptors that became ready: "1 ([{fd=0, revents=POLLIN}])".
func rPoll(c *call) string {
	if c.ret == 0 {
		return "0 (Timeout)"
	}
	n := int(c.args[1])
	b, ok := c.mem(c.args[0], 8*n)
	if !ok {
		return strconv.Itoa(int(c.ret))
	}
	var parts []string
	for i := 0; i < n; i++ {
		if re := le.Uint16(b[8*i+6:]); re != 0 {
			parts = append(parts, fmt.Sprintf("{fd=%d, revents=%s}", int32(le.Uint32(b[8*i:])), flagsString(uint64(re), xPollEvents, "0")))
		}
	}
	return fmt.Sprintf("%d ([%s])", c.ret, strings.Join(parts, ", "))
}

func (c *call) epollEvent(b []byte) string {
	data := le.Uint64(b[4:])
	return fmt.Sprintf("{events=%s, data={u32=%d, u64=%d}}", flagsString(uint64(le.Uint32(b)), xEpollEvents, "0"), uint32(data), data)
}

func fEpollEvent(c *call, v uintptr) string {
	b, ok := c.mem(v, 12)
	if !ok {
		return ptrString(v)
	}
	return c.epollEvent(b)
}

func fEpollEvents(c *call, v uintptr) string {
	n := int(c.ret)
	b, ok := c.mem(v, 12*n)
	if !ok {
		return ptrString(v)
	}
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		parts = append(parts, c.epollEvent(b[12*i:]))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func fTimespec(c *call, v uintptr) string {
	b, ok := c.mem(v, 16)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
}

func timevalString(b []byte) string {
	return fmt.Sprintf("{tv_sec=%d, tv_usec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
}

func fTimeval(c *call, v uintptr) string {
	b, ok := c.mem(v, 16)
	if !ok {
		return ptrString(v)
	}
	return timevalString(b)
}

func fTimePtr(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	return fmt.Sprintf("[%d]", int64(c.ret))
}

func fSigset(c *call, v uintptr) string {
	b, ok := c.mem(v, 8)
	if !ok {
		return ptrString(v)
	}
	return sigsetString(le.Uint64(b))
}

func fSigaction(c *call, v uintptr) string {
	b, ok := c.mem(v, 32)
	if !ok {
		return ptrString(v)
	}
	h := le.Uint64(b)
	handler := hexC(h)
	switch h {
	case 0:
		handler = "SIG_DFL"
	case 1:
		handler = "SIG_IGN"
	}
	flags := le.Uint64(b[8:])
	f := []string{"sa_handler=" + handler, "sa_mask=" + sigsetString(le.Uint64(b[24:])),
		"sa_flags=" + flagsString(flags, xSaFlags, "0")}
	if flags&saRestorer != 0 {
		f = append(f, "sa_restorer="+hexC(le.Uint64(b[16:])))
	}
	return structString(f, false)
}

// fSigreturnMask shows the mask rt_sigreturn restores, from the frame's
// ucontext at rsp: uc_sigmask follows uc_flags, uc_link, uc_stack and
// the 256-byte mcontext.
func fSigreturnMask(c *call, v uintptr) string {
	b, ok := c.mem(uintptr(c.t.State.Regs.Rsp)+8+8+24+256, 8)
	if !ok {
		return "{mask=?}"
	}
	return "{mask=" + sigsetString(le.Uint64(b)) + "}"
}

func fStack(c *call, v uintptr) string {
	b, ok := c.mem(v, 24)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("{ss_sp=%s, ss_flags=%s, ss_size=%d}", ptrString(uintptr(le.Uint64(b))),
		flagsString(uint64(le.Uint32(b[8:])), xSsFlags, "0"), le.Uint64(b[16:]))
}

func fCloneStack(c *call, v uintptr) string { return "child_stack=" + ptrString(v) }

func cloneFlagsString(v uint64) string {
	sig := v & 0xff
	s := flagsString(v&^0xff, xCloneFlags, "")
	if sig != 0 {
		if s != "" {
			s += "|"
		}
		s += signalName(int(sig))
	}
	if s == "" {
		s = "0"
	}
	return s
}

func fCloneFlags(c *call, v uintptr) string { return "flags=" + cloneFlagsString(uint64(v)) }

func fCloneParentTid(c *call, v uintptr) string {
	if c.args[0]&(0x100000|0x1000) == 0 {
		return ""
	}
	if b, ok := c.mem(v, 4); ok && c.err == nil {
		return fmt.Sprintf("parent_tid=[%d]", int32(le.Uint32(b)))
	}
	return "parent_tid=" + ptrString(v)
}

func fCloneChildTid(c *call, v uintptr) string {
	if c.args[0]&(0x200000|0x1000000) == 0 {
		return ""
	}
	return "child_tidptr=" + ptrString(v)
}

func fCloneTLS(c *call, v uintptr) string {
	if c.args[0]&0x80000 == 0 {
		return ""
	}
	return "tls=" + ptrString(v)
}

// fCloneArgs is clone3's struct clone_args; at exit the parent_tid the
// call stored is added: "{...} => {parent_tid=[12]}".
func fCloneArgs(c *call, v uintptr) string {
	b, ok := c.mem(v, 64)
	if !ok {
		return ptrString(v)
	}
	flags := le.Uint64(b)
	f := []string{"flags=" + flagsString(flags, xCloneFlags, "0")}
	if flags&0x1000 != 0 {
		f = append(f, "pidfd="+ptrString(uintptr(le.Uint64(b[8:]))))
	}
	if flags&(0x200000|0x1000000) != 0 {
		f = append(f, "child_tid="+ptrString(uintptr(le.Uint64(b[16:]))))
	}
	ptid := uintptr(le.Uint64(b[24:]))
	if flags&0x100000 != 0 {
		f = append(f, "parent_tid="+ptrString(ptid))
	}
	sig := "0"
	if s := le.Uint64(b[32:]); s != 0 {
		sig = signalName(int(s))
	}
	f = append(f, "exit_signal="+sig, "stack="+ptrString(uintptr(le.Uint64(b[40:]))),
		"stack_size="+hexC(le.Uint64(b[48:])))
	if flags&0x80000 != 0 {
		f = append(f, "tls="+ptrString(uintptr(le.Uint64(b[56:]))))
	}
	s := structString(f, false)
	if flags&0x100000 != 0 && c.err == nil {
		if p, ok := c.mem(ptid, 4); ok {
			s += fmt.Sprintf(" => {parent_tid=[%d]}", int32(le.Uint32(p)))
		}
	}
	return s
}

func fArgv(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	var parts []string
	for i := 0; ; i++ {
		p, err := copyInU64(c.t, v+uintptr(8*i))
		if err != nil {
			return ptrString(v)
		}
		if p == 0 {
			break
		}
		if i >= c.limit() {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fStr(c, uintptr(p)))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func fEnvp(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	n := 0
	for ; n < 1<<16; n++ {
		p, err := copyInU64(c.t, v+uintptr(8*n))
		if err != nil {
			return ptrString(v)
		}
		if p == 0 {
			break
		}
	}
	return fmt.Sprintf("%s /* %d vars */", ptrString(v), n)
}

func fWaitStatus(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	if c.ret == 0 { // WNOHANG and nothing changed: nothing written
		return ptrString(v)
	}
	b, ok := c.mem(v, 4)
	if !ok {
		return ptrString(v)
	}
	return waitStatusString(le.Uint32(b))
}

func fRusage(c *call, v uintptr) string {
	b, ok := c.mem(v, 144)
	if !ok {
		return ptrString(v)
	}
	f := []string{"ru_utime=" + timevalString(b), "ru_stime=" + timevalString(b[16:])}
	if c.o.Verbose {
		names := []string{"ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt", "ru_nswap",
			"ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw"}
		for i, n := range names {
			f = append(f, fmt.Sprintf("%s=%d", n, int64(le.Uint64(b[32+8*i:]))))
		}
	}
	return structString(f, !c.o.Verbose)
}

func fTms(c *call, v uintptr) string {
	b, ok := c.mem(v, 32)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("{tms_utime=%d, tms_stime=%d, tms_cutime=%d, tms_cstime=%d}",
		le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]))
}

// fSiginfo reads a siginfo_t the call wrote (waitid).
func fSiginfo(c *call, v uintptr) string {
	b, ok := c.mem(v, 48)
	if !ok {
		return ptrString(v)
	}
	if le.Uint32(b) == 0 {
		return "{}"
	}
	info := core.SigInfo{Signo: core.Signal(le.Uint32(b)), Code: int32(le.Uint32(b[8:])),
		PID: int32(le.Uint32(b[16:])), UID: le.Uint32(b[20:]), Status: int32(le.Uint32(b[24:]))}
	return siginfoString(&info)
}

// siginfoString renders a siginfo as strace does, with the fields the
// signal and code make meaningful.
func siginfoString(info *core.SigInfo) string {
	sig := int(info.Signo)
	code, ok := xSiCodesBySignal[sig][info.Code]
	if !ok || info.Code <= 0 {
		code, ok = xSiCodes[info.Code]
	}
	if !ok {
		code = strconv.Itoa(int(info.Code))
	}
	f := []string{"si_signo=" + signalName(sig), "si_code=" + code}
	switch {
	case info.Code <= 0:
		// Sent by a process: kill(2), tgkill(2), sigqueue(3).
		f = append(f, fmt.Sprintf("si_pid=%d", info.PID), fmt.Sprintf("si_uid=%d", info.UID))
		if info.Code == core.SIQueue {
			f = append(f, fmt.Sprintf("si_int=%d", int32(info.Value)), "si_ptr="+ptrString(uintptr(info.Value)))
		}
	case sig == int(core.SIGCHLD):
		st := strconv.Itoa(int(info.Status))
		if info.Code == 2 || info.Code == 3 || info.Code == 5 || info.Code == 6 {
			st = signalName(int(info.Status))
		}
		f = append(f, fmt.Sprintf("si_pid=%d", info.PID), fmt.Sprintf("si_uid=%d", info.UID),
			"si_status="+st, "si_utime=0", "si_stime=0")
	case sig == int(core.SIGSEGV) || sig == int(core.SIGBUS) || sig == int(core.SIGILL) ||
		sig == int(core.SIGFPE) || sig == int(core.SIGTRAP) || info.Code == core.SIKernel && sig == int(core.SIGSEGV):
		f = append(f, "si_addr="+ptrString(info.Addr))
	}
	return structString(f, false)
}

func fPtrPtr(c *call, v uintptr) string {
	b, ok := c.mem(v, 8)
	if !ok {
		return ptrString(v)
	}
	return "[" + ptrString(uintptr(le.Uint64(b))) + "]"
}

func fSizePtr(c *call, v uintptr) string {
	b, ok := c.mem(v, 8)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("[%d]", le.Uint64(b))
}

func fUintPtr(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	b, ok := c.mem(v, 4)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("[%d]", le.Uint32(b))
}

// The futex arguments depend on the operation (futex(2)).
func futexCmd(c *call) uint64 { return uint64(c.args[1]) & 0x7f }

func fFutexOp(c *call, v uintptr) string {
	name := enumString(uint64(v)&0x7f, xFutexCmds, "FUTEX_")
	if v&128 != 0 {
		name += "_PRIVATE"
	}
	if v&256 != 0 {
		name += "|FUTEX_CLOCK_REALTIME"
	}
	return name
}

func fFutexVal(c *call, v uintptr) string { return fInt(c, v) }

func fFutexTimeout(c *call, v uintptr) string {
	switch futexCmd(c) {
	case 0, 9, 11, 6, 13: // the waits take a timeout
		return fTimespec(c, v)
	case 3, 4, 5, 12: // the requeues take a second count
		return fUint(c, v)
	}
	return ""
}

func fFutexUaddr2(c *call, v uintptr) string {
	switch futexCmd(c) {
	case 3, 4, 5, 11, 12:
		return ptrString(v)
	}
	return ""
}

func fFutexVal3(c *call, v uintptr) string {
	switch futexCmd(c) {
	case 4, 12:
		return fInt(c, v)
	case 5:
		return hexC(uint64(uint32(v)))
	case 9, 10:
		if uint32(v) == 0xffffffff {
			return "FUTEX_BITSET_MATCH_ANY"
		}
		return hexC(uint64(uint32(v)))
	}
	return ""
}

// fPrctlArg shows the arguments after the option, as that option reads
// them.
func fPrctlArg(c *call, v uintptr) string {
	switch c.args[0] {
	case 15:
		return fStr(c, v)
	case 16:
		return ptrString(v)
	case 1:
		return fSignal(c, v)
	case 3, 2, 37, 39:
		return ""
	case 4, 36:
		return fSize(c, v)
	}
	return fmt.Sprintf("%s, %s, %s, %s", hexC(uint64(v)), hexC(uint64(c.args[2])), hexC(uint64(c.args[3])), hexC(uint64(c.args[4])))
}

func fUtsname(c *call, v uintptr) string {
	b, ok := c.mem(v, 6*65)
	if !ok {
		return ptrString(v)
	}
	field := func(i int) string {
		s := b[65*i : 65*i+65]
		if n := strings.IndexByte(string(s), 0); n >= 0 {
			s = s[:n]
		}
		return quoteBytes(s, false, false)
	}
	f := []string{"sysname=" + field(0), "nodename=" + field(1)}
	if c.o.Verbose {
		f = append(f, "release="+field(2), "version="+field(3), "machine="+field(4), "domainname="+field(5))
	}
	return structString(f, !c.o.Verbose)
}

func fCPUSet(c *call, v uintptr) string {
	b, ok := c.mem(v, int(c.ret))
	if !ok {
		return ptrString(v)
	}
	var cpus []string
	for i, x := range b {
		for bit := 0; bit < 8; bit++ {
			if x&(1<<bit) != 0 {
				cpus = append(cpus, strconv.Itoa(8*i+bit))
			}
		}
	}
	return "[" + strings.Join(cpus, " ") + "]"
}

func rlimitString(b []byte, inf string) string {
	return fmt.Sprintf("{rlim_cur=%s, rlim_max=%s}", rlimString(le.Uint64(b), inf), rlimString(le.Uint64(b[8:]), inf))
}

func fRlimit64(c *call, v uintptr) string {
	b, ok := c.mem(v, 16)
	if !ok {
		return ptrString(v)
	}
	return rlimitString(b, "RLIM64_INFINITY")
}

func fRlimit(c *call, v uintptr) string {
	b, ok := c.mem(v, 16)
	if !ok {
		return ptrString(v)
	}
	return rlimitString(b, "RLIM_INFINITY")
}

func fSysinfo(c *call, v uintptr) string {
	b, ok := c.mem(v, 112)
	if !ok {
		return ptrString(v)
	}
	u := func(off int) uint64 { return le.Uint64(b[off:]) }
	return fmt.Sprintf("{uptime=%d, loads=[%d, %d, %d], totalram=%d, freeram=%d, sharedram=%d, bufferram=%d, totalswap=%d, freeswap=%d, procs=%d, totalhigh=%d, freehigh=%d, mem_unit=%d}",
		int64(u(0)), u(8), u(16), u(24), u(32), u(40), u(48), u(56), u(64), u(72), le.Uint16(b[80:]), u(88), u(96), le.Uint32(b[104:]))
}

func fGroups(c *call, v uintptr) string {
	n := int(int32(c.args[0]))
	if c.ret != 0 && c.err == nil && n > 0 {
		n = min(n, int(c.ret))
	}
	if n <= 0 || n > 65536 {
		return ptrString(v)
	}
	b, ok := c.mem(v, 4*n)
	if !ok {
		return ptrString(v)
	}
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i >= c.limit() {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, strconv.Itoa(int(le.Uint32(b[4*i:]))))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func fSchedParam(c *call, v uintptr) string {
	b, ok := c.mem(v, 4)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("[%d]", int32(le.Uint32(b)))
}

func rSchedPolicy(c *call) string {
	return fmt.Sprintf("%d (%s)", c.ret, enumString(uint64(c.ret)&^0x40000000, xSchedPolicy, "SCHED_"))
}

func rSignal(c *call) string {
	return fmt.Sprintf("%d (%s)", c.ret, signalName(int(c.ret)))
}

func fCPUSetArg(c *call, v uintptr) string {
	n := min(int(c.args[1]), 1024)
	save := c.ret
	c.ret = uintptr(n)
	s := fCPUSet(c, v)
	c.ret = save
	return s
}

func fItimerval(c *call, v uintptr) string {
	b, ok := c.mem(v, 32)
	if !ok {
		return ptrString(v)
	}
	return "{it_interval=" + timevalString(b) + ", it_value=" + timevalString(b[16:]) + "}"
}

func fItimerspec(c *call, v uintptr) string {
	b, ok := c.mem(v, 32)
	if !ok {
		return ptrString(v)
	}
	ts := func(b []byte) string {
		return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
	}
	return "{it_interval=" + ts(b) + ", it_value=" + ts(b[16:]) + "}"
}

func fTimerID(c *call, v uintptr) string {
	b, ok := c.mem(v, 4)
	if !ok {
		return ptrString(v)
	}
	return fmt.Sprintf("[%d]", int32(le.Uint32(b)))
}

// fModeType is a mode with its file type: "S_IFIFO|0644".
func fModeType(c *call, v uintptr) string { return modeString(uint32(v)) }

// fDev is mknod's device, shown only for the device types it applies to.
func fDev(modeReg int) argFmt {
	return func(c *call, v uintptr) string {
		if t := c.args[modeReg] & 0o170000; t != 0o020000 && t != 0o060000 {
			return ""
		}
		return devString(uint64(v))
	}
}

// fUtimens is utimensat's pair of timespecs, with UTIME_NOW and
// UTIME_OMIT by name.
func fUtimens(c *call, v uintptr) string {
	if v == 0 {
		return "NULL"
	}
	b, ok := c.mem(v, 32)
	if !ok {
		return ptrString(v)
	}
	ts := func(b []byte) string {
		switch ns := int64(le.Uint64(b[8:])); ns {
		case 1<<30 - 1:
			return "UTIME_NOW"
		case 1<<30 - 2:
			return "UTIME_OMIT"
		default:
			return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", int64(le.Uint64(b)), ns)
		}
	}
	return "[" + ts(b) + ", " + ts(b[16:]) + "]"
}
