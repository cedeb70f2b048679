package vfs

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
)

// Change notification: the VFS tells a Notifier (fs/inotify) of every
// change it makes to names and attributes, and of opens, reads, writes
// and closes of the files it opened, at the points where Linux's
// fsnotify hooks sit (see inotify(7) and the kernel's
// include/linux/fsnotify.h for which call reports what). The VFS knows
// nothing of watches: it reports every change once a Notifier is
// installed, and nothing before.

// FileEvent is a set of changes. The bits are in inotify(7)'s order,
// which makes them equal to its IN_* values; fs/inotify still converts
// them explicitly.
type FileEvent uint32

const (
	EventAccess       FileEvent = 1 << iota // read(2), getdents(2)
	EventModify                             // write(2), truncate(2)
	EventAttrib                             // chmod, chown, utimes, link count
	EventCloseWrite                         // last close of a file opened for writing
	EventCloseNoWrite                       // last close of another file
	EventOpen                               // open(2)
	EventMovedFrom                          // a name left Dir (rename)
	EventMovedTo                            // a name arrived in Dir (rename)
	EventCreate                             // a name was made in Dir
	EventDelete                             // a name was removed from Dir
	EventDeleteSelf                         // the file lost its last name
	EventMoveSelf                           // the file was renamed
)

// EntryEvents are the events about a name in a directory rather than
// about a file: only a watch on Dir hears of them.
const EntryEvents = EventMovedFrom | EventMovedTo | EventCreate | EventDelete

// Notification is one change. For entry events, Dir and Name are the
// directory entry and Inode what it names. For the others, Inode is the
// file changed and, when Dir is set, the change is also reported to a
// watch on Dir as happening to its child Name (Linux's fsnotify_parent);
// link-count changes and the *Self events are reported to the file only.
type Notification struct {
	Event  FileEvent
	Inode  Inode
	Dir    Inode
	Name   string
	IsDir  bool   // Inode is a directory (IN_ISDIR)
	Cookie uint32 // pairs MovedFrom with MovedTo
	// Unlinked: the file has no name any more (an open file that was
	// removed), for IN_EXCL_UNLINK.
	Unlinked bool
}

// Notifier hears of changes. Notify may be called with the namespace
// lock held, so it must never call back into the VFS. Active says
// whether anything listens at all, so that the reads and writes of a
// sandbox with no watches cost no locking.
type Notifier interface {
	Notify(n *Notification)
	Active() bool
}

// notifierBox lets an atomic.Pointer hold an interface.
type notifierBox struct{ n Notifier }

// Notifier returns the namespace's notifier, installing mk's first if
// there is none.
func (v *VFS) Notifier(mk func() Notifier) Notifier {
	if b := v.notifier.Load(); b != nil {
		return b.n
	}
	v.notifier.CompareAndSwap(nil, &notifierBox{mk()})
	return v.notifier.Load().n
}

// notify reports n if a notifier is installed.
func (v *VFS) notify(n Notification) {
	if b := v.notifier.Load(); b != nil && n.Event != 0 {
		b.n.Notify(&n)
	}
}

func (v *VFS) watched() bool {
	b := v.notifier.Load()
	return b != nil && b.n.Active()
}

// moveCookie numbers renames, as Linux's fsnotify_get_cookie does, so
// that a reader can pair IN_MOVED_FROM with IN_MOVED_TO.
var moveCookie atomic.Uint32

// notifyEntry reports an entry event on dir's child name.
func (v *VFS) notifyEntry(ev FileEvent, dir *Dentry, name string, ino Inode, isDir bool, cookie uint32) {
	v.notify(Notification{Event: ev, Inode: ino, Dir: dir.inode, Name: name, IsDir: isDir, Cookie: cookie})
}

// notifyFileLocked reports ev on d's file and to a watch on its
// directory. The caller holds v.mu.
func (v *VFS) notifyFileLocked(ev FileEvent, d *Dentry, isDir bool) {
	// A removed file still reports to the directory it was removed from,
	// under its last name, unless the watch says IN_EXCL_UNLINK.
	n := Notification{Event: ev, Inode: d.inode, IsDir: isDir, Unlinked: d.deleted}
	if d.parent != nil {
		n.Dir, n.Name = d.parent.inode, d.name
	}
	v.notify(n)
}

