package mm

import "unsafe"

// uint32At returns a pointer to the aligned word at file offset off in the
// kernel's window, for atomic operations (futexes). The pointer stays
// safe to dereference even after the page is freed: the file never
// shrinks, so a freed page reads as zero instead of faulting.
func (f *MemoryFile) uint32At(off uint64) *uint32 {
	return (*uint32)(unsafe.Pointer(&f.mapping[off]))
}
