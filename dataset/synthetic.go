package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// SyntheticConfig configures Synthetic. The zero value asks for 10 000 rows,
// 30 % of them attacks drawn from the NSL-KDD training attack names, 5 %
// noise, seed 0.
type SyntheticConfig struct {
	// Rows is the number of rows; 0 means 10 000.
	Rows int
	// AttackFraction is the fraction of rows that are attacks, in [0, 1];
	// 0 means 0.3 and a negative value means no attacks at all.
	AttackFraction float64
	// Attacks lists the attack names to generate (see SyntheticAttacks),
	// each drawn with a weight resembling its frequency in NSL-KDD. nil
	// means SyntheticTrainAttacks, the names of the NSL-KDD training set,
	// so that a test table built with, say, Attacks: []string{"mscan",
	// "saint"} holds attack families never seen in training.
	Attacks []string
	// Noise is the fraction of rows, normal and attack alike, whose
	// numeric features are perturbed (multiplicative log-normal noise on
	// counts and byte volumes, rates moved towards 0.5) so that the classes
	// overlap as real traffic does; 0 means 0.05, a negative value none.
	Noise float64
	// Seed seeds the generator (PCG): equal configurations give equal
	// tables.
	Seed uint64
}

// attackGen fills the 41 features of one connection of an attack family.
type attackGen struct {
	cat    Category
	weight float64 // relative frequency among the enabled names
	gen    func(g *synth)
}

