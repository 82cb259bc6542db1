package flowrec

import (
	"encoding/json"
	"github.com/netwarden/netwarden/dataset/flow"
	"io"
	"strconv"
	"strings"
	"time"
)

// ZeekReader reads Zeek's conn.log (https://docs.zeek.org, "conn.log"),
// in either of Zeek's two writers' forms: the TSV form with its
// #separator, #fields and #types header (several headers may follow one
// another, as in concatenated logs), or the JSON form with one object per
// line (LogAscii::use_json; ts as seconds or ISO 8601). Each connection
// becomes a Record: id.orig_h/p → Src/SrcPort, id.resp_h/p → Dst/DstPort,
// ts and ts+duration → Start and End, orig_pkts, orig_ip_bytes (IP
// bytes, as NetFlow counts) and orig_bytes (payload) → FwdPackets,
// FwdBytes and FwdPayloadBytes, resp_* → the Bwd counts. FwdFlags and
// BwdFlags are derived from history (S, H, A, F, R and their lower-case
// responder forms; Zeek keeps no PSH or URG), Reason from conn_state. For
// ICMP, Zeek's orig_p and resp_p are the type and code.
//
// Read returns a *dataset.ParseError naming the file, line, byte column
// and field for a malformed line; the reader has then moved past it, so
// Read may be called again to go on. A ZeekReader is for one goroutine.
type ZeekReader struct {
	l      lines
	sep    string
	unset  string
	empty  string
	fields []string
	idx    zeekIndex
}

type zeekIndex struct {
	ts, origH, origP, respH, respP, proto, duration, origBytes, respBytes,
	origPkts, origIPBytes, respPkts, respIPBytes, history, state int
}

// NewZeekReader returns a reader of the conn.log r; name is used in errors.
func NewZeekReader(r io.Reader, name string) *ZeekReader {
	return &ZeekReader{l: newLines(r, name), sep: "\t", unset: "-", empty: "(empty)"}
}

// Line returns the 1-based line of the record last read.
func (z *ZeekReader) Line() int { return z.l.line }

// Read reads the next connection into rec; it returns io.EOF at the end.
func (z *ZeekReader) Read(rec *Record) error {
	for {
		s, ok := z.l.next()
		if !ok {
			return z.l.readErr()
		}
		switch {
		case s == "":
			continue
		case s[0] == '#':
			if err := z.header(s); err != nil {
				return err
			}
			continue
		case s[0] == '{':
			return z.readJSON(s, rec)
		}
		if z.fields == nil {
			return z.l.errf(1, "", "data line before the #fields header")
		}
		return z.readTSV(s, rec)
	}
}

func (z *ZeekReader) header(s string) error {
	key, val, _ := strings.Cut(s[1:], z.sep)
	if z.sep == "\t" && key == s[1:] {
		key, val, _ = strings.Cut(s[1:], " ")
	}
	switch key {
	case "separator":
		sep, err := unescapeZeek(val)
		if err != nil || sep == "" {
			return z.l.errf(len("#separator")+2, "#separator", "bad separator %q", val)
		}
		z.sep = sep
	case "unset_field":
		z.unset = val
	case "empty_field":
		z.empty = val
	case "fields":
		z.fields = strings.Split(val, z.sep)
		z.idx = zeekIndex{}
		set := func(p *int, name string) {
			*p = -1
			for i, f := range z.fields {
				if f == name {
					*p = i
				}
			}
		}
		x := &z.idx
		set(&x.ts, "ts")
		set(&x.origH, "id.orig_h")
		set(&x.origP, "id.orig_p")
		set(&x.respH, "id.resp_h")
		set(&x.respP, "id.resp_p")
		set(&x.proto, "proto")
		set(&x.duration, "duration")
		set(&x.origBytes, "orig_bytes")
		set(&x.respBytes, "resp_bytes")
		set(&x.origPkts, "orig_pkts")
		set(&x.origIPBytes, "orig_ip_bytes")
		set(&x.respPkts, "resp_pkts")
		set(&x.respIPBytes, "resp_ip_bytes")
		set(&x.history, "history")
		set(&x.state, "conn_state")
		for _, need := range []struct {
			i    int
			name string
		}{{x.ts, "ts"}, {x.origH, "id.orig_h"}, {x.respH, "id.resp_h"}} {
			if need.i < 0 {
				return z.l.errf(0, need.name, "#fields has no %s: not a conn.log", need.name)
			}
		}
	}
	return nil
}

