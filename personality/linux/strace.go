package linux

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The notation of strace(1), which students and researchers already read:
// strings quoted with C escapes and cut after -s bytes, flag words as ORs
// of symbolic names, structs as {field=value, ...}, errors as
// "-1 ENOENT (No such file or directory)". These helpers only format
// values; decode.go says which syscall argument is which.

// defaultStringLimit is strace's -s default.
const defaultStringLimit = 32

// quoteBytes renders b as a C string literal, as strace shows buffers:
// printable ASCII as is, the usual backslash escapes, other bytes in
// octal (three digits when an octal digit follows, so "\0" + "1" cannot
// read as "\01"), or every byte as \xNN when hex is set. more says the
// buffer went on beyond b; it is then followed by "...".
func quoteBytes(b []byte, more, hex bool) string {
	var s strings.Builder
	s.Grow(len(b) + 8)
	s.WriteByte('"')
	for i, c := range b {
		if hex {
			fmt.Fprintf(&s, "\\x%02x", c)
			continue
		}
		switch c {
		case '"', '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case '\f':
			s.WriteString(`\f`)
		case '\n':
			s.WriteString(`\n`)
		case '\r':
			s.WriteString(`\r`)
		case '\t':
			s.WriteString(`\t`)
		case '\v':
			s.WriteString(`\v`)
		default:
			if c >= ' ' && c < 0x7f {
				s.WriteByte(c)
				continue
			}
			s.WriteByte('\\')
			if i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7' {
				s.WriteByte('0' + c>>6)
				s.WriteByte('0' + c>>3&7)
			} else if c>>3 != 0 {
				if c>>6 != 0 {
					s.WriteByte('0' + c>>6)
				}
				s.WriteByte('0' + c>>3&7)
			}
			s.WriteByte('0' + c&7)
		}
	}
	s.WriteByte('"')
	if more {
		s.WriteString("...")
	}
	return s.String()
}

// cutBytes keeps the first limit bytes of b and says whether it cut.
func cutBytes(b []byte, limit int) ([]byte, bool) {
	if limit >= 0 && len(b) > limit {
		return b[:limit], true
	}
	return b, false
}

// flagName is one bit (or group of bits) of a flag word and its name.
type flagName struct {
	v    uint64
	name string
}

