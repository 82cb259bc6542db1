package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/netwarden/netwarden/anomaly"
)

// palette gives each model the same colour on every chart.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
}

// maxCurvePoints bounds the points drawn per curve: enough for a smooth
// line, few enough for a small file.
const maxCurvePoints = 2000

// drawAll draws every chart into dir and returns the file names.
func drawAll(dir string, models []*ModelResult, curve []CurvePoint, attack []bool) ([]string, error) {
	var files []string
	save := func(p *plot.Plot, w, h vg.Length, name string) error {
		if err := p.Save(w, h, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, name)
		return nil
	}
	roc, pr, err := curvesPlots(models, attack)
	if err != nil {
		return nil, err
	}
	if err := save(roc, 6*vg.Inch, 5*vg.Inch, "roc.png"); err != nil {
		return nil, err
	}
	low, err := lowFPRPlot(models, attack)
	if err != nil {
		return nil, err
	}
	if err := save(low, 6*vg.Inch, 5*vg.Inch, "roc_low_fpr.png"); err != nil {
		return nil, err
	}
	if err := save(pr, 6*vg.Inch, 5*vg.Inch, "pr.png"); err != nil {
		return nil, err
	}
	if err := histograms(filepath.Join(dir, "hist.png"), models, attack); err != nil {
		return nil, err
	}
	files = append(files, "hist.png")
	if err := budgetPlot(filepath.Join(dir, "budget.png"), curve); err != nil {
		return nil, err
	}
	files = append(files, "budget.png")
	for _, m := range models {
		if m.Importance == nil {
			continue
		}
		ip, h, err := importancePlot(m)
		if err != nil {
			return nil, err
		}
		if err := save(ip, 7*vg.Inch, h, "importance_"+m.Name+".png"); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// thin keeps at most maxCurvePoints of a curve, first and last included.
func thin(x, y []float64) plotter.XYs {
	step := max(1, (len(x)+maxCurvePoints-1)/maxCurvePoints)
	var xy plotter.XYs
	for i := 0; i < len(x); i += step {
		xy = append(xy, plotter.XY{X: x[i], Y: y[i]})
	}
	if n := len(x); n > 0 && (n-1)%step != 0 {
		xy = append(xy, plotter.XY{X: x[n-1], Y: y[n-1]})
	}
	return xy
}

// curvesPlots draws the ROC and precision-recall curves of every model.
func curvesPlots(models []*ModelResult, attack []bool) (roc, pr *plot.Plot, err error) {
	roc, pr = plot.New(), plot.New()
	roc.Title.Text = "ROC curves on the test set"
	roc.X.Label.Text = "false-positive rate (benign rows flagged)"
	roc.Y.Label.Text = "true-positive rate (attacks detected)"
	pr.Title.Text = "Precision-recall curves on the test set"
	pr.X.Label.Text = "recall (attacks detected)"
	pr.Y.Label.Text = "precision (alerts that are attacks)"
	for _, p := range []*plot.Plot{roc, pr} {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.01
		p.Add(plotter.NewGrid())
	}
	roc.Legend.Top, roc.Legend.Left = false, false
	// Lower left, clear of the curves' start at recall 0.
	pr.Legend.Left = true
	pr.Legend.XOffs, pr.Legend.YOffs = vg.Inch*0.5, vg.Inch*0.4
	diag, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	diag.Color, diag.Dashes = color.Gray{Y: 0xa0}, []vg.Length{vg.Points(3), vg.Points(3)}
	roc.Add(diag)
	for k, m := range models {
		fpr, tpr, _, err := anomaly.ROCCurve(m.scores, attack)
		if err != nil {
			return nil, nil, fmt.Errorf("roc.png: %s: %w", m.Name, err)
		}
		l, err := plotter.NewLine(thin(fpr, tpr))
		if err != nil {
			return nil, nil, err
		}
		l.Color, l.Width = palette[k%len(palette)], vg.Points(1.5)
		roc.Add(l)
		roc.Legend.Add(fmt.Sprintf("%s (AUC %.3f)", m.Name, float64(m.ROCAUC)), l)

		prec, rec, _, err := anomaly.PRCurve(m.scores, attack)
		if err != nil {
			return nil, nil, fmt.Errorf("pr.png: %s: %w", m.Name, err)
		}
		l, err = plotter.NewLine(thin(rec, prec))
		if err != nil {
			return nil, nil, err
		}
		l.Color, l.Width = palette[k%len(palette)], vg.Points(1.5)
		pr.Add(l)
		pr.Legend.Add(fmt.Sprintf("%s (AP %.3f)", m.Name, float64(m.PRAUC)), l)
	}
	return roc, pr, nil
}

// lowFPRPlot draws roc_low_fpr.png: the ROC curves with the false-positive
// rate on a log scale from 0.01 % to 100 %, so that the 0.1–5 % region an
// operator's false-alarm budget lives in takes most of the width instead
// of a sliver at the left edge. Points at a false-positive rate of zero
// (which a log scale cannot place) start each curve at the axis' left end.
func lowFPRPlot(models []*ModelResult, attack []bool) (*plot.Plot, error) {
	const lo = 1e-4
	p := plot.New()
	p.Title.Text = "ROC curves, false-positive rate on a log scale"
	p.X.Label.Text = "false-positive rate (benign rows flagged), log scale"
	p.Y.Label.Text = "true-positive rate (attacks detected)"
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, 1, 0, 1.01
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 1e-4, Label: "0.01 %"}, {Value: 1e-3, Label: "0.1 %"}, {Value: 1e-2, Label: "1 %"},
		{Value: 0.02}, {Value: 0.05, Label: "5 %"}, {Value: 1e-1, Label: "10 %"}, {Value: 1, Label: "100 %"},
	})
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = false, false // bottom right, below the curves
	for k, m := range models {
		fpr, tpr, _, err := anomaly.ROCCurve(m.scores, attack)
		if err != nil {
			return nil, fmt.Errorf("roc_low_fpr.png: %s: %w", m.Name, err)
		}
		x, y := logROC(fpr, tpr, lo)
		l, err := plotter.NewLine(thin(x, y))
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = palette[k%len(palette)], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (AUC %.3f)", m.Name, float64(m.ROCAUC)), l)
	}
	return p, nil
}