func unescapeZeek(s string) (string, error) {
	if !strings.Contains(s, `\x`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// zeekConn is a conn.log line as text, field by field.
type zeekConn struct {
	ts, origH, origP, respH, respP, proto, duration, origBytes, respBytes,
	origPkts, origIPBytes, respPkts, respIPBytes, history, state string
	col func(field string) int
}

func (z *ZeekReader) readTSV(s string, rec *Record) error {
	var cols [64]string
	vals := cols[:0]
	starts := make([]int, 0, len(z.fields))
	off := 0
	for {
		i := strings.Index(s[off:], z.sep)
		starts = append(starts, off+1)
		if i < 0 {
			vals = append(vals, s[off:])
			break
		}
		vals = append(vals, s[off:off+i])
		off += i + len(z.sep)
	}
	if len(vals) != len(z.fields) {
		return z.l.errf(0, "", "%d fields, #fields names %d", len(vals), len(z.fields))
	}
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		v := vals[i]
		if v == z.unset || v == z.empty {
			return ""
		}
		return v
	}
	x := &z.idx
	c := zeekConn{
		ts: get(x.ts), origH: get(x.origH), origP: get(x.origP), respH: get(x.respH), respP: get(x.respP),
		proto: get(x.proto), duration: get(x.duration), origBytes: get(x.origBytes), respBytes: get(x.respBytes),
		origPkts: get(x.origPkts), origIPBytes: get(x.origIPBytes), respPkts: get(x.respPkts),
		respIPBytes: get(x.respIPBytes), history: get(x.history), state: get(x.state),
	}
	c.col = func(field string) int {
		for i, f := range z.fields {
			if f == field {
				return starts[i]
			}
		}
		return 0
	}
	return z.fill(&c, rec)
}

func (z *ZeekReader) readJSON(s string, rec *Record) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return z.l.errf(0, "", "json: %v", err)
	}
	str := func(k string) string {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			return ""
		}
		if len(v) > 0 && v[0] == '"' {
			var t string
			if json.Unmarshal(v, &t) == nil {
				return t
			}
		}
		return string(v)
	}
	c := zeekConn{
		ts: str("ts"), origH: str("id.orig_h"), origP: str("id.orig_p"), respH: str("id.resp_h"), respP: str("id.resp_p"),
		proto: str("proto"), duration: str("duration"), origBytes: str("orig_bytes"), respBytes: str("resp_bytes"),
		origPkts: str("orig_pkts"), origIPBytes: str("orig_ip_bytes"), respPkts: str("resp_pkts"),
		respIPBytes: str("resp_ip_bytes"), history: str("history"), state: str("conn_state"),
	}
	c.col = func(string) int { return 0 }
	return z.fill(&c, rec)
}

func (z *ZeekReader) fill(c *zeekConn, rec *Record) error {
	*rec = Record{}
	rec.Source = flow.SourceZeek
	bad := func(field, what, v string) error {
		return z.l.errf(c.col(field), field, "%s %q", what, v)
	}
	var ok bool
	if rec.Start, ok = zeekTime(c.ts); !ok {
		return bad("ts", "bad time", c.ts)
	}
	rec.End = rec.Start
	if c.duration != "" {
		d, ok := secondsDuration(c.duration)
		if !ok {
			return bad("duration", "bad interval", c.duration)
		}
		rec.End = rec.Start.Add(d)
	}
	if rec.Key.Src, ok = parseAddr(c.origH); !ok {
		return bad("id.orig_h", "bad address", c.origH)
	}
	if rec.Key.Dst, ok = parseAddr(c.respH); !ok {
		return bad("id.resp_h", "bad address", c.respH)
	}
	port := func(field, v string, dst *uint16) error {
		if v == "" {
			return nil
		}
		p, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return bad(field, "bad port", v)
		}
		*dst = uint16(p)
		return nil
	}
	if err := port("id.orig_p", c.origP, &rec.Key.SrcPort); err != nil {
		return err
	}
	if err := port("id.resp_p", c.respP, &rec.Key.DstPort); err != nil {
		return err
	}
	if c.proto != "" {
		if rec.Key.Proto, ok = protoNumber(c.proto); !ok {
			return bad("proto", "unknown transport", c.proto)
		}
	}
	if rec.Key.Proto == 1 || rec.Key.Proto == 58 {
		rec.ICMPType, rec.ICMPCode = uint8(rec.Key.SrcPort), uint8(rec.Key.DstPort)
		rec.Key.SrcPort, rec.Key.DstPort = 0, 0
	}
	count := func(field, v string, dst *uint64) error {
		if v == "" {
			return nil
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return bad(field, "bad count", v)
		}
		*dst = n
		return nil
	}
	for _, f := range []struct {
		field, v string
		dst      *uint64
	}{
		{"orig_pkts", c.origPkts, &rec.FwdPackets}, {"resp_pkts", c.respPkts, &rec.BwdPackets},
		{"orig_bytes", c.origBytes, &rec.FwdPayloadBytes}, {"resp_bytes", c.respBytes, &rec.BwdPayloadBytes},
		{"orig_ip_bytes", c.origIPBytes, &rec.FwdBytes}, {"resp_ip_bytes", c.respIPBytes, &rec.BwdBytes},
	} {
		if err := count(f.field, f.v, f.dst); err != nil {
			return err
		}
	}
	o, r := historyFlags(c.history)
	rec.FwdFlags, rec.BwdFlags = uint16(o), uint16(r)
	rec.Reason = zeekEnd(c.state)
	return nil
}

// zeekTime reads ts as seconds or as ISO 8601 (JSON::TS_ISO8601).
func zeekTime(s string) (time.Time, bool) {
	if t, ok := secondsTime(s); ok {
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}

// TCP flag bits as in the TCP header.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
	flagURG = 0x20
)

// historyFlags derives the flags each side sent from Zeek's history
// string: upper case is the originator, lower case the responder; S is a
// SYN, H a SYN+ACK, A an ACK, F a FIN, R a RST.
func historyFlags(h string) (orig, resp uint8) {
	for i := 0; i < len(h); i++ {
		c := h[i]
		var f uint8
		switch c | 0x20 {
		case 's':
			f = flagSYN
		case 'h':
			f = flagSYN | flagACK
		case 'a':
			f = flagACK
		case 'f':
			f = flagFIN
		case 'r':
			f = flagRST
		}
		if c >= 'A' && c <= 'Z' {
			orig |= f
		} else {
			resp |= f
		}
	}
	return orig, resp
}

// zeekEnd maps conn_state to a flow end reason: the states Zeek reaches
// by a FIN or a RST end the flow so; the others were cut by inactivity.
func zeekEnd(state string) flow.EndReason {
	switch state {
	case "SF", "SH", "SHR":
		return flow.EndFIN
	case "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH":
		return flow.EndRST
	case "":
		return flow.EndUnknown
	}
	return flow.EndIdle
}
