package flowrec

import (
	"errors"
	"github.com/netwarden/netwarden/dataset/flow"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestIPFIXBasic(t *testing.T) {
	d := NewDecoder(Config{})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1234, 80, 6, 0x1b, 10, 1500, 1000, 3500)
	pkt := ipfix(0, 7, 100, set(2, tmpl(300, basic...)), set(300, rec, rec))
	recs, err := d.Decode(nil, exp1, pkt, t0)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	r := recs[0]
	assert.Equal(t, "10.0.0.1", r.Key.Src.String())
	assert.Equal(t, "10.0.0.2", r.Key.Dst.String())
	assert.Equal(t, uint16(1234), r.Key.SrcPort)
	assert.Equal(t, uint16(80), r.Key.DstPort)
	assert.Equal(t, uint8(6), r.Key.Proto)
	assert.Equal(t, uint16(0x1b), r.FwdFlags)
	assert.Equal(t, uint64(10), r.FwdPackets)
	assert.Equal(t, uint64(1500), r.FwdBytes)
	assert.Equal(t, int64(1000), r.Start.UnixMilli())
	assert.Equal(t, 2500*time.Millisecond, r.Duration())
	assert.Equal(t, uint32(7), r.Domain)
	assert.Equal(t, flow.SourceIPFIX, r.Source)
	assert.Equal(t, exp1, r.Exporter)
	st := d.Stats()
	assert.Equal(t, uint64(2), st.Records)
	assert.Equal(t, uint64(1), st.Templates)
	assert.Zero(t, st.SkippedTotal())

	// The next message continues the sequence (2 data records): no gap.
	_, err = d.Decode(nil, exp1, ipfix(2, 7, 101, set(300, rec)), t0)
	require.NoError(t, err)
	// A jump of 5 records is counted.
	_, err = d.Decode(nil, exp1, ipfix(8, 7, 102, set(300, rec)), t0)
	require.NoError(t, err)
	st = d.Stats()
	assert.Equal(t, uint64(1), st.Skipped[ReasonSequence])
	assert.Equal(t, uint64(5), st.Lost)
}

func TestHeldUntilTemplate(t *testing.T) {
	d := NewDecoder(Config{})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(300, rec)), t0)
	require.NoError(t, err)
	assert.Empty(t, recs, "data before its template must not be decoded")
	assert.Equal(t, 1, d.Held())
	// Another domain's template of the same ID does not release it.
	recs, err = d.Decode(nil, exp1, ipfix(0, 2, 100, set(2, tmpl(300, basic...))), t0.Add(time.Second))
	require.NoError(t, err)
	assert.Empty(t, recs)
	recs, err = d.Decode(nil, exp1, ipfix(1, 1, 101, set(2, tmpl(300, basic...))), t0.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, uint16(2), recs[0].Key.DstPort)
	st := d.Stats()
	assert.Equal(t, uint64(1), st.Held)
	assert.Equal(t, uint64(1), st.Replayed)
	assert.Zero(t, st.Skipped[ReasonNoTemplate])
	assert.Equal(t, 0, d.Held())
}

func TestHeldExpires(t *testing.T) {
	d := NewDecoder(Config{HoldTime: time.Second})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	_, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(300, rec)), t0)
	require.NoError(t, err)
	recs, err := d.Decode(nil, exp1, ipfix(1, 1, 100, set(2, tmpl(300, basic...))), t0.Add(2*time.Second))
	require.NoError(t, err)
	assert.Empty(t, recs)
	st := d.Stats()
	assert.Equal(t, uint64(1), st.Skipped[ReasonNoTemplate])
	assert.Zero(t, st.Replayed)
}

func TestHoldDisabledAndBounded(t *testing.T) {
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	d := NewDecoder(Config{HoldTime: -1})
	_, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(300, rec)), t0)
	require.ErrorIs(t, err, ErrFormat)
	assert.Equal(t, uint64(1), d.Stats().Skipped[ReasonNoTemplate])

	d = NewDecoder(Config{HoldSets: 2})
	for i := range 3 {
		_, _ = d.Decode(nil, exp1, ipfix(uint32(i), 1, 100, set(300, rec)), t0)
	}
	assert.Equal(t, 2, d.Held())
	assert.Equal(t, uint64(1), d.Stats().Skipped[ReasonNoTemplate])
}

func TestWithdrawal(t *testing.T) {
	d := NewDecoder(Config{})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	_, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, basic...), tmpl(301, basic...))), t0)
	require.NoError(t, err)
	require.Equal(t, 2, d.Templates())
	// Withdraw 300 alone (a template record with no fields).
	_, err = d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300))), t0)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Templates())
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(300, rec), set(301, rec)), t0)
	require.NoError(t, err)
	assert.Len(t, recs, 1, "only 301 is left")
	assert.Equal(t, 1, d.Held())
	// Withdraw all: template ID 2.
	_, err = d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(2))), t0)
	require.NoError(t, err)
	assert.Equal(t, 0, d.Templates())
	assert.Equal(t, uint64(2), d.Stats().Withdrawn)
}

