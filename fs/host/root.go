// Package host is the passthrough filesystem: files of a host directory
// that serves as the sandbox's root (Root, read-only, beneath an overlay)
// or that is passed through at a mount point (Bind, read-only or
// writable). It owns one thing, reaching host files from guest names
// without ever leaving that directory. Its files' mappings share one page
// cache per host inode (pagecache.go), kept coherent with read(2) and
// write(2) through runos and written back to the host file.
//
// Every lookup is a single openat2(2) beneath the root's descriptor with
// RESOLVE_IN_ROOT, so the host kernel resolves the whole path as if the
// root were "/": ".." stops at the root and absolute symlinks restart at
// the root, race-free against concurrent renames. RESOLVE_NO_MAGICLINKS
// refuses /proc/<pid>/root-style links, whose targets the kernel would
// otherwise follow out of any root. See openat2(2) and path_resolution(7).
//
// Device nodes are refused (EACCES, as on a filesystem mounted nodev):
// a root directory may hold a host disk's block device, and runos often
// runs as host root. Devices come from the sandbox's own devfs instead.
package host

import (
	"fmt"
	"path"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// OpenFlags are the open(2) flags this filesystem understands, decoded
// from an ABI by a personality. Descriptor flags such as close-on-exec
// belong to the fd table and never reach a filesystem; the host descriptor
// is always close-on-exec so runos's own children never inherit it.
type OpenFlags uint32

const (
	OpenRead      OpenFlags = 1 << iota // access mode includes reading
	OpenWrite                           // access mode includes writing
	OpenCreate                          // O_CREAT
	OpenExclusive                       // O_EXCL
	OpenTruncate                        // O_TRUNC
	OpenAppend                          // O_APPEND
	OpenDirectory                       // O_DIRECTORY: fail with ENOTDIR unless a directory
	OpenNoFollow                        // O_NOFOLLOW: fail with ELOOP if the last component is a symlink

	openKnown = OpenRead | OpenWrite | OpenCreate | OpenExclusive | OpenTruncate | OpenAppend | OpenDirectory | OpenNoFollow
)

// Access mode bits, as access(2) takes them (POSIX values).
const (
	AccessExec  = 1 // X_OK
	AccessWrite = 2 // W_OK
	AccessRead  = 4 // R_OK
)

// openat2 retries a lookup this many times when the host reports that a
// concurrent rename made ".." resolution unsafe (EAGAIN, see openat2(2)).
const resolveRetries = 16

// openat2 is openat2(2) on the host, tried again after a signal (EINTR)
// and, up to resolveRetries times, after a racing rename (EAGAIN).
func openat2(dirfd int, path string, how *unix.OpenHow) (int, error) {
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(dirfd, path, how)
		switch {
		case err == nil:
			return fd, nil
		case err == unix.EINTR, err == unix.EAGAIN && tries < resolveRetries:
			continue
		default:
			return -1, FromErrno(err)
		}
	}
}

// Root is a host directory serving as the guest's "/".
type Root struct {
	fd  int // O_PATH descriptor of the directory
	dir string
}

// OpenRoot opens dir as a root. dir is a host path.
func OpenRoot(dir string) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("host: opening root %q: %w", dir, FromErrno(err))
	}
	return &Root{fd: fd, dir: dir}, nil
}

// Close releases the root's descriptor. Files opened beneath it stay open.
func (r *Root) Close() error { return FromErrno(unix.Close(r.fd)) }

// Dir is the host directory the root was opened from, for messages.
func (r *Root) Dir() string { return r.dir }

