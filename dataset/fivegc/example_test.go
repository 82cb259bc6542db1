package fivegc_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/fivegc"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
)

// A PFCP Session Modification Request for a SEID never established, with
// a FAR set to drop: the Tracker's N4 row counts an orphan modification and
// a FAR to drop.
func ExampleTracker() {
	msg := []byte{
		0x21, 52, 0x00, 0x1d, // version 1, S; Session Modification Request; length 29
		0, 0, 0, 0, 0, 0, 0x02, 0x2b, // SEID 555
		0, 0, 1, 0, // sequence 1
		0x00, 0x0a, 0x00, 0x0d, // Update FAR, 13 bytes
		0x00, 0x6c, 0x00, 0x04, 0, 0, 0, 1, // FAR ID 1
		0x00, 0x2c, 0x00, 0x01, 0x01, // Apply Action: DROP
	}
	ev := &fivegc.Event{Proto: fivegc.ProtoPFCP, Time: time.Unix(0, 0),
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}
	if err := pfcp.Decode(msg, &ev.PFCP); err != nil {
		fmt.Println(err)
		return
	}
	tr, err := fivegc.NewTracker(fivegc.Config{Key: []byte("an example key, 16+ bytes")})
	if err != nil {
		fmt.Println(err)
		return
	}
	tr.Add(ev)
	tr.Flush()
	s := fivegc.N4Schema()
	fmt.Println(ev.PFCP.Type, ev.PFCP.SEID)
	fmt.Println("orphan_mod", tr.N4().Numeric(s.Index("orphan_mod"))[0])
	fmt.Println("far_drop", tr.N4().Numeric(s.Index("far_drop"))[0])
	// Output:
	// session_modification_req 555
	// orphan_mod 1
	// far_drop 1
}
