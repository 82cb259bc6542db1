package packet_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/netwarden/netwarden/dataset/packet"
)

// A capture of one Ethernet frame carrying UDP from 10.0.0.1:5353 to
// 10.0.0.2:53 with a 4-byte payload.
func capture() []byte {
	frame := []byte{
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
		0x14, 0xe9, 0, 53, 0, 12, 0, 0, // UDP
		'p', 'i', 'n', 'g',
	}
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 1)
	b.Write(h)
	r := make([]byte, 16)
	binary.LittleEndian.PutUint32(r, 1767600000)
	binary.LittleEndian.PutUint32(r[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(r[12:], uint32(len(frame)))
	b.Write(r)
	b.Write(frame)
	return b.Bytes()
}

func Example() {
	r, err := packet.NewReader(bytes.NewReader(capture()), "example.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	var f packet.Frame
	var s packet.Summary
	var d packet.Decoder
	for {
		if err := r.Next(&f); err == io.EOF {
			break
		} else if err != nil {
			fmt.Println(err)
			return
		}
		if reason := d.DecodeFrame(&f, &s); reason != packet.OK {
			fmt.Println("packet", f.Number, "skipped:", reason)
			continue
		}
		fmt.Printf("packet %d (%s, %s): %v:%d > %v:%d proto %d, payload %q at byte %d of the file\n",
			f.Number, r.Format(), f.Link, s.Src, s.SrcPort, s.Dst, s.DstPort, s.Proto, s.Payload, f.DataOffset+int64(s.PayloadOffset))
	}
	// Output:
	// packet 1 (pcap, ethernet): 10.0.0.1:5353 > 10.0.0.2:53 proto 17, payload "ping" at byte 82 of the file
}
