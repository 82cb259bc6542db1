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
