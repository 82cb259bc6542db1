// Package dataset reads network traffic records into tables: the NSL-KDD
// and KDD Cup 1999 connection records, generic flow CSVs (CICFlowMeter and
// the like), and seeded synthetic traffic for offline examples; it also maps
// attack names to their categories and downloads the NSL-KDD files.
//
// # Tables
//
// A Table holds rows of mixed data column by column: numeric columns as
// []float64 (Table.Numeric returns the storage itself, so building a gonum
// mat.Dense costs one copy), categorical columns as int32 codes into a
// per-column list of levels (Table.Codes), and beside each row its label
// (attack name), Category (Normal, DoS, Probe, R2L, U2R or Unknown) and
// NSL-KDD difficulty. The feature encoding itself (one-hot, scaling) is the
// job of package features.
//
// # Readers
//
// LoadNSLKDD and ReadNSLKDD read the 41 features + label + difficulty
// format of KDDTrain+.txt, KDDTrain+_20Percent.txt, KDDTest+.txt and
// KDDTest-21.txt; LoadKDD99 and ReadKDD99 read KDD Cup 1999's format (no
// difficulty, labels ending in '.', which is dropped); LoadCSV and ReadCSV
// read any CSV described by a CSVConfig (header or given names, categorical,
// label, family and ignored columns, what empty, NaN and infinite values
// and missing-value tokens become). A CSVConfig that contradicts itself (a
// column in two roles, a label-like column left in as a feature beside the
// label) is an error, and a name that matches no column says which column
// it differs from only by case or spaces.
// Load functions decompress files whose name ends in ".gz".
//
// Each is built on a Reader, which streams: Read fills a caller's Row and
// returns io.EOF at the end, like encoding/csv's Reader, with memory that
// does not grow with the text read (lines are parsed in place, numbers by a
// hand-written parser with a Clinger fast path and strconv.ParseFloat as
// fallback, categorical values interned), so files larger than memory can
// be filtered or aggregated row by row.
//
// Malformed input gives a *ParseError naming the file, line, byte column
// and field (a row of a table read from a file keeps its line: Table.Line,
// Table.Where), wrapping ErrFormat (ErrEmpty for input without records) from
// internal/errs, re-exported by package anomaly. In lenient mode
// (Reader.Lenient, CSVConfig.Lenient) bad rows are skipped and counted in
// the Report (Reader.Report, Table.LoadReport) with the first few reasons,
// and reported one by one to Reader.OnSkip if set; Reader.Line gives the
// line of each record read.
//
// # Attack categories
//
// CategoryOf maps each of the 39 attack names of the NSL-KDD train and test
// sets (and the same KDD'99 names with their trailing '.') to DoS, Probe,
// R2L or U2R, using the grouping of Tavallaee et al. (2009, "A detailed
// analysis of the KDD CUP 99 data set") exactly as this project's Python
// reference does (worm and httptunnel are R2L). Any other name is Unknown:
// loaders never guess.
//
// Labels of a CSV file are understood or refused: a label that neither
// CSVConfig.Binary (a two-valued column such as UNSW-NB15's 0/1 "label":
// ZeroOne), Categories nor CategoryFunc knows (nor, when none is set, the
// NSL-KDD names) is an error naming every unmapped label with its row
// count and how to map it, unless CSVConfig.Unmapped keeps such rows (as
// attacks of unknown category, counted in Report.UnknownLabels) or skips
// them. Beside the five coarse categories of the KDD cost model, each row
// carries its attack family (Row.Family, Table.Family): the label itself,
// or a family column (CSVConfig.Family, UNSW-NB15's "attack_cat"), which
// anomaly.Report reports detection by. UNSWNB15Families and
// CICIDS2017Families map those data sets' families, spelt as their files
// spell them, to the coarse categories, beside NSLKDDFamilies.
//
// # Parsing policy
//
// A RecordPolicy (CSVConfig.Policy) says what an empty field, a
// missing-value token ("NA", "N/A", "null"), "NaN" and an infinity become.
// A table keeps the policy it was read with (Table.Policy), a pipeline
// fitted on it keeps it in its saved bytes, and scoring parses a record's
// text with the same code (RecordPolicy.ParseNumber, ParseCategory) and
// matches its keys as the loader names columns (CleanName, CleanNames):
// a record that loaded is a record that scores.
//
// # Splits
//
// Split makes stratified, seeded train/test (and train/calibration) splits;
// SplitByTime cuts by a timestamp column, so that a model is tested on
// traffic later than its training traffic, as random splits of flows leak
// (Arp et al., "Dos and Don'ts of Machine Learning in Computer Security",
// USENIX Security 2022).
//
// NovelLabels lists the attack names of a test table that its training
// table never saw, the "unseen attacks" of KDDTest+.
//
// # Synthetic data and downloads
//
// Synthetic generates seeded, deterministic NSL-KDD-schema traffic with the
// signatures of each attack family; its Source says "synthetic" and it is
// never presented as NSL-KDD. FetchNSLKDD downloads the NSL-KDD files into a
// cache directory, checking their SHA-256 and writing atomically.
//
// Readers and builders are for one goroutine; a Table is safe for
// concurrent reads once built.
package dataset
