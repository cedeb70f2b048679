package fs

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/kernel/kerr"
)

// Advisory file locks: flock(2) locks, owned by an open file description,
// and fcntl(2) record locks, owned by a process ("classic" POSIX locks,
// whose owner is the descriptor table, as on Linux) or by an open file
// description (OFD locks). Locks are kept per file, keyed by the device
// and inode its Stat reports. Nothing here blocks: a conflicting request
// returns a channel, closed at the next change, for the caller to wait on
// in a way a signal can interrupt.
//
// Releases follow the man pages: a flock or OFD lock goes with the last
// reference to its description; a classic lock goes when its owner
// closes any descriptor of the file (fcntl(2), "Advisory record
// locking"), which the descriptor table reports with ReleaseRecordLocks.

// LockType is a lock's kind: shared (read) or exclusive (write).
type LockType int

const (
	LockUnlock LockType = iota
	LockShared
	LockExclusive
)

// FileKey names a file for locking.
type FileKey struct{ Dev, Ino uint64 }

// RecordLock is a byte-range lock [Start, End], End inclusive
// (math.MaxInt64: to the end of the file, however long it grows).
type RecordLock struct {
	Type       LockType
	Start, End int64
	// PID is the owner's process, or -1 for an OFD lock (F_OFD_GETLK).
	PID   int
	owner any
}

type fileLocks struct {
	flocks  map[*FileDescription]LockType
	records []RecordLock
}

type lockTable struct {
	mu    sync.Mutex
	files map[FileKey]*fileLocks
	// byDesc remembers the file of each description that ever locked, so
	// its last close can find its locks without a Stat.
	byDesc map[*FileDescription]FileKey
	// changed is closed (and replaced) whenever a lock goes away.
	changed chan struct{}
	// waitsFor is the wait-for graph of classic lock owners, for EDEADLK.
	waitsFor map[any]any
}

var locks = lockTable{
	files:    map[FileKey]*fileLocks{},
	byDesc:   map[*FileDescription]FileKey{},
	changed:  make(chan struct{}),
	waitsFor: map[any]any{},
}

// recordOwners counts the classic locks held anywhere, so that close(2)
// only looks at the table when some exist.
var recordOwners atomic.Int64

func (lt *lockTable) fileLocked(k FileKey) *fileLocks {
	fl := lt.files[k]
	if fl == nil {
		fl = &fileLocks{flocks: map[*FileDescription]LockType{}}
		lt.files[k] = fl
	}
	return fl
}

func (lt *lockTable) wakeLocked() {
	close(lt.changed)
	lt.changed = make(chan struct{})
}

func (lt *lockTable) gcLocked(k FileKey) {
	if fl := lt.files[k]; fl != nil && len(fl.flocks) == 0 && len(fl.records) == 0 {
		delete(lt.files, k)
	}
}

func lockKey(d *FileDescription) (FileKey, error) {
	st, err := d.File.Stat()
	if err != nil {
		return FileKey{}, err
	}
	return FileKey{st.Dev, st.Ino}, nil
}

// Flock applies flock(2) operation typ (LockUnlock to release) for d. On a
// conflict it returns EWOULDBLOCK and a channel to wait on before trying
// again. Converting a lock is not atomic, as flock(2) warns.
func (d *FileDescription) Flock(typ LockType) (<-chan struct{}, error) {
	k, err := lockKey(d)
	if err != nil {
		return nil, err
	}
	lt := &locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	fl := lt.fileLocked(k)
	if old, ok := fl.flocks[d]; ok && old != typ {
		delete(fl.flocks, d)
		lt.wakeLocked()
	}
	if typ == LockUnlock {
		lt.gcLocked(k)
		return nil, nil
	}
	for o, t := range fl.flocks {
		if o != d && (t == LockExclusive || typ == LockExclusive) {
			return lt.changed, kerr.EAGAIN
		}
	}
	fl.flocks[d] = typ
	lt.byDesc[d] = k
	d.locked.Store(true)
	return nil, nil
}

func overlaps(a, b RecordLock) bool { return a.Start <= b.End && b.Start <= a.End }

func conflicts(a, b RecordLock) bool {
	return a.owner != b.owner && overlaps(a, b) && (a.Type == LockExclusive || b.Type == LockExclusive)
}

// OwnerProcess and OwnerDescription make record lock owners: a process's
// descriptor table (classic locks, reported with pid) or a description
// (OFD locks).
func OwnerProcess(table any) any              { return table }
func OwnerDescription(d *FileDescription) any { return d }