func TestTemplateExpiry(t *testing.T) {
	d := NewDecoder(Config{TemplateTTL: time.Minute, HoldTime: -1})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	recs, err = d.Decode(nil, exp1, ipfix(1, 1, 100, set(300, rec)), t0.Add(2*time.Minute))
	require.ErrorIs(t, err, ErrFormat)
	assert.Empty(t, recs)
	st := d.Stats()
	assert.Equal(t, uint64(1), st.Skipped[ReasonTemplateExpired])
	assert.Equal(t, uint64(1), st.Skipped[ReasonNoTemplate])
}

func TestEnterpriseAndVariableLength(t *testing.T) {
	d := NewDecoder(Config{})
	fs := append([]field{{id: 204, length: 65535, pen: 26866}, {id: 207, length: 4, pen: 26866}, {id: 1000, length: 65535}}, basic...)
	rec := basicRecord("10.0.0.1", "10.0.0.2", 53, 5353, 17, 0, 3, 300, 0, 0)
	long := make([]byte, 300)
	data := cat([]byte{5}, []byte("a.com"), u32(0xdeadbeef), []byte{255}, u16(300), long, rec)
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, fs...)), set(300, data)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, uint16(5353), recs[0].Key.DstPort)
	assert.Equal(t, uint64(300), recs[0].FwdBytes)
}

func TestBiflow(t *testing.T) {
	d := NewDecoder(Config{})
	fs := append(append([]field{}, basic...),
		field{id: 1, length: 8, pen: penReverse}, field{id: 2, length: 4, pen: penReverse},
		field{id: 6, length: 1, pen: penReverse}, field{id: 136, length: 1})
	data := cat(basicRecord("10.0.0.1", "10.0.0.2", 1234, 443, 6, 0x1b, 10, 1500, 0, 0), u64(9000), u32(8), []byte{0x12, 3})
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, fs...)), set(300, data)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, uint64(9000), r.BwdBytes)
	assert.Equal(t, uint64(8), r.BwdPackets)
	assert.Equal(t, uint16(0x12), r.BwdFlags)
	assert.Equal(t, flow.EndFIN, r.Reason)
}

func TestSamplingOptions(t *testing.T) {
	d := NewDecoder(Config{Scale: true})
	opt := ipfixOptTmpl(400, 1, field{id: 144, length: 4}, field{id: 305, length: 4}, field{id: 160, length: 8})
	optData := cat(u32(1), u32(100), u64(5_000_000))
	fs := append(append([]field{}, basic[:8]...), field{id: 22, length: 4}, field{id: 21, length: 4})
	data := cat(basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 2, 120, 0, 0)[:26], u32(1000), u32(2000))
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(3, opt), set(400, optData), set(2, tmpl(300, fs...)), set(300, data)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, uint32(100), r.SamplingRate)
	assert.True(t, r.Scaled)
	assert.Equal(t, uint64(200), r.FwdPackets)
	assert.Equal(t, uint64(12000), r.FwdBytes)
	assert.Equal(t, int64(5_001_000), r.Start.UnixMilli(), "sysUpTime placed by systemInitTimeMilliseconds")
	assert.Equal(t, int64(5_002_000), r.End.UnixMilli())
	assert.Equal(t, uint64(1), d.Stats().OptionsRecords)
}

func TestNetFlowV9(t *testing.T) {
	d := NewDecoder(Config{})
	fs := []field{{id: 8, length: 4}, {id: 12, length: 4}, {id: 4, length: 1}, {id: 1, length: 4}, {id: 2, length: 4}, {id: 22, length: 4}, {id: 21, length: 4}}
	a := []byte{10, 0, 0, 1, 10, 0, 0, 2, 6}
	data := cat(a, u32(500), u32(5), u32(9000), u32(9500))
	// uptime 10 s at export time 1000 s: the flow ran 999.0–999.5 s.
	pkt := v9(0, 3, 10000, 1000, 2, set(0, tmpl(256, fs...)), set(256, data, []byte{0, 0, 0}))
	recs, err := d.Decode(nil, exp1, pkt, t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, int64(999_000), recs[0].Start.UnixMilli())
	assert.Equal(t, int64(999_500), recs[0].End.UnixMilli())
	assert.Equal(t, flow.SourceNetFlowV9, recs[0].Source)
	// v9 sequence counts packets.
	_, err = d.Decode(nil, exp1, v9(1, 3, 10000, 1000, 1, set(256, data)), t0)
	require.NoError(t, err)
	_, err = d.Decode(nil, exp1, v9(5, 3, 10000, 1000, 1, set(256, data)), t0)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), d.Stats().Lost)
}

