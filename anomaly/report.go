package anomaly

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/netwarden/netwarden/dataset"
)

// ReportConfig holds the optional inputs of NewReport. Its zero value
// means: the default CostModel, no novel-attack line, no budget.
type ReportConfig struct {
	// Cost prices the mistakes; the zero value is the documented default
	// (see CostModel).
	Cost CostModel
	// Novel optionally marks, per row, the attacks whose type (name) never
	// occurs in the training data (see dataset.NovelLabels); the report
	// then gives their detection rate. Nil leaves it out; otherwise it has
	// one element per row.
	Novel []bool
	// Budget is the benign false-alarm rate the threshold was calibrated
	// for (for instance a Hybrid's), shown beside the observed rate. Zero
	// means none.
	Budget float64
	// Families optionally gives, per row, the attack family (the label's
	// own name for the kind of traffic: dataset.Table.Families, such as
	// UNSW-NB15's "Exploits" or CIC-IDS2017's "DoS Hulk"); the report then
	// gives the detection rate of every family of the attack rows. Nil
	// leaves it out; otherwise it has one element per row.
	Families []string
}

// FamilyRate is the detection rate of the attacks of one family: Detected
// of Rows flagged, Rate = Detected/Rows, and the coarse category most of
// its rows have.
type FamilyRate struct {
	Family   string  `json:"family"`
	Category string  `json:"category"`
	Rows     int     `json:"rows"`
	Detected int     `json:"detected"`
	Rate     float64 `json:"detection_rate"`
}

// CategoryRate is the detection rate of the attacks of one category (or of
// the novel attack types): Detected of Rows flagged, Rate = Detected/Rows.
type CategoryRate struct {
	// Category is the category's name ("DoS", "Probe", "R2L", "U2R",
	// "unknown", or "novel" for the never-seen attack types).
	Category string  `json:"category"`
	Rows     int     `json:"rows"`
	Detected int     `json:"detected"`
	Rate     float64 `json:"detection_rate"`
	// MissCost is the cost model's price of one missed attack of this
	// category (0 for the novel line, whose rows are priced by category).
	MissCost float64 `json:"miss_cost"`
}

// Report is the business-impact summary of a detector on labelled rows at
// one threshold: what share of each attack category it catches, how many
// false alarms it raises per 10,000 benign flows, how many alerts are real,
// and what its mistakes cost per million flows. It renders as plain text
// (String, WriteText), Markdown (WriteMarkdown) and JSON (MarshalJSON, with
// stable snake_case keys; undefined values such as the ROC AUC of a set
// with one class are null). A Report is plain data.
type Report struct {
	// Threshold is the decision rule: score >= Threshold is an alert.
	Threshold Threshold
	// Budget is the benign false-alarm rate the threshold was calibrated
	// for, 0 when none was given.
	Budget float64
	// Rows, Benign and Attacks count the rows scored.
	Rows, Benign, Attacks int
	// Confusion is the binary confusion matrix (attacks positive).
	Confusion Confusion
	// Accuracy, Precision (of the alerts), Recall (overall detection rate),
	// F1 and FalsePositiveRate (observed on the benign rows) at Threshold.
	Accuracy, Precision, Recall, F1, FalsePositiveRate float64
	// FalseAlarmsPer10k is FalsePositiveRate × 10,000: false alarms per
	// 10,000 benign flows.
	FalseAlarmsPer10k float64
	// ROCAUC and PRAUC (average precision) of the scores, independent of
	// the threshold; NaN when the rows hold only one class.
	ROCAUC, PRAUC float64
	// Categories holds the detection rate of each attack category present,
	// in dataset.Category order.
	Categories []CategoryRate
	// Novel is the detection rate of the attack types never seen in
	// training, nil when ReportConfig.Novel was not given.
	Novel *CategoryRate
	// Families holds the detection rate of each attack family present,
	// most rows first (ties by name), when ReportConfig.Families was given.
	Families []FamilyRate
	// FalseAlarmCost is the cost model's price of one false alarm.
	FalseAlarmCost float64
	// CostPerMillion is the expected cost of the mistakes per million
	// flows with this traffic mix: (false alarms × their cost + Σ missed
	// attacks × their category's cost) / Rows × 10⁶.
	CostPerMillion float64
}

