package flowrec_test

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/flowrec"
)

// Decode an IPFIX export: the second message's data set came before its
// template and is held until the template arrives.
func ExampleDecoder() {
	exporter := netip.MustParseAddr("192.0.2.1")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var r flow.Record
	r.Key = flow.Key{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 40000, DstPort: 443, Proto: 6}
	r.Start, r.End = now.Add(-2*time.Second), now
	r.FwdPackets, r.FwdBytes, r.BwdPackets, r.BwdBytes = 10, 1200, 8, 9000

	w := &flowrec.IPFIXWriter{TemplateEvery: 2}
	withTemplate, _ := w.Append(nil, []flow.Record{r}, now)
	dataOnly, _ := w.Append(nil, []flow.Record{r}, now)

	d := flowrec.NewDecoder(flowrec.Config{})
	recs, _ := d.Decode(nil, exporter, dataOnly, now)
	fmt.Println("before the template:", len(recs), "records,", d.Held(), "set held")
	recs, _ = d.Decode(recs[:0], exporter, withTemplate, now)
	for _, r := range recs {
		fmt.Println(r.Key, r.FwdPackets, r.FwdBytes, r.BwdPackets, r.BwdBytes, r.Duration(), r.Source)
	}
	st := d.Stats()
	fmt.Println("held", st.Held, "replayed", st.Replayed, "skipped", st.SkippedTotal())

	// A damaged packet is counted and reported, never decoded.
	_, err := d.Decode(nil, exporter, dataOnly[:30], now)
	fmt.Println(err)
	// Output:
	// before the template: 0 records, 1 set held
	// 6 10.0.0.1:40000 > 10.0.0.2:443 10 1200 8 9000 2s ipfix
	// 6 10.0.0.1:40000 > 10.0.0.2:443 10 1200 8 9000 2s ipfix
	// held 1 replayed 1 skipped 0
	// flowrec: exporter 192.0.2.1: byte 2: header_length: ipfix message length disagrees with the packet
}

// Read Zeek's conn.log and turn each connection into a feature row.
func ExampleZeekReader() {
	log := "#separator \\x09\n" +
		"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\thistory\tconn_state\n" +
		"1258535652.197521\t192.168.1.104\t49378\t74.125.19.104\t443\ttcp\t1.021440\t9\t1025\t8\t4528\tShADadfR\tRSTO\n" +
		"1258535653.0\t192.168.1.104\tnot-a-port\t74.125.19.104\t443\ttcp\t1.0\t1\t40\t0\t0\tS\tS0\n"
	zr := flowrec.NewZeekReader(strings.NewReader(log), "conn.log")
	var rec flowrec.Record
	var row dataset.Row
	for {
		err := zr.Read(&rec)
		if err != nil {
			fmt.Println(err)
			break
		}
		flowrec.FillRow(&row, &rec.Record)
		s := flowrec.Schema()
		fmt.Println(rec.Key, rec.Reason, "IN_BYTES", row.Num[s.Index(flowrec.ColInBytes)],
			"OUT_BYTES", row.Num[s.Index(flowrec.ColOutBytes)], "ms", row.Num[s.Index(flowrec.ColDurationMs)])
	}
	// Output:
	// 6 192.168.1.104:49378 > 74.125.19.104:443 rst IN_BYTES 1025 OUT_BYTES 4528 ms 1021
	// dataset: conn.log:4:28: field id.orig_p: bad port "not-a-port": netwarden: malformed input
}
