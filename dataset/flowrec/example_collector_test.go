package flowrec_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/flowrec"
)

// Collect IPFIX on a loopback port: an exporter (here an IPFIXWriter)
// sends one message, the handler receives its records.
func ExampleCollector() {
	c, err := flowrec.Listen("127.0.0.1:0", flowrec.CollectorConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 1)
	done := make(chan error)
	go func() {
		done <- c.Run(ctx, func(recs []flowrec.Record) {
			for _, r := range recs {
				got <- fmt.Sprint(r.Key, " ", r.FwdPackets, " packets from ", r.Exporter)
			}
		})
	}()

	var r flow.Record
	r.Key = flow.Key{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 5353, DstPort: 53, Proto: 17}
	r.Start, r.End = time.Unix(1000, 0), time.Unix(1001, 0)
	r.FwdPackets, r.FwdBytes = 2, 140
	msg, _ := (&flowrec.IPFIXWriter{}).Append(nil, []flow.Record{r}, time.Unix(1002, 0))
	conn, err := net.Dial("udp", c.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	_, _ = conn.Write(msg)

	fmt.Println(<-got)
	cancel()
	fmt.Println("run:", <-done)
	t := c.Totals()
	fmt.Println("datagrams", t.Packets, "records", t.Decoder.Records, "dropped", t.QueueFull+t.Oversize)
	// Output:
	// 17 10.0.0.1:5353 > 10.0.0.2:53 2 packets from 127.0.0.1
	// run: <nil>
	// datagrams 1 records 1 dropped 0
}

// Read Argus records as ra prints them (ra -r FILE -u -n -c , -s stime
// ltime saddr sport daddr dport proto spkts dpkts sbytes dbytes state).
func ExampleArgusReader() {
	text := "StartTime,LastTime,SrcAddr,Sport,DstAddr,Dport,Proto,SrcPkts,DstPkts,SrcBytes,DstBytes,State\n" +
		"1796227257.958334,1796227257.946196,0,0,0,0,man,0,0,0,0,STA\n" +
		"1430069021.959113,1430069022.041999,10.24.82.188,38448,10.188.1.1,53,udp,1,1,60,98,CON\n" +
		"1430069030.119696,1430069030.119696,10.24.82.188,0x0303,10.188.191.1,0x53ee,icmp,1,0,131,0,URP\n"
	ar := flowrec.NewArgusReader(strings.NewReader(text), "ra.csv", ",")
	var r flowrec.Record
	for ar.Read(&r) == nil {
		fmt.Println(r.Key, r.FwdPackets, r.BwdPackets, r.FwdFrameBytes, r.BwdFrameBytes, r.ICMPType, r.ICMPCode, r.Duration())
	}
	fmt.Println("skipped", ar.Skipped())
	// Output:
	// 17 10.24.82.188:38448 > 10.188.1.1:53 1 1 60 98 0 0 82.886ms
	// 1 10.24.82.188:0 > 10.188.191.1:0 1 0 131 0 3 3 0s
	// skipped 1
}