// notifyFile is notifyFileLocked for a caller that does not hold v.mu.
func (v *VFS) notifyFile(ev FileEvent, d *Dentry, isDir bool) {
	if !v.watched() {
		return
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	v.notifyFileLocked(ev, d, isDir)
}

// notifySelf reports ev to the file's own watches only. A deletion of a
// file still open waits for its last close (see openFiles).
func (v *VFS) notifySelf(ev FileEvent, ino Inode, isDir bool) {
	if ev == EventDeleteSelf && opens.holdDelete(ino, isDir) {
		return
	}
	v.notify(Notification{Event: ev, Inode: ino, IsDir: isDir})
}

// openFiles counts the open files of each inode, so that a file whose
// last name goes while it is open is reported deleted at its last
// close, as Linux reports IN_DELETE_SELF from dentry_unlink_inode when
// the last reference to the dentry goes, not at unlink(2). It counts
// the files notifyOpened wraps: regular files and directories that are
// not mapped (see uncount). An open FIFO, device or socket, a working
// directory and a running executable do not hold the report back. The counts are by inode, in
// every namespace at once, as an inode's references are. mu is a leaf
// lock.
type openFiles struct {
	mu sync.Mutex
	n  map[Inode]int
	// deleted: files that lost their last name while open; the value
	// is whether the file is a directory.
	deleted map[Inode]bool
}

var opens = openFiles{n: map[Inode]int{}, deleted: map[Inode]bool{}}

func (o *openFiles) open(ino Inode) {
	o.mu.Lock()
	o.n[ino]++
	o.mu.Unlock()
}

// close drops one open file of ino and says whether it was the last of
// a deleted file, which the caller then reports deleted.
func (o *openFiles) close(ino Inode) (deleted, isDir bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[ino]--; o.n[ino] > 0 {
		return false, false
	}
	delete(o.n, ino)
	isDir, deleted = o.deleted[ino]
	delete(o.deleted, ino)
	return deleted, isDir
}

// holdDelete says whether ino is open, and if so remembers that it is
// deleted.
func (o *openFiles) holdDelete(ino Inode, isDir bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[ino] == 0 {
		return false
	}
	o.deleted[ino] = isDir
	return true
}

// notifyMove reports a rename as fsnotify_move does: the name leaving
// odir and arriving in ndir with one cookie, then a link-count change of
// the file it replaced (if any), then the move of the file itself.
func (v *VFS) notifyMove(odir *Dentry, oname string, ndir *Dentry, nname string, ino Inode, dir bool, replaced Inode) {
	if !v.watched() {
		return
	}
	cookie := moveCookie.Add(1)
	v.notifyEntry(EventMovedFrom, odir, oname, ino, dir, cookie)
	v.notifyEntry(EventMovedTo, ndir, nname, ino, dir, cookie)
	if replaced != nil {
		v.notifySelf(EventAttrib, replaced, false)
	}
	v.notifySelf(EventMoveSelf, ino, dir)
}

// notifyRemoved reports what removing a name does to the file it named:
// its link count changed (not for a directory, see vfs_rmdir), and with
// the last name gone it is deleted, now or, if it is open, at its last
// close.
func (v *VFS) notifyRemoved(ino Inode, st fs.Stat) {
	dir := isDir(st)
	if !dir {
		v.notifySelf(EventAttrib, ino, false)
	}
	if dir || st.Nlink <= 1 {
		v.notifySelf(EventDeleteSelf, ino, dir)
	}
}

// attrEvent is what a SetAttr reports, by fsnotify_change's rules: a
// size change modifies; both times set is an attribute change, one of
// them alone an access or a modification.
func attrEvent(a *SetAttr) FileEvent {
	var ev FileEvent
	if a.Mask&(AttrMode|AttrUID|AttrGID) != 0 {
		ev |= EventAttrib
	}
	if a.Mask&AttrSize != 0 {
		ev |= EventModify
	}
	switch a.Mask & (AttrAtime | AttrMtime) {
	case AttrAtime | AttrMtime:
		ev |= EventAttrib
	case AttrAtime:
		ev |= EventAccess
	case AttrMtime:
		ev |= EventModify
	}
	return ev
}

// notifyOpened reports an open and, for regular files and directories,
// wraps f so that its reads, writes and close are reported too, even if
// the watch comes later (tail -f on a file a writer opened before). The
// wrapper is an fs.Wrapper, so the file's own interfaces (a page cache,
// Sync) stay within reach of fs.As; it implements the ones it adds to
// itself (fs.DirReader, Allocator). Other kinds stay unwrapped: their
// readiness (fs.Pollable) is looked for on the open file directly. The
// caller holds v.mu.
func (v *VFS) notifyOpened(f fs.File, d *Dentry, typ uint32, flags fs.OpenFlags) fs.File {
	dir := typ == fs.ModeDir
	if v.watched() {
		v.notifyFileLocked(EventOpen, d, dir)
	}
	w := watchedFile{File: f, v: v, d: d, write: flags.Write, dir: dir}
	switch typ {
	case fs.ModeDir:
		if dr, ok := f.(fs.DirReader); ok {
			opens.open(d.inode)
			return &watchedDir{watchedFile: w, dr: dr}
		}
	case fs.ModeRegular:
		opens.open(d.inode)
		if al, ok := fs.As[Allocator](f); ok {
			return &watchedAllocator{w, al}
		}
		return &w
	}
	return f
}

// watchedFile reports the reads, writes and close of a file opened
// while a notifier was installed: IN_ACCESS and IN_MODIFY after each
// transfer of at least a byte (vfs_read, vfs_write), and IN_CLOSE_* at
// the last close.
type watchedFile struct {
	fs.File
	v     *VFS
	d     *Dentry
	write bool
	dir   bool
	// uncounted: the file no longer counts among its inode's open files
	// (see uncount). Set with atomic.SwapUint32: an atomic.Bool would
	// forbid the copy notifyOpened makes of a fresh watchedFile.
	uncounted uint32
}

// uncount takes the file out of its inode's open files, once, and
// reports the file deleted if it was the last one of a file with no
// name left. Close calls it, and so does mmap(2) (through PageCache): a
// mapping keeps its open file for ever (sys_mm.go: the mm does not yet
// drop it at munmap), so a mapped file stops counting at once, lest its
// deletion never be reported. It is then reported when the last name
// goes, not at the munmap as on Linux.
func (w *watchedFile) uncount() {
	if atomic.SwapUint32(&w.uncounted, 1) != 0 {
		return
	}
	if deleted, isDir := opens.close(w.d.inode); deleted {
		w.v.notify(Notification{Event: EventDeleteSelf, Inode: w.d.inode, IsDir: isDir})
	}
}

func (w *watchedFile) done(n int, ev FileEvent) {
	if n > 0 {
		w.v.notifyFile(ev, w.d, w.dir)
	}
}

func (w *watchedFile) Read(p []byte) (int, error) {
	n, err := w.File.Read(p)
	w.done(n, EventAccess)
	return n, err
}

func (w *watchedFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := w.File.ReadAt(p, off)
	w.done(n, EventAccess)
	return n, err
}

func (w *watchedFile) Write(p []byte) (int, error) {
	n, err := w.File.Write(p)
	w.done(n, EventModify)
	return n, err
}

func (w *watchedFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := w.File.WriteAt(p, off)
	w.done(n, EventModify)
	return n, err
}

// Unwrap implements fs.Wrapper.
func (w *watchedFile) Unwrap() fs.File { return w.File }

func (w *watchedFile) Close() error {
	ev := EventCloseNoWrite
	if w.write {
		ev = EventCloseWrite
	}
	w.v.notifyFile(ev, w.d, w.dir)
	err := w.File.Close()
	w.uncount()
	return err
}

// watchedDir is a directory: getdents(2) reports an access each time
// (iterate_dir).
type watchedDir struct {
	watchedFile
	dr fs.DirReader
}

func (w *watchedDir) ReadDir(emit func(fs.Dirent) bool) error {
	err := w.dr.ReadDir(emit)
	if err == nil {
		w.v.notifyFile(EventAccess, w.d, true)
	}
	return err
}

// watchedAllocator reports a successful fallocate(2) as a change, as
// Linux does (IN_MODIFY).
type watchedAllocator struct {
	watchedFile
	al Allocator
}

func (w *watchedAllocator) Allocate(mode AllocMode, off, length int64) error {
	err := w.al.Allocate(mode, off, length)
	if err == nil {
		w.v.notifyFile(EventModify, w.d, false)
	}
	return err
}

// WatchTarget resolves path for inotify_add_watch(2): the inode to watch
// and whether it is a directory. follow says whether a final symlink is
// followed; the caller must be allowed to read the file.
func (v *VFS) WatchTarget(ctx *Context, start *Dentry, path string, follow bool) (Inode, bool, error) {
	var flags AtFlags
	if !follow {
		flags = AtNoFollow
	}
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return nil, false, err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return nil, false, err
	}
	if err := permitted(credsOf(ctx), st, MayRead); err != nil {
		return nil, false, err
	}
	return d.inode, isDir(st), nil
}
