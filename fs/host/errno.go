package host

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/kerr"
)

// errnoTable translates the host's errno values into the kernel's. The
// kernel never hands a host errno to a guest: a personality only knows
// kerr values.
var errnoTable = map[unix.Errno]kerr.Error{
	unix.EPERM:           kerr.EPERM,
	unix.ENOENT:          kerr.ENOENT,
	unix.ESRCH:           kerr.ESRCH,
	unix.EINTR:           kerr.EINTR,
	unix.EIO:             kerr.EIO,
	unix.ENXIO:           kerr.ENXIO,
	unix.E2BIG:           kerr.E2BIG,
	unix.ENOEXEC:         kerr.ENOEXEC,
	unix.EBADF:           kerr.EBADF,
	unix.ECHILD:          kerr.ECHILD,
	unix.EAGAIN:          kerr.EAGAIN, // also EWOULDBLOCK
	unix.ENOMEM:          kerr.ENOMEM,
	unix.EACCES:          kerr.EACCES,
	unix.EFAULT:          kerr.EFAULT,
	unix.EBUSY:           kerr.EBUSY,
	unix.EEXIST:          kerr.EEXIST,
	unix.EXDEV:           kerr.EXDEV,
	unix.ENODEV:          kerr.ENODEV,
	unix.ENOTDIR:         kerr.ENOTDIR,
	unix.EISDIR:          kerr.EISDIR,
	unix.EINVAL:          kerr.EINVAL,
	unix.ENFILE:          kerr.ENFILE,
	unix.EMFILE:          kerr.EMFILE,
	unix.ENOTTY:          kerr.ENOTTY,
	unix.ETXTBSY:         kerr.ETXTBSY,
	unix.EFBIG:           kerr.EFBIG,
	unix.ENOSPC:          kerr.ENOSPC,
	unix.ESPIPE:          kerr.ESPIPE,
	unix.EROFS:           kerr.EROFS,
	unix.EMLINK:          kerr.EMLINK,
	unix.EPIPE:           kerr.EPIPE,
	unix.EDOM:            kerr.EDOM,
	unix.ERANGE:          kerr.ERANGE,
	unix.EDEADLK:         kerr.EDEADLK,
	unix.ENAMETOOLONG:    kerr.ENAMETOOLONG,
	unix.ENOLCK:          kerr.ENOLCK,
	unix.ENOSYS:          kerr.ENOSYS,
	unix.ENOTEMPTY:       kerr.ENOTEMPTY,
	unix.ELOOP:           kerr.ELOOP,
	unix.ENODATA:         kerr.ENODATA,
	unix.ETIME:           kerr.ETIME,
	unix.EOVERFLOW:       kerr.EOVERFLOW,
	unix.EOPNOTSUPP:      kerr.EOPNOTSUPP, // also ENOTSUP
	unix.ETIMEDOUT:       kerr.ETIMEDOUT,
	unix.EOWNERDEAD:      kerr.EOWNERDEAD,
	unix.ENOTRECOVERABLE: kerr.ENOTRECOVERABLE,
	unix.ENOTSOCK:        kerr.ENOTSOCK,
	unix.EDESTADDRREQ:    kerr.EDESTADDRREQ,
	unix.EMSGSIZE:        kerr.EMSGSIZE,
	unix.EPROTOTYPE:      kerr.EPROTOTYPE,
	unix.ENOPROTOOPT:     kerr.ENOPROTOOPT,
	unix.EPROTONOSUPPORT: kerr.EPROTONOSUPPORT,
	unix.ESOCKTNOSUPPORT: kerr.ESOCKTNOSUPPORT,
	unix.EAFNOSUPPORT:    kerr.EAFNOSUPPORT,
	unix.EADDRINUSE:      kerr.EADDRINUSE,
	unix.EADDRNOTAVAIL:   kerr.EADDRNOTAVAIL,
	unix.ECONNRESET:      kerr.ECONNRESET,
	unix.EISCONN:         kerr.EISCONN,
	unix.ENOTCONN:        kerr.ENOTCONN,
	unix.ECONNREFUSED:    kerr.ECONNREFUSED,
}

// FromErrno converts an error from a host system call into a kerr.Error.
// nil stays nil; a host errno without a kernel equivalent, or an error that
// is not an errno at all, becomes EIO: the guest learns that something
// failed, never a number that means something else in its ABI.
func FromErrno(err error) error {
	if err == nil {
		return nil
	}
	var ke kerr.Error
	if errors.As(err, &ke) {
		return ke
	}
	var en unix.Errno
	if errors.As(err, &en) {
		if ke, ok := errnoTable[en]; ok {
			return ke
		}
	}
	return kerr.EIO
}
