package procfs

import (
	"strings"
	"testing"
)

func TestMountinfo(t *testing.T) {
	f := New(&fakeSource{}, System{Mounts: func() []Mount {
		return []Mount{
			{Source: "overlay", Point: "/", Type: "overlay", Options: "rw,relatime"},
			{Source: "udev", Point: "/dev", Type: "devtmpfs", Options: "rw,nosuid,relatime,mode=755"},
			{Source: "tmpfs", Point: "/dev/shm", Type: "tmpfs", Options: "rw,nosuid,nodev"},
			{Source: "/home/u/src", Point: "/devices", Type: "ext4", Options: "ro,relatime"},
		}
	}})
	want := "21 20 0:21 / / rw,relatime - overlay overlay rw\n" +
		"22 21 0:22 / /dev rw,nosuid,relatime - devtmpfs udev rw,mode=755\n" +
		"23 22 0:23 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw\n" +
		// A sibling whose name starts like /dev is not beneath it.
		"24 21 0:24 / /devices ro,relatime - ext4 /home/u/src ro\n"
	if got := f.mountinfo(nil, nil); got != want {
		t.Errorf("mountinfo:\n%s\nwant:\n%s", got, want)
	}
}

func TestSmapsClassifies(t *testing.T) {
	p := &Process{Maps: func() []Map {
		return []Map{
			{Start: 0x400000, End: 0x402000, Read: true, Exec: true, Name: "/bin/prog", Resident: 1},
			{Start: 0x7ff000, End: 0x800000, Read: true, Write: true, Name: "[stack]", Resident: 1, GrowsDown: true},
		}
	}}
	got := smaps(p, &Thread{})
	for _, want := range []string{
		"Size:                  8 kB\n", "Private_Clean:         4 kB\n",
		"Anonymous:             4 kB\n", "Private_Dirty:         4 kB\n",
		"VmFlags: rd ex mr mw me \n", "VmFlags: rd wr mr mw me gd ac \n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("smaps lacks %q:\n%s", want, got)
		}
	}
}

func TestHostnameSysctl(t *testing.T) {
	v, _ := newTestVFS(t)
	// newTestVFS's System has no setter: the file reads, writes are
	// refused.
	if got, err := readFile(t, v, "/proc/sys/kernel/hostname"); err != nil || got != "box\n" {
		t.Errorf("hostname = %q, %v", got, err)
	}
	if got, err := readFile(t, v, "/proc/sys/kernel/domainname"); err != nil || got != "(none)\n" {
		t.Errorf("domainname = %q, %v", got, err)
	}
}
