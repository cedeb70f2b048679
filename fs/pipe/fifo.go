package pipe

import "github.com/runos-project/runos/fs"

// FIFO is the buffer of a named pipe (fifo(7)): every open of the FIFO
// gets an end of the same pipe, and the counts of open ends decide end of
// file and EPIPE exactly as for pipe(2).
type FIFO struct{ p *pipe }

// NewFIFO returns a FIFO with no end open.
func NewFIFO() *FIFO {
	inoMu.Lock()
	ino := nextIno
	nextIno++
	inoMu.Unlock()
	return &FIFO{&pipe{ino: ino, capacity: Capacity, attr: newAttr()}}
}

// OpenRead opens a reading end.
func (f *FIFO) OpenRead() *ReadEnd {
	f.p.mu.Lock()
	f.p.readers++
	f.p.mu.Unlock()
	f.p.queue.Notify(fs.EventOut)
	return &ReadEnd{f.p}
}

// OpenWrite opens a writing end.
func (f *FIFO) OpenWrite() *WriteEnd {
	f.p.mu.Lock()
	f.p.writers++
	f.p.mu.Unlock()
	f.p.queue.Notify(fs.EventIn)
	return &WriteEnd{f.p}
}

// Readers is the number of open reading ends: a non-blocking open for
// writing fails with ENXIO when there are none (see open(2)).
func (f *FIFO) Readers() int {
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	return f.p.readers
}
