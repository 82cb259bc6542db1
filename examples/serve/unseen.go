package main

import (
	"slices"

	"github.com/netwarden/netwarden/anomaly/bundle"
)

// knownCategories returns, per schema column (indexed as cols), the
// categories the bundle's pipeline was fitted on, for GET /v1/model to
// list (the bundle itself reports unseen values, Result.Unseen), read from
// its description: a one-hot step's levels (and the rare levels it folds into
// its "other" output), a CategoricalCodes step's codes. A column no such
// step reads (a pseudonymised identifier, which takes any value, or a
// numeric column) gets nil: none of its values is unseen.
func knownCategories(b *bundle.Bundle, cols map[string]int) []map[string]struct{} {
	known := make([]map[string]struct{}, len(cols))
	for _, st := range b.Pipeline().Describe().Steps {
		if len(st.Columns) != 1 || (len(st.Levels) == 0 && len(st.Codes) == 0) {
			continue
		}
		j, ok := cols[st.Columns[0]]
		if !ok {
			continue
		}
		if known[j] == nil {
			known[j] = map[string]struct{}{}
		}
		for v := range st.Levels {
			known[j][v] = struct{}{}
		}
		for v := range st.Codes {
			known[j][v] = struct{}{}
		}
		for v := range st.Map {
			known[j][v] = struct{}{}
		}
	}
	return known
}

// knownLists returns the known categories per column name, sorted.
func (s *server) knownLists() map[string][]string {
	out := map[string][]string{}
	for j, set := range s.known {
		if set == nil {
			continue
		}
		var vs []string
		for v := range set {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		out[s.names[j]] = vs
	}
	return out
}
