package linux

import (
	"testing"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

func TestQuoteBytes(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		more, hex bool
		want      string
	}{
		{"printable", "hello, world", false, false, `"hello, world"`},
		{"escapes", "a\"b\\c\n\t\r\f\v", false, false, `"a\"b\\c\n\t\r\f\v"`},
		{"short octal", "\x00\x01\x7f", false, false, `"\0\1\177"`},
		{"octal before a digit", "\x001\x017", false, false, `"\0001\0017"`},
		{"octal before a non-octal digit", "\x008", false, false, `"\08"`},
		{"high bytes", "\xff\x80", false, false, `"\377\200"`},
		{"cut", "0123", true, false, `"0123"...`},
		{"hex", "0\xff", false, true, `"\x30\xff"`},
		{"empty", "", false, false, `""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := quoteBytes([]byte(tc.in), tc.more, tc.hex); got != tc.want {
				t.Errorf("quoteBytes(%q, %v, %v) = %s, want %s", tc.in, tc.more, tc.hex, got, tc.want)
			}
		})
	}
}

func TestCutBytes(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
		more  bool
	}{
		{"abcdef", 32, "abcdef", false},
		{"abcdef", 6, "abcdef", false},
		{"abcdef", 3, "abc", true},
		{"abcdef", 0, "", true},
	} {
		got, more := cutBytes([]byte(tc.in), tc.limit)
		if string(got) != tc.want || more != tc.more {
			t.Errorf("cutBytes(%q, %d) = %q, %v; want %q, %v", tc.in, tc.limit, got, more, tc.want, tc.more)
		}
	}
}

func TestFlagStrings(t *testing.T) {
	c := &call{}
	cases := []struct {
		name, got, want string
	}{
		{"prot", flagsString(3, xProt, "PROT_NONE"), "PROT_READ|PROT_WRITE"},
		{"prot none", flagsString(0, xProt, "PROT_NONE"), "PROT_NONE"},
		{"unknown bits", flagsString(0x1|0x100000, xProt, "0"), "PROT_READ|0x100000"},
		{"open rdonly", fOpenFlags(c, 0), "O_RDONLY"},
		{"open cloexec", fOpenFlags(c, 0o2000000), "O_RDONLY|O_CLOEXEC"},
		{"open creat", fOpenFlags(c, 0o1|0o100|0o1000), "O_WRONLY|O_CREAT|O_TRUNC"},
		{"open directory", fOpenFlags(c, 0o4000|0o2000000|0o200000), "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY"},
		{"open sync", fOpenFlags(c, 0o2|0o4010000), "O_RDWR|O_SYNC"},
		{"map", fMapFlags(c, 0x22), "MAP_PRIVATE|MAP_ANONYMOUS"},
		{"map fixed", fMapFlags(c, 0x812), "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"},
		{"clone fork", cloneFlagsString(0x1200000 | 17), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{"clone thread", cloneFlagsString(0x3d0f00), "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"},
		{"clone zero", cloneFlagsString(0), "0"},
		{"sigaction flags", flagsString(0x14000000, xSaFlags, "0"), "SA_RESTORER|SA_RESTART"},
		{"access", flagsString(6, xAccess, "F_OK"), "R_OK|W_OK"},
		{"enum", enumString(0x1002, xArchPrctl, "ARCH_"), "ARCH_SET_FS"},
		{"enum unknown", enumString(0x3002, xArchPrctl, "ARCH_"), "0x3002 /* ARCH_??? */"},
		{"mode", modeString(0o100644), "S_IFREG|0644"},
		{"mode dir setgid", modeString(0o42755), "S_IFDIR|02755"},
		{"mode none", modeString(0o20000), "S_IFCHR|000"},
		{"rlimit kib", rlimString(8<<20, "RLIM64_INFINITY"), "8192*1024"},
		{"rlimit infinity", rlimString(^uint64(0), "RLIM64_INFINITY"), "RLIM64_INFINITY"},
		{"rlimit plain", rlimString(1000, "RLIM64_INFINITY"), "1000"},
		{"hex zero", hexC(0), "0"},
		{"dev", devString(0x8801), "makedev(0x88, 0x1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestSignalStrings(t *testing.T) {
	bit := func(ss ...core.Signal) uint64 {
		var m uint64
		for _, s := range ss {
			m |= 1 << (s - 1)
		}
		return m
	}
	cases := []struct {
		name, got, want string
	}{
		{"empty set", sigsetString(0), "[]"},
		{"set", sigsetString(bit(core.SIGINT, core.SIGTERM)), "[INT TERM]"},
		{"rt set", sigsetString(bit(32, 33, 64)), "[RTMIN RT_1 RT_32]"},
		{"complement", sigsetString(^bit(32, 33)), "~[RTMIN RT_1]"},
		{"full", sigsetString(^uint64(0)), "~[]"},
		{"name", signalName(17), "SIGCHLD"},
		{"rt name", signalName(34), "SIGRT_2"},
		{"exited", waitStatusString(0), "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"},
		{"exited 3", waitStatusString(3 << 8), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"},
		{"killed", waitStatusString(15), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}]"},
		{"core", waitStatusString(11 | 0x80), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]"},
		{"stopped", waitStatusString(19<<8 | 0x7f), "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"},
		{"continued", waitStatusString(0xffff), "[{WIFCONTINUED(s)}]"},
		{"siginfo chld", siginfoString(&core.SigInfo{Signo: core.SIGCHLD, Code: 1, PID: 2, Status: 0}),
			"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=2, si_uid=0, si_status=0, si_utime=0, si_stime=0}"},
		{"siginfo killed", siginfoString(&core.SigInfo{Signo: core.SIGCHLD, Code: 2, PID: 5, Status: 15}),
			"{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=5, si_uid=0, si_status=SIGTERM, si_utime=0, si_stime=0}"},
		{"siginfo kill", siginfoString(&core.SigInfo{Signo: core.SIGTERM, Code: core.SIUser, PID: 3, UID: 1000}),
			"{si_signo=SIGTERM, si_code=SI_USER, si_pid=3, si_uid=1000}"},
		{"siginfo tkill", siginfoString(&core.SigInfo{Signo: core.SIGABRT, Code: core.SITkill, PID: 3}),
			"{si_signo=SIGABRT, si_code=SI_TKILL, si_pid=3, si_uid=0}"},
		{"siginfo segv", siginfoString(&core.SigInfo{Signo: core.SIGSEGV, Code: 1, Addr: 0}),
			"{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}"},
		{"siginfo accerr", siginfoString(&core.SigInfo{Signo: core.SIGSEGV, Code: 2, Addr: 0x1000}),
			"{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x1000}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestErrorResult(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{kerr.ENOENT, "-1 ENOENT (No such file or directory)"},
		{kerr.EBADF, "-1 EBADF (Bad file descriptor)"},
		{kerr.ENOSYS, "-1 ENOSYS (Function not implemented)"},
		{kerr.ERESTARTSYS, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
		{kerr.ERESTARTNOHAND, "? ERESTARTNOHAND (To be restarted if no handler)"},
	}
	for _, tc := range cases {
		if got := errorResult(tc.err); got != tc.want {
			t.Errorf("errorResult(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
	// Every errno the personality can return has a name and a text.
	for e, n := range errnos {
		if n == 0 {
			continue
		}
		if _, ok := errnoNames[n]; !ok {
			t.Errorf("errno %d (%v) has no name in errnoNames", n, kerr.Error(e))
		}
	}
}

// TestCallArgsCoverTable checks that decode.go describes every call the
// table implements, and names only real syscalls.
func TestCallArgsCoverTable(t *testing.T) {
	names := map[string]bool{}
	for _, n := range syscallNames {
		names[n] = true
	}
	for _, g := range callGroups {
		for name := range g {
			if _, ok := callArgs[name]; !ok {
				t.Errorf("%s is implemented but has no row in callArgs (decode.go)", name)
			}
		}
	}
	for name, s := range callArgs {
		if !names[name] {
			t.Errorf("callArgs has %s, which is not an x86-64 syscall", name)
		}
		for i, a := range s.args {
			if a.reg < 0 || a.reg > 5 || a.f == nil {
				t.Errorf("callArgs[%s] argument %d: register %d, renderer %v", name, i, a.reg, a.f != nil)
			}
		}
	}
}
