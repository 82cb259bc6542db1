package fivegc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
	"github.com/netwarden/netwarden/dataset/packet"
)

func pcapDir(t *testing.T) string {
	d := os.Getenv("PCAP_DIR")
	if d == "" {
		t.Skip("PCAP_DIR not set: the real-capture tests need the shared captures (../shared/data/pcap)")
	}
	if _, err := os.Stat(d); err != nil {
		t.Skipf("PCAP_DIR %s: %v", d, err)
	}
	return d
}

// TestCapturesMatchGolden reads every capture of the reference files
// through the packet layer and checks that the Scanner yields, frame by
// frame, the very messages tshark dissected (same bytes, same order); the
// decoders' field-by-field checks on those bytes are the golden tests of
// packages pfcp, gtpv2 and ngap.
func TestCapturesMatchGolden(t *testing.T) {
	dir := pcapDir(t)
	want := map[string][]golden.Row{}
	protoOf := map[string]Proto{"pfcp": ProtoPFCP, "gtpv2": ProtoGTPv2, "ngap": ProtoNGAP}
	for name := range protoOf {
		rows, err := golden.Read(filepath.Join(name, "testdata", "golden.tsv"))
		require.NoError(t, err)
		for _, r := range rows {
			r.Fields["proto"] = name
			want[r.Capture] = append(want[r.Capture], r)
		}
	}
	for capName, rows := range want {
		t.Run(capName, func(t *testing.T) {
			path := filepath.Join(dir, capName)
			if _, err := os.Stat(filepath.Join("testdata", capName)); err == nil {
				path = filepath.Join("testdata", capName) // written by this package's encoders
			}
			r, err := packet.Open(path)
			require.NoError(t, err)
			defer r.Close()
			s := NewScanner(r)
			type key struct {
				frame int64
				proto Proto
			}
			got := map[key][][]byte{}
			for {
				ev, err := s.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				k := key{ev.Frame, ev.Proto}
				got[k] = append(got[k], append([]byte(nil), ev.Payload...))
			}
			missing := 0
			for _, w := range rows {
				k := key{int64(w.Frame), protoOf[w.Fields["proto"]]}
				found := false
				for _, g := range got[k] {
					// tshark's udp.payload holds a whole datagram; a
					// Scanner event is one message of it.
					if bytes.HasPrefix(w.Payload, g) || bytes.Equal(w.Payload, g) {
						found = true
					}
				}
				if !found {
					missing++
					if missing < 5 {
						t.Logf("frame %d (%s): tshark's message not yielded (malformed counts %v, last error %v)", w.Frame, w.Fields["proto"], s.Counts().Malformed, s.LastError)
					}
				}
			}
			c := s.Counts()
			t.Logf("%d frames, messages %v, malformed %v, NAS malformed %d, GTPv1-C %d, IP fragments %d, SCTP fragments %d (reassembled %d, incomplete %d); %d tshark messages, %d missing",
				c.Frames, c.Messages, c.Malformed, c.NASMalformed, c.GTPv1C, c.Fragments, c.SCTPFragments, c.SCTPReassembled, c.SCTPIncomplete, len(rows), missing)
			// The messages not yielded are those the decoders reject as
			// malformed (see the golden tests) and those split over SCTP
			// DATA fragments, which the Scanner counts but does not
			// reassemble.
			assert.LessOrEqual(t, int64(missing), c.SCTPFragments+c.Malformed[ProtoPFCP]+c.Malformed[ProtoNGAP]+c.Malformed[ProtoGTPv2], fmt.Sprint(capName))
		})
	}
}