// logROC returns the points of the ROC curve (fpr, tpr) from a false-
// positive rate of lo on, for a log-scale axis. A segment between two ROC
// points (scores tied across classes) is a straight line in linear
// coordinates, which a log axis bends: long segments get points every
// twentieth of a decade, interpolated linearly in the false-positive rate,
// and the curve enters the axis at lo by the same interpolation.
func logROC(fpr, tpr []float64, lo float64) (x, y []float64) {
	at := func(i int, f float64) float64 { // tpr at fpr f on the segment ending at point i
		if fpr[i] == fpr[i-1] {
			return tpr[i]
		}
		return tpr[i-1] + (tpr[i]-tpr[i-1])*(f-fpr[i-1])/(fpr[i]-fpr[i-1])
	}
	const step = 0.05 // decades
	for i := range fpr {
		if fpr[i] < lo {
			continue
		}
		if i > 0 {
			from := fpr[i-1]
			if from < lo {
				from = lo
				x, y = append(x, lo), append(y, at(i, lo))
			}
			for f := from * math.Pow(10, step); f < fpr[i]; f *= math.Pow(10, step) {
				x, y = append(x, f), append(y, at(i, f))
			}
		}
		x, y = append(x, fpr[i]), append(y, tpr[i])
	}
	return x, y
}

// shareTicks are the y ticks of every histogram panel: a share of a
// class's rows, from 0 to 1.
var shareTicks = plot.ConstantTicks([]plot.Tick{
	{Value: 0, Label: "0"}, {Value: 0.1}, {Value: 0.2, Label: "0.2"}, {Value: 0.3}, {Value: 0.4, Label: "0.4"},
	{Value: 0.5}, {Value: 0.6, Label: "0.6"}, {Value: 0.7}, {Value: 0.8, Label: "0.8"}, {Value: 0.9}, {Value: 1, Label: "1"},
})