// SyntheticAttacks returns every attack name Synthetic can generate, sorted:
// real NSL-KDD names, test-only families included.
func SyntheticAttacks() []string {
	out := make([]string, 0, len(synthAttacks))
	for n := range synthAttacks {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// SyntheticTrainAttacks returns the attack names of SyntheticAttacks that
// occur in the NSL-KDD training set (KDDTrain+.txt), sorted: the default of
// SyntheticConfig.Attacks.
func SyntheticTrainAttacks() []string {
	var out []string
	for _, n := range SyntheticAttacks() {
		if !testOnly[n] {
			out = append(out, n)
		}
	}
	return out
}

var testOnly = map[string]bool{"apache2": true, "mailbomb": true, "processtable": true, "udpstorm": true,
	"mscan": true, "saint": true, "snmpgetattack": true, "snmpguess": true, "httptunnel": true,
	"ps": true, "sqlattack": true, "xterm": true, "named": true, "sendmail": true,
	"worm": true, "xlock": true, "xsnoop": true}

// Synthetic returns a table of made-up connections in the NSL-KDD schema
// (NSLKDDSchema): normal traffic (web, mail, FTP, DNS, ICMP echo, …) and
// attacks whose features carry the signatures the NSL-KDD literature
// describes (Tavallaee et al. 2009; Lee & Stolfo 2000 for the KDD'99
// features): neptune SYN floods with flag S0, a high count and serror
// rates near 1; smurf ICMP echo replies (ecr_i) of 1032 bytes at count 511;
// satan, portsweep, mscan and saint probes over many services with REJ
// flags and high rerror and diff_srv rates; ipsweep ICMP echo requests;
// guess_passwd failed logins on telnet and FTP; warez guest FTP transfers;
// buffer_overflow, rootkit, perl and xterm sessions with root_shell,
// su_attempted, hot indicators and file creations. Noise and overlapping
// normal behaviour (rejected connections, failed logins, large transfers)
// keep the classes from being trivially separable.
//
// Labels are real NSL-KDD attack names with their categories (CategoryOf),
// Difficulty is -1, and the table's Source starts with "synthetic": it is
// a stand-in for examples and tests that must run offline, never NSL-KDD
// data and not a benchmark of detection quality. An unknown attack name or
// a fraction above 1 is an error wrapping ErrUnsupported or ErrDimension.
func Synthetic(cfg SyntheticConfig) (*Table, error) {
	n := cfg.Rows
	if n < 0 {
		return nil, fmt.Errorf("dataset: synthetic: %d rows: %w", n, errs.ErrDimension)
	}
	if n == 0 {
		n = 10000
	}
	frac := cfg.AttackFraction
	switch {
	case math.IsNaN(frac) || frac > 1:
		return nil, fmt.Errorf("dataset: synthetic: attack fraction %v outside [0, 1]: %w", frac, errs.ErrDimension)
	case frac == 0:
		frac = 0.3
	case frac < 0:
		frac = 0
	}
	noise := cfg.Noise
	switch {
	case math.IsNaN(noise) || noise > 1:
		return nil, fmt.Errorf("dataset: synthetic: noise %v outside [0, 1]: %w", noise, errs.ErrDimension)
	case noise == 0:
		noise = 0.05
	case noise < 0:
		noise = 0
	}
	names := cfg.Attacks
	if names == nil {
		names = SyntheticTrainAttacks()
	}
	var gens []attackGen
	var weights []float64
	total := 0.0
	for _, a := range names {
		g, ok := synthAttacks[a]
		if !ok {
			return nil, fmt.Errorf("dataset: synthetic: no generator for attack %q (have %s): %w",
				a, strings.Join(SyntheticAttacks(), ", "), errs.ErrUnsupported)
		}
		gens = append(gens, g)
		total += g.weight
		weights = append(weights, total)
	}
	nAttack := int(math.Round(frac * float64(n)))
	if nAttack > 0 && len(gens) == 0 {
		return nil, fmt.Errorf("dataset: synthetic: attack fraction %v but no attack names: %w", frac, errs.ErrEmpty)
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6e6574776172646e)) // "netwardn"
	order := rng.Perm(n)
	t := NewTable(NSLKDDSchema())
	t.source = fmt.Sprintf("synthetic NSL-KDD-schema traffic (netwarden generator: rows=%d, attack fraction=%g, noise=%g, seed=%d; not NSL-KDD data)",
		n, frac, noise, cfg.Seed)
	g := &synth{rng: rng}
	var row Row
	for p := 0; p < n; p++ {
		g.reset()
		label := "normal"
		if order[p] < nAttack {
			u := rng.Float64() * total
			k, _ := slices.BinarySearch(weights, u)
			if k >= len(gens) {
				k = len(gens) - 1
			}
			gens[k].gen(g)
			label = names[k]
		} else {
			g.normal()
		}
		if noise > 0 && rng.Float64() < noise {
			g.perturb()
		}
		g.finish()
		row.Reset(len(nslkddColumns))
		for j := range g.x {
			row.Num[j] = g.x[j]
			row.Cat[j] = ""
		}
		row.Num[fProto], row.Num[fService], row.Num[fFlag] = 0, 0, 0
		row.Cat[fProto], row.Cat[fService], row.Cat[fFlag] = g.proto, g.service, g.flag
		row.Label, row.Category, row.Difficulty = label, CategoryOf(label), -1
		if err := t.Append(&row); err != nil {
			return nil, err // cannot happen: the row matches the schema
		}
	}
	return t, nil
}

// Column positions in NSLKDDSchema.
const (
	fDuration = iota
	fProto
	fService
	fFlag
	fSrcBytes
	fDstBytes
	fLand
	fWrongFragment
	fUrgent
	fHot
	fFailedLogins
	fLoggedIn
	fCompromised
	fRootShell
	fSuAttempted
	fNumRoot
	fFileCreations
	fShells
	fAccessFiles
	fOutboundCmds
	fHostLogin
	fGuestLogin
	fCount
	fSrvCount
	fSerror
	fSrvSerror
	fRerror
	fSrvRerror
	fSameSrv
	fDiffSrv
	fSrvDiffHost
	fDHCount
	fDHSrvCount
	fDHSameSrv
	fDHDiffSrv
	fDHSameSrcPort
	fDHSrvDiffHost
	fDHSerror
	fDHSrvSerror
	fDHRerror
	fDHSrvRerror
)

// synth builds one row.
type synth struct {
	rng                  *rand.Rand
	x                    [41]float64
	proto, service, flag string
}

func (g *synth) reset() {
	g.x = [41]float64{}
	g.proto, g.service, g.flag = "tcp", "private", "SF"
}

// u draws uniformly from [a, b).
func (g *synth) u(a, b float64) float64 { return a + (b-a)*g.rng.Float64() }

// i draws an integer uniformly from [a, b].
func (g *synth) i(a, b int) float64 { return float64(a + g.rng.IntN(b-a+1)) }

// logu draws log-uniformly from [a, b), for byte counts.
func (g *synth) logu(a, b float64) float64 {
	return math.Round(math.Exp(g.u(math.Log(a), math.Log(b))))
}

// near returns v with a small relative jitter, clamped to [0, 1] when v is
// a rate.
func (g *synth) rate(v, jitter float64) float64 {
	return clamp01(v + jitter*g.rng.NormFloat64())
}

func (g *synth) pick(s ...string) string { return s[g.rng.IntN(len(s))] }

func (g *synth) chance(p float64) bool { return g.rng.Float64() < p }

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// window sets the two-second and 100-connection traffic features from a
// connection count, the fraction of those to the same service, and the
// SYN-error and REJ-error rates.
func (g *synth) window(count, sameSrv, serr, rerr float64) {
	x := &g.x
	x[fCount] = math.Min(511, math.Max(1, math.Round(count)))
	x[fSameSrv] = clamp01(sameSrv)
	x[fSrvCount] = math.Max(1, math.Round(x[fCount]*x[fSameSrv]))
	x[fDiffSrv] = g.rate((1-x[fSameSrv])*0.9, 0.02)
	x[fSerror], x[fSrvSerror] = clamp01(serr), g.rate(serr, 0.03)
	x[fRerror], x[fSrvRerror] = clamp01(rerr), g.rate(rerr, 0.03)
}

// host sets the destination-host features.
func (g *synth) host(count, srvCount, sameSrv, diffSrv, sameSrcPort, srvDiffHost, serr, rerr float64) {
	x := &g.x
	x[fDHCount] = math.Min(255, math.Max(1, math.Round(count)))
	x[fDHSrvCount] = math.Min(255, math.Max(1, math.Round(srvCount)))
	x[fDHSameSrv] = g.rate(sameSrv, 0.02)
	x[fDHDiffSrv] = g.rate(diffSrv, 0.02)
	x[fDHSameSrcPort] = g.rate(sameSrcPort, 0.02)
	x[fDHSrvDiffHost] = g.rate(srvDiffHost, 0.02)
	x[fDHSerror], x[fDHSrvSerror] = g.rate(serr, 0.02), g.rate(serr, 0.02)
	x[fDHRerror], x[fDHSrvRerror] = g.rate(rerr, 0.02), g.rate(rerr, 0.02)
}

// normal draws a benign connection.
func (g *synth) normal() {
	x := &g.x
	switch r := g.rng.Float64(); {
	case r < 0.45: // web
		g.proto, g.service = "tcp", g.pick("http", "http", "http", "http_443")
		x[fSrcBytes], x[fDstBytes] = g.logu(150, 500), g.logu(300, 30000)
		x[fLoggedIn] = 1
		g.window(g.i(1, 30), g.u(0.8, 1), 0, 0)
		g.host(g.i(20, 255), 255, 1, 0, g.u(0, 0.05), g.u(0, 0.1), 0, 0)
	case r < 0.6: // mail
		g.proto, g.service = "tcp", g.pick("smtp", "smtp", "pop_3", "imap4")
		x[fDuration] = g.i(0, 3)
		x[fSrcBytes], x[fDstBytes] = g.logu(300, 20000), g.logu(200, 600)
		x[fLoggedIn] = 1
		g.window(g.i(1, 5), 1, 0, 0)
		g.host(g.i(50, 255), g.i(50, 200), g.u(0.3, 0.9), g.u(0, 0.05), g.u(0, 0.05), 0, 0, 0)
	case r < 0.75: // file transfer, sometimes long and large
		g.proto, g.service = "tcp", g.pick("ftp_data", "ftp_data", "ftp")
		x[fDuration] = math.Max(0, math.Round(g.logu(1, 2000)-1))
		x[fSrcBytes], x[fDstBytes] = g.logu(100, 3e6), g.logu(1, 1000)-1
		x[fLoggedIn] = 1
		if g.chance(0.1) {
			x[fHot] = g.i(1, 4)
		}
		g.window(g.i(1, 10), g.u(0.5, 1), 0, 0)
		g.host(g.i(1, 255), g.i(1, 100), g.u(0.2, 1), g.u(0, 0.1), g.u(0, 0.6), g.u(0, 0.05), 0, 0)
	case r < 0.87: // DNS, NTP, private UDP
		g.proto, g.service = "udp", g.pick("domain_u", "domain_u", "ntp_u", "private", "snmp")
		x[fSrcBytes], x[fDstBytes] = g.logu(30, 150), g.logu(30, 300)
		g.window(g.i(1, 200), g.u(0.7, 1), 0, 0)
		g.host(255, g.i(100, 255), g.u(0.8, 1), 0, g.u(0, 0.05), 0, 0, 0)
	case r < 0.93: // ICMP echo, small and rare
		g.proto, g.service = "icmp", g.pick("ecr_i", "eco_i", "urp_i")
		x[fSrcBytes] = g.pick2(8, 30, 64)
		g.window(g.i(1, 5), 1, 0, 0)
		g.host(g.i(1, 100), g.i(1, 100), 1, 0, g.u(0.3, 1), g.u(0, 0.3), 0, 0)
	default: // interactive sessions, with the occasional admin work
		g.proto, g.service = "tcp", g.pick("telnet", "login", "ssh", "other", "finger", "auth")
		x[fDuration] = g.logu(1, 5000)
		x[fSrcBytes], x[fDstBytes] = g.logu(50, 5000), g.logu(100, 50000)
		x[fLoggedIn] = 1
		if g.chance(0.15) {
			x[fSuAttempted], x[fNumRoot] = 1, g.i(1, 5)
		}
		if g.chance(0.05) {
			x[fFailedLogins] = 1 // a mistyped password
		}
		if g.chance(0.1) {
			x[fFileCreations], x[fAccessFiles] = g.i(1, 3), g.i(0, 1)
		}
		g.window(g.i(1, 4), 1, 0, 0)
		g.host(g.i(1, 150), g.i(1, 60), g.u(0.2, 1), g.u(0, 0.1), g.u(0, 0.2), 0, 0, 0)
	}
	// Benign rejected or half-open connections: not every error is an attack.
	if g.proto == "tcp" && g.chance(0.03) {
		g.flag = g.pick("REJ", "S0", "RSTO", "SH", "RSTR")
		x[fSrcBytes], x[fDstBytes], x[fLoggedIn] = 0, 0, 0
		if g.flag == "REJ" {
			x[fRerror], x[fDHRerror] = g.u(0.3, 1), g.u(0, 0.5)
		} else {
			x[fSerror], x[fDHSerror] = g.u(0.3, 1), g.u(0, 0.5)
		}
	}
}

func (g *synth) pick2(v ...float64) float64 { return v[g.rng.IntN(len(v))] }

// perturb blurs a row's numeric features.
func (g *synth) perturb() {
	x := &g.x
	for _, j := range []int{fDuration, fSrcBytes, fDstBytes, fCount, fSrvCount, fDHCount, fDHSrvCount} {
		x[j] = math.Round(x[j] * math.Exp(0.7*g.rng.NormFloat64()))
	}
	for _, j := range []int{fSerror, fSrvSerror, fRerror, fSrvRerror, fSameSrv, fDiffSrv, fSrvDiffHost,
		fDHSameSrv, fDHDiffSrv, fDHSameSrcPort, fDHSrvDiffHost, fDHSerror, fDHSrvSerror, fDHRerror, fDHSrvRerror} {
		x[j] = clamp01(x[j] + g.u(0, 0.5)*(0.5-x[j]))
	}
}

// finish rounds rates to two decimals and clamps counts, as NSL-KDD stores them.
func (g *synth) finish() {
	x := &g.x
	x[fCount] = math.Min(511, math.Max(0, x[fCount]))
	x[fSrvCount] = math.Min(511, math.Max(0, x[fSrvCount]))
	x[fDHCount] = math.Min(255, math.Max(0, x[fDHCount]))
	x[fDHSrvCount] = math.Min(255, math.Max(0, x[fDHSrvCount]))
	for j := fSerror; j <= fDHSrvRerror; j++ {
		if j == fDHCount || j == fDHSrvCount {
			continue
		}
		x[j] = math.Round(clamp01(x[j])*100) / 100
	}
	for j := range x {
		x[j] = math.Max(0, x[j])
	}
}

var probeServices = []string{"private", "other", "http", "ftp_data", "telnet", "ftp", "smtp", "finger",
	"domain", "auth", "pop_3", "imap4", "sunrpc", "uucp", "whois", "time", "iso_tsap", "gopher", "hostnames",
	"systat", "netstat", "daytime", "echo", "discard", "ctf", "csnet_ns", "courier", "bgp", "vmnet", "supdup",
	"nntp", "klogin", "kshell", "login", "shell", "exec", "link", "ldap", "mtp", "netbios_ns", "netbios_dgm",
	"netbios_ssn", "name", "sql_net", "remote_job", "rje", "Z39_50", "pop_2", "nnsp", "efs", "uucp_path",
	"printer", "X11", "IRC", "http_443", "tftp_u"}

// synflood is neptune's signature: half-open connections (S0, some REJ)
// to many services of one host.
func (g *synth) synflood() {
	x := &g.x
	g.proto, g.service = "tcp", g.pick("private", "private", "private", "other", "http", "telnet", "ftp_data", "smtp", "finger")
	g.flag = "S0"
	serr, rerr := g.u(0.9, 1), 0.0
	if g.chance(0.2) {
		g.flag, serr, rerr = "REJ", 0, g.u(0.9, 1)
	}
	g.window(g.i(80, 511), g.u(0, 0.12), serr, rerr)
	g.host(255, g.i(1, 30), g.u(0, 0.12), g.u(0.04, 0.08), 0, 0, serr, rerr)
	_ = x
}

// probe is the shared signature of satan, portsweep, mscan and saint: many
// services, rejected or reset connections.
func (g *synth) probe(rerrLo, diffLo float64) {
	x := &g.x
	g.proto, g.service = "tcp", g.pick(probeServices...)
	g.flag = g.pick("REJ", "REJ", "RSTO", "RSTR", "S0", "SF", "SH")
	if g.flag == "SF" {
		x[fSrcBytes], x[fDstBytes] = g.i(0, 20), g.i(0, 300)
	}
	rerr := g.u(rerrLo, 1)
	g.window(g.i(1, 60), g.u(0, 0.3), g.u(0, 0.1), rerr)
	x[fDiffSrv] = g.u(diffLo, 1)
	g.host(g.i(1, 255), g.i(1, 20), g.u(0, 0.1), g.u(diffLo, 1), g.u(0, 0.3), g.u(0, 0.2), g.u(0, 0.1), rerr)
}

// u2r is the shared signature of a local privilege escalation inside a
// logged-in session.
func (g *synth) u2r(rootShell, files float64) {
	x := &g.x
	g.proto, g.service = "tcp", g.pick("telnet", "telnet", "ftp_data", "login", "ftp")
	x[fDuration] = g.logu(10, 3000)
	x[fSrcBytes], x[fDstBytes] = g.logu(500, 20000), g.logu(1000, 200000)
	x[fLoggedIn] = 1
	x[fHot] = g.i(1, 6)
	if g.chance(rootShell) {
		x[fRootShell] = 1
	}
	if g.chance(0.3) {
		x[fSuAttempted] = 1
	}
	x[fCompromised], x[fNumRoot] = g.i(0, 5), g.i(0, 10)
	if g.chance(files) {
		x[fFileCreations] = g.i(1, 8)
	}
	x[fShells] = g.i(0, 2)
	x[fAccessFiles] = g.i(0, 2)
	g.window(g.i(1, 3), 1, 0, 0)
	g.host(g.i(1, 30), g.i(1, 10), g.u(0.3, 1), g.u(0, 0.2), g.u(0, 0.5), 0, 0, 0)
}

// loginGuess is guess_passwd's signature: short sessions with failed logins.
func (g *synth) loginGuess(services ...string) {
	x := &g.x
	g.proto, g.service = "tcp", g.pick(services...)
	g.flag = g.pick("RSTO", "SF", "SF", "S3")
	x[fDuration] = g.i(0, 5)
	x[fSrcBytes], x[fDstBytes] = g.i(100, 140), g.i(150, 190)
	x[fFailedLogins] = g.pick2(1, 1, 1, 2)
	x[fHot] = g.i(0, 1)
	g.window(g.i(1, 3), 1, 0, 0)
	g.host(g.i(1, 255), g.i(1, 10), g.u(0.5, 1), g.u(0, 0.1), g.u(0, 0.1), 0, 0, g.u(0, 0.5))
}

// guestFTP is warezclient/warezmaster's signature: anonymous FTP moving
// large files.
func (g *synth) guestFTP(upload bool) {
	x := &g.x
	g.proto, g.service = "tcp", g.pick("ftp", "ftp_data", "ftp")
	x[fDuration] = g.logu(1, 5000)
	if upload {
		x[fSrcBytes], x[fDstBytes] = g.logu(1e5, 5e6), g.logu(200, 3000)
	} else {
		x[fSrcBytes], x[fDstBytes] = g.logu(200, 2000), g.logu(1e4, 1e6)
	}
	x[fLoggedIn], x[fGuestLogin] = 1, 1
	x[fHot] = g.i(0, 28)
	g.window(g.i(1, 4), 1, 0, 0)
	g.host(g.i(1, 255), g.i(1, 50), g.u(0.1, 1), g.u(0, 0.2), g.u(0, 0.8), 0, 0, 0)
}

func (g *synth) icmpFlood(service string, bytes ...float64) {
	x := &g.x
	g.proto, g.service = "icmp", service
	x[fSrcBytes] = g.pick2(bytes...)
	g.window(g.i(300, 511), 1, 0, 0)
	g.host(255, 255, 1, 0, g.u(0.8, 1), 0, 0, 0)
}

var synthAttacks = map[string]attackGen{
	// DoS
	"neptune": {DoS, 30, func(g *synth) { g.synflood() }},
	"smurf":   {DoS, 6, func(g *synth) { g.icmpFlood("ecr_i", 1032, 1032, 520) }},
	"back": {DoS, 2, func(g *synth) {
		g.proto, g.service = "tcp", "http"
		g.x[fSrcBytes], g.x[fDstBytes] = g.pick2(54540, 54540, 53680), g.i(7300, 8400)
		g.x[fLoggedIn], g.x[fHot], g.x[fCompromised] = 1, 2, 1
		g.window(g.i(1, 30), 1, 0, 0)
		g.host(g.i(100, 255), 255, 1, 0, g.u(0, 0.05), 0, 0, 0)
	}},
	"teardrop": {DoS, 2, func(g *synth) {
		g.proto, g.service = "udp", "private"
		g.x[fSrcBytes], g.x[fWrongFragment] = 28, 3
		g.window(g.i(1, 100), 1, 0, 0)
		g.host(g.i(50, 255), g.i(1, 100), g.u(0.2, 1), g.u(0, 0.1), g.u(0.5, 1), 0, 0, 0)
	}},
	"pod": {DoS, 1, func(g *synth) {
		g.icmpFlood("ecr_i", 1480, 1480, 564)
		g.x[fWrongFragment] = 1
		g.window(g.i(1, 10), 1, 0, 0)
	}},
	"land": {DoS, 0.3, func(g *synth) {
		g.proto, g.service, g.flag = "tcp", g.pick("finger", "telnet", "http", "private"), "S0"
		g.x[fLand] = 1
		g.window(1, 1, 1, 0)
		g.host(g.i(1, 50), g.i(1, 50), 1, 0, 1, 0, 1, 0)
	}},
	"apache2": {DoS, 2, func(g *synth) {
		g.proto, g.service, g.flag = "tcp", "http", g.pick("SF", "RSTR", "S3", "RSTO")
		g.x[fDuration] = g.i(0, 10)
		g.x[fSrcBytes], g.x[fDstBytes] = g.logu(1e4, 1e5), g.i(0, 300)
		g.window(g.i(1, 150), 1, 0, g.u(0, 0.3))
		g.host(255, g.i(50, 255), g.u(0.5, 1), 0, g.u(0, 0.1), 0, 0, g.u(0, 0.3))
	}},
	"mailbomb": {DoS, 1.5, func(g *synth) {
		g.proto, g.service = "tcp", "smtp"
		g.x[fSrcBytes], g.x[fDstBytes] = g.i(7000, 8000), g.i(300, 330)
		g.x[fLoggedIn] = 1
		g.window(g.i(1, 10), 1, 0, 0)
		g.host(255, 255, 1, 0, 0, 0, 0, 0)
	}},
	"processtable": {DoS, 2, func(g *synth) {
		g.proto, g.service, g.flag = "tcp", g.pick("finger", "telnet", "smtp", "other"), "SF"
		g.x[fDuration] = g.i(2000, 9000)
		g.window(g.i(1, 5), 1, 0, 0)
		g.host(255, g.i(1, 10), g.u(0, 0.1), g.u(0, 0.1), 0, 0, 0, 0)
	}},
	"udpstorm": {DoS, 0.2, func(g *synth) {
		g.proto, g.service = "udp", "private"
		g.x[fSrcBytes] = g.i(20, 28)
		g.window(g.i(1, 3), 1, 0, 0)
		g.host(255, 255, 1, 0, 1, 0, 0, 0)
	}},
	// Probe
	"satan": {Probe, 4, func(g *synth) { g.probe(0.6, 0.5) }},
	"portsweep": {Probe, 3, func(g *synth) {
		g.probe(0.5, 0.2)
		g.x[fDHSameSrcPort] = g.rate(1, 0.03)
		g.x[fDuration] = g.pick2(0, 0, 1, 10000)
	}},
	"mscan": {Probe, 3, func(g *synth) { g.probe(0.2, 0.7); g.x[fDHSrvDiffHost] = g.u(0.5, 1) }},
	"saint": {Probe, 2, func(g *synth) { g.probe(0.7, 0.6); g.x[fCount] = g.i(100, 511) }},
	"ipsweep": {Probe, 4, func(g *synth) {
		g.proto, g.service = "icmp", g.pick("eco_i", "eco_i", "ecr_i")
		g.x[fSrcBytes] = g.pick2(8, 18, 20)
		g.window(g.i(1, 4), 1, 0, 0)
		g.host(g.i(1, 100), g.i(1, 60), 1, 0, 1, g.u(0.5, 1), 0, 0)
		g.x[fSrvDiffHost] = g.u(0.5, 1)
	}},
	"nmap": {Probe, 1.5, func(g *synth) {
		g.proto = g.pick("tcp", "icmp", "udp")
		switch g.proto {
		case "tcp":
			g.service, g.flag = g.pick(probeServices...), g.pick("S0", "REJ", "RSTR", "SF")
		case "icmp":
			g.service = "eco_i"
		default:
			g.service = "private"
		}
		g.window(g.i(1, 5), g.u(0, 1), g.u(0, 0.5), g.u(0, 0.5))
		g.host(g.i(1, 255), g.i(1, 20), g.u(0, 0.5), g.u(0.3, 1), g.u(0.5, 1), g.u(0, 0.5), g.u(0, 0.5), g.u(0, 0.5))
	}},
	// R2L
	"guess_passwd":  {R2L, 1.5, func(g *synth) { g.loginGuess("telnet", "telnet", "ftp", "pop_3", "imap4") }},
	"snmpguess":     {R2L, 1, func(g *synth) { g.snmp(true) }},
	"snmpgetattack": {R2L, 1, func(g *synth) { g.snmp(false) }},
	"warezclient":   {R2L, 2, func(g *synth) { g.guestFTP(false) }},
	"warezmaster":   {R2L, 1.5, func(g *synth) { g.guestFTP(true) }},
	"ftp_write": {R2L, 0.3, func(g *synth) {
		g.guestFTP(true)
		g.x[fFileCreations] = g.i(1, 3)
	}},
	"imap": {R2L, 0.3, func(g *synth) {
		g.proto, g.service, g.flag = "tcp", "imap4", g.pick("SH", "S3", "SF")
		g.x[fSrcBytes], g.x[fDstBytes] = g.logu(1000, 6000), g.logu(1, 2000)
		g.x[fRootShell] = g.pick2(0, 1)
		g.window(g.i(1, 5), 1, 0, 0)
		g.host(g.i(1, 255), g.i(1, 20), 1, 0, g.u(0, 1), 0, 0, 0)
	}},
	"phf": {R2L, 0.2, func(g *synth) {
		g.proto, g.service = "tcp", "http"
		g.x[fSrcBytes], g.x[fDstBytes], g.x[fHot], g.x[fLoggedIn] = g.i(50, 60), g.i(4000, 4500), 1, 1
		g.window(1, 1, 0, 0)
		g.host(g.i(1, 10), g.i(1, 10), 1, 0, 1, 0, 0, 0)
	}},
	"multihop": {R2L, 0.3, func(g *synth) { g.u2r(0.2, 0.5); g.x[fRootShell] = 0 }},
	"httptunnel": {R2L, 1, func(g *synth) {
		g.proto, g.service = "tcp", g.pick("http", "other", "private")
		g.x[fDuration] = g.logu(100, 20000)
		g.x[fSrcBytes], g.x[fDstBytes] = g.logu(100, 5000), g.logu(100, 5000)
		g.x[fLoggedIn] = 1
		g.window(g.i(1, 3), 1, 0, 0)
		g.host(g.i(1, 20), g.i(1, 20), 1, 0, g.u(0.5, 1), 0, 0, 0)
	}},
	"spy": {R2L, 0.1, func(g *synth) { g.u2r(0, 0.5); g.x[fDuration] = g.i(10000, 30000); g.x[fRootShell] = 0 }},
	"named": {R2L, 0.3, func(g *synth) {
		g.proto, g.service = "tcp", "domain"
		g.x[fSrcBytes], g.x[fDstBytes], g.x[fHot], g.x[fLoggedIn] = g.logu(1000, 3000), g.logu(100, 30000), g.i(0, 3), 1
		g.window(g.i(1, 3), 1, 0, 0)
		g.host(g.i(1, 20), g.i(1, 20), 1, 0, g.u(0, 1), 0, 0, 0)
	}},
	"sendmail": {R2L, 0.3, func(g *synth) {
		g.proto, g.service = "tcp", "smtp"
		g.x[fSrcBytes], g.x[fDstBytes], g.x[fHot], g.x[fLoggedIn] = g.logu(1000, 10000), g.i(300, 400), g.i(1, 3), 1
		g.x[fCompromised] = g.i(0, 2)
		g.window(g.i(1, 3), 1, 0, 0)
		g.host(g.i(1, 255), g.i(1, 255), g.u(0.5, 1), 0, 0, 0, 0, 0)
	}},
	"xlock": {R2L, 0.2, func(g *synth) {
		g.proto, g.service = "tcp", "X11"
		g.x[fDuration], g.x[fSrcBytes], g.x[fDstBytes] = g.logu(10, 1000), g.logu(100, 3000), g.logu(100, 10000)
		g.window(1, 1, 0, 0)
		g.host(g.i(1, 10), g.i(1, 10), 1, 0, 0, 0, 0, 0)
	}},
	"xsnoop": {R2L, 0.1, func(g *synth) {
		g.proto, g.service, g.flag = "tcp", "X11", g.pick("SF", "RSTO")
		g.x[fDuration], g.x[fSrcBytes], g.x[fDstBytes] = g.i(1, 10), g.i(40, 200), g.logu(100, 5000)
		g.window(1, 1, 0, 0)
		g.host(g.i(1, 10), g.i(1, 10), 1, 0, 0, 0, 0, 0)
	}},
	"worm": {R2L, 0.1, func(g *synth) {
		g.proto, g.service = "tcp", "http"
		g.x[fSrcBytes], g.x[fDstBytes] = g.i(3000, 4000), g.i(0, 200)
		g.window(g.i(1, 5), 1, 0, 0)
		g.host(g.i(1, 255), g.i(1, 255), g.u(0, 1), 0, 0, 0, 0, 0)
	}},
	// U2R
	"buffer_overflow": {U2R, 0.6, func(g *synth) { g.u2r(0.7, 0.6) }},
	"rootkit":         {U2R, 0.3, func(g *synth) { g.u2r(0.4, 0.8) }},
	"loadmodule":      {U2R, 0.2, func(g *synth) { g.u2r(0.5, 0.3) }},
	"perl":            {U2R, 0.2, func(g *synth) { g.u2r(0.9, 0.2); g.x[fNumRoot] = g.i(1, 10) }},
	"ps":              {U2R, 0.3, func(g *synth) { g.u2r(0.8, 0.1) }},
	"sqlattack":       {U2R, 0.2, func(g *synth) { g.u2r(0.5, 0.5); g.service = "telnet" }},
	"xterm":           {U2R, 0.3, func(g *synth) { g.u2r(0.9, 0.5); g.x[fSuAttempted] = 1 }},
}

// snmp is the signature of SNMP community guessing (snmpguess: many short
// requests) and of snmpgetattack (which the literature notes looks almost
// exactly like normal SNMP traffic).
func (g *synth) snmp(guess bool) {
	g.proto, g.service = "udp", "snmp"
	g.x[fSrcBytes], g.x[fDstBytes] = g.i(30, 45), g.i(0, 50)
	if guess {
		g.x[fDstBytes] = 0
		g.window(g.i(1, 10), 1, 0, 0)
		g.host(255, g.i(1, 255), 1, 0, g.u(0, 0.1), 0, 0, 0)
		return
	}
	g.x[fDstBytes] = g.i(40, 110)
	g.window(g.i(1, 200), g.u(0.7, 1), 0, 0)
	g.host(255, g.i(100, 255), g.u(0.8, 1), 0, g.u(0, 0.05), 0, 0, 0)
}