// flagsString renders v as names joined by "|" in the order of names,
// with any bits no name covers appended in hex. zero is shown for 0.
func flagsString(v uint64, names []flagName, zero string) string {
	if v == 0 {
		return zero
	}
	var parts []string
	for _, f := range names {
		if f.v != 0 && v&f.v == f.v {
			parts = append(parts, f.name)
			v &^= f.v
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, "|")
}

// enumString renders v by name, or as a number with a comment saying the
// value is unknown ("0x3001 /* ARCH_??? */"), as strace does.
func enumString(v uint64, names map[uint64]string, prefix string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("%#x /* %s??? */", v, prefix)
}

// ptrString renders a pointer: NULL or hex.
func ptrString(p uintptr) string {
	if p == 0 {
		return "NULL"
	}
	return fmt.Sprintf("%#x", p)
}

// errnoNames are the errno names and strerror(3) texts (glibc's wording)
// for the numbers this personality returns, plus the common ones a
// future area will need. See errno(3).
var errnoNames = map[uint16][2]string{
	1: {"EPERM", "Operation not permitted"}, 2: {"ENOENT", "No such file or directory"},
	3: {"ESRCH", "No such process"}, 4: {"EINTR", "Interrupted system call"},
	5: {"EIO", "Input/output error"}, 6: {"ENXIO", "No such device or address"},
	7: {"E2BIG", "Argument list too long"}, 8: {"ENOEXEC", "Exec format error"},
	9: {"EBADF", "Bad file descriptor"}, 10: {"ECHILD", "No child processes"},
	11: {"EAGAIN", "Resource temporarily unavailable"}, 12: {"ENOMEM", "Cannot allocate memory"},
	13: {"EACCES", "Permission denied"}, 14: {"EFAULT", "Bad address"},
	15: {"ENOTBLK", "Block device required"}, 16: {"EBUSY", "Device or resource busy"},
	17: {"EEXIST", "File exists"}, 18: {"EXDEV", "Invalid cross-device link"},
	19: {"ENODEV", "No such device"}, 20: {"ENOTDIR", "Not a directory"},
	21: {"EISDIR", "Is a directory"}, 22: {"EINVAL", "Invalid argument"},
	23: {"ENFILE", "Too many open files in system"}, 24: {"EMFILE", "Too many open files"},
	25: {"ENOTTY", "Inappropriate ioctl for device"}, 26: {"ETXTBSY", "Text file busy"},
	27: {"EFBIG", "File too large"}, 28: {"ENOSPC", "No space left on device"},
	29: {"ESPIPE", "Illegal seek"}, 30: {"EROFS", "Read-only file system"},
	31: {"EMLINK", "Too many links"}, 32: {"EPIPE", "Broken pipe"},
	33: {"EDOM", "Numerical argument out of domain"}, 34: {"ERANGE", "Numerical result out of range"},
	35: {"EDEADLK", "Resource deadlock avoided"}, 36: {"ENAMETOOLONG", "File name too long"},
	37: {"ENOLCK", "No locks available"}, 38: {"ENOSYS", "Function not implemented"},
	39: {"ENOTEMPTY", "Directory not empty"}, 40: {"ELOOP", "Too many levels of symbolic links"},
	61: {"ENODATA", "No data available"}, 62: {"ETIME", "Timer expired"},
	75: {"EOVERFLOW", "Value too large for defined data type"},
	88: {"ENOTSOCK", "Socket operation on non-socket"}, 95: {"EOPNOTSUPP", "Operation not supported"},
	89: {"EDESTADDRREQ", "Destination address required"}, 90: {"EMSGSIZE", "Message too long"},
	91: {"EPROTOTYPE", "Protocol wrong type for socket"}, 92: {"ENOPROTOOPT", "Protocol not available"},
	93: {"EPROTONOSUPPORT", "Protocol not supported"}, 94: {"ESOCKTNOSUPPORT", "Socket type not supported"},
	97:  {"EAFNOSUPPORT", "Address family not supported by protocol"},
	99:  {"EADDRNOTAVAIL", "Cannot assign requested address"},
	106: {"EISCONN", "Transport endpoint is already connected"},
	98:  {"EADDRINUSE", "Address already in use"},
	104: {"ECONNRESET", "Connection reset by peer"}, 107: {"ENOTCONN", "Transport endpoint is not connected"},
	110: {"ETIMEDOUT", "Connection timed out"}, 111: {"ECONNREFUSED", "Connection refused"},
	115: {"EINPROGRESS", "Operation now in progress"},
	130: {"EOWNERDEAD", "Owner died"}, 131: {"ENOTRECOVERABLE", "State not recoverable"},
	// Linux's internal restart codes, which strace shows for a call a
	// signal interrupted (<linux/errno.h>).
	512: {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	513: {"ERESTARTNOINTR", "To be restarted"},
	514: {"ERESTARTNOHAND", "To be restarted if no handler"},
	516: {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
}

// errorResult renders a failed call's result: "-1 ENOENT (No such file or
// directory)", or "? ERESTARTSYS (...)" for a call that will restart.
func errorResult(err error) string {
	e := Errno(err)
	name, ok := errnoNames[e]
	if !ok {
		return fmt.Sprintf("-1 (errno %d)", e)
	}
	if ke, isK := err.(kerr.Error); isK && ke.IsRestart() {
		return fmt.Sprintf("? %s (%s)", name[0], name[1])
	}
	return fmt.Sprintf("-1 %s (%s)", name[0], name[1])
}

// signalName is strace's name for signal s: SIGRTMIN for 32, SIGRT_n
// above it.
func signalName(s int) string {
	switch {
	case s > 0 && s < int(core.SIGRTMIN):
		return core.Signal(s).String()
	case s == int(core.SIGRTMIN):
		return "SIGRTMIN"
	case s > int(core.SIGRTMIN) && s <= int(core.SIGRTMAX):
		return "SIGRT_" + strconv.Itoa(s-int(core.SIGRTMIN))
	}
	return strconv.Itoa(s)
}

// sigsetString renders a signal set as strace does: [INT TERM], or, when
// more than half the signals are in it, ~[...] listing the ones that are
// not.
func sigsetString(set uint64) string {
	var b strings.Builder
	n := 0
	for s := 1; s <= core.NumSignals; s++ {
		if set&(1<<(s-1)) != 0 {
			n++
		}
	}
	if n > core.NumSignals/2 {
		b.WriteByte('~')
		set = ^set
	}
	b.WriteByte('[')
	first := true
	for s := 1; s <= core.NumSignals; s++ {
		if set&(1<<(s-1)) == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(strings.TrimPrefix(signalName(s), "SIG"))
	}
	b.WriteByte(']')
	return b.String()
}

// fileTypes are the S_IFMT values of a mode (see inode(7)).
var fileTypes = map[uint32]string{
	0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o060000: "S_IFBLK",
	0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO",
}

// modeString renders a st_mode: "S_IFREG|0644", with set-id and sticky
// bits in the octal part.
func modeString(m uint32) string {
	perm := fmt.Sprintf("%#o", m&0o7777)
	if m&0o7777 == 0 {
		perm = "000"
	}
	if t, ok := fileTypes[m&0o170000]; ok {
		return t + "|" + perm
	}
	return fmt.Sprintf("%#o", m)
}

// rlimString renders one rlimit value: RLIM64_INFINITY, N*1024 for a
// multiple of a KiB, else decimal.
func rlimString(v uint64, inf string) string {
	switch {
	case v == ^uint64(0):
		return inf
	case v != 0 && v%1024 == 0:
		return fmt.Sprintf("%d*1024", v/1024)
	}
	return strconv.FormatUint(v, 10)
}

// devString renders a device number as makedev(major, minor).
func devString(d uint64) string {
	return fmt.Sprintf("makedev(%#x, %#x)", devMajor(d), devMinor(d))
}

// structString joins fields as {a=1, b=2}, with ", ..." when abbreviated.
func structString(fields []string, abbreviated bool) string {
	s := "{" + strings.Join(fields, ", ")
	if abbreviated {
		s += ", ..."
	}
	return s + "}"
}

// waitStatusString renders a wait status as strace's macro expression:
// [{WIFEXITED(s) && WEXITSTATUS(s) == 0}].
func waitStatusString(st uint32) string {
	var e string
	switch {
	case st&0x7f == 0:
		e = fmt.Sprintf("WIFEXITED(s) && WEXITSTATUS(s) == %d", st>>8&0xff)
	case st == 0xffff:
		e = "WIFCONTINUED(s)"
	case st&0xff == 0x7f:
		e = fmt.Sprintf("WIFSTOPPED(s) && WSTOPSIG(s) == %s", signalName(int(st>>8&0xff)))
	default:
		e = fmt.Sprintf("WIFSIGNALED(s) && WTERMSIG(s) == %s", signalName(int(st&0x7f)))
		if st&0x80 != 0 {
			e += " && WCOREDUMP(s)"
		}
	}
	return "[{" + e + "}]"
}