// scoreAxis returns the x range of a histogram panel, [lo, hi] widened to
// whole steps of a round size (1, 2, 2.5 or 5 times a power of ten, about
// a quarter of the range), and its ticks: a labelled one at every step, a
// minor one between, labels with the step's decimals, so that every panel
// reads alike.
func scoreAxis(lo, hi float64) (min, max float64, ticks plot.Ticker) {
	raw := (hi - lo) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, f := range []float64{1, 2, 2.5, 5} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	min, max = math.Floor(lo/step+1e-9)*step, math.Ceil(hi/step-1e-9)*step
	decimals := 0
	for d := step; d < 1 && decimals < 6; d *= 10 {
		decimals++
	}
	if step/mag == 2.5 {
		decimals++
	}
	var ts []plot.Tick
	for k := 0; ; k++ {
		v := min + float64(k)*step/2
		if v > max+step*1e-6 {
			break
		}
		t := plot.Tick{Value: v}
		if k%2 == 0 {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ts = append(ts, t)
	}
	return min, max, plot.ConstantTicks(ts)
}

// histograms draws, per model, the score distribution of benign and attack
// test rows (each as a share of its class) and the threshold. Every panel
// has the same y axis, a share from 0 to the tallest bar of any panel
// (never above 1), with the same ticks, and x ticks labelled alike; the
// legend sits at the top, over the middle of the score range, where the
// bars are lowest.
func histograms(path string, models []*ModelResult, attack []bool) error {
	plots, err := histogramPlots(models, attack)
	if err != nil {
		return err
	}
	return savePanels(path, plots, 5*vg.Inch, 3.5*vg.Inch)
}

// histogramPlots builds the panels of hist.png (see histograms), two a row.
func histogramPlots(models []*ModelResult, attack []bool) ([][]*plot.Plot, error) {
	const bins = 40
	cols := 2
	rows := (len(models) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	var panels []*plot.Plot
	var thresholds []*plotter.Line
	top := 0.0 // the tallest bar of any panel
	benignC := color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0x99}
	attackC := color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0x99}
	for k, m := range models {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range m.scores {
			lo, hi = math.Min(lo, s), math.Max(hi, s)
		}
		if !(hi > lo) {
			hi = lo + 1
		}
		width := (hi - lo) / bins
		mk := func(want bool, c color.Color) *plotter.Histogram {
			h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width, FillColor: c}
			var n float64
			for i, s := range m.scores {
				if attack[i] != want {
					continue
				}
				b := min(int((s-lo)/width), bins-1)
				h.Bins[b].Weight++
				n++
			}
			for b := range h.Bins {
				h.Bins[b].Min, h.Bins[b].Max = lo+float64(b)*width, lo+float64(b+1)*width
				if n > 0 {
					h.Bins[b].Weight /= n
				}
			}
			h.LineStyle.Width = vg.Points(0.5)
			h.LineStyle.Color = color.Gray{Y: 0x60}
			return h
		}
		p := plot.New()
		p.Title.Text = m.Name
		p.X.Label.Text = "score"
		p.Y.Label.Text = "share of the class's rows"
		hb, ha := mk(false, benignC), mk(true, attackC)
		p.Add(hb, ha)
		p.Legend.Add("benign", hb)
		p.Legend.Add("attack", ha)
		for b := range hb.Bins {
			top = math.Max(top, math.Max(hb.Bins[b].Weight, ha.Bins[b].Weight))
		}
		t := float64(m.Threshold)
		if t >= lo && t <= hi {
			l, err := plotter.NewLine(plotter.XYs{{X: t, Y: 0}, {X: t, Y: 1}}) // cut at the legend below
			if err != nil {
				return nil, err
			}
			l.Color, l.Dashes, l.Width = color.Black, []vg.Length{vg.Points(4), vg.Points(2)}, vg.Points(1.2)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("threshold %.3g", t), l)
			thresholds = append(thresholds, l)
		}
		p.X.Min, p.X.Max, p.X.Tick.Marker = scoreAxis(lo, hi)
		p.Y.Tick.Marker = shareTicks
		p.Legend.Top, p.Legend.Left = true, true
		p.Legend.XOffs = 1.9 * vg.Inch // over the middle of the scores
		panels = append(panels, p)
		plots[k/cols][k%cols] = p
	}
	// One y axis for all: up to the tallest bar, rounded up to a tenth,
	// never above 1 (a share).
	ymax := math.Min(1, math.Ceil(top*10+1e-9)/10)
	for _, p := range panels {
		p.Y.Min, p.Y.Max = 0, ymax
	}
	// The threshold lines stop below the legend, which takes the top fifth.
	for _, l := range thresholds {
		l.XYs[1].Y = 0.78 * ymax
	}
	for r := range plots {
		for c := range plots[r] {
			if plots[r][c] == nil {
				plots[r][c] = plot.New()
				plots[r][c].HideAxes()
			}
		}
	}
	return plots, nil
}

