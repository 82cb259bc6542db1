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