// resolve opens guestPath beneath the root with the given host flags,
// never escaping it.
func (r *Root) resolve(guestPath string, flags uint64) (int, error) {
	if guestPath == "" {
		return -1, kerr.ENOENT // path_resolution(7): an empty path is ENOENT
	}
	how := unix.OpenHow{
		Flags:   flags | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	return openat2(r.fd, guestPath, &how)
}

// lookup resolves guestPath to an O_PATH descriptor and its stat.
// The caller closes the descriptor.
func (r *Root) lookup(guestPath string, follow bool, extra uint64) (int, fs.Stat, error) {
	flags := uint64(unix.O_PATH) | extra
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := r.resolve(guestPath, flags)
	if err != nil {
		return -1, fs.Stat{}, err
	}
	st, err := fstat(fd)
	if err != nil {
		unix.Close(fd)
		return -1, fs.Stat{}, err
	}
	return fd, st, nil
}

// Stat is stat(2) (follow) or lstat(2) beneath the root.
func (r *Root) Stat(guestPath string, follow bool) (fs.Stat, error) {
	fd, st, err := r.lookup(guestPath, follow, 0)
	if err != nil {
		return fs.Stat{}, err
	}
	unix.Close(fd)
	return st, nil
}

// Readlink is readlink(2): the raw target of a symlink, which the guest
// interprets relative to its own root. EINVAL if not a symlink.
func (r *Root) Readlink(guestPath string) (string, error) {
	fd, st, err := r.lookup(guestPath, false, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	if st.Mode&fs.ModeTypeMask != fs.ModeSymlink {
		return "", kerr.EINVAL
	}
	// readlinkat(2) with an empty path reads the link an O_PATH|O_NOFOLLOW
	// descriptor refers to.
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(fd, "", buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", FromErrno(err)
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		if len(buf) >= unix.PathMax {
			return "", kerr.ENAMETOOLONG
		}
		buf = make([]byte, 2*len(buf))
	}
}

// Access is access(2): it succeeds if guestPath exists and the caller may
// use it as mode (AccessRead|AccessWrite|AccessExec bits; 0 tests
// existence). Write access to anything but a device, FIFO or socket is
// EROFS, as Linux says for a read-only filesystem. Read and execute are
// judged by the host for runos's own credentials: the guest has no
// credentials of its own here yet.
func (r *Root) Access(guestPath string, mode int) error {
	if mode&^(AccessRead|AccessWrite|AccessExec) != 0 {
		return kerr.EINVAL
	}
	fd, st, err := r.lookup(guestPath, true, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if mode&AccessWrite != 0 {
		switch st.Mode & fs.ModeTypeMask {
		case fs.ModeRegular, fs.ModeDir, fs.ModeSymlink:
			return kerr.EROFS
		}
	}
	if mode == 0 {
		return nil
	}
	for {
		err := unix.Faccessat2(fd, "", uint32(mode), unix.AT_EMPTY_PATH)
		if err == unix.EINTR {
			continue
		}
		return FromErrno(err)
	}
}

// Open is open(2) beneath the root. Because the filesystem is read-only,
// anything that would modify it fails with EROFS once the path is known
// to resolve; the checks follow the order Linux makes them in (ENOENT of
// a missing parent, EEXIST for O_EXCL, EISDIR for writing a directory,
// then EROFS).
func (r *Root) Open(guestPath string, flags OpenFlags) (fs.File, error) {
	if flags&^openKnown != 0 {
		return nil, kerr.EINVAL
	}
	follow := flags&OpenNoFollow == 0
	if flags&OpenCreate != 0 {
		// open(2): with O_CREAT|O_EXCL a final symlink is not followed.
		exclusive := flags&OpenExclusive != 0
		pfd, st, err := r.lookup(guestPath, follow && !exclusive, 0)
		switch {
		case err == kerr.ENOENT:
			// Creating would be allowed only if the parent exists.
			if _, perr := r.lookupDir(path.Dir(guestPath)); perr != nil {
				return nil, perr
			}
			return nil, kerr.EROFS
		case err != nil:
			return nil, err
		}
		unix.Close(pfd)
		if exclusive {
			return nil, kerr.EEXIST
		}
		if st.Mode&fs.ModeTypeMask == fs.ModeDir {
			return nil, kerr.EISDIR // O_CREAT on a directory, see open(2)
		}
	}
	var extra uint64
	if flags&OpenDirectory != 0 {
		extra = unix.O_DIRECTORY
	}
	pfd, st, err := r.lookup(guestPath, follow, extra)
	if err != nil {
		return nil, err
	}
	defer unix.Close(pfd)
	typ := st.Mode & fs.ModeTypeMask
	if typ == fs.ModeSymlink {
		return nil, kerr.ELOOP // O_NOFOLLOW on a symlink, see open(2)
	}
	if flags&(OpenWrite|OpenTruncate) != 0 {
		if typ == fs.ModeDir && flags&OpenWrite != 0 {
			return nil, kerr.EISDIR
		}
		return nil, kerr.EROFS
	}
	return reopen(pfd, st)
}

// lookupDir checks that guestPath resolves to a directory.
func (r *Root) lookupDir(guestPath string) (fs.Stat, error) {
	fd, st, err := r.lookup(guestPath, true, unix.O_DIRECTORY)
	if err != nil {
		return fs.Stat{}, err
	}
	unix.Close(fd)
	return st, nil
}

// reopen turns the O_PATH descriptor of an inspected file into a readable
// one for the very same inode, through its /proc/self/fd entry: opening
// the path again could find a different file if the host tree changed.
func reopen(pfd int, st fs.Stat) (fs.File, error) { return reopenAs(pfd, st, unix.O_RDONLY) }

// reopenAs is reopen with the access mode (and O_APPEND) in flags; a
// File opened for writing writes to the host. st is the file's stat.
func reopenAs(pfd int, st fs.Stat, flags int) (fs.File, error) {
	typ := st.Mode & fs.ModeTypeMask
	flags |= unix.O_CLOEXEC | unix.O_NOCTTY
	switch typ {
	case fs.ModeChar, fs.ModeBlock:
		return nil, kerr.EACCES // nodev: see the package comment
	case fs.ModeDir:
		flags |= unix.O_DIRECTORY
	case fs.ModeFIFO:
		// Opening a FIFO blocks until the other end appears (fifo(7));
		// the kernel goroutine must not block in open, nor later in
		// read or write (fifoFile).
		flags |= unix.O_NONBLOCK
	}
	proc := "/proc/self/fd/" + strconv.Itoa(pfd)
	var fd int
	for {
		var err error
		fd, err = unix.Open(proc, flags, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, FromErrno(err)
		}
		break
	}
	f := &File{fd: fd, writable: flags&(unix.O_WRONLY|unix.O_RDWR) != 0,
		append: flags&unix.O_APPEND != 0, regular: typ == fs.ModeRegular,
		key: fileKey{st.Dev, st.Ino}}
	if typ == fs.ModeFIFO {
		// The descriptor stays non-blocking: a read of an empty FIFO
		// or a write to a full one says EAGAIN, and the syscall layer
		// waits for the host descriptor where a signal or kill ends
		// the wait (fs.HostStream). A blocking host read would hold
		// the task until some other process wrote, deaf to SIGKILL.
		return &fifoFile{f}, nil
	}
	return f, nil
}

// fifoFile is a host FIFO (fifo(7)). Its descriptor is its own open
// file description, so O_NONBLOCK on it changes nothing another process
// sees.
type fifoFile struct{ *File }

var _ fs.HostStream = (*fifoFile)(nil)

// HostFD implements fs.HostStream.
func (f *fifoFile) HostFD() int { return f.fd }
