package flowrec

import (
	"bufio"
	"encoding/hex"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goldenPacket is one line of testdata/tshark_golden.tsv.
type goldenPacket struct {
	file     string
	frame    int
	time     time.Time
	exporter netip.Addr
	payload  []byte
	kind     string
	f        map[string][]string // field → values, one per record
}

func readGolden(t testing.TB) []goldenPacket {
	t.Helper()
	f, err := os.Open("testdata/tshark_golden.tsv")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	require.True(t, sc.Scan())
	head := strings.Split(sc.Text(), "\t")
	var out []goldenPacket
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		require.Len(t, cols, len(head))
		var g goldenPacket
		g.file = cols[0]
		g.frame, err = strconv.Atoi(cols[1])
		require.NoError(t, err)
		sec, err := strconv.ParseFloat(cols[2], 64)
		require.NoError(t, err)
		g.time = time.Unix(0, int64(sec*1e9)).UTC()
		g.exporter = netip.MustParseAddr(cols[3])
		g.payload, err = hex.DecodeString(cols[4])
		require.NoError(t, err)
		g.kind = cols[5]
		g.f = map[string][]string{}
		for i := 6; i < len(cols); i++ {
			if cols[i] != "" {
				g.f[head[i]] = strings.Split(cols[i], ";")
			}
		}
		out = append(out, g)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

func atou(t testing.TB, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), map[bool]int{true: 16, false: 10}[strings.HasPrefix(s, "0x")], 64)
	require.NoError(t, err, s)
	return v
}

// secMs reads tshark's "613775.579000000" (seconds) as milliseconds.
func secMs(t testing.TB, s string) int64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, s)
	return int64(math.Round(v * 1000))
}

// TestTsharkGolden decodes every NetFlow v9, IPFIX and sFlow packet of the
// shared captures and checks each record field by field against what
// Wireshark's dissectors show (testdata/make_tshark_golden.sh).
func TestTsharkGolden(t *testing.T) {
	pkts := readGolden(t)
	byFile := map[string][]goldenPacket{}
	var files []string
	for _, p := range pkts {
		if byFile[p.file] == nil {
			files = append(files, p.file)
		}
		byFile[p.file] = append(byFile[p.file], p)
	}
	total := 0
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			d := NewDecoder(Config{})
			var recs []Record
			for _, p := range byFile[file] {
				var err error
				recs, err = d.Decode(recs[:0], p.exporter, p.payload, p.time)
				require.NoError(t, err, "frame %d", p.frame)
				if p.kind == "sflow" {
					checkSFlow(t, p, recs)
				} else {
					checkCflow(t, p, recs)
				}
				total += len(recs)
			}
			if file == "ndpi/netflowv9.pcap" {
				// Its templates were sent before the capture began: every
				// data set is held, none decoded, as tshark shows none.
				st := d.Stats()
				assert.Equal(t, uint64(23), st.Held+st.Skipped[ReasonNoTemplate], "%+v: tshark finds 23 data sets without a template", st)
				assert.Zero(t, st.Records)
			}
		})
	}
	assert.Equal(t, 26, total, "records in the golden captures")
}