// TestRecordLock is F_GETLK: the first lock of another owner that would
// conflict with want, or ok false if none would.
func (d *FileDescription) TestRecordLock(owner any, want RecordLock) (RecordLock, bool, error) {
	k, err := lockKey(d)
	if err != nil {
		return RecordLock{}, false, err
	}
	want.owner = owner
	lt := &locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if fl := lt.files[k]; fl != nil {
		for _, l := range fl.records {
			if conflicts(l, want) {
				return l, true, nil
			}
		}
	}
	return RecordLock{}, false, nil
}

// SetRecordLock is F_SETLK (and one try of F_SETLKW): it sets, changes or
// (with LockUnlock) removes owner's lock over want's range. On a conflict
// it returns EAGAIN and a channel to wait on; with wait set it instead
// returns EDEADLK if waiting would close a cycle of classic owners, and
// records the wait until StopWaiting.
func (d *FileDescription) SetRecordLock(owner any, pid int, want RecordLock, wait bool) (<-chan struct{}, error) {
	k, err := lockKey(d)
	if err != nil {
		return nil, err
	}
	want.owner, want.PID = owner, pid
	lt := &locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	fl := lt.fileLocked(k)
	if want.Type != LockUnlock {
		for _, l := range fl.records {
			if !conflicts(l, want) {
				continue
			}
			if wait && pid > 0 {
				// fcntl(2): EDEADLK when this wait would deadlock two
				// classic owners.
				for o, n := l.owner, 0; o != nil && n < 1024; o, n = lt.waitsFor[o], n+1 {
					if o == owner {
						return nil, kerr.EDEADLK
					}
				}
				lt.waitsFor[owner] = l.owner
			}
			return lt.changed, kerr.EAGAIN
		}
	}
	// Cut the range out of the owner's locks, then add the new lock
	// merged with the owner's neighbours of the same type.
	var kept []RecordLock
	removed := false
	for _, l := range fl.records {
		if l.owner != owner || !overlaps(l, want) && !(l.Type == want.Type && adjacent(l, want)) {
			kept = append(kept, l)
			continue
		}
		removed = true
		if l.Type == want.Type {
			want.Start, want.End = min(want.Start, l.Start), max(want.End, l.End)
			continue
		}
		if l.Start < want.Start {
			left := l
			left.End = want.Start - 1
			kept = append(kept, left)
		}
		if l.End > want.End {
			right := l
			right.Start = want.End + 1
			kept = append(kept, right)
		}
	}
	if want.Type != LockUnlock {
		kept = append(kept, want)
	}
	recordOwners.Add(int64(classic(kept) - classic(fl.records)))
	fl.records = kept
	lt.byDesc[d] = k
	d.locked.Store(true)
	if removed {
		lt.wakeLocked()
	}
	lt.gcLocked(k)
	return nil, nil
}

func adjacent(a, b RecordLock) bool {
	return a.End != math.MaxInt64 && a.End+1 == b.Start || b.End != math.MaxInt64 && b.End+1 == a.Start
}

// classic counts the process-owned locks of records.
func classic(records []RecordLock) int {
	n := 0
	for _, l := range records {
		if l.PID > 0 {
			n++
		}
	}
	return n
}

// StopWaiting ends owner's F_SETLKW wait.
func StopWaiting(owner any) {
	locks.mu.Lock()
	delete(locks.waitsFor, owner)
	locks.mu.Unlock()
}

// ReleaseRecordLocks drops owner's classic locks on d's file: a process
// closed a descriptor of it.
func ReleaseRecordLocks(owner any, d *FileDescription) {
	if recordOwners.Load() == 0 {
		return
	}
	k, err := lockKey(d)
	if err != nil {
		return
	}
	lt := &locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	fl := lt.files[k]
	if fl == nil {
		return
	}
	var kept []RecordLock
	for _, l := range fl.records {
		if l.owner != owner {
			kept = append(kept, l)
		}
	}
	if n := len(fl.records) - len(kept); n > 0 {
		recordOwners.Add(int64(-n))
		fl.records = kept
		lt.wakeLocked()
		lt.gcLocked(k)
	}
}

// releaseDescriptionLocks drops d's flock and OFD locks at its last close.
func releaseDescriptionLocks(d *FileDescription) {
	lt := &locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	k, ok := lt.byDesc[d]
	if !ok {
		return
	}
	delete(lt.byDesc, d)
	if fl := lt.files[k]; fl != nil {
		delete(fl.flocks, d)
		kept := fl.records[:0]
		for _, l := range fl.records {
			if l.owner != any(d) {
				kept = append(kept, l)
			}
		}
		fl.records = kept
		lt.gcLocked(k)
	}
	lt.wakeLocked()
}
