package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// better says which way a metric improves.
type better int

const (
	lower  better = iota // times
	higher               // throughputs and quality
	none                 // informational (allocations): no ratio
)

// metric is one row of the comparison: a key shared by the Go half and
// bench.py, the model, a label and a unit.
type metric struct {
	Key    string
	Model  string
	Label  string
	Unit   string
	Better better
}

// metrics lists the rows of the table in order. bench.py reports the same
// keys; a key it does not report shows as "n/a".
func metrics(threads int) []metric {
	all := fmt.Sprintf("%d threads", threads)
	if threads == 1 {
		all = "1 thread (-threads 1)"
	}
	return []metric{
		{"if.fit_1", "Isolation Forest", "fit time, 1 thread", "s", lower},
		{"if.fit_all", "Isolation Forest", "fit time, " + all, "s", lower},
		{"if.rows_1", "Isolation Forest", "batch scoring, 1 thread", "rows/s", higher},
		{"if.rows_all", "Isolation Forest", "batch scoring, " + all, "rows/s", higher},
		{"if.row", "Isolation Forest", "one-row latency", "µs", lower},
		{"if.row_allocs", "Isolation Forest", "one-row allocations", "allocs", none},
		{"if.auc", "Isolation Forest", "ROC AUC", "", higher},

		{"rf.fit_1", "Random Forest", "fit time, 1 thread", "s", lower},
		{"rf.fit_all", "Random Forest", "fit time, " + all, "s", lower},
		{"rf.rows_1", "Random Forest", "predict_proba, 1 thread", "rows/s", higher},
		{"rf.rows_all", "Random Forest", "predict_proba, " + all, "rows/s", higher},
		{"rf.row", "Random Forest", "one-row latency", "µs", lower},
		{"rf.row_allocs", "Random Forest", "one-row allocations", "allocs", none},
		{"rf.auc", "Random Forest", "ROC AUC", "", higher},
		{"rf.acc", "Random Forest", "accuracy", "", higher},

		{"xgb.rows_1", "XGBoost binary_100", "batch scoring, 1 thread", "rows/s", higher},
		{"xgb.rows_all", "XGBoost binary_100", "batch scoring, " + all, "rows/s", higher},
		{"xgb.row", "XGBoost binary_100", "one-row latency", "µs", lower},
		{"xgb.row_allocs", "XGBoost binary_100", "one-row allocations", "allocs", none},
		{"xgb.maxdiff", "XGBoost binary_100", "largest Go − XGBoost difference, probability", "", none},
		{"xgb.shap_1", "XGBoost binary_100", "exact TreeSHAP, 1 thread", "rows/s", higher},
		{"xgb.shap_all", "XGBoost binary_100", "exact TreeSHAP, " + all, "rows/s", higher},
		{"xgb.shap_row", "XGBoost binary_100", "exact TreeSHAP one-row latency", "µs", lower},
		{"xgb.shap_allocs", "XGBoost binary_100", "exact TreeSHAP one-row allocations", "allocs", none},
		{"xgb.shap_maxdiff", "XGBoost binary_100", "largest Go − XGBoost difference, SHAP value", "", none},
	}
}

// Row is one line of the result: Go and Reference are NaN when not measured.
type Row struct {
	Key       string  `json:"key"`
	Model     string  `json:"model"`
	Metric    string  `json:"metric"`
	Unit      string  `json:"unit,omitempty"`
	Go        float64 `json:"-"`
	Reference float64 `json:"-"`
	// Ratio is how many times better Go is: reference time ÷ Go time,
	// Go throughput ÷ reference throughput, Go quality ÷ reference quality.
	Ratio float64 `json:"-"`
}

// MarshalJSON writes NaN (not measured) as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		plain
		Go        *float64 `json:"go"`
		Reference *float64 `json:"reference"`
		Ratio     *float64 `json:"ratio"`
	}{plain(r), num(r.Go), num(r.Reference), num(r.Ratio)})
}

// Report is the whole result of a run.
type Report struct {
	Machine   Machine  `json:"machine"`
	Data      string   `json:"data"`
	XGBData   string   `json:"xgboost_data"`
	Threads   int      `json:"threads"`
	Reps      int      `json:"reps"`
	Quick     bool     `json:"quick"`
	Python    Python   `json:"python"`
	Notes     []string `json:"notes,omitempty"`
	Rows      []Row    `json:"rows"`
	TotalSecs float64  `json:"total_seconds"`
}

