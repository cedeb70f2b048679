package linux

import (
	"encoding/binary"
	"sync"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Small helpers for moving Linux structs between guest memory and the
// kernel. Structs are built in byte arrays with explicit offsets, so the
// layout a reader sees in the code is the layout in <asm/...> headers.

var le = binary.LittleEndian

// pathMax is PATH_MAX: a path argument of this length or longer (counting
// its NUL) fails with ENAMETOOLONG.
const pathMax = 4096

// maxRW is MAX_RW_COUNT: Linux clamps every read and write to this size.
const maxRW = 0x7ffff000

func copyInPath(t *core.Task, addr uintptr) (string, error) {
	if addr == 0 {
		return "", kerr.EFAULT
	}
	return t.MM().CopyInString(addr, pathMax)
}

func copyOutU64(t *core.Task, addr uintptr, v uint64) error {
	var b [8]byte
	le.PutUint64(b[:], v)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func copyOutU32(t *core.Task, addr uintptr, v uint32) error {
	var b [4]byte
	le.PutUint32(b[:], v)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func copyInU64(t *core.Task, addr uintptr) (uint64, error) {
	var b [8]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return le.Uint64(b[:]), nil
}

// ioBuffers are the kernel's staging buffers for read and write.
var ioBuffers = sync.Pool{New: func() any { b := make([]byte, ioChunk); return &b }}

const ioChunk = 256 << 10