// NewReport scores the decisions t.Decide(scores[i]) against the true
// category cats[i] of each row (dataset.Normal for benign traffic, any
// other value an attack) and builds the Report.
//
// Errors: lengths of scores, cats and cfg.Novel differ (ErrDimension), no
// rows (ErrEmpty), a NaN or infinite score, cost or budget (ErrNaN), a
// negative cost or a budget outside [0, 1].
func NewReport(scores []float64, cats []dataset.Category, t Threshold, cfg ReportConfig) (*Report, error) {
	if len(scores) != len(cats) {
		return nil, fmt.Errorf("anomaly: report: %d scores, %d categories: %w", len(scores), len(cats), ErrDimension)
	}
	if cfg.Novel != nil && len(cfg.Novel) != len(scores) {
		return nil, fmt.Errorf("anomaly: report: %d novel flags for %d rows: %w", len(cfg.Novel), len(scores), ErrDimension)
	}
	if cfg.Families != nil && len(cfg.Families) != len(scores) {
		return nil, fmt.Errorf("anomaly: report: %d families for %d rows: %w", len(cfg.Families), len(scores), ErrDimension)
	}
	if len(scores) == 0 {
		return nil, fmt.Errorf("anomaly: report: no rows: %w", ErrEmpty)
	}
	if err := checkFinite("report", scores); err != nil {
		return nil, err
	}
	if err := cfg.Cost.validate("report"); err != nil {
		return nil, err
	}
	if err := checkRate("report", "budget", cfg.Budget); err != nil {
		return nil, err
	}
	attack := make([]bool, len(cats))
	var rows, hit [256]int
	var missCost float64
	var novel *CategoryRate
	if cfg.Novel != nil {
		novel = &CategoryRate{Category: "novel"}
	}
	type famCount struct {
		rows, hit int
		cats      [256]int
	}
	var fams map[string]*famCount
	if cfg.Families != nil {
		fams = map[string]*famCount{}
	}
	var c Confusion
	for i, cat := range cats {
		attack[i] = cat != dataset.Normal
		flag := t.Decide(scores[i])
		c.add(flag, attack[i])
		if !attack[i] {
			continue
		}
		rows[cat]++
		if flag {
			hit[cat]++
		} else {
			missCost += cfg.Cost.MissCost(cat)
		}
		if fams != nil {
			fc := fams[cfg.Families[i]]
			if fc == nil {
				fc = &famCount{}
				fams[cfg.Families[i]] = fc
			}
			fc.rows++
			fc.cats[cat]++
			if flag {
				fc.hit++
			}
		}
		if novel != nil && cfg.Novel[i] {
			novel.Rows++
			if flag {
				novel.Detected++
			}
		}
	}
	r := &Report{
		Threshold:         t,
		Budget:            cfg.Budget,
		Rows:              len(scores),
		Benign:            c.Benign(),
		Attacks:           c.Attacks(),
		Confusion:         c,
		Accuracy:          c.Accuracy(),
		Precision:         c.Precision(),
		Recall:            c.Recall(),
		F1:                c.F1(),
		FalsePositiveRate: c.FalsePositiveRate(),
		FalseAlarmCost:    cfg.Cost.FalseAlarmCost(),
		ROCAUC:            math.NaN(),
		PRAUC:             math.NaN(),
	}
	r.FalseAlarmsPer10k = r.FalsePositiveRate * 1e4
	r.CostPerMillion = (float64(c.FP)*r.FalseAlarmCost + missCost) / float64(r.Rows) * 1e6
	if c.Attacks() > 0 && c.Benign() > 0 {
		// Both are defined: the inputs were checked above.
		r.ROCAUC, _ = ROCAUC(scores, attack)
		r.PRAUC, _ = AveragePrecision(scores, attack)
	}
	for k := range rows {
		if k == int(dataset.Normal) || rows[k] == 0 {
			continue
		}
		cat := dataset.Category(k)
		r.Categories = append(r.Categories, CategoryRate{
			Category: cat.String(), Rows: rows[k], Detected: hit[k],
			Rate: ratio(hit[k], rows[k]), MissCost: cfg.Cost.MissCost(cat),
		})
	}
	if novel != nil {
		novel.Rate = ratio(novel.Detected, novel.Rows)
		r.Novel = novel
	}
	if fams != nil {
		r.Families = []FamilyRate{}
		for name, fc := range fams {
			top := 0
			for k := range fc.cats {
				if fc.cats[k] > fc.cats[top] {
					top = k
				}
			}
			r.Families = append(r.Families, FamilyRate{Family: name, Category: dataset.Category(top).String(),
				Rows: fc.rows, Detected: fc.hit, Rate: ratio(fc.hit, fc.rows)})
		}
		slices.SortFunc(r.Families, func(a, b FamilyRate) int {
			if a.Rows != b.Rows {
				return b.Rows - a.Rows
			}
			return strings.Compare(a.Family, b.Family)
		})
	}
	return r, nil
}

