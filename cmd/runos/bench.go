package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/bench"
)

// cmdBench runs the syscall-overhead suite (package bench): every guest
// natively and under every platform that works here, beside the floors of
// the mechanisms, and prints a table (or JSON or CSV) of medians.
func cmdBench(args []string, stdout, stderr io.Writer) int {
	f := pflag.NewFlagSet("runos bench", pflag.ContinueOnError)
	f.SetOutput(stderr)
	asJSON := f.Bool("json", false, "print the report as JSON")
	asCSV := f.Bool("csv", false, "print the report as CSV")
	svg := f.String("svg", "", "also draw a bar chart (log scale) into `FILE`")
	quick := f.Bool("quick", false, "fewer iterations and repetitions: a run under 30 seconds")
	filter := f.String("filter", "", "run only the benchmarks whose names match `REGEX`")
	reps := f.Int("reps", 0, "repetitions of every measurement (default 5, or 3 with --quick)")
	platforms := f.StringSlice("platforms", []string{"ptrace", "kvm"}, "platforms to try; one that does not work here is skipped with a note")
	cache := f.String("cache", bench.DefaultCacheDir(), "directory for the built benchmark programs")
	f.Usage = func() {
		fmt.Fprintf(stderr, "usage: runos bench [flags]\n\nflags:\n")
		f.PrintDefaults()
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "runos bench: unexpected argument %q\n", f.Arg(0))
		return exitUsage
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(stderr, "runos bench: --json and --csv exclude each other")
		return exitUsage
	}
	o := bench.Options{Platforms: *platforms, Reps: *reps, Quick: *quick}
	if o.Reps == 0 {
		o.Reps = 5
		if *quick {
			o.Reps = 3
		}
	}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			fmt.Fprintf(stderr, "runos bench: --filter: %v\n", err)
			return exitUsage
		}
		o.Filter = re
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "runos bench: cannot find the runos binary: %v\n", err)
		return exitInternalErr
	}
	o.Runos = self
	// The progress line is redrawn in place, which only makes sense on
	// a terminal: isatty(3) is whether TCGETS succeeds.
	if _, err := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS); err == nil {
		o.Progress = stderr
	}

	progs, err := bench.Build(*cache)
	if err != nil {
		fmt.Fprintf(stderr, "runos bench: %v\n", err)
		return exitInternalErr
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	r, err := bench.Run(ctx, progs, o)
	if err != nil {
		fmt.Fprintf(stderr, "runos bench: %v\n", err)
		return 1
	}
	switch {
	case *asJSON:
		err = r.WriteJSON(stdout)
	case *asCSV:
		err = r.WriteCSV(stdout)
	default:
		err = r.WriteText(stdout)
	}
	if err == nil && *svg != "" {
		var sb strings.Builder
		r.WriteSVG(&sb)
		err = os.WriteFile(*svg, []byte(sb.String()), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "runos bench: %v\n", err)
		return 1
	}
	return 0
}
