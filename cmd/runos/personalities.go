package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/personality/custom/linuxdet"
	"github.com/runos-project/runos/personality/custom/skeleton"
	"github.com/runos-project/runos/personality/custom/xv6"
	"github.com/runos-project/runos/personality/linux"
)

// seed is --seed: the seed of linux-deterministic.
var seed uint64

// registry lists every personality runos ships, in the order
// `runos personalities` shows them. Exec chooses among all of them; Linux
// comes before linux-deterministic, so that it wins their ties and the
// derived one runs only when asked for (--personality, or a runos note).
func registry() []core.Personality {
	return []core.Personality{
		linux.New(),
		linuxdet.New(seed),
		skeleton.New(),
		xv6.New(),
	}
}

// lookupPersonality finds a personality by its --personality name.
func lookupPersonality(name string) (core.Personality, bool) {
	for _, p := range registry() {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

func personalityNames() []string {
	var names []string
	for _, p := range registry() {
		names = append(names, p.Name())
	}
	return names
}

// cmdPersonalities prints each personality with its syscall count and its
// one-line description.
func cmdPersonalities(stdout io.Writer) int {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSYSCALLS\tIMPLEMENTED\tDESCRIPTION")
	for _, p := range registry() {
		tb := p.Table()
		n, impl := 0, 0
		for _, nr := range tb.Numbers() {
			n++
			if tb.Lookup(uintptr(nr)).Handler != nil {
				impl++
			}
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", p.Name(), n, impl, p.Description())
	}
	w.Flush()
	return 0
}
