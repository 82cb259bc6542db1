package fivegc_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/fivegc"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
	"github.com/netwarden/netwarden/dataset/packet"
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

// Synthetic traffic read back by a Scanner into a Tracker: messages by
// protocol and the labels of the gNB windows.
func ExampleWriteSynthetic() {
	var buf bytes.Buffer
	truth, err := fivegc.WriteSynthetic(&buf, fivegc.SynthConfig{Seed: 1, UEs: 20, Attacks: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := packet.NewReader(&buf, "synthetic")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := fivegc.NewScanner(r)
	tr, _ := fivegc.NewTracker(fivegc.Config{Key: []byte("an example key, 16+ bytes"),
		Label: func(ev *fivegc.Event) string { return truth.Label(ev.Frame) }})
	for {
		ev, err := s.Next()
		if err != nil {
			break // io.EOF
		}
		tr.Add(ev)
	}
	tr.Flush()
	c := s.Counts()
	fmt.Println("pfcp", c.Messages[fivegc.ProtoPFCP], "ngap", c.Messages[fivegc.ProtoNGAP], "malformed", c.Malformed)
	fmt.Println(tr.GNB().LabelCounts())
	// Output:
	// pfcp 1196 ngap 961 malformed [0 0 0 0 0]
	// map[nas_registration_flood:1 normal:29 suci_catching:2]
}