// FamilyDetection returns the detection rate of the named attack family
// and whether the report has it.
func (r *Report) FamilyDetection(family string) (float64, bool) {
	for _, f := range r.Families {
		if f.Family == family {
			return f.Rate, true
		}
	}
	return 0, false
}

// Detection returns the detection rate of the named category ("DoS",
// "novel", …) and whether the report has it.
func (r *Report) Detection(category string) (float64, bool) {
	if category == "novel" && r.Novel != nil {
		return r.Novel.Rate, true
	}
	for _, c := range r.Categories {
		if c.Category == category {
			return c.Rate, true
		}
	}
	return 0, false
}

type jsonReport struct {
	Threshold         *float64       `json:"threshold"`
	Budget            *float64       `json:"false_alarm_budget,omitempty"`
	Rows              int            `json:"rows"`
	Benign            int            `json:"benign"`
	Attacks           int            `json:"attacks"`
	Confusion         Confusion      `json:"confusion"`
	Accuracy          float64        `json:"accuracy"`
	Precision         float64        `json:"precision"`
	Recall            float64        `json:"recall"`
	F1                float64        `json:"f1"`
	FalsePositiveRate float64        `json:"false_positive_rate"`
	FalseAlarmsPer10k float64        `json:"false_alarms_per_10k"`
	ROCAUC            *float64       `json:"roc_auc"`
	PRAUC             *float64       `json:"pr_auc"`
	Categories        []CategoryRate `json:"categories"`
	Novel             *CategoryRate  `json:"novel,omitempty"`
	Families          []FamilyRate   `json:"families,omitempty"`
	FalseAlarmCost    float64        `json:"false_alarm_cost"`
	CostPerMillion    float64        `json:"cost_per_million"`
}

func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// MarshalJSON encodes the report with snake_case keys: threshold (null
// when infinite, as CostThreshold's "flag nothing"),
// false_alarm_budget (only when set), rows, benign, attacks, confusion
// {tp, fp, tn, fn}, accuracy, precision, recall, f1, false_positive_rate,
// false_alarms_per_10k, roc_auc and pr_auc (null when undefined),
// categories [{category, rows, detected, detection_rate, miss_cost}],
// novel (only when set), families [{family, category, rows, detected,
// detection_rate}] (only when set), false_alarm_cost and cost_per_million.
func (r *Report) MarshalJSON() ([]byte, error) {
	j := jsonReport{
		Threshold: finiteOrNil(float64(r.Threshold)), Rows: r.Rows, Benign: r.Benign, Attacks: r.Attacks,
		Confusion: r.Confusion, Accuracy: r.Accuracy, Precision: r.Precision, Recall: r.Recall,
		F1: r.F1, FalsePositiveRate: r.FalsePositiveRate, FalseAlarmsPer10k: r.FalseAlarmsPer10k,
		ROCAUC: finiteOrNil(r.ROCAUC), PRAUC: finiteOrNil(r.PRAUC), Categories: r.Categories,
		Novel: r.Novel, Families: r.Families, FalseAlarmCost: r.FalseAlarmCost, CostPerMillion: r.CostPerMillion,
	}
	if r.Budget > 0 {
		j.Budget = &r.Budget
	}
	if j.Categories == nil {
		j.Categories = []CategoryRate{}
	}
	return json.Marshal(j)
}

func pct(v float64) string { return fmt.Sprintf("%.2f %%", 100*v) }

func optional(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", v)
}

