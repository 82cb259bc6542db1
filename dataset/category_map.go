package dataset

import (
	"slices"
	"strings"
)

// attackCategory maps every attack name of the NSL-KDD train and test sets
// (and so of KDD Cup 1999, whose names are the same plus a trailing '.') to
// its category. The training-set names are those of the NSL-KDD
// Attack_Types.csv; the test-only names follow the usual NSL-KDD grouping,
// exactly as docs/reference/quality_reference.py does (worm → R2L and
// httptunnel → R2L, which some papers assign differently), so that 5-class
// figures compare with the reference.
var attackCategory = map[string]Category{
	"normal": Normal,
	// DoS
	"back": DoS, "land": DoS, "neptune": DoS, "pod": DoS, "smurf": DoS, "teardrop": DoS,
	"apache2": DoS, "mailbomb": DoS, "processtable": DoS, "udpstorm": DoS,
	// Probe
	"ipsweep": Probe, "nmap": Probe, "portsweep": Probe, "satan": Probe, "mscan": Probe, "saint": Probe,
	// R2L
	"ftp_write": R2L, "guess_passwd": R2L, "imap": R2L, "multihop": R2L, "phf": R2L, "spy": R2L,
	"warezclient": R2L, "warezmaster": R2L, "named": R2L, "sendmail": R2L, "snmpgetattack": R2L,
	"snmpguess": R2L, "worm": R2L, "xlock": R2L, "xsnoop": R2L, "httptunnel": R2L,
	// U2R
	"buffer_overflow": U2R, "loadmodule": U2R, "perl": U2R, "rootkit": U2R, "ps": U2R,
	"sqlattack": U2R, "xterm": U2R,
}

// CategoryOf returns the category of an NSL-KDD or KDD Cup 1999 attack name:
// Normal for "normal", DoS, Probe, R2L or U2R for the 39 attack names of the
// NSL-KDD train and test sets (the map of Tavallaee et al. 2009 as used by
// docs/reference: worm and httptunnel are R2L), and Unknown for any
// other name. A KDD'99 name's trailing '.' ("smurf.") is ignored; the match
// is otherwise exact (case-sensitive), never a guess.
func CategoryOf(attack string) Category {
	if c, ok := attackCategory[attack]; ok {
		return c
	}
	if s, ok := strings.CutSuffix(attack, "."); ok {
		if c, ok := attackCategory[s]; ok {
			return c
		}
	}
	return Unknown
}

// AttackNames returns the names CategoryOf knows, "normal" included, in
// sorted order.
func AttackNames() []string {
	out := make([]string, 0, len(attackCategory))
	for n := range attackCategory {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// NovelLabels returns the attack names that label some row of test but no
// row of train, each with its number of rows in test: the "attack types
// never seen in training" of a hybrid detector's report. "normal" is never
// novel. The result is empty (not nil) when every test label occurs in
// train.
func NovelLabels(train, test *Table) map[string]int {
	seen := make(map[string]bool)
	for _, l := range train.Labels() {
		seen[l] = true
	}
	out := make(map[string]int)
	for _, l := range test.Labels() {
		if !seen[l] && l != "normal" {
			out[l]++
		}
	}
	return out
}

// LabelCounts returns the number of rows of each label.
func (t *Table) LabelCounts() map[string]int {
	out := make(map[string]int)
	for _, l := range t.labels {
		out[l]++
	}
	return out
}

// CategoryCounts returns the number of rows of each category, indexed by
// Category (Normal … U2R, then Unknown).
func (t *Table) CategoryCounts() [NumCategories + 1]int {
	var out [NumCategories + 1]int
	for _, c := range t.categories {
		if int(c) < len(out) {
			out[c]++
		} else {
			out[Unknown]++
		}
	}
	return out
}

// UnknownLabels returns the labels whose category is Unknown, each with its
// number of rows: the names the category map did not know (empty for the
// NSL-KDD files). Loaders never guess a category for such rows.
func (t *Table) UnknownLabels() map[string]int {
	out := make(map[string]int)
	for i, c := range t.categories {
		if c == Unknown {
			out[t.labels[i]]++
		}
	}
	return out
}
