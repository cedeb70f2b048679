package bench

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// Stats summarises the repetitions of one measurement, in ns per unit.
type Stats struct {
	Samples []float64 `json:"samples_ns"`
	Median  float64   `json:"median_ns"`
	Min     float64   `json:"min_ns"`
	Max     float64   `json:"max_ns"`
}

// NewStats computes the median, minimum and maximum of samples; the median
// of an even number of samples is the mean of the middle two. The median,
// not the mean, because one repetition disturbed by another tenant of a
// shared machine should not move the result.
func NewStats(samples []float64) Stats {
	st := Stats{Samples: samples}
	if len(samples) == 0 {
		return st
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	st.Min, st.Max = s[0], s[len(s)-1]
	if m := len(s) / 2; len(s)%2 == 1 {
		st.Median = s[m]
	} else {
		st.Median = (s[m-1] + s[m]) / 2
	}
	return st
}

// resultLine is the end of the one line every guest and floor prints:
// "NAME: N UNITS, X ns per UNIT".
var resultLine = regexp.MustCompile(`([0-9]+(?:\.[0-9]*)?) ns per ([a-z][a-z ]*[a-z])`)

// Parse extracts the time per operation and the operation's unit from a
// program's output.
func Parse(out []byte) (ns float64, unit string, err error) {
	m := resultLine.FindSubmatch(out)
	if m == nil {
		return 0, "", fmt.Errorf("no \"X ns per UNIT\" in output %q", firstLine(out))
	}
	ns, err = strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, "", err
	}
	if ns <= 0 {
		return 0, "", fmt.Errorf("non-positive time in %q", firstLine(out))
	}
	return ns, string(m[2]), nil
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i])
		}
	}
	return string(b)
}
