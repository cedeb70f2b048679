package core

import (
	"fmt"
	"strings"
)

// SimpleDecoder (used as a pointer: tracers key maps by decoder) renders the calls of a small ABI (xv6, skeleton, a lab's
// own) from a list of argument kinds per call, so a personality gets a
// readable --strace and timeline with one table and no code. Calls fail
// with -1 in these ABIs, so an error shows as "-1" and, in parentheses,
// the kernel's reason (which the guest never sees).
type SimpleDecoder struct {
	Table *SyscallTable
	// Args are each call's argument kinds, by number; a call with no
	// entry shows no arguments.
	Args map[uintptr][]ArgKind
	Opts DecodeOptions
}

// ArgKind says how a SimpleDecoder shows one argument.
type ArgKind int

const (
	ArgInt    ArgKind = iota // a signed decimal (fds, counts, pids)
	ArgHex                   // an address or flags, in hex
	ArgString                // a NUL-terminated string in guest memory, quoted
	ArgInBuf                 // bytes the call reads, as many as the next argument
	ArgOutBuf                // bytes the call writes, as many as it returns; shown at exit
	ArgStrv                  // a NULL-terminated array of string pointers (argv)
)

// Name implements SyscallDecoder.
func (d SimpleDecoder) Name(nr uintptr) string { return RawDecoder{d.Table}.Name(nr) }

// InClass implements SyscallDecoder: small ABIs have no strace classes.
func (d SimpleDecoder) InClass(nr uintptr, class string) bool { return false }

// Enter implements SyscallDecoder: the arguments up to the first one
// known only at exit.
func (d SimpleDecoder) Enter(t *Task, nr uintptr, args SyscallArgs) string {
	name := d.Name(nr)
	if name == "" {
		name = fmt.Sprintf("syscall_%d", nr)
	}
	var b strings.Builder
	b.WriteString(name + "(")
	kinds := d.Args[nr]
	for i, k := range kinds {
		if k == ArgOutBuf {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.arg(t, k, args, i, 0))
		if i+1 < len(kinds) && kinds[i+1] == ArgOutBuf {
			b.WriteString(", ")
		}
	}
	return b.String()
}

// Exit implements SyscallDecoder.
func (d SimpleDecoder) Exit(t *Task, nr uintptr, args SyscallArgs, ret uintptr, err error) (string, string) {
	var b strings.Builder
	kinds := d.Args[nr]
	out := false
	for i, k := range kinds {
		if k == ArgOutBuf {
			out = true
		}
		if !out {
			continue
		}
		if k != ArgOutBuf {
			b.WriteString(", ")
		}
		if err != nil && k == ArgOutBuf {
			fmt.Fprintf(&b, "%#x", args[i])
		} else {
			b.WriteString(d.arg(t, k, args, i, ret))
		}
	}
	b.WriteByte(')')
	switch {
	case t.Killed():
		return b.String(), "?"
	case err != nil:
		return b.String(), "-1 (" + err.Error() + ")"
	}
	return b.String(), fmt.Sprint(int64(ret))
}

func (d SimpleDecoder) arg(t *Task, k ArgKind, args SyscallArgs, i int, ret uintptr) string {
	a := args[i]
	switch k {
	case ArgInt:
		return fmt.Sprint(int64(int32(a)))
	case ArgString:
		s, err := t.MM().CopyInString(a, d.limit()+1)
		if err != nil {
			return fmt.Sprintf("%#x", a)
		}
		return quoteLimited([]byte(s), d.limit())
	case ArgInBuf, ArgOutBuf:
		n := ret
		if k == ArgInBuf && i+1 < len(args) {
			n = args[i+1]
		}
		buf := make([]byte, min(n, uintptr(d.limit())+1))
		if _, err := t.MM().CopyIn(a, buf); err != nil {
			return fmt.Sprintf("%#x", a)
		}
		return quoteLimited(buf, d.limit())
	case ArgStrv:
		var parts []string
		for j := uintptr(0); j < 32; j++ {
			var p [8]byte
			if _, err := t.MM().CopyIn(a+8*j, p[:]); err != nil {
				return fmt.Sprintf("%#x", a)
			}
			ptr := uintptr(uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
				uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56)
			if ptr == 0 {
				return "[" + strings.Join(parts, ", ") + "]"
			}
			s, err := t.MM().CopyInString(ptr, d.limit()+1)
			if err != nil {
				return fmt.Sprintf("%#x", a)
			}
			parts = append(parts, quoteLimited([]byte(s), d.limit()))
		}
		return "[" + strings.Join(parts, ", ") + ", ...]"
	}
	return fmt.Sprintf("%#x", a)
}

func (d SimpleDecoder) limit() int {
	if d.Opts.StringLimit <= 0 {
		return 32
	}
	return d.Opts.StringLimit
}

// quoteLimited quotes b with C escapes, cut to limit bytes with "...".
func quoteLimited(b []byte, limit int) string {
	more := len(b) > limit
	if more {
		b = b[:limit]
	}
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '"' || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&s, `\%o`, c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte('"')
	if more {
		s.WriteString("...")
	}
	return s.String()
}

// Exec implements SyscallDecoder.
func (d SimpleDecoder) Exec(t *Task, path string, argv, envv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = quoteLimited([]byte(a), d.limit())
	}
	return fmt.Sprintf("exec(%s, [%s]", quoteLimited([]byte(path), d.limit()), strings.Join(parts, ", "))
}

// Signal implements SyscallDecoder.
func (d SimpleDecoder) Signal(info *SigInfo) string { return RawDecoder{d.Table}.Signal(info) }

// SignalName implements SyscallDecoder.
func (d SimpleDecoder) SignalName(s Signal) string { return s.String() }
