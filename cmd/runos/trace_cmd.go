package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
)

// `runos trace summary FILE` and `runos trace svg FILE -o OUT.svg` read a
// --trace-out file back: the first as a table of the busiest syscalls,
// the second as a picture, one lane per task and one bar per syscall,
// coloured by class, for people who would rather look than read.

// traceFile is the part of a trace-event file these commands read.
type traceFile struct {
	TraceEvents []traceEvent `json:"traceEvents"`
}

func readTrace(path string) (*traceFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tf traceFile
	if err := json.Unmarshal(b, &tf); err != nil {
		return nil, fmt.Errorf("%s: not a trace-event file: %w", path, err)
	}
	return &tf, nil
}

func cmdTrace(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintf(stderr, "usage: runos trace summary [--top N] FILE\n       runos trace svg FILE -o OUT.svg\n")
		return exitUsage
	}
	if len(args) == 0 {
		return usage()
	}
	f := pflag.NewFlagSet("runos trace", pflag.ContinueOnError)
	f.SetOutput(stderr)
	top := f.Int("top", 20, "show the `N` syscalls with the most calls")
	out := f.StringP("output", "o", "", "write the SVG to `FILE`")
	if err := f.Parse(args[1:]); err != nil || f.NArg() != 1 {
		return usage()
	}
	tf, err := readTrace(f.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "runos trace: %v\n", err)
		return 1
	}
	switch args[0] {
	case "summary":
		writeTraceSummary(stdout, tf, *top)
		return 0
	case "svg":
		if *out == "" {
			return usage()
		}
		if err := os.WriteFile(*out, []byte(traceSVG(tf)), 0o666); err != nil {
			fmt.Fprintf(stderr, "runos trace svg: %v\n", err)
			return 1
		}
		return 0
	}
	return usage()
}

// callTotals is one row of the summary.
type callTotals struct {
	name          string
	calls, errors int
	total         float64 // microseconds
}

// writeTraceSummary prints the syscalls with the most calls (ties: more
// time first), with their total and mean time and error count.
func writeTraceSummary(w io.Writer, tf *traceFile, top int) {
	rows := map[string]*callTotals{}
	tasks := map[[2]int]bool{}
	var all callTotals
	for _, ev := range tf.TraceEvents {
		if ev.Phase != "X" {
			continue
		}
		r := rows[ev.Name]
		if r == nil {
			r = &callTotals{name: ev.Name}
			rows[ev.Name] = r
		}
		tasks[[2]int{ev.PID, ev.TID}] = true
		r.calls++
		all.calls++
		if ev.Dur != nil {
			r.total += *ev.Dur
			all.total += *ev.Dur
		}
		if res, _ := ev.Args["result"].(string); strings.HasPrefix(res, "-1") {
			r.errors++
			all.errors++
		}
	}
	list := make([]*callTotals, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.calls != b.calls {
			return a.calls > b.calls
		}
		if a.total != b.total {
			return a.total > b.total
		}
		return a.name < b.name
	})
	fmt.Fprintf(w, "%d syscalls by %d tasks, %.3f ms in the kernel\n", all.calls, len(tasks), all.total/1e3)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "calls\terrors\ttotal ms\tusecs/call\t% time\t syscall")
	for i, r := range list {
		if i == top {
			break
		}
		per, pct := 0.0, 0.0
		if r.calls > 0 {
			per = r.total / float64(r.calls)
		}
		if all.total > 0 {
			pct = 100 * r.total / all.total
		}
		fmt.Fprintf(tw, "%d\t%d\t%.3f\t%.1f\t%.1f\t %s\n", r.calls, r.errors, r.total/1e3, per, pct, r.name)
	}
	tw.Flush()
}

// classColours colour a slice by its category (the strace class).
var classColours = map[string]string{
	"file": "#4e79a7", "desc": "#76b7b2", "memory": "#59a14f", "process": "#e15759",
	"signal": "#f28e2b", "network": "#b07aa1", "ipc": "#edc948", "other": "#9c9c9c",
}

// traceSVG draws the timeline: a lane per task, labelled with its track
// name, a rect per syscall (its <title> is the call, shown on hover), a
// tick per instant, and a legend of the colours.
func traceSVG(tf *traceFile) string {
	type lane struct {
		pid, tid int
		name     string
	}
	lanes := map[[2]int]*lane{}
	var order []*lane
	laneOf := func(pid, tid int) *lane {
		k := [2]int{pid, tid}
		if l := lanes[k]; l != nil {
			return l
		}
		l := &lane{pid: pid, tid: tid, name: fmt.Sprintf("task %d", tid)}
		lanes[k] = l
		order = append(order, l)
		return l
	}
	end := 1.0
	for _, ev := range tf.TraceEvents {
		switch ev.Phase {
		case "M":
			if ev.Name == "thread_name" {
				if n, ok := ev.Args["name"].(string); ok {
					laneOf(ev.PID, ev.TID).name = n
				}
			}
		case "X", "i":
			laneOf(ev.PID, ev.TID)
			e := ev.TS
			if ev.Dur != nil {
				e += *ev.Dur
			}
			end = max(end, e)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].pid != order[j].pid {
			return order[i].pid < order[j].pid
		}
		return order[i].tid < order[j].tid
	})
	const (
		left, width, laneH, top = 160.0, 1000.0, 24.0, 40.0
	)
	row := map[[2]int]int{}
	for i, l := range order {
		row[[2]int{l.pid, l.tid}] = i
	}
	x := func(ts float64) float64 { return left + ts/end*width }
	height := top + laneH*float64(len(order)) + 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", left+width+20, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14">runos trace: %d tasks, %.3f ms</text>`+"\n", len(order), end/1e3)
	for i, l := range order {
		y := top + laneH*float64(i)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.0f" height="%.1f" fill="%s"/>`+"\n", left, y, width, laneH-2, []string{"#f4f4f4", "#ebebeb"}[i%2])
		fmt.Fprintf(&b, `<text x="10" y="%.1f">%s</text>`+"\n", y+laneH/2+4, xmlText(l.name))
	}
	for _, ev := range tf.TraceEvents {
		r, ok := row[[2]int{ev.PID, ev.TID}]
		if !ok {
			continue
		}
		y := top + laneH*float64(r)
		switch ev.Phase {
		case "X":
			dur := 0.0
			if ev.Dur != nil {
				dur = *ev.Dur
			}
			colour, ok := classColours[ev.Cat]
			if !ok {
				colour = classColours["other"]
			}
			a, _ := ev.Args["args"].(string)
			res, _ := ev.Args["result"].(string)
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				x(ev.TS), y+3, max(dur/end*width, 0.5), laneH-8, colour,
				xmlText(fmt.Sprintf("%s(%s) = %s  [%.1f us]", ev.Name, a, res, dur)))
		case "i":
			fmt.Fprintf(&b, `<line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f" stroke="black" stroke-width="1.5"><title>%s</title></line>`+"\n",
				x(ev.TS), y, x(ev.TS), y+laneH-2, xmlText(ev.Name))
		}
	}
	names := make([]string, 0, len(classColours))
	for n := range classColours {
		names = append(names, n)
	}
	sort.Strings(names)
	ly := height - 20
	for i, n := range names {
		lx := left + float64(i)*90
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`+"\n", lx, ly-10, classColours[n], lx+16, ly, n)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// xmlText escapes s for an SVG text node.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
