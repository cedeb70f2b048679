// Package kerr holds the kernel's error values.
//
// They are personality-neutral: the names come from POSIX because that is
// the vocabulary OS people share, but the numbers here are the kernel's own
// and mean nothing to a guest. Each personality maps an Error to whatever
// its ABI reports (Linux: a negative errno; xv6: -1).
package kerr

// Error is a kernel error. The zero value is not an error; use nil.
type Error uint16

// The kernel's errors. Keep this list sorted by first appearance in POSIX
// errno order so that a personality's mapping table reads naturally.
const (
	_ Error = iota
	EPERM
	ENOENT
	ESRCH
	EINTR
	EIO
	ENXIO
	E2BIG
	ENOEXEC
	EBADF
	ECHILD
	EAGAIN
	ENOMEM
	EACCES
	EFAULT
	EBUSY
	EEXIST
	EXDEV
	ENODEV
	ENOTDIR
	EISDIR
	EINVAL
	ENFILE
	EMFILE
	ENOTTY
	ETXTBSY
	EFBIG
	ENOSPC
	ESPIPE
	EROFS
	EMLINK
	EPIPE
	EDOM
	ERANGE
	EDEADLK
	ENAMETOOLONG
	ENOLCK
	ENOSYS
	ENOTEMPTY
	ELOOP
	ENODATA
	ETIME
	EOVERFLOW
	EOPNOTSUPP
	// The socket layer's errors (net/unix).
	ENOTSOCK
	EDESTADDRREQ
	EMSGSIZE
	EPROTOTYPE
	ENOPROTOOPT
	EPROTONOSUPPORT
	ESOCKTNOSUPPORT
	EAFNOSUPPORT
	EADDRINUSE
	EADDRNOTAVAIL
	ECONNRESET
	EISCONN
	ENOTCONN
	ECONNREFUSED
	ETIMEDOUT
	EOWNERDEAD
	ENOTRECOVERABLE
	// ERESTARTSYS asks the syscall layer to restart the call after a
	// signal handler returns (SA_RESTART), or to fail it with EINTR. A
	// guest never sees it. See signal(7), "Interruption of system calls".
	ERESTARTSYS
	// ERESTARTNOHAND restarts only if no handler ran (e.g. nanosleep with
	// a stopped-and-continued task); otherwise EINTR.
	ERESTARTNOHAND
	// ERESTART_RESTARTBLOCK restarts through restart_syscall.
	ERESTART_RESTARTBLOCK
	// ERESTARTNOINTR always restarts, even after a handler without
	// SA_RESTART (FUTEX_LOCK_PI: a lock call never fails with EINTR).
	ERESTARTNOINTR
	numErrors
)

// NumErrors is one more than the largest Error, for personality tables.
const NumErrors = int(numErrors)

var names = [...]string{
	EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
	ENXIO: "ENXIO", E2BIG: "E2BIG", ENOEXEC: "ENOEXEC", EBADF: "EBADF",
	ECHILD: "ECHILD", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES",
	EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV",
	ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
	ENFILE: "ENFILE", EMFILE: "EMFILE", ENOTTY: "ENOTTY", ETXTBSY: "ETXTBSY",
	EFBIG: "EFBIG", ENOSPC: "ENOSPC", ESPIPE: "ESPIPE", EROFS: "EROFS",
	EMLINK: "EMLINK", EPIPE: "EPIPE", EDOM: "EDOM", ERANGE: "ERANGE",
	EDEADLK: "EDEADLK", ENAMETOOLONG: "ENAMETOOLONG", ENOLCK: "ENOLCK",
	ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ENODATA: "ENODATA",
	ETIME: "ETIME", EOVERFLOW: "EOVERFLOW", EOPNOTSUPP: "EOPNOTSUPP",
	ETIMEDOUT: "ETIMEDOUT", EOWNERDEAD: "EOWNERDEAD",
	ENOTSOCK: "ENOTSOCK", EDESTADDRREQ: "EDESTADDRREQ", EMSGSIZE: "EMSGSIZE",
	EPROTOTYPE: "EPROTOTYPE", ENOPROTOOPT: "ENOPROTOOPT",
	EPROTONOSUPPORT: "EPROTONOSUPPORT", ESOCKTNOSUPPORT: "ESOCKTNOSUPPORT",
	EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE",
	EADDRNOTAVAIL: "EADDRNOTAVAIL", ECONNRESET: "ECONNRESET",
	EISCONN: "EISCONN", ENOTCONN: "ENOTCONN", ECONNREFUSED: "ECONNREFUSED",
	ENOTRECOVERABLE: "ENOTRECOVERABLE", ERESTARTSYS: "ERESTARTSYS",
	ERESTARTNOHAND: "ERESTARTNOHAND", ERESTART_RESTARTBLOCK: "ERESTART_RESTARTBLOCK",
	ERESTARTNOINTR: "ERESTARTNOINTR",
}

// Name returns the symbolic name ("ENOENT").
func (e Error) Name() string {
	if int(e) < len(names) && names[e] != "" {
		return names[e]
	}
	return "E?"
}

func (e Error) Error() string { return e.Name() }

// IsRestart reports whether e is one of the internal restart requests.
func (e Error) IsRestart() bool {
	return e == ERESTARTSYS || e == ERESTARTNOHAND || e == ERESTART_RESTARTBLOCK || e == ERESTARTNOINTR
}
