package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
)

// platformColors are the bar colours, by position in Report.Platforms
// (native first).
var platformColors = []string{"#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d"}

// SVG geometry, in pixels.
const (
	svgBarW     = 14
	svgGroupGap = 18
	svgLeft     = 64
	svgTop      = 40
	svgPlotH    = 300
	svgBottom   = 90
	svgRight    = 120
)

// WriteSVG draws the report as a bar chart: one group per benchmark, one
// bar per platform, a logarithmic time axis (the results span five
// decades, from a null syscall natively to fork under a platform), a
// whisker for min–max and a dashed line for each floor.
func (r *Report) WriteSVG(w io.Writer) error {
	var names []string
	byName := map[string][]Result{}
	for _, x := range r.Results {
		if _, ok := byName[x.Benchmark]; !ok {
			names = append(names, x.Benchmark)
		}
		byName[x.Benchmark] = append(byName[x.Benchmark], x)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(v float64) {
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, x := range r.Results {
		see(x.Min)
		see(x.Max)
	}
	for _, f := range r.Floors {
		see(f.Median)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	dLo, dHi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dHi <= dLo {
		dHi = dLo + 1
	}
	y := func(v float64) float64 {
		return svgTop + svgPlotH*(1-(math.Log10(v)-dLo)/(dHi-dLo))
	}
	nb := max(len(r.Platforms), 1)
	groupW := float64(nb*svgBarW + svgGroupGap)
	plotW := groupW * float64(max(len(names), 1))
	width := svgLeft + plotW + svgRight
	height := float64(svgTop + svgPlotH + svgBottom)

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">%s</text>`+"\n", svgLeft,
		esc(fmt.Sprintf("runos bench, %s, %s, %d CPUs: time per operation (log scale), median of %d", r.Date.Format("2006-01-02"), r.Kernel, r.CPUs, r.Reps)))

	// Decade grid lines and labels.
	for d := dLo; d <= dHi; d++ {
		yy := y(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", svgLeft, yy, svgLeft+plotW, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", svgLeft-6, yy, esc(decadeLabel(int(d))))
	}

	// Bars, with min–max whiskers.
	for gi, name := range names {
		x0 := svgLeft + groupW*float64(gi) + svgGroupGap/2
		for _, x := range byName[name] {
			pi := indexOf(r.Platforms, x.Platform)
			if pi < 0 || x.Median <= 0 {
				continue
			}
			bx := x0 + float64(pi*svgBarW)
			top := y(x.Median)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				bx, top, svgBarW-2, svgTop+svgPlotH-top, platformColors[pi%len(platformColors)],
				esc(fmt.Sprintf("%s on %s: %s per %s (%s)", name, x.Platform, FormatNS(x.Median), x.Unit, rangeOf(x.Stats))))
			cx := bx + float64(svgBarW-2)/2
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", cx, y(x.Min), cx, y(x.Max))
		}
		lx, ly := x0+float64(nb*svgBarW)/2, float64(svgTop+svgPlotH+12)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-40 %.1f %.1f)">%s</text>`+"\n", lx, ly, lx, ly, esc(name))
	}

	// Floors: dashed lines across the plot.
	for _, f := range r.Floors {
		if f.Median <= 0 {
			continue
		}
		pi := indexOf(r.Platforms, f.Mechanism)
		color := "#888"
		if pi >= 0 {
			color = platformColors[pi%len(platformColors)]
		}
		yy := y(f.Median)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="5,3"/>`+"\n", svgLeft, yy, svgLeft+plotW, yy, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", svgLeft+plotW+4, yy, esc(fmt.Sprintf("%s floor %s", f.Mechanism, FormatNS(f.Median))))
	}

	// Axis and legend.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", svgLeft, svgTop, svgLeft, svgTop+svgPlotH)
	for i, p := range r.Platforms {
		lx := svgLeft + 90*i
		ly := int(height) - 14
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			lx, ly-9, platformColors[i%len(platformColors)], lx+14, ly, esc(p))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// decadeLabel names 10^d ns as an axis does: "100 ns", "1 µs", "10 ms".
func decadeLabel(d int) string {
	units := []string{"ns", "µs", "ms", "s"}
	u := min(max(d, 0)/3, len(units)-1)
	return fmt.Sprintf("%.0f %s", math.Pow(10, float64(d-3*u)), units[u])
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
