package pfcp_test

import (
	"encoding/hex"
	"fmt"

	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
)

// A Session Establishment Response of tempo/multiple_ue.pcap (an OAI UPF):
// accepted, the UPF's F-SEID, one Created PDR with its F-TEID.
func ExampleDecode() {
	b, _ := hex.DecodeString("21330042000000000000000100000b00003c000500c0a83dc500130001010039000d020000000000000001c0a83dc500080013003800020001001500090100000001c0a83dc5")
	var m pfcp.Message
	if err := pfcp.Decode(b, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.SEID, m.Seq, m.Cause.Accepted(), m.NodeID.Addr, m.FSEID.SEID, m.FSEID.V4)
	for _, ie := range m.IEs {
		if ie.Type == pfcp.IEFTEID {
			f, _ := pfcp.ParseFTEID(ie.Value)
			fmt.Println("F-TEID", f.TEID, f.V4, "depth", ie.Depth)
		}
	}
	// Truncated input is an error naming the byte offset.
	fmt.Println(pfcp.Decode(b[:30], &m))
	// Output:
	// session_establishment_resp 1 11 true 192.168.61.197 1 192.168.61.197
	// F-TEID 1 192.168.61.197 depth 1
	// pfcp: byte 30: message length 66 runs past the 30 bytes received
}
