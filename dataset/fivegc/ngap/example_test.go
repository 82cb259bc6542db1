package ngap_test

import (
	"encoding/hex"
	"fmt"

	"github.com/netwarden/netwarden/dataset/fivegc/nas"
	"github.com/netwarden/netwarden/dataset/fivegc/ngap"
)

// An Initial UE Message of tempo/multiple_ue.pcap carrying a plain
// Registration Request with a SUCI.
func ExampleDecode() {
	b, _ := hex.DecodeString("000f403d00000400550002000100260018177e004171000d0102f859f0ff000000000000132e0280400079000f4002f8590000005cd002f85900a000005a400118")
	var p ngap.PDU
	if err := ngap.Decode(b, &p); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Type, p.Procedure, p.RANUEID, len(p.IEs))
	var m nas.Message
	if err := nas.Decode(p.NAS, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.MMType, m.IdentityType == nas.IdentitySUCI)
	// Output:
	// initiating initial_ue_message 1 4
	// registration_request true
}

// The Cause of a UE Context Release Command of
// tfactory/5g_NGAP_gnodeb-to-amf-during-UEinit.pcap (nas normal-release),
// and a protocol semantic-error, the group a receiver reports an
// erroneous message with.
func ExampleParseCause() {
	for _, v := range [][]byte{{0x40}, {0x68}} {
		g, x, err := ngap.ParseCause(v)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(g, x, g == ngap.CauseProtocol)
	}
	// Output:
	// nas 0 false
	// protocol 4 true
}
