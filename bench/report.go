package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a Run.
type Report struct {
	Date   time.Time `json:"date"`
	Kernel string    `json:"kernel"`
	CPUs   int       `json:"cpus"`
	Reps   int       `json:"reps"`
	Quick  bool      `json:"quick"`
	// LoadBefore and LoadAfter are the load averages around the run: a
	// shared, busy machine shows here.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
	// Platforms are the targets measured, "native" first.
	Platforms []string      `json:"platforms"`
	Floors    []FloorResult `json:"floors"`
	Results   []Result      `json:"results"`
	// Notes say what was skipped and why.
	Notes []string `json:"notes,omitempty"`
}

// FloorResult is a mechanism's floor, per trap.
type FloorResult struct {
	Mechanism string `json:"mechanism"`
	Unit      string `json:"unit"`
	Stats
	Error string `json:"error,omitempty"`
}

// Result is one benchmark on one target.
type Result struct {
	Benchmark string `json:"benchmark"`
	Platform  string `json:"platform"`
	Unit      string `json:"unit"`
	Stats
	// XNative is the median over the native median; XFloor the median
	// over the median of the platform's floor (one bare trap). Zero when
	// not applicable.
	XNative float64 `json:"x_native,omitempty"`
	XFloor  float64 `json:"x_floor,omitempty"`
	// MBPerS is the throughput at the median, for a benchmark that
	// moves data (Benchmark.Bytes); zero otherwise.
	MBPerS float64 `json:"mb_per_s,omitempty"`
	Error  string  `json:"error,omitempty"`
}

func (r *Report) floor(mechanism string) *FloorResult {
	for i := range r.Floors {
		if r.Floors[i].Mechanism == mechanism {
			return &r.Floors[i]
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// csvHeader is the CSV's first row; floors are rows with benchmark
// "floor" and their mechanism as platform.
var csvHeader = []string{"benchmark", "platform", "unit", "reps", "median_ns", "min_ns", "max_ns", "x_native", "x_floor", "error", "mb_per_s"}

// WriteCSV writes one row per floor and per benchmark and target.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	num := func(x float64) string {
		if x == 0 {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	for _, f := range r.Floors {
		cw.Write([]string{"floor", f.Mechanism, f.Unit, strconv.Itoa(len(f.Samples)), num(f.Median), num(f.Min), num(f.Max), "", "", f.Error, ""})
	}
	for _, x := range r.Results {
		cw.Write([]string{x.Benchmark, x.Platform, x.Unit, strconv.Itoa(len(x.Samples)), num(x.Median), num(x.Min), num(x.Max), num(x.XNative), num(x.XFloor), x.Error, num(x.MBPerS)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes the report as a table for people.
func (r *Report) WriteText(w io.Writer) error {
	mode := ""
	if r.Quick {
		mode = ", quick"
	}
	fmt.Fprintf(w, "runos bench: %s, %s, %d CPUs, load %s, %d reps%s (median, min–max)\n",
		r.Date.Format("2006-01-02 15:04 MST"), r.Kernel, r.CPUs, r.LoadBefore, r.Reps, mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tplatform\tmedian\tmin–max\t× native\t× floor\tper\t")
	for _, f := range r.Floors {
		if f.Error != "" {
			fmt.Fprintf(tw, "floor\t%s\tfailed: %s\t\t\t\t\t\n", f.Mechanism, f.Error)
			continue
		}
		fmt.Fprintf(tw, "floor\t%s\t%s\t%s\t\t\t%s\t\n", f.Mechanism, FormatNS(f.Median), rangeOf(f.Stats), f.Unit)
	}
	last := ""
	for _, x := range r.Results {
		name := x.Benchmark
		if name == last {
			name = ""
		}
		last = x.Benchmark
		if x.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\tfailed: %s\t\t\t\t\t\n", name, x.Platform, x.Error)
			continue
		}
		per := x.Unit
		if x.MBPerS > 0 {
			per += fmt.Sprintf(" (%.0f MB/s)", x.MBPerS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, x.Platform, FormatNS(x.Median), rangeOf(x.Stats), ratio(x.XNative), ratio(x.XFloor), per)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func rangeOf(s Stats) string {
	return FormatNS(s.Min) + "–" + FormatNS(s.Max)
}

func ratio(x float64) string {
	switch {
	case x == 0:
		return ""
	case x < 10:
		return fmt.Sprintf("%.2f×", x)
	}
	return fmt.Sprintf("%.0f×", x)
}

// FormatNS renders a time in ns with a unit that keeps it short:
// "87 ns", "5.84 µs", "21.3 ms".
func FormatNS(ns float64) string {
	units := []struct {
		scale float64
		name  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	for _, u := range units {
		if ns >= u.scale || u.name == "ns" {
			v := ns / u.scale
			var s string
			switch {
			case u.name == "ns" || v >= 100:
				s = strconv.FormatFloat(v, 'f', 0, 64)
			case v >= 10:
				s = strconv.FormatFloat(v, 'f', 1, 64)
			default:
				s = strconv.FormatFloat(v, 'f', 2, 64)
			}
			return strings.TrimSpace(s) + " " + u.name
		}
	}
	return ""
}
