package nas_test

import (
	"encoding/hex"
	"fmt"

	"github.com/netwarden/netwarden/dataset/fivegc/nas"
)

// An Authentication Failure with 5GMM cause 20 (MAC failure), as the
// phone sends each probe of a SUCI catcher.
func ExampleDecode() {
	b, _ := hex.DecodeString("7e005914")
	var m nas.Message
	if err := nas.Decode(b, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.MMType, m.Cause == nas.CauseMACFailure)
	// Output:
	// authentication_failure true
}

// The 5GMM STATUS an open5gs AMF sent back to the NAS fuzzer of
// dlteam5g/007e (cause #92, not a protocol error), and a 5GSM STATUS
// with cause #97 (message type non-existent), as TS 24.501 §7.4 answers
// an undefined message type.
func ExampleProtocolErrorCause() {
	for _, s := range []string{"7e00645c", "2e0a01d661"} {
		b, _ := hex.DecodeString(s)
		var m nas.Message
		if err := nas.Decode(b, &m); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(m.MMType, m.Cause, m.SMType == nas.SMStatus, m.SMCause,
			nas.ProtocolErrorCause(m.Cause) || nas.ProtocolErrorCause(m.SMCause))
	}
	// Output:
	// 5gmm_status 92 false 0 false
	// mm_0x0 0 true 97 true
}
