package xv6

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/stdio"
	"github.com/runos-project/runos/kernel/kerr"
)

// consoleMajor is xv6's CONSOLE device number (kernel/file.h): a device
// node made by mknod(path, 1, minor) is the console.
const consoleMajor = 1

// deviceRdev packs an xv6 major and minor into the VFS's device number,
// in the old Linux way (major << 8 | minor); devMajor unpacks it.
func deviceRdev(major, minor uint16) uint64 { return uint64(major)<<8 | uint64(minor&0xff) }
func devMajor(rdev uint64) uint16           { return uint16(rdev >> 8) }

// console is xv6's console device: its reads come from runos's own
// standard input and its writes go to runos's standard output, so
// `runos /sh < script` feeds xv6's console. Like the streams behind fds
// 0-2 it never blocks the kernel: a read with nothing to read returns
// EAGAIN and the read syscall waits on the host descriptor (wait.go).
type console struct {
	in, out *stdio.File
	rdev    uint64
}

// openConsole opens the console; a stream runos does not have (a closed
// stdin) reads as end of file, or fails writes.
func openConsole(rdev uint64) *console {
	c := &console{rdev: rdev}
	if f, err := stdio.New(0, "console"); err == nil {
		c.in = f
	}
	if f, err := stdio.New(1, "console"); err == nil {
		c.out = f
	}
	return c
}

func (c *console) Read(p []byte) (int, error) {
	if c.in == nil {
		return 0, nil
	}
	return c.in.Read(p)
}

func (c *console) Write(p []byte) (int, error) {
	if c.out == nil {
		return 0, kerr.EIO
	}
	return c.out.Write(p)
}

func (c *console) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (c *console) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (c *console) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }

func (c *console) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: fs.ModeChar | 0o666, Nlink: 1, Rdev: c.rdev}, nil
}

func (c *console) Close() error {
	if c.in != nil {
		c.in.Close()
	}
	if c.out != nil {
		c.out.Close()
	}
	return nil
}

// hostFD says which host descriptor a read (or a write) waits on.
func (c *console) HostFDFor(write bool) (int, bool) {
	f := c.in
	if write {
		f = c.out
	}
	if f == nil {
		return 0, false
	}
	return f.HostFD(), true
}