// budgetPlot draws budget.png: on the left the detection rate of the test
// attacks against the false-alarm budget for the classifier alone, the
// novelty detector alone and the hybrid; on the right the false-alarm rate
// each then shows on the benign test rows, beside the budget itself, since
// a budget calibrated on training traffic holds only as long as benign
// traffic does not drift.
func budgetPlot(path string, curve []CurvePoint) error {
	det, obs := plot.New(), plot.New()
	det.Title.Text = "Attacks detected within a false-alarm budget"
	det.Y.Label.Text = "share of the test attacks detected"
	det.Y.Min, det.Y.Max = 0, 1
	obs.Title.Text = "False alarms observed on the benign test rows"
	obs.Y.Label.Text = "share of benign test rows flagged"
	obs.Y.Min = 0
	var ticks []plot.Tick
	for _, pt := range curve {
		ticks = append(ticks, plot.Tick{Value: pt.Budget, Label: fmt.Sprintf("%g %%", 100*pt.Budget)})
	}
	// A long axis label narrows gonum's data area (its padding follows the
	// label's glyph box), so the label stays short; the budget is always
	// calibrated on the held-out benign training rows.
	for _, p := range []*plot.Plot{det, obs} {
		p.X.Label.Text = "false-alarm budget"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Add(plotter.NewGrid())
	}
	// Bottom right on the left panel (the curves rise towards the top
	// right), top left on the right panel.
	det.Legend.Top, det.Legend.Left = false, false
	obs.Legend.Top, obs.Legend.Left = true, true
	series := []struct {
		name     string
		det, fpr func(CurvePoint) number
		c        color.Color
	}{
		{"classifier alone (Random Forest)", func(c CurvePoint) number { return c.ClassifierDetection }, func(c CurvePoint) number { return c.ClassifierFPR }, palette[1]},
		{"novelty alone (Isolation Forest)", func(c CurvePoint) number { return c.NoveltyDetection }, func(c CurvePoint) number { return c.NoveltyFPR }, palette[0]},
		{"hybrid", func(c CurvePoint) number { return c.HybridDetection }, func(c CurvePoint) number { return c.HybridFPR }, palette[3]},
	}
	line := func(p *plot.Plot, name string, get func(CurvePoint) number, c color.Color, dashed bool) error {
		var xy plotter.XYs
		for _, pt := range curve {
			if v := float64(get(pt)); !math.IsNaN(v) {
				xy = append(xy, plotter.XY{X: pt.Budget, Y: v})
			}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		l.Color, l.Width = c, vg.Points(1.8)
		pts.Color, pts.Shape = c, draw.CircleGlyph{}
		if dashed {
			l.Dashes, l.Width = []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1.2)
			pts.Shape = draw.CrossGlyph{}
		}
		p.Add(l, pts)
		p.Legend.Add(name, l, pts)
		return nil
	}
	for _, s := range series {
		if err := line(det, s.name, s.det, s.c, false); err != nil {
			return err
		}
		if err := line(obs, s.name, s.fpr, s.c, false); err != nil {
			return err
		}
	}
	if err := line(obs, "the budget itself", func(c CurvePoint) number { return number(c.Budget) }, color.Black, true); err != nil {
		return err
	}
	return savePanels(path, [][]*plot.Plot{{det, obs}}, 6*vg.Inch, 5*vg.Inch)
}

// savePanels draws plots as aligned tiles of w × h each into a PNG file.
func savePanels(path string, plots [][]*plot.Plot, w, h vg.Length) error {
	rows, cols := len(plots), len(plots[0])
	img := vgimg.New(vg.Length(cols)*w, vg.Length(rows)*h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(tiles.At(dc, c, r))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// importancePlot draws a model's global ranking of raw columns as
// horizontal bars, the largest on top, and returns the plot and a height.
func importancePlot(m *ModelResult) (*plot.Plot, vg.Length, error) {
	const top = 15
	cols := m.Importance.ByColumn
	cols = cols[:min(top, len(cols))]
	vals := make(plotter.Values, len(cols))
	labels := make([]string, len(cols))
	for i, c := range cols {
		j := len(cols) - 1 - i // largest on top
		vals[j], labels[j] = c.Value, c.Name
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: global ranking of raw columns (%d test rows)", m.Name, m.Importance.Rows)
	p.Title.Padding = vg.Points(10) // clear of the top bar
	p.X.Label.Text = "mean |contribution| (" + m.Importance.Units + ")"
	bars, err := plotter.NewBarChart(vals, vg.Points(12))
	if err != nil {
		return nil, 0, err
	}
	bars.Horizontal = true
	bars.Color = palette[1]
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalY(labels...)
	p.X.Min = 0
	if len(vals) > 0 {
		p.X.Max = vals[len(vals)-1] * 1.08 // the longest bar ends inside the frame
	}
	p.Y.Min, p.Y.Max = -0.6, float64(len(cols))-0.4 // half a bar's gap above the top bar
	return p, vg.Length(len(cols))*0.3*vg.Inch + 1.5*vg.Inch, nil
}
