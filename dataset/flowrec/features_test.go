package flowrec

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/features"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nfv2Header is the feature header of the NF-v2 datasets' CSV files
// (NF-UNSW-NB15-v2.csv and the others, without Label and Attack).
const nfv2Header = "IPV4_SRC_ADDR,L4_SRC_PORT,IPV4_DST_ADDR,L4_DST_PORT,PROTOCOL,L7_PROTO,IN_BYTES,IN_PKTS,OUT_BYTES,OUT_PKTS,TCP_FLAGS,CLIENT_TCP_FLAGS,SERVER_TCP_FLAGS,FLOW_DURATION_MILLISECONDS,DURATION_IN,DURATION_OUT,MIN_TTL,MAX_TTL,LONGEST_FLOW_PKT,SHORTEST_FLOW_PKT,MIN_IP_PKT_LEN,MAX_IP_PKT_LEN,SRC_TO_DST_SECOND_BYTES,DST_TO_SRC_SECOND_BYTES,RETRANSMITTED_IN_BYTES,RETRANSMITTED_IN_PKTS,RETRANSMITTED_OUT_BYTES,RETRANSMITTED_OUT_PKTS,SRC_TO_DST_AVG_THROUGHPUT,DST_TO_SRC_AVG_THROUGHPUT,NUM_PKTS_UP_TO_128_BYTES,NUM_PKTS_128_TO_256_BYTES,NUM_PKTS_256_TO_512_BYTES,NUM_PKTS_512_TO_1024_BYTES,NUM_PKTS_1024_TO_1514_BYTES,TCP_WIN_MAX_IN,TCP_WIN_MAX_OUT,ICMP_TYPE,ICMP_IPV4_TYPE,DNS_QUERY_ID,DNS_QUERY_TYPE,DNS_TTL_ANSWER,FTP_COMMAND_RET_CODE"

// TestNFv2Coverage: every NF-v2 feature is either a schema column or
// listed in NFv2Unfilled with a reason, and nothing else is.
func TestNFv2Coverage(t *testing.T) {
	s := Schema()
	filled := 0
	for _, name := range splitComma(nfv2Header) {
		_, unfilled := NFv2Unfilled[name]
		in := s.Index(name) >= 0
		assert.True(t, in != unfilled, "%s: in schema %v, unfilled %v", name, in, unfilled)
		if in {
			filled++
		}
	}
	assert.Equal(t, 17, filled)
	assert.Len(t, NFv2Unfilled, 43-17)
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestFillRow(t *testing.T) {
	var r flow.Record
	r.Key = flow.Key{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 40000, DstPort: 443, Proto: 6}
	r.Start = time.Unix(100, 0)
	r.End = r.Start.Add(2500 * time.Millisecond)
	r.FwdPackets, r.FwdBytes, r.BwdPackets, r.BwdBytes = 10, 1000, 8, 6000
	r.FwdFlags, r.BwdFlags = flagSYN|flagACK|flagPSH, flagSYN|flagACK|flagFIN
	var row dataset.Row
	FillRow(&row, &r)
	s := Schema()
	get := func(c string) float64 { i := s.Index(c); require.GreaterOrEqual(t, i, 0, c); return row.Num[i] }
	assert.Equal(t, 443.0, get(ColDstPort))
	assert.Equal(t, 1000.0, get(ColInBytes))
	assert.Equal(t, 8.0, get(ColOutPkts))
	assert.Equal(t, 2500.0, get(ColDurationMs))
	assert.Equal(t, 400.0, get(ColSrcToDstSecBytes))
	assert.Equal(t, 3200.0, get(ColSrcToDstThroughput))
	assert.Equal(t, float64(flagSYN|flagACK|flagPSH|flagFIN), get(ColTCPFlags))
	assert.Equal(t, float64(flagSYN|flagACK|flagFIN), get(ColServerTCPFlags))
	assert.Equal(t, 100.0, get(ColInMeanPktBytes))
	assert.Equal(t, 750.0, get(ColOutMeanPktBytes))
	assert.Equal(t, 1.0, get(ColFIN))
	assert.Equal(t, 0.0, get(ColRST))
	assert.Equal(t, 1.0, get(ColBidirectional))
	assert.Equal(t, 1.0, get(ColSamplingRate))
	assert.Equal(t, 0.0, get(ColICMPType))

	r.Key.Proto, r.Key.SrcPort, r.Key.DstPort = 1, 0, 0
	r.ICMPType, r.ICMPCode = 3, 3
	r.End = r.Start
	FillRow(&row, &r)
	assert.Equal(t, 771.0, get(ColICMPType))
	assert.Equal(t, 3.0, get(ColICMPIPv4Type))
	assert.Equal(t, 0.0, get(ColSrcToDstSecBytes), "no duration, no rate")

	assert.Zero(t, testing.AllocsPerRun(100, func() { FillRow(&row, &r) }))
}

// TestSchemaFeedsPipeline: rows of decoded records make a table the
// features pipeline fits and transforms.
func TestSchemaFeedsPipeline(t *testing.T) {
	tab := dataset.NewTable(Schema())
	d := NewDecoder(Config{})
	var recs []Record
	for _, p := range readGolden(t) {
		recs, _ = d.Decode(recs[:0], p.exporter, p.payload, p.time)
		for i := range recs {
			var row dataset.Row
			FillRow(&row, &recs[i].Record)
			require.NoError(t, tab.Append(&row))
		}
	}
	require.Equal(t, 26, tab.Len())
	p, err := features.Fit(context.Background(), tab, features.Drop(nil, features.Log1p, features.Standardize))
	require.NoError(t, err)
	x, err := p.TransformTable(context.Background(), tab)
	require.NoError(t, err)
	r, c := x.Dims()
	assert.Equal(t, 26, r)
	assert.Equal(t, len(columns), c)
}
