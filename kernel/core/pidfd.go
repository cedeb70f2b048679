package core

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// PIDFile is a process file descriptor's file (pidfd_open(2)): it names
// one process for as long as it is open, even after the process is gone,
// and polls readable once the process has exited.
type PIDFile struct {
	tg *ThreadGroup
}

// OpenPIDFile returns a PIDFile for process pid, which may be a zombie
// (ESRCH when there is no such process; EINVAL when pid names a thread
// that does not lead its group).
func (k *Kernel) OpenPIDFile(pid int) (*PIDFile, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := k.groups[pid]
	if tg == nil {
		if k.tasks[pid] != nil {
			return nil, kerr.EINVAL
		}
		return nil, kerr.ESRCH
	}
	return &PIDFile{tg: tg}, nil
}

// Group is the process the file refers to.
func (f *PIDFile) Group() *ThreadGroup { return f.tg }

// Exited reports whether the process has ended (it is a zombie, or has
// been reaped).
func (tg *ThreadGroup) Exited() bool {
	select {
	case <-tg.done:
		return true
	default:
		return false
	}
}

// notifyPIDFiles wakes the pollers of tg's pidfds once it has exited.
func (tg *ThreadGroup) notifyPIDFiles() { tg.exitQueue.Notify(fs.EventIn) }

// Read and Write fail: a pidfd carries no data.
func (f *PIDFile) Read(p []byte) (int, error)               { return 0, kerr.EINVAL }
func (f *PIDFile) Write(p []byte) (int, error)              { return 0, kerr.EINVAL }
func (f *PIDFile) ReadAt(p []byte, off int64) (int, error)  { return 0, kerr.EINVAL }
func (f *PIDFile) WriteAt(p []byte, off int64) (int, error) { return 0, kerr.EINVAL }
func (f *PIDFile) Seek(off int64, whence int) (int64, error) {
	return 0, kerr.ESPIPE
}

// Stat describes an anonymous inode, as Linux's anon_inode:[pidfd].
func (f *PIDFile) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}, nil
}

func (f *PIDFile) Close() error { return nil }

// Readiness implements fs.Pollable: readable once the process has exited
// (pidfd_open(2), "Use cases for PID file descriptors").
func (f *PIDFile) Readiness(mask fs.Events) fs.Events {
	if f.tg.Exited() {
		return fs.EventIn & mask
	}
	return 0
}

// WaitQueue implements fs.Pollable; the process's exit notifies it.
func (f *PIDFile) WaitQueue() *fs.WaitQueue { return &f.tg.exitQueue }
