package dataset

import "github.com/netwarden/netwarden/internal/errs"

func errFormat() error { return errs.ErrFormat }

// Source describes where the table's rows came from: the file name given
// to a loader, or a description starting with "synthetic" for the rows of
// Synthetic. It is "" for a table built with NewTable.
func (t *Table) Source() string { return t.source }

// SetSource sets the description Source returns.
func (t *Table) SetSource(s string) { t.source = s }

// LoadReport returns the Report of the Reader that filled the table
// (ReadAll and the Read/Load functions): rows skipped in lenient mode, with
// the first reasons, and labels the category map did not know. For a table
// built otherwise it reports only Source and Rows.
func (t *Table) LoadReport() Report {
	if t.report == nil {
		return Report{Source: t.source, Rows: t.Len(), UnknownLabels: t.UnknownLabels()}
	}
	return *t.report
}

// Policy returns the record-parsing policy the table's rows were read with
// (the reader's: CSVConfig.Policy for a CSV file, the strict zero policy
// for NSL-KDD and KDD'99 text), and false when the table was not read from
// text (NewTable, Synthetic). Subset and the split helpers keep it.
// features.Fit saves it in the pipeline so that scoring parses a record's
// text as the loader did.
func (t *Table) Policy() (RecordPolicy, bool) {
	if t.policy == nil {
		return RecordPolicy{}, false
	}
	p := *t.policy
	p.MissingTokens = append([]string(nil), p.MissingTokens...)
	return p, true
}

// SetPolicy sets the policy Policy returns, for a table built with NewTable
// from text parsed elsewhere.
func (t *Table) SetPolicy(p RecordPolicy) {
	p.MissingTokens = append([]string(nil), p.MissingTokens...)
	t.policy = &p
}
