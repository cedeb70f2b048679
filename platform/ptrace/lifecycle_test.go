package ptrace

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

func TestStubELF(t *testing.T) {
	f, err := elf.NewFile(bytes.NewReader(stubELF()))
	if err != nil {
		t.Fatalf("parse stub ELF: %v", err)
	}
	if f.Type != elf.ET_EXEC || f.Machine != elf.EM_X86_64 || f.Entry != stubCodeAddr+offEntry {
		t.Errorf("header: type %v machine %v entry %#x", f.Type, f.Machine, f.Entry)
	}
	var loads int
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		loads++
		if p.Vaddr != stubCodeAddr || p.Memsz != pageSize || p.Flags != elf.PF_R|elf.PF_X || p.Off%pageSize != 0 {
			t.Errorf("PT_LOAD %+v", p.ProgHeader)
		}
	}
	if loads != 1 {
		t.Errorf("%d PT_LOAD headers, want 1", loads)
	}
}

// TestStubIsBare checks what a fresh stub holds: its code page, its batch
// tables (read-only) and the guest's mappings, nothing else of ours; one
// file descriptor, the memory file.
func TestStubIsBare(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
	// The guest's mappings are queued until a Context enters (see
	// addressSpace.pending): enter once.
	if ev, err := g.ctx.Switch(g.as, &g.St); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("Switch = %+v, %v", ev, err)
	}
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", g.as.pid))
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, line := range strings.Split(strings.TrimSpace(string(maps)), "\n") {
		starts = append(starts, strings.SplitN(line, "-", 2)[0])
	}
	want := []string{"00400000", "00600000", "00700000", fmt.Sprintf("%x", stubCodeAddr), fmt.Sprintf("%x", tableAddr)}
	got := strings.Join(starts, " ")
	// [vsyscall] lives above the user address space and cannot go.
	got = strings.TrimSuffix(got, " ffffffffff600000")
	if got != strings.Join(want, " ") {
		t.Errorf("stub mappings:\n%s\nwant starts %v", maps, want)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", g.as.pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) != 1 || fds[0].Name() != strconv.Itoa(stubMemFD) {
		t.Errorf("stub file descriptors %v, want only %d", fds, stubMemFD)
	}
}

// TestThreadsShareAddressSpace runs two Contexts, on two locked
// goroutines, in one address space at once: two stub threads of one stub.
func TestThreadsShareAddressSpace(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.Asm(platformtest.InsStoreRax, platformtest.InsSyscall))
	var wg, both sync.WaitGroup
	both.Add(2)
	tids := make([]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			errs[i] = runThread(g, i, &tids[i], &both)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("thread %d: %v", i, err)
		}
	}
	if tids[0] == tids[1] || tids[0] == g.as.pid {
		t.Errorf("stub threads %v (leader %d): want two distinct non-leader threads", tids, g.as.pid)
	}
	for i := range 2 {
		if got := g.ReadMem(t, pageSize+8*int64(i)); got != uint64(100+i) {
			t.Errorf("thread %d stored %d, want %d", i, got, 100+i)
		}
	}
}

// runThread is one guest thread of TestThreadsShareAddressSpace: it stores
// 100+i into the shared data page, and maps a page of its own. It keeps
// its Context until both threads have run (both), so that neither reuses
// the other's parked stub thread.
func runThread(g *guest, i int, tid *int, both *sync.WaitGroup) error {
	ctx, err := g.p.NewContext()
	if err != nil {
		both.Done()
		return err
	}
	defer ctx.Release()
	defer both.Wait()
	defer both.Done()
	st := platformtest.NewState()
	st.Regs.Rdi, st.Regs.Rax = dataAddr+8*uint64(i), uint64(100+i)
	ev, err := ctx.Switch(g.as, &st)
	if err != nil || ev.Kind != platform.EventSyscall {
		return fmt.Errorf("Switch = %+v, %v", ev, err)
	}
	*tid = ctx.(*Context).cur.tid
	addr := uintptr(unmappedAddr + i*pageSize)
	if err := g.as.Map(addr, pageSize, 3*pageSize, platform.Perms{Read: true}); err != nil {
		return err
	}
	return nil
}

