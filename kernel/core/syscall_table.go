package core

import "sort"

// Support says how completely a personality implements a syscall. The
// levels follow gVisor's table and illumos' NOSYS reasons: an entry that is
// not Full says why in its Note.
type Support int

const (
	// Full: implemented with the semantics of the ABI it belongs to.
	Full Support = iota
	// Partial: implemented for the common cases; Note says what is missing.
	Partial
	// NotYet: not implemented yet; returns ENOSYS.
	NotYet
	// NoEquivalent: has no meaning in a sandbox (e.g. loading a kernel
	// module); returns what Note says (usually ENOSYS or EPERM).
	NoEquivalent
	// Refused: deliberately not provided because it would reach the host
	// or break the sandbox; returns what Note says.
	Refused
)

func (s Support) String() string {
	switch s {
	case Full:
		return "full"
	case Partial:
		return "partial"
	case NotYet:
		return "not yet"
	case NoEquivalent:
		return "no equivalent"
	case Refused:
		return "refused"
	}
	return "?"
}

// SyscallArgs are the six raw argument registers of a call, in ABI order.
type SyscallArgs [6]uintptr

// Handler serves one syscall for task t. Arguments come by value so the
// dispatch path does not allocate. It returns the value to report or
// a kerr error; the personality turns either into registers.
type Handler func(t *Task, args SyscallArgs) (uintptr, error)

// SyscallEntry is one row of a personality's table.
type SyscallEntry struct {
	Name    string
	Handler Handler // nil: not implemented; the table's Missing answers
	Support Support
	Note    string
}

// SyscallTable is the data that defines a personality's system calls:
// number → entry. Documentation and `runos syscalls` are generated from it.
type SyscallTable struct {
	// Entries is indexed by syscall number; a gap is an unknown number.
	Entries []SyscallEntry

	// Missing answers every number without a handler (ENOSYS on Linux).
	Missing Handler
}

// Lookup returns the entry for nr, or nil for a number the ABI does not
// define.
func (tb *SyscallTable) Lookup(nr uintptr) *SyscallEntry {
	if nr >= uintptr(len(tb.Entries)) {
		return nil
	}
	e := &tb.Entries[nr]
	if e.Name == "" {
		return nil
	}
	return e
}

// Numbers returns the defined syscall numbers in order.
func (tb *SyscallTable) Numbers() []int {
	var ns []int
	for i, e := range tb.Entries {
		if e.Name != "" {
			ns = append(ns, i)
		}
	}
	sort.Ints(ns)
	return ns
}

// Count returns how many entries have each support level.
func (tb *SyscallTable) Count() map[Support]int {
	c := map[Support]int{}
	for _, e := range tb.Entries {
		if e.Name != "" {
			c[e.Support]++
		}
	}
	return c
}
