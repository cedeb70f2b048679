package tmpfs

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/dev"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/kernel/kerr"
)

// devices maps the device numbers mknod(2) may give a character node to
// the kernel's own devices (major 1, see Linux's devices.txt).
var devices = map[uint64]string{
	1<<8 | 3: "null",
	1<<8 | 5: "zero",
	1<<8 | 7: "full",
	1<<8 | 8: "random",
	1<<8 | 9: "urandom",
}

// openDevice opens the kernel device a character node names; ENXIO for
// numbers with no device behind them, as open(2) says.
func (n *inode) openDevice() (fs.File, error) {
	name, ok := devices[n.rdev]
	if !ok {
		return nil, kerr.ENXIO
	}
	f, ok := dev.Lookup(name)
	if !ok {
		return nil, kerr.ENXIO
	}
	return &deviceFile{File: f, n: n}, nil
}

// deviceFile is a kernel device opened through a node: fstat describes
// the node.
type deviceFile struct {
	fs.File
	n *inode
}

func (f *deviceFile) Stat() (fs.Stat, error) { return f.n.Getattr() }

// openFIFO opens an end of the FIFO's pipe. A non-blocking open for
// writing with no reader fails with ENXIO (see fifo(7)). A blocking open
// does not wait here for the other end: the syscall layer may wait on
// the pipe's readiness.
func (n *inode) openFIFO(flags fs.OpenFlags) (fs.File, error) {
	switch {
	case flags.Read && flags.Write:
		// Linux allows O_RDWR on a FIFO: it never blocks, being both ends.
		return &fifoRW{r: fifoRead{n.fifo.OpenRead(), n}, w: fifoWrite{n.fifo.OpenWrite(), n}}, nil
	case flags.Write:
		if flags.Nonblock && n.fifo.Readers() == 0 {
			return nil, kerr.ENXIO
		}
		return &fifoWrite{n.fifo.OpenWrite(), n}, nil
	default:
		return &fifoRead{n.fifo.OpenRead(), n}, nil
	}
}

// fifoRead and fifoWrite are FIFO ends: pipe ends whose fstat describes
// the node. They stay fs.Pollable through the embedded end.
type fifoRead struct {
	*pipe.ReadEnd
	n *inode
}

func (f fifoRead) Stat() (fs.Stat, error) { return f.n.Getattr() }

type fifoWrite struct {
	*pipe.WriteEnd
	n *inode
}

func (f fifoWrite) Stat() (fs.Stat, error) { return f.n.Getattr() }

// fifoRW is a FIFO opened for reading and writing.
type fifoRW struct {
	r fifoRead
	w fifoWrite
}

func (f *fifoRW) Read(p []byte) (int, error)         { return f.r.Read(p) }
func (f *fifoRW) Write(p []byte) (int, error)        { return f.w.Write(p) }
func (f *fifoRW) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (f *fifoRW) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (f *fifoRW) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }
func (f *fifoRW) Stat() (fs.Stat, error)             { return f.r.n.Getattr() }
func (f *fifoRW) Readiness(m fs.Events) fs.Events    { return f.r.Readiness(m) | f.w.Readiness(m) }
func (f *fifoRW) WaitQueue() *fs.WaitQueue           { return f.r.WaitQueue() }
func (f *fifoRW) Close() error                       { f.r.Close(); return f.w.Close() }
