package host

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Canonical resolves guestPath beneath the root to its canonical guest
// path (no symlinks, no "." or ".."), which is what chdir(2) records and
// getcwd(2) reports, and returns the stat of what it names. The host
// kernel does the resolution (openat2 with RESOLVE_IN_ROOT); the host path
// it reports for the result is turned back into a guest path by removing
// the root's own canonical path.
func (r *Root) Canonical(guestPath string) (string, fs.Stat, error) {
	fd, st, err := r.lookup(guestPath, true, 0)
	if err != nil {
		return "", fs.Stat{}, err
	}
	defer unix.Close(fd)
	hostPath, err := readlinkFD(fd)
	if err != nil {
		return "", fs.Stat{}, err
	}
	rootPath, err := readlinkFD(r.fd)
	if err != nil {
		return "", fs.Stat{}, err
	}
	if rootPath == "/" {
		return hostPath, st, nil
	}
	if hostPath == rootPath {
		return "/", st, nil
	}
	rest, ok := strings.CutPrefix(hostPath, rootPath+"/")
	if !ok {
		// Resolution stayed beneath the root, so this cannot happen
		// unless the root was moved while we looked.
		return "", fs.Stat{}, kerr.ENOENT
	}
	return "/" + rest, st, nil
}

// readlinkFD reads the host's name for an open descriptor.
func readlinkFD(fd int) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(fd), buf)
	if err != nil {
		return "", FromErrno(err)
	}
	return string(buf[:n]), nil
}