// lines returns the report's summary as label/value pairs, shared by the
// text and Markdown renderings.
func (r *Report) lines() [][2]string {
	fa := fmt.Sprintf("%.1f", r.FalseAlarmsPer10k)
	if r.Budget > 0 {
		fa += fmt.Sprintf(" (budget %.1f)", r.Budget*1e4)
	}
	out := [][2]string{
		{"rows", fmt.Sprintf("%d (%d benign, %d attacks)", r.Rows, r.Benign, r.Attacks)},
		{"threshold", fmt.Sprintf("score >= %.6g", float64(r.Threshold))},
		{"false alarms per 10k benign flows", fa},
		{"precision of the alerts", pct(r.Precision)},
		{"detection rate (all attacks)", pct(r.Recall)},
		{"accuracy", pct(r.Accuracy)},
		{"F1", fmt.Sprintf("%.4f", r.F1)},
		{"ROC AUC", optional(r.ROCAUC)},
		{"PR AUC", optional(r.PRAUC)},
		{"cost per million flows", fmt.Sprintf("%.0f (false alarm = %g)", r.CostPerMillion, r.FalseAlarmCost)},
	}
	return out
}

func (r *Report) rateRows() []CategoryRate {
	rows := append([]CategoryRate(nil), r.Categories...)
	if r.Novel != nil {
		rows = append(rows, *r.Novel)
	}
	return rows
}

// WriteText writes the report as aligned plain text.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, l := range r.lines() {
		fmt.Fprintf(tw, "%s\t%s\n", l[0], l[1])
	}
	fmt.Fprintf(tw, "\ncategory\trows\tdetected\tdetection rate\tmiss cost\n")
	for _, c := range r.rateRows() {
		mc := fmt.Sprintf("%g", c.MissCost)
		if c.Category == "novel" {
			mc = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", c.Category, c.Rows, c.Detected, pct(c.Rate), mc)
	}
	if r.Families != nil {
		fmt.Fprintf(tw, "\nfamily\tcategory\trows\tdetected\tdetection rate\n")
		for _, f := range r.Families {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", f.Family, f.Category, f.Rows, f.Detected, pct(f.Rate))
		}
	}
	return tw.Flush()
}

// String returns the plain-text rendering of WriteText.
func (r *Report) String() string {
	var b strings.Builder
	_ = r.WriteText(&b) // a strings.Builder does not fail
	return b.String()
}

// mdEscape makes s safe in a Markdown table cell.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// WriteMarkdown writes the report as Markdown tables: the summary, the
// detection rate per attack category and, when the report has families,
// per attack family.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| measure | value |\n|---|---|\n")
	for _, l := range r.lines() {
		fmt.Fprintf(&b, "| %s | %s |\n", l[0], l[1])
	}
	b.WriteString("\n| category | rows | detected | detection rate | miss cost |\n|---|---:|---:|---:|---:|\n")
	for _, c := range r.rateRows() {
		mc := fmt.Sprintf("%g", c.MissCost)
		if c.Category == "novel" {
			mc = "–"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", c.Category, c.Rows, c.Detected, pct(c.Rate), mc)
	}
	if r.Families != nil {
		b.WriteString("\n| family | category | rows | detected | detection rate |\n|---|---|---:|---:|---:|\n")
		for _, f := range r.Families {
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", mdEscape(f.Family), f.Category, f.Rows, f.Detected, pct(f.Rate))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteComparison writes one Markdown table comparing several reports
// (for instance one per false-alarm budget), one row each, labelled by
// names: budget, observed false-alarm rate, accuracy, precision, F1, the
// detection rate of every category present in any report, then of the
// novel attack types. names and reports must have the same length.
func WriteComparison(w io.Writer, names []string, reports []*Report) error {
	if len(names) != len(reports) {
		return fmt.Errorf("anomaly: comparison: %d names, %d reports: %w", len(names), len(reports), ErrDimension)
	}
	var cats []string
	seen := map[string]bool{}
	novel := false
	for _, r := range reports {
		for _, c := range r.Categories {
			if !seen[c.Category] {
				seen[c.Category] = true
				cats = append(cats, c.Category)
			}
		}
		novel = novel || r.Novel != nil
	}
	if novel {
		cats = append(cats, "novel")
	}
	var b strings.Builder
	b.WriteString("| | budget | observed FPR | accuracy | precision | F1 |")
	sep := "|---|---:|---:|---:|---:|---:|"
	for _, c := range cats {
		fmt.Fprintf(&b, " %s |", c)
		sep += "---:|"
	}
	b.WriteString("\n" + sep + "\n")
	for i, r := range reports {
		budget := "–"
		if r.Budget > 0 {
			budget = pct(r.Budget)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.4f |", names[i], budget, pct(r.FalsePositiveRate),
			pct(r.Accuracy), pct(r.Precision), r.F1)
		for _, c := range cats {
			if v, ok := r.Detection(c); ok {
				fmt.Fprintf(&b, " %s |", pct(v))
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
