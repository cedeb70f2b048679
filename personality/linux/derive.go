package linux

import (
	"fmt"

	"github.com/runos-project/runos/kernel/core"
)

// Derive returns a personality built on Linux by overriding entries of its
// table: the same ABI (registers, errno numbers, signal frame, exec and
// initial stack), under its own name and description, with each handler
// in override replacing Linux's call of that name. It is how research
// personalities compose: personality/custom/linuxdet is one.
//
// A derived personality runs what Linux runs, but Match never prefers it
// over Linux: it is chosen by --personality or by a runos note naming it,
// and a task keeps it across execve (see core's choosePersonality). An
// override's handler can call Linux's own, from l.Table(), to do the work
// and then change the result. Derive panics on a name Linux does not
// define: that is a mistake in the derived personality's source.
func (l *Linux) Derive(name, desc string, override map[string]core.Handler) *Linux {
	d := &Linux{name: name, desc: desc, table: l.table}
	d.table.Entries = append([]core.SyscallEntry(nil), l.table.Entries...)
	for call, h := range override {
		found := false
		for i := range d.table.Entries {
			if e := &d.table.Entries[i]; e.Name == call {
				e.Handler, e.Support = h, core.Full
				e.Note = "overridden by " + name
				found = true
			}
		}
		if !found {
			panic(fmt.Sprintf("linux: Derive(%q): no system call %q", name, call))
		}
	}
	return d
}
