package gtpv2

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
)

func fieldsOf(b []byte) (map[string]string, error) {
	out := map[string][]string{}
	add := func(k, v string) { out[k] = append(out[k], v) }
	var m Message
	for {
		if err := Decode(b, &m); err != nil {
			return nil, err
		}
		add("gtpv2.version", strconv.Itoa(int(m.Version)))
		add("gtpv2.p", b01(m.P))
		add("gtpv2.t", b01(m.T))
		add("gtpv2.message_type", strconv.Itoa(int(m.Type)))
		add("gtpv2.msg_length", strconv.Itoa(int(m.Length)))
		if m.T {
			add("gtpv2.teid", fmt.Sprintf("0x%08x", m.TEID))
		}
		add("gtpv2.seq", fmt.Sprintf("0x%06x", m.Seq))
		for _, ie := range m.IEs {
			add("gtpv2.ie_type", strconv.Itoa(int(ie.Type)))
			if ie.Type == IECause {
				add("gtpv2.cause", strconv.Itoa(int(ie.Value[0])))
			}
		}
		if !m.P || m.Size() >= len(b) {
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

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// malformed lists the messages tshark dissects with errors and the decoder
// rejects; doc.go explains each.
var malformed = map[string]string{
	"ndpi/gtp_false_positive.pcapng#7": "UDP on port 2123 that is not GTPv2-C: header length 0, an IE running 28265 bytes past the datagram (tshark: 'Less data left than indicated by length')",
}

func TestGoldenTshark(t *testing.T) {
	golden.Compare(t, "testdata/golden.tsv", golden.Check{Fields: fieldsOf, Rejected: malformed, RejectedIs: ErrFormat})
}
