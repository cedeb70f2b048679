package linux

import (
	"errors"

	"github.com/runos-project/runos/kernel/kerr"
)

// errnos maps the kernel's neutral errors to Linux x86-64 errno numbers
// (see errno(3) and <asm-generic/errno-base.h>, <asm-generic/errno.h>).
var errnos = [kerr.NumErrors]uint16{
	kerr.EPERM: 1, kerr.ENOENT: 2, kerr.ESRCH: 3, kerr.EINTR: 4, kerr.EIO: 5,
	kerr.ENXIO: 6, kerr.E2BIG: 7, kerr.ENOEXEC: 8, kerr.EBADF: 9, kerr.ECHILD: 10,
	kerr.EAGAIN: 11, kerr.ENOMEM: 12, kerr.EACCES: 13, kerr.EFAULT: 14,
	kerr.EBUSY: 16, kerr.EEXIST: 17, kerr.EXDEV: 18, kerr.ENODEV: 19,
	kerr.ENOTDIR: 20, kerr.EISDIR: 21, kerr.EINVAL: 22, kerr.ENFILE: 23,
	kerr.EMFILE: 24, kerr.ENOTTY: 25, kerr.ETXTBSY: 26, kerr.EFBIG: 27,
	kerr.ENOSPC: 28, kerr.ESPIPE: 29, kerr.EROFS: 30, kerr.EMLINK: 31,
	kerr.EPIPE: 32, kerr.EDOM: 33, kerr.ERANGE: 34, kerr.EDEADLK: 35,
	kerr.ENAMETOOLONG: 36, kerr.ENOLCK: 37, kerr.ENOSYS: 38, kerr.ENOTEMPTY: 39,
	kerr.ELOOP: 40, kerr.ENODATA: 61, kerr.ETIME: 62, kerr.EOVERFLOW: 75,
	kerr.EOPNOTSUPP: 95, kerr.ETIMEDOUT: 110, kerr.EOWNERDEAD: 130,
	kerr.ENOTRECOVERABLE: 131,
	// Sockets (net/unix).
	kerr.ENOTSOCK: 88, kerr.EDESTADDRREQ: 89, kerr.EMSGSIZE: 90, kerr.EPROTOTYPE: 91,
	kerr.ENOPROTOOPT: 92, kerr.EPROTONOSUPPORT: 93, kerr.ESOCKTNOSUPPORT: 94,
	kerr.EAFNOSUPPORT: 97, kerr.EADDRINUSE: 98, kerr.EADDRNOTAVAIL: 99,
	kerr.ECONNRESET: 104, kerr.EISCONN: 106, kerr.ENOTCONN: 107, kerr.ECONNREFUSED: 111,
	// The restart codes are Linux's internal ones (<linux/errno.h>); a
	// guest only sees them if a bug lets one escape.
	kerr.ERESTARTSYS: 512, kerr.ERESTARTNOINTR: 513, kerr.ERESTARTNOHAND: 514, kerr.ERESTART_RESTARTBLOCK: 516,
}

const (
	errnoEINTR  = 4
	errnoENOSYS = 38
)

// Errno returns the Linux errno for err. Errors that are not kernel
// errors are a kernel bug; they are reported as EIO.
func Errno(err error) uint16 {
	if ke, ok := err.(kerr.Error); ok {
		return errnoOf(ke)
	}
	var ke kerr.Error
	if errors.As(err, &ke) {
		return errnoOf(ke)
	}
	return 5 // EIO
}

func errnoOf(e kerr.Error) uint16 {
	if int(e) < len(errnos) && errnos[e] != 0 {
		return errnos[e]
	}
	return 5
}
