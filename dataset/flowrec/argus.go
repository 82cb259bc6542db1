package flowrec

import (
	"github.com/netwarden/netwarden/dataset/flow"
	"io"
	"strconv"
	"strings"
)

// ArgusReader reads the delimited text that Argus's ra client prints
// (ra -r FILE -u -n -c , -s stime ltime saddr sport daddr dport proto
// spkts dpkts sbytes dbytes state …): a header line of ra's field labels,
// then one record a line. Columns are found by label, so any order and
// extra columns are fine; StartTime, SrcAddr and DstAddr are required,
// and times must be UNIX seconds (ra's -u: ra's default time of day has
// no date). Records map as SrcAddr/Sport → Src/SrcPort, DstAddr/Dport →
// Dst/DstPort, StartTime and LastTime (or StartTime+Dur) → Start and End,
// SrcPkts/SrcBytes → FwdPackets/FwdFrameBytes (Argus counts whole frames),
// DstPkts/DstBytes → BwdPackets/BwdFrameBytes (TotPkts/TotBytes when only
// those are printed); State gives Reason (FIN and CLO: EndFIN, RST:
// EndRST, others EndIdle). Argus prints no TCP flags in these columns. For ICMP, ra prints the type and code in
// Sport as hex (0x0303). Argus's management records (proto "man") and
// non-IP records (ARP, LLC) carry no flow: they are skipped and counted
// (Skipped).
//
// Read returns a *dataset.ParseError naming the file, line, byte column
// and field for a malformed line; Read may then be called again. An
// ArgusReader is for one goroutine.
type ArgusReader struct {
	l       lines
	sep     string
	labels  []string
	idx     map[string]int
	skipped int
}

// NewArgusReader returns a reader of ra's output r, with sep the field
// separator given to ra -c ("" means ","); name is used in errors.
func NewArgusReader(r io.Reader, name, sep string) *ArgusReader {
	if sep == "" {
		sep = ","
	}
	return &ArgusReader{l: newLines(r, name), sep: sep}
}

// Line returns the 1-based line of the record last read.
func (a *ArgusReader) Line() int { return a.l.line }

// Skipped returns how many management and non-IP records were skipped.
func (a *ArgusReader) Skipped() int { return a.skipped }

// Read reads the next flow record into rec; it returns io.EOF at the end.
func (a *ArgusReader) Read(rec *Record) error {
	for {
		s, ok := a.l.next()
		if !ok {
			if a.labels == nil && a.l.sc.Err() == nil && a.l.line == 0 {
				return io.EOF
			}
			return a.l.readErr()
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		if a.labels == nil {
			if err := a.header(s); err != nil {
				return err
			}
			continue
		}
		skip, err := a.record(s, rec)
		if skip {
			a.skipped++
			continue
		}
		return err
	}
}

func (a *ArgusReader) header(s string) error {
	a.labels = strings.Split(s, a.sep)
	a.idx = map[string]int{}
	for i, l := range a.labels {
		a.idx[strings.TrimSpace(l)] = i
	}
	for _, need := range []string{"StartTime", "SrcAddr", "DstAddr"} {
		if _, ok := a.idx[need]; !ok {
			a.labels = nil
			return a.l.errf(0, need, "header has no %s column: not ra -c output with its labels", need)
		}
	}
	return nil
}

func (a *ArgusReader) record(s string, rec *Record) (bool, error) {
	vals := strings.Split(s, a.sep)
	if len(vals) != len(a.labels) {
		return false, a.l.errf(0, "", "%d fields, the header names %d", len(vals), len(a.labels))
	}
	col := func(label string) int {
		i, ok := a.idx[label]
		if !ok {
			return 0
		}
		c := 1
		for j := 0; j < i; j++ {
			c += len(vals[j]) + len(a.sep)
		}
		return c
	}
	get := func(label string) string {
		if i, ok := a.idx[label]; ok {
			return strings.TrimSpace(vals[i])
		}
		return ""
	}
	bad := func(label, what, v string) (bool, error) {
		return false, a.l.errf(col(label), label, "%s %q", what, v)
	}
	*rec = Record{}
	rec.Source = flow.SourceArgus
	proto := get("Proto")
	switch proto {
	case "man", "arp", "rarp", "llc", "lldp", "stp":
		return true, nil
	}
	if proto != "" {
		var ok bool
		if rec.Key.Proto, ok = protoNumber(proto); !ok {
			return bad("Proto", "unknown protocol", proto)
		}
	}
	var ok bool
	st := get("StartTime")
	if rec.Start, ok = secondsTime(st); !ok {
		return bad("StartTime", "time not in UNIX seconds (run ra with -u)", st)
	}
	rec.End = rec.Start
	if lt := get("LastTime"); lt != "" {
		if rec.End, ok = secondsTime(lt); !ok {
			return bad("LastTime", "time not in UNIX seconds (run ra with -u)", lt)
		}
	} else if du := get("Dur"); du != "" {
		d, ok := secondsDuration(du)
		if !ok {
			return bad("Dur", "bad duration", du)
		}
		rec.End = rec.Start.Add(d)
	}
	if rec.Key.Src, ok = parseAddr(get("SrcAddr")); !ok {
		return bad("SrcAddr", "bad address", get("SrcAddr"))
	}
	if rec.Key.Dst, ok = parseAddr(get("DstAddr")); !ok {
		return bad("DstAddr", "bad address", get("DstAddr"))
	}
	port := func(label string, dst *uint16) (bool, error) {
		v := get(label)
		if v == "" {
			return false, nil
		}
		p, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return bad(label, "bad port", v)
		}
		*dst = uint16(p)
		return false, nil
	}
	if _, err := port("Sport", &rec.Key.SrcPort); err != nil {
		return false, err
	}
	if _, err := port("Dport", &rec.Key.DstPort); err != nil {
		return false, err
	}
	if rec.Key.Proto == 1 || rec.Key.Proto == 58 {
		rec.ICMPType, rec.ICMPCode = uint8(rec.Key.SrcPort>>8), uint8(rec.Key.SrcPort)
		rec.Key.SrcPort, rec.Key.DstPort = 0, 0
	}
	for _, f := range []struct {
		label string
		dst   *uint64
	}{
		{"TotPkts", &rec.FwdPackets}, {"TotBytes", &rec.FwdFrameBytes},
		{"SrcPkts", &rec.FwdPackets}, {"DstPkts", &rec.BwdPackets},
		{"SrcBytes", &rec.FwdFrameBytes}, {"DstBytes", &rec.BwdFrameBytes},
	} {
		v := get(f.label)
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return bad(f.label, "bad count", v)
		}
		*f.dst = n
	}
	switch get("State") {
	case "FIN", "CLO":
		rec.Reason = flow.EndFIN
	case "RST":
		rec.Reason = flow.EndRST
	case "":
	default:
		rec.Reason = flow.EndIdle
	}
	return false, nil
}