// Machine describes where the run happened.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GoVersion  string `json:"go"`
	OS         string `json:"os"`
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

// Python describes the reference half: what ran, or why it did not.
type Python struct {
	Ran         bool              `json:"ran"`
	Interpreter string            `json:"interpreter,omitempty"`
	Versions    map[string]string `json:"versions,omitempty"`
	Missing     string            `json:"missing,omitempty"`
}

// ratio returns how many times better Go is than the reference on m, or NaN.
func ratio(b better, g, ref float64) float64 {
	if math.IsNaN(g) || math.IsNaN(ref) || g <= 0 || ref <= 0 {
		return math.NaN()
	}
	switch b {
	case lower:
		return ref / g
	case higher:
		return g / ref
	}
	return math.NaN()
}

// buildRows joins the two halves' figures into table rows.
func buildRows(threads int, goVals, refVals map[string]float64) []Row {
	ms := metrics(threads)
	rows := make([]Row, 0, len(ms))
	get := func(m map[string]float64, k string) float64 {
		if v, ok := m[k]; ok {
			return v
		}
		return math.NaN()
	}
	for _, m := range ms {
		g, r := get(goVals, m.Key), get(refVals, m.Key)
		rows = append(rows, Row{Key: m.Key, Model: m.Model, Metric: m.Label, Unit: m.Unit,
			Go: g, Reference: r, Ratio: ratio(m.Better, g, r)})
	}
	return rows
}

// format prints a figure with a precision that suits its unit.
func format(v float64, unit string) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	switch unit {
	case "s":
		return fmt.Sprintf("%.3f s", v)
	case "rows/s":
		return fmt.Sprintf("%s rows/s", thousands(v))
	case "µs":
		if v >= 1000 {
			return fmt.Sprintf("%.2f ms", v/1000)
		}
		return fmt.Sprintf("%.2f µs", v)
	case "allocs":
		return fmt.Sprintf("%.0f", v)
	}
	if v == 0 {
		return "0"
	}
	if math.Abs(v) < 1e-3 {
		return fmt.Sprintf("%.1e", v)
	}
	return fmt.Sprintf("%.4f", v)
}

// thousands prints v rounded to an integer with thin separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// WriteMarkdown prints the report as a Markdown table with a header that says
// where and on what it ran.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## netwarden vs Python reference\n\n")
	fmt.Fprintf(&b, "- machine: %s, %d cores, %s, %s; load average before %s, after %s\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.GoVersion, r.Machine.OS, r.Machine.LoadBefore, r.Machine.LoadAfter)
	fmt.Fprintf(&b, "- data: %s\n", r.Data)
	fmt.Fprintf(&b, "- XGBoost rows: %s\n", r.XGBData)
	if r.Python.Ran {
		fmt.Fprintf(&b, "- reference: %s (%s), run right after the Go half in the same invocation, on the same matrices and machine\n",
			r.Python.Interpreter, versions(r.Python.Versions))
	} else {
		fmt.Fprintf(&b, "- reference: not run: %s\n", r.Python.Missing)
	}
	fmt.Fprintf(&b, "- timings: median of %d runs after a warm-up; all-threads columns use %d threads; one-row latency is single-threaded "+
		"(Go: median over blocks of %d calls; Python: median of single calls)\n", r.Reps, r.Threads, rowBlock)
	fmt.Fprintf(&b, "- ratio: how many times better Go is (reference time ÷ Go time, Go rows/s ÷ reference rows/s, Go AUC ÷ reference AUC)\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- note: %s\n", n)
	}
	fmt.Fprintf(&b, "\n| model | metric | Go | reference | ratio |\n|---|---|---:|---:|---:|\n")
	for _, row := range r.Rows {
		ratio := "–"
		if !math.IsNaN(row.Ratio) {
			ratio = fmt.Sprintf("%.2f×", row.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", row.Model, row.Metric,
			format(row.Go, row.Unit), format(row.Reference, row.Unit), ratio)
	}
	fmt.Fprintf(&b, "\ntotal wall time %.1f s\n", r.TotalSecs)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as indented JSON; figures not measured are null.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func versions(v map[string]string) string {
	var parts []string
	for _, k := range []string{"python", "numpy", "sklearn", "xgboost"} {
		if s, ok := v[k]; ok {
			parts = append(parts, k+" "+s)
		}
	}
	return strings.Join(parts, ", ")
}
