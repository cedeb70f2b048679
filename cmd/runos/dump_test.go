package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

func TestMapsLine(t *testing.T) {
	cases := []struct {
		name string
		v    mm.VMAInfo
		want string
	}{
		{"file", mm.VMAInfo{Start: 0x400000, End: 0x401000, Perms: platform.Perms{Read: true, Exec: true}, Offset: 0x1000, Name: "/bin/prog", Resident: 1},
			"00400000-00401000 r-xp 00001000 00:00 0                                   /bin/prog  [1 resident]\n"},
		{"anonymous shared", mm.VMAInfo{Start: 0x7f0000000000, End: 0x7f0000002000, Perms: platform.Perms{Read: true, Write: true}, Shared: true},
			"7f0000000000-7f0000002000 rw-s 00000000 00:00 0  [0 resident]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mapsLine(tc.v); got != tc.want {
				t.Errorf("mapsLine:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestWriteDump(t *testing.T) {
	m := &mm.MM{}
	ft := core.NewFDTable()
	s := core.Snapshot{
		Tasks: []core.TaskSnapshot{
			{TID: 1, PID: 1, Comm: "prog", Personality: "linux", State: core.TaskBlocked, InSyscall: true, SyscallName: "read", MM: m, FDs: ft},
			{TID: 2, PID: 1, Comm: "prog", Personality: "linux", State: core.TaskRunning, MM: m, FDs: ft},
		},
		Maps:  map[*mm.MM][]mm.VMAInfo{m: {{Start: 0x1000, End: 0x2000, Name: "[stack]"}}},
		Files: map[*core.FDTable][]core.FDSnapshot{ft: {{FD: 3, Path: "/etc/passwd", Flags: fs.FlagRead, CloExec: true}}},
	}
	var b bytes.Buffer
	writeDump(&b, s)
	for _, want := range []string{
		"=== runos state dump: 2 tasks ===\n",
		`task 1 (pid 1) comm "prog" personality linux state blocked syscall read` + "\n",
		`task 2 (pid 1) comm "prog" personality linux state running syscall -` + "\n",
		"--- address space of tasks [1 2] ---\n",
		"[stack]  [0 resident]\n",
		"--- descriptors of tasks [1 2] ---\n",
		"   3 -> /etc/passwd (O_RDONLY|O_CLOEXEC)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, b.String())
		}
	}
}