func TestNetFlowV5(t *testing.T) {
	d := NewDecoder(Config{})
	hdr := cat(u16(5), u16(2), u32(10000), u32(1000), u32(0), u32(40), []byte{0, 1}, u16(0x4000|10))
	rec := func(dport uint16) []byte {
		return cat([]byte{10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0}, u16(3), u16(4), u32(7), u32(700), u32(9000), u32(9999),
			u16(555), u16(dport), []byte{0, 0x02, 6, 0x10}, u16(0), u16(0), []byte{24, 24}, u16(0))
	}
	recs, err := d.Decode(nil, exp1, cat(hdr, rec(22), rec(23)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	r := recs[1]
	assert.Equal(t, uint16(23), r.Key.DstPort)
	assert.Equal(t, uint32(3), r.InputIf)
	assert.Equal(t, uint32(4), r.OutputIf)
	assert.Equal(t, uint64(7), r.FwdPackets)
	assert.Equal(t, uint64(700), r.FwdBytes)
	assert.Equal(t, uint16(2), r.FwdFlags)
	assert.Equal(t, uint8(0x10), r.ToS)
	assert.Equal(t, uint32(10), r.SamplingRate)
	assert.Equal(t, int64(999_000), r.Start.UnixMilli())
	assert.Equal(t, int64(999_999), r.End.UnixMilli())
	// Truncated: header says 2, one record present.
	recs, err = d.Decode(nil, exp1, cat(hdr, rec(22)), t0)
	require.ErrorIs(t, err, ErrFormat)
	assert.Len(t, recs, 1)
}

// TestBadInput feeds each kind of damage and checks that it is counted
// under its reason, returned as a *DecodeError and never panics.
func TestBadInput(t *testing.T) {
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	good := ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec))
	cases := []struct {
		name   string
		pkt    []byte
		reason Reason
	}{
		{"empty", nil, ReasonTruncated},
		{"short header", good[:10], ReasonTruncated},
		{"unknown version", cat(u16(7), good[2:]), ReasonVersion},
		{"ipfix length past packet", good[:len(good)-3], ReasonHeaderLength},
		{"ipfix length below header", cat(u16(10), u16(8), good[4:]), ReasonHeaderLength},
		{"set length past packet", ipfix(0, 1, 100, cat(u16(2), u16(500), tmpl(300, basic...))), ReasonSetLength},
		{"set length below 4", ipfix(0, 1, 100, cat(u16(2), u16(2), u16(0))), ReasonSetLength},
		{"field length 0", ipfix(0, 1, 100, set(2, tmpl(300, field{id: 8, length: 0}))), ReasonFieldLength},
		{"v9 field length 65535", v9(0, 1, 0, 0, 1, set(0, tmpl(300, field{id: 8, length: 65535}))), ReasonFieldLength},
		{"v9 template without fields", v9(0, 1, 0, 0, 1, set(0, tmpl(300))), ReasonFieldLength},
		{"more fields than the packet", ipfix(0, 1, 100, set(2, cat(u16(300), u16(40), u16(8), u16(4)))), ReasonTemplateTruncated},
		{"template id below 256", ipfix(0, 1, 100, set(2, tmpl(200, basic...))), ReasonTemplateID},
		{"reserved set id", ipfix(0, 1, 100, set(7, u32(0))), ReasonSetID},
		{"variable field past set", ipfix(0, 1, 100, set(2, tmpl(300, field{id: 82, length: 65535})), set(300, []byte{200, 1, 2})), ReasonRecordTruncated},
		{"v5 count above 30", cat(u16(5), u16(31), make([]byte, 22)), ReasonTruncated},
		{"sflow agent type", cat(u32(5), u32(9), make([]byte, 20)), ReasonTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder(Config{HoldTime: -1})
			var recs []Record
			var err error
			require.NotPanics(t, func() { recs, err = d.Decode(nil, exp1, c.pkt, t0) })
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrFormat)
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			assert.Equal(t, c.reason, de.Reason, "%v", err)
			assert.NotZero(t, d.Stats().Skipped[c.reason])
			assert.Empty(t, recs)
		})
	}
}

// TestRefusedTemplateNeverMisdecodes: a template refused for a bad field
// drops the older version, so its data are held, not decoded in the old
// layout.
func TestRefusedTemplateNeverMisdecodes(t *testing.T) {
	d := NewDecoder(Config{})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	_, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, basic...))), t0)
	require.NoError(t, err)
	_, err = d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, field{id: 8, length: 0}))), t0)
	require.ErrorIs(t, err, ErrFormat)
	recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(300, rec)), t0)
	require.NoError(t, err)
	assert.Empty(t, recs)
	assert.Equal(t, 1, d.Held())
}

func TestDecodeAllocs(t *testing.T) {
	d := NewDecoder(Config{})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	var recs []Record
	tpl := ipfix(0, 1, 100, set(2, tmpl(300, basic...)))
	data := ipfix(0, 1, 100, set(300, rec, rec, rec, rec))
	recs, _ = d.Decode(recs, exp1, tpl, t0)
	recs, _ = d.Decode(recs[:0], exp1, data, t0)
	allocs := testing.AllocsPerRun(100, func() {
		recs, _ = d.Decode(recs[:0], exp1, tpl, t0) // template refresh
		recs, _ = d.Decode(recs[:0], exp1, data, t0)
	})
	assert.Zero(t, allocs)
	assert.Len(t, recs, 4)
}
