package pfcp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
)

// fieldsOf renders the decoded messages of one datagram as tshark's
// -T fields columns (see testdata/make_golden.py).
func fieldsOf(b []byte) (map[string]string, error) {
	out := map[string][]string{}
	add := func(k string, v string) { out[k] = append(out[k], v) }
	var m Message
	for {
		if err := Decode(b, &m); err != nil {
			return nil, err
		}
		add("pfcp.version", strconv.Itoa(int(m.Version)))
		add("pfcp.s", b01(m.S))
		add("pfcp.msg_type", strconv.Itoa(int(m.Type)))
		if m.S {
			add("pfcp.seid", fmt.Sprintf("0x%016x", m.SEID))
		}
		add("pfcp.seqno", strconv.Itoa(int(m.Seq)))
		for _, ie := range m.IEs {
			if ie.Type < 0x8000 {
				// tshark shows a vendor IE's type in a field of its own.
				add("pfcp.ie_type", strconv.Itoa(int(ie.Type)))
			}
			v := ie.Value
			switch ie.Type {
			case IECause:
				add("pfcp.cause", strconv.Itoa(int(v[0])))
			case IENodeID:
				n, err := ParseNodeID(v)
				if err == nil && n.Type == NodeIDIPv4 {
					add("pfcp.node_id_ipv4", n.Addr.String())
				}
			case IEFSEID:
				f, _ := ParseFSEID(v)
				add("pfcp.seid", fmt.Sprintf("0x%016x", f.SEID))
				if f.V4.IsValid() {
					add("pfcp.f_seid.ipv4", f.V4.String())
				}
			case IERecoveryTimeStamp:
				// tshark reads the time stamp with RFC 4330's era rule: a
				// value below 2^31 is in era 1 (from 2036).
				ts := uint64(be32(v))
				if ts != 0 && ts < 1<<31 {
					ts += 1 << 32
				}
				add("pfcp.recovery_time_stamp", strconv.FormatUint(ts, 10))
			case IEFTEID:
				f, err := ParseFTEID(v)
				if err == nil && !f.Choose {
					add("pfcp.f_teid.teid", fmt.Sprintf("0x%08x", f.TEID))
					if f.V4.IsValid() {
						add("pfcp.f_teid.ipv4_addr", f.V4.String())
					}
				}
			case IEUEIPAddress:
				u, err := ParseUEIP(v)
				if err == nil && u.V4.IsValid() {
					add("pfcp.ue_ip_addr_ipv4", u.V4.String())
				}
			case IEApplyAction:
				a := ApplyAction(v)
				add("pfcp.apply_action.drop", b01(a.Drop()))
				add("pfcp.apply_action.forw", b01(a.Forward()))
				add("pfcp.apply_action.buff", b01(a.Buffer()))
			case IEDestinationInterface:
				i, err := ParseInterface(v)
				if err == nil {
					add("pfcp.dst_interface", strconv.Itoa(int(i)))
				}
			case IEPDRID:
				if len(v) >= 2 {
					add("pfcp.pdr_id", strconv.Itoa(int(v[0])<<8|int(v[1])))
				}
			case IEFARID:
				if id, err := ParseFARID(v); err == nil {
					add("pfcp.far_id", strconv.FormatUint(uint64(id), 10))
				}
			case ieRemoteGTPUPeer:
				// tshark shows this IE's IPv4 address in pfcp.node_id_ipv4.
				if len(v) >= 5 && v[0]&0x02 != 0 {
					add("pfcp.node_id_ipv4", fmt.Sprintf("%d.%d.%d.%d", v[1], v[2], v[3], v[4]))
				}
			case ieFailedRuleID:
				// tshark shows a failed PDR's or FAR's ID in pdr_id or far_id.
				if len(v) >= 3 && v[0]&0x07 == 0 {
					add("pfcp.pdr_id", strconv.Itoa(int(v[1])<<8|int(v[2])))
				}
				if len(v) >= 5 && v[0]&0x07 == 1 {
					if id, err := ParseFARID(v[1:]); err == nil {
						add("pfcp.far_id", strconv.FormatUint(uint64(id), 10))
					}
				}
			}
		}
		if !m.FO || m.Size() >= len(b) {
			break
		}
		b = b[m.Size():]
	}
	res := map[string]string{}
	for k, v := range out {
		res[k] = strings.Join(v, ";")
	}
	return res, nil
}

const (
	ieRemoteGTPUPeer = 103
	ieFailedRuleID   = 114
)

func be32(v []byte) uint32 {
	if len(v) < 4 {
		return 0
	}
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// knownDiff lists, by capture and frame, the messages where the decoder and
// tshark 4.0.17 disagree on purpose; doc.go explains each.
var knownDiff = map[string]string{
	"ndpi/pfcp.pcapng#2 pfcp.ie_type": "tshark 4.0 dissects IE 204 (Requested Clock Drift Information, a flags IE in TS 29.244) as a grouped IE and lists the IE types it finds in its bytes",
}

func TestGoldenTshark(t *testing.T) {
	golden.Compare(t, "testdata/golden.tsv", golden.Check{Fields: fieldsOf, KnownDiff: knownDiff})
}

// TestRulesMatchTshark checks Message.Rules, the Create/Update/Remove
// PDR, FAR, URR and QER counts, against the grouped IEs of those types
// tshark lists (pfcp.ie_type holds every IE, nested ones too, in tree
// order; TS 29.244 Table 8.1.2-1 numbers them 1, 3, 6, 7, 9, 10, 13–18).
func TestRulesMatchTshark(t *testing.T) {
	rows, err := golden.Read("testdata/golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	ruleTypes := map[string][2]int{
		"1": {Create, PDR}, "3": {Create, FAR}, "6": {Create, URR}, "7": {Create, QER},
		"9": {Update, PDR}, "10": {Update, FAR}, "13": {Update, URR}, "14": {Update, QER},
		"15": {Remove, PDR}, "16": {Remove, FAR}, "17": {Remove, URR}, "18": {Remove, QER},
	}
	total := 0
	for _, r := range rows {
		var want, got [3][4]int
		if s := r.Fields["pfcp.ie_type"]; s != "" {
			for _, x := range strings.Split(s, ";") {
				if k, ok := ruleTypes[x]; ok {
					want[k[0]][k[1]]++
				}
			}
		}
		b := r.Payload
		var m Message
		for {
			if err := Decode(b, &m); err != nil {
				t.Fatalf("%s#%d: %v", r.Capture, r.Frame, err)
			}
			for op := range got {
				for k := range got[op] {
					got[op][k] += m.Rules[op][k]
					total += m.Rules[op][k]
				}
			}
			if !m.FO || m.Size() >= len(b) {
				break
			}
			b = b[m.Size():]
		}
		if got != want {
			t.Errorf("%s#%d: rules %v, tshark %v", r.Capture, r.Frame, got, want)
		}
	}
	t.Logf("%d rule IEs in %d messages", total, len(rows))
	if total == 0 {
		t.Error("the golden set holds no rule IEs")
	}
}
