package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/runos-project/runos/kernel/core"
)

// cmdSyscalls prints a personality's syscall table: number, name, support
// level and note, then totals per level. It is generated from the table
// itself, so it cannot disagree with what the kernel does.
func cmdSyscalls(args []string, personality string, stdout, stderr io.Writer) int {
	f := pflag.NewFlagSet("runos syscalls", pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.StringVar(&personality, "personality", personality, "personality whose table to print")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	p, ok := lookupPersonality(personality)
	if !ok {
		fmt.Fprintf(stderr, "runos: unknown personality %q\n", personality)
		return exitUsage
	}
	tb := p.Table()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NR\tNAME\tSUPPORT\tNOTE")
	for _, nr := range tb.Numbers() {
		e := tb.Lookup(uintptr(nr))
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", nr, e.Name, e.Support, e.Note)
	}
	w.Flush()
	c := tb.Count()
	total := 0
	for _, n := range c {
		total += n
	}
	fmt.Fprintf(stdout, "\n%s: %d syscalls: %d full, %d partial, %d not yet, %d no equivalent, %d refused\n",
		p.Name(), total, c[core.Full], c[core.Partial], c[core.NotYet], c[core.NoEquivalent], c[core.Refused])
	return 0
}
