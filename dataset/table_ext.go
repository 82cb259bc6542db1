package dataset

import "github.com/netwarden/netwarden/internal/errs"

func errFormat() error { return errs.ErrFormat }

// Source describes where the table's rows came from: the file name given
// to a loader, or a description starting with "synthetic" for the rows of
// Synthetic. It is "" for a table built with NewTable.
func (t *Table) Source() string { return t.source }

// SetSource sets the description Source returns.
func (t *Table) SetSource(s string) { t.source = s }
