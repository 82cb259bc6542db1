package flowrec

import (
	"errors"
	"github.com/netwarden/netwarden/dataset/flow"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readZeek(t *testing.T, path string) []Record {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr := NewZeekReader(f, path)
	var out []Record
	for {
		var r Record
		err := zr.Read(&r)
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, r)
	}
}

// TestZeekForms reads the same five connections from the TSV and the JSON
// form of conn.log (the files follow the layout of Zeek's documentation)
// and checks both against the values written in them.
func TestZeekForms(t *testing.T) {
	tsv := readZeek(t, "testdata/zeek_conn.log")
	js := readZeek(t, "testdata/zeek_conn.json")
	require.Len(t, tsv, 5)
	assert.Equal(t, tsv, js)
	r := tsv[2]
	assert.Equal(t, "192.168.1.104", r.Key.Src.String())
	assert.Equal(t, uint16(49378), r.Key.SrcPort)
	assert.Equal(t, "74.125.19.104", r.Key.Dst.String())
	assert.Equal(t, uint16(443), r.Key.DstPort)
	assert.Equal(t, uint8(6), r.Key.Proto)
	assert.Equal(t, uint64(9), r.FwdPackets)
	assert.Equal(t, uint64(1025), r.FwdBytes)
	assert.Equal(t, uint64(645), r.FwdPayloadBytes)
	assert.Equal(t, uint64(8), r.BwdPackets)
	assert.Equal(t, uint64(4528), r.BwdBytes)
	assert.Equal(t, time.Unix(1258535652, 197521000).UTC(), r.Start)
	assert.Equal(t, 1021440*time.Microsecond, r.Duration())
	assert.Equal(t, uint16(flagSYN|flagACK|flagRST), r.FwdFlags)
	assert.Equal(t, uint16(flagSYN|flagACK|flagFIN), r.BwdFlags)
	assert.Equal(t, flow.EndRST, r.Reason)
	assert.Equal(t, flow.SourceZeek, r.Source)
	// ICMP with unset ports and duration.
	assert.Equal(t, uint8(1), tsv[3].Key.Proto)
	assert.Equal(t, tsv[3].Start, tsv[3].End)
	assert.Equal(t, flow.EndIdle, tsv[3].Reason)
	// ICMPv6 echo: type 8 in orig_p.
	assert.Equal(t, "2001:db8::1", tsv[4].Key.Src.String())
	assert.Equal(t, uint8(8), tsv[4].ICMPType)
}

func TestZeekErrors(t *testing.T) {
	head := "#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"
	cases := []struct {
		name, text, field string
		line, col         int
	}{
		{"bad port", head + "1.5\t10.0.0.1\t70000\t10.0.0.2\t80\ttcp\n", "id.orig_p", 3, 14},
		{"bad address", head + "1.5\t10.0.0.1\t1\tnot-an-ip\t80\ttcp\n", "id.resp_h", 3, 16},
		{"bad time", head + "x\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n", "ts", 3, 1},
		{"bad proto", head + "1.5\t10.0.0.1\t1\t10.0.0.2\t80\tfoo\n", "proto", 3, 28},
		{"field count", head + "1.5\t10.0.0.1\n", "", 3, 0},
		{"no header", "1.5\t10.0.0.1\n", "", 1, 1},
		{"not conn.log", "#fields\tts\tquery\n", "id.orig_h", 1, 0},
		{"json", `{"ts":1.5,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","orig_pkts":-3}` + "\n", "orig_pkts", 1, 0},
		{"broken json", `{"ts":1.5,` + "\n", "", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			zr := NewZeekReader(strings.NewReader(c.text), "conn.log")
			var r Record
			err := zr.Read(&r)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrFormat)
			var pe *dataset.ParseError
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, "conn.log", pe.File)
			assert.Equal(t, c.line, pe.Line, "%v", err)
			assert.Equal(t, c.field, pe.Field, "%v", err)
			assert.Equal(t, c.col, pe.Column, "%v", err)
		})
	}
	// After a bad line the reader goes on.
	zr := NewZeekReader(strings.NewReader(head+"x\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n1.5\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n"), "conn.log")
	var r Record
	require.Error(t, zr.Read(&r))
	require.NoError(t, zr.Read(&r))
	assert.Equal(t, 4, zr.Line())
	assert.Equal(t, io.EOF, zr.Read(&r))
}

// TestArgusKakaoTalk reads what ra printed for a shared capture
// (testdata/make_argus.sh): every record parses, the management records
// are skipped and counted, and the packets sum to the capture's IP
// packets as tshark counts them.
func TestArgusKakaoTalk(t *testing.T) {
	want, err := os.ReadFile("testdata/argus_kakaotalk.want")
	require.NoError(t, err)
	ipPackets, err := strconv.ParseUint(strings.TrimSpace(strings.Split(string(want), "\t")[1]), 10, 64)
	require.NoError(t, err)
	f, err := os.Open("testdata/argus_kakaotalk.csv")
	require.NoError(t, err)
	defer f.Close()
	ar := NewArgusReader(f, "argus_kakaotalk.csv", "")
	var n int
	var pkts uint64
	protos := map[uint8]int{}
	for {
		var r Record
		err := ar.Read(&r)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		n++
		pkts += r.Packets()
		assert.NotZero(t, r.FwdFrameBytes+r.BwdFrameBytes, "line %d", ar.Line())
		protos[r.Key.Proto]++
		assert.False(t, r.End.Before(r.Start), "line %d", ar.Line())
		assert.Equal(t, flow.SourceArgus, r.Source)
	}
	assert.Equal(t, 56, n)
	assert.Equal(t, 2, ar.Skipped())
	assert.Equal(t, ipPackets, pkts)
	assert.Equal(t, map[uint8]int{6: 37, 17: 18, 1: 1}, protos)
}

func TestArgusErrors(t *testing.T) {
	head := "StartTime,LastTime,SrcAddr,Sport,DstAddr,Dport,Proto,SrcPkts,DstPkts\n"
	cases := []struct {
		name, text, field string
		col               int
	}{
		{"time of day", head + "17:23:41.959113,17:23:42.0,10.0.0.1,1,10.0.0.2,2,udp,1,1\n", "StartTime", 1},
		{"bad address", head + "1.5,1.6,10.0.0.1,1,10.0.0.x,2,udp,1,1\n", "DstAddr", 20},
		{"bad count", head + "1.5,1.6,10.0.0.1,1,10.0.0.2,2,udp,1,z\n", "DstPkts", 37},
		{"bad port", head + "1.5,1.6,10.0.0.1,0x1ffff,10.0.0.2,2,udp,1,1\n", "Sport", 18},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ar := NewArgusReader(strings.NewReader(c.text), "ra.csv", ",")
			var r Record
			err := ar.Read(&r)
			var pe *dataset.ParseError
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.ErrorIs(t, err, ErrFormat)
			assert.Equal(t, 2, pe.Line)
			assert.Equal(t, c.field, pe.Field)
			assert.Equal(t, c.col, pe.Column, "%v", err)
		})
	}
	ar := NewArgusReader(strings.NewReader("a,b\n"), "ra.csv", ",")
	var r Record
	assert.ErrorIs(t, ar.Read(&r), ErrFormat)
}
