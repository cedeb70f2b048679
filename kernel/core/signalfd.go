package core

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// SignalFD is the file of signalfd(2): reading it takes pending signals
// of its mask, as sigwaitinfo(2) would, without running their handlers.
// It lives in the core because it reads the signal queues.
//
// Linux reads the pending signals of whichever thread calls read(2); a
// File's Read does not know its caller, so a SignalFD reads those of the
// thread that created it and of that thread's process. A child given the
// descriptor by fork(2) therefore reads its parent's signals here.
type SignalFD struct {
	t *Task
	// encode writes one signal in the personality's record layout
	// (struct signalfd_siginfo on Linux) into rec, of RecordSize bytes.
	encode     func(info *SigInfo, rec []byte)
	recordSize int

	mask SignalSet // guarded by t.tg.mu
}

// NewSignalFD returns a signalfd for t's signals of mask.
func NewSignalFD(t *Task, mask SignalSet, recordSize int, encode func(*SigInfo, []byte)) *SignalFD {
	return &SignalFD{t: t, encode: encode, recordSize: recordSize, mask: mask &^ Unblockable}
}

// SetMask replaces the mask (signalfd(2) on an existing descriptor);
// SIGKILL and SIGSTOP are silently left out.
func (f *SignalFD) SetMask(mask SignalSet) {
	f.t.tg.mu.Lock()
	f.mask = mask &^ Unblockable
	f.t.tg.mu.Unlock()
	f.t.tg.signalfds.Notify(fs.EventIn)
}

// Read takes as many pending signals as whole records fit in p; EINVAL if
// not even one fits, EAGAIN if none is pending.
func (f *SignalFD) Read(p []byte) (int, error) {
	if len(p) < f.recordSize {
		return 0, kerr.EINVAL
	}
	tg := f.t.tg
	n := 0
	for n+f.recordSize <= len(p) {
		tg.mu.Lock()
		info, ok := f.t.takeFromLocked(f.mask)
		tg.mu.Unlock()
		if !ok {
			break
		}
		f.encode(&info, p[n:n+f.recordSize])
		n += f.recordSize
	}
	if n == 0 {
		return 0, kerr.EAGAIN
	}
	return n, nil
}

func (f *SignalFD) Write(p []byte) (int, error)               { return 0, kerr.EINVAL }
func (f *SignalFD) ReadAt(p []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (f *SignalFD) WriteAt(p []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (f *SignalFD) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }
func (f *SignalFD) Close() error                              { return nil }

// Stat describes an anonymous inode, as Linux's anon_inode:[signalfd].
func (f *SignalFD) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}, nil
}

// Readiness implements fs.Pollable: readable while a signal of the mask
// is pending.
func (f *SignalFD) Readiness(mask fs.Events) fs.Events {
	tg := f.t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if (f.t.pending.set|tg.pending.set)&f.mask != 0 {
		return fs.EventIn & mask
	}
	return 0
}

// WaitQueue implements fs.Pollable: the process's queue, told of every
// signal sent to it.
func (f *SignalFD) WaitQueue() *fs.WaitQueue { return &f.t.tg.signalfds }
