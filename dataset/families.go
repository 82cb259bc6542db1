package dataset

import "maps"

// unswFamilies maps the attack_cat values of UNSW-NB15 (Moustafa and Slay,
// "UNSW-NB15: a comprehensive data set for network intrusion detection
// systems", MilCIS 2015), spelt as the published files spell them: the
// training and testing partitions (UNSW_NB15_training-set.csv,
// UNSW_NB15_testing-set.csv) write "Backdoor", the four full files
// (UNSW-NB15_1.csv …) "Backdoors" and some names with spaces around them,
// which the CSV loader trims.
var unswFamilies = map[string]Category{
	"Normal":         Normal,
	"DoS":            DoS,
	"Reconnaissance": Probe,
	"Generic":        Unknown,
	"Exploits":       Unknown,
	"Fuzzers":        Unknown,
	"Analysis":       Unknown,
	"Backdoor":       Unknown,
	"Backdoors":      Unknown,
	"Shellcode":      Unknown,
	"Worms":          Unknown,
}

// cicFamilies maps the Label values of CIC-IDS2017 (Sharafaldin, Habibi
// Lashkari and Ghorbani, "Toward generating a new intrusion detection
// dataset and intrusion traffic characterization", ICISSP 2018), spelt as
// the MachineLearningCVE files spell them. The web attacks' dash is the
// Windows-1252 byte 0x96 in the published files; copies re-encoded to
// UTF-8 hold an en dash (U+2013), or U+FFFD where the byte was decoded as
// invalid: all three are listed.
var cicFamilies = map[string]Category{
	"BENIGN":           Normal,
	"DoS Hulk":         DoS,
	"DoS GoldenEye":    DoS,
	"DoS slowloris":    DoS,
	"DoS Slowhttptest": DoS,
	"DDoS":             DoS,
	"PortScan":         Probe,
	"FTP-Patator":      R2L,
	"SSH-Patator":      R2L,
	"Bot":              Unknown,
	"Infiltration":     Unknown,
	"Heartbleed":       Unknown,
}

func init() {
	for _, dash := range []string{"\x96", "\u2013", "\ufffd"} {
		cicFamilies["Web Attack "+dash+" Brute Force"] = R2L
		cicFamilies["Web Attack "+dash+" XSS"] = Unknown
		cicFamilies["Web Attack "+dash+" Sql Injection"] = Unknown
	}
}

// UNSWNB15Families returns a new map of UNSW-NB15's attack families (the
// attack_cat column: Normal, Generic, Exploits, Fuzzers, DoS,
// Reconnaissance, Analysis, Backdoor, Shellcode, Worms, spelt as in the
// published files, "Backdoors" included) to the five coarse categories of
// the KDD cost model, for CSVConfig.Categories with Label "attack_cat".
// Only the families with an NSL-KDD counterpart get its category (DoS →
// DoS, Reconnaissance → Probe); the others are attacks of no NSL-KDD
// category (Unknown, a known label). The family itself travels with each
// row (Table.Family) and anomaly.Report reports detection per family.
//
// With the 0/1 "label" column as the Label instead, read it with
// CSVConfig.Binary = ZeroOne and name "attack_cat" as CSVConfig.Family.
func UNSWNB15Families() map[string]Category { return maps.Clone(unswFamilies) }

// CICIDS2017Families returns a new map of CIC-IDS2017's labels (BENIGN,
// DoS Hulk, PortScan, DDoS, DoS GoldenEye, FTP-Patator, SSH-Patator, DoS
// slowloris, DoS Slowhttptest, Bot, Web Attack – Brute Force, Web Attack –
// XSS, Web Attack – Sql Injection, Infiltration, Heartbleed, spelt as in
// the published files, each web attack with the three spellings of its
// dash) to the five coarse categories, for CSVConfig.Categories. The DoS
// tools and DDoS map to DoS, PortScan to Probe, and password guessing
// (FTP-Patator, SSH-Patator, Web Attack – Brute Force) to R2L as NSL-KDD's
// guess_passwd; Bot, Infiltration, Heartbleed, XSS and SQL injection have
// no NSL-KDD counterpart and are attacks of no category (Unknown, a known
// label).
func CICIDS2017Families() map[string]Category { return maps.Clone(cicFamilies) }

// NSLKDDFamilies returns a new map of the NSL-KDD and KDD Cup 1999 attack
// names (and "normal") to their categories: the map CategoryOf uses.
func NSLKDDFamilies() map[string]Category { return maps.Clone(attackCategory) }
