package gtpv2_test

import (
	"encoding/hex"
	"fmt"

	"github.com/netwarden/netwarden/dataset/fivegc/gtpv2"
)

// A Delete Session Request of tempo/OppoSPGWC-disconnect.pcap.
func ExampleDecode() {
	b, _ := hex.DecodeString("4824001a00000005ebf09a0049000100055700090086000000057f00000b")
	var m gtpv2.Message
	if err := gtpv2.Decode(b, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.TEID, m.Seq, len(m.IEs))
	// Output:
	// delete_session_req 5 15462554 2
}
