package packet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// allocated returns the bytes allocated while fn ran.
func allocated(fn func()) uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	fn()
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc - before
}

// FuzzReader reads arbitrary bytes as a capture: it must never panic, and
// what it allocates stays within a small multiple of the bytes it read
// (decompressed, for gzip) plus its fixed buffers.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var consumed int64
		got := allocated(func() {
			r, err := NewReader(bytes.NewReader(b), "fuzz")
			if err != nil {
				return
			}
			var fr Frame
			var s Summary
			for range 100_000 {
				if r.Next(&fr) != nil {
					break
				}
				Decode(&fr, &s)
			}
			consumed = r.Offset()
		})
		if limit := 8*uint64(max(int64(len(b)), consumed)) + 1<<20; got > limit {
			t.Fatalf("%d bytes allocated reading %d bytes (%d decompressed), limit %d", got, len(b), consumed, limit)
		}
	})
}

// FuzzDecode decodes arbitrary bytes as a frame of a link type and walks
// its SCTP chunks: never a panic, never an allocation.
func FuzzDecode(f *testing.F) {
	var d Decoder
	f.Fuzz(func(t *testing.T, b []byte, link uint16) {
		var s Summary
		var c SCTPChunk
		allocs := testing.AllocsPerRun(1, func() {
			d.Decode(b, LinkType(link), &s)
			it := s.Chunks(b)
			for it.Next(&c) {
			}
		})
		if allocs != 0 {
			t.Fatalf("%v allocations decoding %d bytes", allocs, len(b))
		}
		if s.PayloadOffset > len(b) || len(s.Payload) > len(b) {
			t.Fatalf("payload outside the frame: offset %d, %d bytes of %d", s.PayloadOffset, len(s.Payload), len(b))
		}
	})
}

// seedFrames are hand-built frames covering the decoder's paths.
func seedFrames() map[string]struct {
	link LinkType
	data []byte
} {
	ip4 := func(proto byte, l4 []byte) []byte {
		b := make([]byte, 20, 20+len(l4))
		b[0], b[8], b[9] = 0x45, 64, proto
		binary.BigEndian.PutUint16(b[2:], uint16(20+len(l4)))
		copy(b[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
		return append(b, l4...)
	}
	udp := func(sp, dp uint16, p []byte) []byte {
		b := make([]byte, 8, 8+len(p))
		binary.BigEndian.PutUint16(b, sp)
		binary.BigEndian.PutUint16(b[2:], dp)
		binary.BigEndian.PutUint16(b[4:], uint16(8+len(p)))
		return append(b, p...)
	}
	tcp := make([]byte, 24)
	tcp[12], tcp[13] = 6<<4, 0x12
	eth := func(et uint16, p []byte) []byte {
		b := make([]byte, 14, 14+len(p))
		binary.BigEndian.PutUint16(b[12:], et)
		return append(b, p...)
	}
	gtp := append([]byte{0x34, 255, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0x85, 1, 0x10, 9, 0}, ip4(6, tcp)...)
	binary.BigEndian.PutUint16(gtp[2:], uint16(len(gtp)-8))
	sctpData := []byte{0, 3, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 60, 0xde, 0xad, 0xbe, 0xef}
	sctp := append([]byte{0x96, 0x0c, 0x96, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0}, sctpData...)
	ip6 := make([]byte, 40)
	ip6[0], ip6[6], ip6[7] = 0x60, 44, 64
	frag := []byte{17, 0, 0, 8, 0, 0, 0, 1}
	ip6 = append(append(ip6, frag...), udp(1, 2, []byte("x"))...)
	binary.BigEndian.PutUint16(ip6[4:], uint16(len(ip6)-40))
	vxlan := append([]byte{8, 0, 0, 0, 0, 0, 1, 0}, eth(0x0800, ip4(17, udp(1, 53, nil)))...)
	gre := append([]byte{0x20, 0, 0x08, 0, 0, 0, 0, 5}, ip4(1, make([]byte, 8))...)
	vlan := eth(0x8100, append([]byte{0, 10, 0x88, 0xa8, 0, 20, 0x08, 0}, ip4(6, tcp)...))
	sll := append(make([]byte, 14), append([]byte{0x08, 0}, ip4(17, udp(2152, 2152, gtp))...)...)
	return map[string]struct {
		link LinkType
		data []byte
	}{
		"ethernet-tcp":  {LinkEthernet, eth(0x0800, ip4(6, tcp))},
		"gtpu-qfi":      {LinkEthernet, eth(0x0800, ip4(17, udp(40000, 2152, gtp)))},
		"sctp-ngap":     {LinkEthernet, eth(0x0800, ip4(132, sctp))},
		"ipv6-fragment": {LinkEthernet, eth(0x86dd, ip6)},
		"vxlan":         {LinkEthernet, eth(0x0800, ip4(17, udp(1, 4789, vxlan)))},
		"gre-key":       {LinkEthernet, eth(0x0800, ip4(47, gre))},
		"qinq":          {LinkEthernet, vlan},
		"sll-gtpu":      {LinkLinuxSLL, sll},
		"raw":           {LinkRaw, ip4(6, tcp)},
		"null":          {LinkNull, append([]byte{2, 0, 0, 0}, ip4(6, tcp)...)},
		"truncated":     {LinkEthernet, eth(0x0800, ip4(6, tcp))[:30]},
	}
}

// TestWriteFuzzSeeds writes the committed seed corpora under testdata/fuzz
// when NETWARDEN_WRITE_SEEDS=1 (run it after changing seedFrames).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("NETWARDEN_WRITE_SEEDS") != "1" {
		t.Skip("set NETWARDEN_WRITE_SEEDS=1 to rewrite testdata/fuzz")
	}
	write := func(target, name, body string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var all [][]byte
	for name, fr := range seedFrames() {
		write("FuzzDecode", name, fmt.Sprintf("[]byte(%q)\nuint16(%d)\n", fr.data, fr.link))
		if fr.link == LinkEthernet {
			all = append(all, fr.data)
		}
	}
	write("FuzzReader", "pcap", fmt.Sprintf("[]byte(%q)\n", pcapFile(binary.LittleEndian, false, LinkEthernet, all...)))
	write("FuzzReader", "pcap-be-ns", fmt.Sprintf("[]byte(%q)\n", pcapFile(binary.BigEndian, true, LinkEthernet, all[:2]...)))
	write("FuzzReader", "pcapng", fmt.Sprintf("[]byte(%q)\n", bytes.Join([][]byte{shb(), idb(LinkEthernet, 9), epb(0, 1, all[0]), epb(0, 2, all[1])}, nil)))
	write("FuzzReader", "garbage", fmt.Sprintf("[]byte(%q)\n", []byte("\x0a\x0d\x0d\x0a\xff\xff\xff\xff")))
}