func checkCflow(t *testing.T, p goldenPacket, recs []Record) {
	want := len(p.f["cflow.octets"])
	require.Len(t, recs, want, "frame %d: records", p.frame)
	for i := range recs {
		r := &recs[i]
		msg := []any{"frame %d record %d", p.frame, i}
		src := p.f["cflow.srcaddr"]
		dst := p.f["cflow.dstaddr"]
		if len(src) == 0 {
			src, dst = p.f["cflow.srcaddrv6"], p.f["cflow.dstaddrv6"]
		}
		assert.Equal(t, src[i], r.Key.Src.String(), msg...)
		assert.Equal(t, dst[i], r.Key.Dst.String(), msg...)
		assert.Equal(t, atou(t, p.f["cflow.srcport"][i]), uint64(r.Key.SrcPort), msg...)
		assert.Equal(t, atou(t, p.f["cflow.dstport"][i]), uint64(r.Key.DstPort), msg...)
		assert.Equal(t, atou(t, p.f["cflow.protocol"][i]), uint64(r.Key.Proto), msg...)
		assert.Equal(t, atou(t, p.f["cflow.octets"][i]), r.FwdBytes, msg...)
		assert.Equal(t, atou(t, p.f["cflow.packets"][i]), r.FwdPackets, msg...)
		assert.Equal(t, atou(t, p.f["cflow.tcpflags"][i]), uint64(r.FwdFlags), msg...)
		assert.Equal(t, atou(t, p.f["cflow.inputint"][i]), uint64(r.InputIf), msg...)
		assert.Equal(t, atou(t, p.f["cflow.outputint"][i]), uint64(r.OutputIf), msg...)
		assert.Equal(t, p.exporter, r.Exporter, msg...)
		if abs := p.f["cflow.abstimestart"]; len(abs) > 0 {
			const layout = "Jan _2, 2006 15:04:05.000000000 MST"
			s, err := time.Parse(layout, abs[i])
			require.NoError(t, err)
			e, err := time.Parse(layout, p.f["cflow.abstimeend"][i])
			require.NoError(t, err)
			assert.True(t, s.Equal(r.Start), "frame %d record %d: start %v, tshark %v", p.frame, i, r.Start, s)
			assert.True(t, e.Equal(r.End), "frame %d record %d: end %v, tshark %v", p.frame, i, r.End, e)
		} else {
			// NetFlow v9: uptime stamps, placed by the header's uptime and
			// export time.
			exportMs := int64(atou(t, p.f["cflow.unix_secs"][0])) * 1000
			up := secMs(t, p.f["cflow.sysuptime"][0])
			s := exportMs - (up - secMs(t, p.f["cflow.timestart"][i]))
			e := exportMs - (up - secMs(t, p.f["cflow.timeend"][i]))
			assert.Equal(t, s, r.Start.UnixMilli(), msg...)
			assert.Equal(t, e, r.End.UnixMilli(), msg...)
		}
	}
}

func checkSFlow(t *testing.T, p goldenPacket, recs []Record) {
	want := 0
	for _, s := range p.f["sflow_245.sampletype"] {
		if s == "1" || s == "3" {
			want++
		}
	}
	require.Len(t, recs, want, "frame %d: flow samples", p.frame)
	if want == 0 {
		return
	}
	require.Equal(t, 1, want, "the golden check reads one flow sample per packet")
	r := &recs[0]
	last := func(k string) string { v := p.f[k]; return v[len(v)-1] }
	assert.Equal(t, atou(t, last("sflow.flow_sample.sampling_rate")), uint64(r.SamplingRate))
	assert.Equal(t, atou(t, last("sflow.flow_sample.input_interface")), uint64(r.InputIf))
	assert.Equal(t, atou(t, last("sflow.flow_sample.output_interface_value")), uint64(r.OutputIf))
	assert.Equal(t, atou(t, last("sflow_245.header.frame_length")), r.FwdFrameBytes)
	assert.Equal(t, uint64(1), r.FwdPackets)
	assert.Equal(t, last("ip.src"), r.Key.Src.String())
	assert.Equal(t, last("ip.dst"), r.Key.Dst.String())
	assert.Equal(t, atou(t, last("ip.proto")), uint64(r.Key.Proto))
	if v, ok := p.f["tcp.srcport"]; ok {
		assert.Equal(t, atou(t, v[len(v)-1]), uint64(r.Key.SrcPort))
		assert.Equal(t, atou(t, last("tcp.dstport")), uint64(r.Key.DstPort))
		assert.Equal(t, atou(t, last("tcp.flags")), uint64(r.FwdFlags))
	}
	assert.Equal(t, p.exporter, r.Exporter)
}

func readTestFile(name string) ([]byte, error) { return os.ReadFile(name) }
