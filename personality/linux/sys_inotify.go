package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/inotify"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// inotify(7): the handlers decode and call fs/inotify, whose Mask values
// are Linux's IN_* numbers, so masks pass through unchanged. The watches
// hear of changes from the VFS through the namespace's notifier.

var inotifyCalls = map[string]impl{
	"inotify_init":      full(sysInotifyInit),
	"inotify_init1":     full(sysInotifyInit1),
	"inotify_add_watch": partial(sysInotifyAddWatch, "events of operations inside the sandbox; IN_DELETE_SELF waits for the last close of a regular file or directory, but not for a mapping, an open FIFO, device or socket or a working directory; no IN_UNMOUNT"),
	"inotify_rm_watch":  full(sysInotifyRmWatch),
}

// inotify_init1(2) flags: O_NONBLOCK and O_CLOEXEC's values.
const (
	inNonblock = oNonblock
	inCloexec  = oCloexec
)

// xInotifyMask names the IN_* bits, for --strace.
var xInotifyMask = []flagName{
	{0xfff, "IN_ALL_EVENTS"}, {0x1, "IN_ACCESS"}, {0x2, "IN_MODIFY"}, {0x4, "IN_ATTRIB"},
	{0x8, "IN_CLOSE_WRITE"}, {0x10, "IN_CLOSE_NOWRITE"}, {0x20, "IN_OPEN"},
	{0x40, "IN_MOVED_FROM"}, {0x80, "IN_MOVED_TO"}, {0x100, "IN_CREATE"},
	{0x200, "IN_DELETE"}, {0x400, "IN_DELETE_SELF"}, {0x800, "IN_MOVE_SELF"},
	{0x1000000, "IN_ONLYDIR"}, {0x2000000, "IN_DONT_FOLLOW"}, {0x4000000, "IN_EXCL_UNLINK"},
	{0x10000000, "IN_MASK_CREATE"}, {0x20000000, "IN_MASK_ADD"}, {0x80000000, "IN_ONESHOT"},
}

// watchable is the namespace as inotify needs it (*vfs.VFS).
type watchable interface {
	WatchTarget(ctx *vfs.Context, start *vfs.Dentry, path string, follow bool) (vfs.Inode, bool, error)
	Notifier(mk func() vfs.Notifier) vfs.Notifier
}

// eventFormat lays events out as struct inotify_event (<linux/inotify.h>):
// wd, mask, cookie, len, then the name NUL-padded to a multiple of the
// 16-byte header (len counts the padding).
type eventFormat struct{}

func (eventFormat) Size(e *inotify.Event) int { return 16 + nameLen(e) }

func (eventFormat) Put(b []byte, e *inotify.Event) {
	le.PutUint32(b[0:], uint32(e.WD))
	le.PutUint32(b[4:], uint32(e.Mask))
	le.PutUint32(b[8:], e.Cookie)
	le.PutUint32(b[12:], uint32(nameLen(e)))
	clear(b[16:])
	copy(b[16:], e.Name)
}

func nameLen(e *inotify.Event) int {
	if e.Name == "" {
		return 0
	}
	return (len(e.Name) + 1 + 15) &^ 15
}

func sysInotifyInit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return sysInotifyInit1(t, core.SyscallArgs{})
}

func sysInotifyInit1(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[0]
	if flags&^(inNonblock|inCloexec) != 0 {
		return 0, kerr.EINVAL
	}
	w, ok := t.Kernel().FS.(watchable)
	if !ok {
		return 0, kerr.ENOSYS
	}
	hub := w.Notifier(func() vfs.Notifier { return inotify.NewHub() }).(*inotify.Hub)
	status := fs.FlagRead
	if flags&inNonblock != 0 {
		status |= fs.FlagNonblock
	}
	d := fs.NewFileDescription(inotify.New(hub, eventFormat{}), "anon_inode:inotify", status)
	fd, err := t.FDs().Allocate(d, 0, flags&inCloexec != 0)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

// getInotify returns fd's instance: EBADF for no descriptor, EINVAL for
// another kind of file. The caller must DecRef the description.
func getInotify(t *core.Task, fd uintptr) (*inotify.Instance, *fs.FileDescription, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	in, ok := d.File.(*inotify.Instance)
	if !ok {
		d.DecRef()
		return nil, nil, kerr.EINVAL
	}
	return in, d, nil
}

func sysInotifyAddWatch(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	mask := inotify.Mask(uint32(a[2]))
	// The checks in inotify_add_watch's order: the mask, the descriptor,
	// the flags, then the path.
	if mask&^inotify.AllBits != 0 || mask == 0 {
		return 0, kerr.EINVAL
	}
	in, d, err := getInotify(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if mask&inotify.MaskAdd != 0 && mask&inotify.MaskCreate != 0 {
		return 0, kerr.EINVAL
	}
	start, p, err := pathArg(t, atFDCWD, a[1], 0)
	if err != nil {
		return 0, err
	}
	ino, isDir, err := t.Kernel().FS.(watchable).WatchTarget(t.FSContext(), start, p, mask&inotify.DontFollow == 0)
	if err != nil {
		return 0, err
	}
	wd, err := in.AddWatch(ino, isDir, mask)
	return uintptr(wd), err
}

func sysInotifyRmWatch(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	in, d, err := getInotify(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return 0, in.RemoveWatch(int32(a[1]))
}

// inotifyQueued is FIONREAD on an inotify descriptor: the bytes queued.
func inotifyQueued(d *fs.FileDescription) (int64, bool) {
	in, ok := d.File.(*inotify.Instance)
	if !ok {
		return 0, false
	}
	return int64(in.Buffered()), true
}