func TestReleaseKillsStub(t *testing.T) {
	t.Run("address space only", func(t *testing.T) {
		runtime.LockOSThread()
		p := newTestPlatform(t)
		as, err := p.NewAddressSpace()
		if err != nil {
			t.Fatal(err)
		}
		pid := as.(*addressSpace).pid
		if processGone(pid) {
			t.Fatalf("stub %d not running", pid)
		}
		as.Release()
		waitGone(t, pid)
		if err := as.Map(0x400000, pageSize, 0, platform.Perms{Read: true}); err == nil {
			t.Errorf("Map on a released address space succeeded")
		}
	})
	t.Run("context released first", func(t *testing.T) {
		g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
		g.SwitchTo(t, platform.EventSyscall)
		tid := g.ctx.cur.tid
		g.ctx.Release()
		// The stub thread is parked for the next Context, untraced;
		// the stub lives on.
		if free := g.as.free; !slices.Contains(free, tid) {
			t.Errorf("stub thread %d not parked: free threads %v", tid, free)
		}
		if tracer := tracerPid(t, tid); tracer != 0 {
			t.Errorf("parked stub thread %d still traced by %d", tid, tracer)
		}
		// The next Context to enter takes it, and runs guest code on it.
		c2, err := g.p.NewContext()
		if err != nil {
			t.Fatal(err)
		}
		st := platformtest.NewState()
		if ev, err := c2.Switch(g.as, &st); err != nil || ev.Kind != platform.EventSyscall {
			t.Fatalf("Switch on a parked thread = %+v, %v", ev, err)
		}
		if got := c2.(*Context).cur.tid; got != tid {
			t.Errorf("new Context runs on stub thread %d, want the parked %d", got, tid)
		}
		c2.Release()
		if processGone(g.as.pid) {
			t.Fatalf("Context.Release killed the stub")
		}
		g.as.Release()
		waitGone(t, g.as.pid)
		waitGone(t, tid)
	})
	t.Run("address space released under a context", func(t *testing.T) {
		// exec: the task's old address space goes while its Context
		// still has a thread there; entering the new one reaps it.
		g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
		g.SwitchTo(t, platform.EventSyscall)
		old := g.as
		old.Release()
		as2, err := g.p.NewAddressSpace()
		if err != nil {
			t.Fatal(err)
		}
		defer as2.Release()
		if err := as2.Map(codeAddr, pageSize, 0, platform.Perms{Read: true, Exec: true}); err != nil {
			t.Fatal(err)
		}
		g.AS, g.as = as2, as2.(*addressSpace)
		g.St = platformtest.NewState()
		g.SwitchTo(t, platform.EventSyscall)
		waitGone(t, old.pid)
		if len(g.ctx.threads) != 1 {
			t.Errorf("context keeps %d stub threads, want 1", len(g.ctx.threads))
		}
	})
}

const helperEnv = "RUNOS_PTRACE_TEST_HELPER"

// TestHelperHoldStubs is not a test: TestKill9LeavesNoStub runs the test
// binary with helperEnv set to make it a runos that holds stubs (one with
// a stub thread running guest code) and then waits to be killed.
func TestHelperHoldStubs(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestKill9LeavesNoStub")
	}
	g := newGuest(t, DefaultOptions(), platformtest.Asm(platformtest.InsSyscall, platformtest.InsSpin))
	other, err := g.p.NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	g.SwitchTo(t, platform.EventSyscall) // now a stub thread exists too
	fmt.Printf("STUBS %d %d %d\n", g.as.pid, g.ctx.cur.tid, other.(*addressSpace).pid)
	g.ctx.Switch(g.as, &g.St) // spins until we are killed
	select {}
}

func TestKill9LeavesNoStub(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStubs$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "STUBS" {
			for _, s := range f[1:] {
				pid, _ := strconv.Atoi(s)
				pids = append(pids, pid)
			}
			break
		}
	}
	if len(pids) != 3 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper reported no stubs")
	}
	for _, pid := range pids {
		if processGone(pid) {
			t.Fatalf("stub thread %d not running before the kill", pid)
		}
	}
	cmd.Process.Signal(unix.SIGKILL)
	go func() { _, _ = bufio.NewReader(out).WriteTo(&bytes.Buffer{}) }()
	cmd.Wait()
	for _, pid := range pids {
		waitGone(t, pid)
	}
}

// tracerPid is the TracerPid of /proc/tid/status.
func tracerPid(t *testing.T, tid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "TracerPid:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no TracerPid in /proc/%d/status", tid)
	return 0
}
