package packet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pcapDir returns PCAP_DIR or skips the test.
func pcapDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PCAP_DIR")
	if dir == "" {
		t.Skip("PCAP_DIR not set: set it to the shared capture folder (e.g. ../shared/data/pcap) to run this test")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("PCAP_DIR=%s: %v", dir, err)
	}
	return dir
}

// captures lists every capture file under dir, sorted.
func captures(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "result" {
			return filepath.SkipDir
		}
		n := d.Name()
		if !d.IsDir() && !strings.HasSuffix(n, ".md") && !strings.HasSuffix(n, ".tsv") && n != "SHA256SUMS" && !strings.HasSuffix(n, ".out") {
			out = append(out, p)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

type refFrame struct {
	data []byte
	ci   gopacket.CaptureInfo
	link LinkType
}

// readGopacket reads a capture with gopacket's pcapgo, the reference.
func readGopacket(b []byte) ([]refFrame, error) {
	var out []refFrame
	if len(b) >= 4 && bytes.Equal(b[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, err
		}
		for {
			d, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			ifc, ierr := r.Interface(ci.InterfaceIndex)
			if ierr != nil {
				return out, ierr
			}
			out = append(out, refFrame{d, ci, LinkType(ifc.LinkType)})
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for {
		d, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, refFrame{d, ci, LinkType(r.LinkType())})
	}
}

// pcapgoDiffers lists the shared captures on which gopacket's pcapgo and
// Reader disagree, and why; the packet counts are then checked against
// MANIFEST.tsv (tshark's) alone.
var pcapgoDiffers = map[string]string{
	// pcapgo refuses minor version 1 (pcap 2.1, written by old libpcap);
	// libpcap and tshark read it as 2.4.
	"ndpi/nfsv3.pcap": "minor version",
	// Kuznetzov's modified pcap (magic a1b2cd34, 24-byte record headers,
	// written by old Red Hat tcpdump); pcapgo does not know the magic.
	"tempo/multiple_ue_auth_failed.pcap": "magic",
	// a fuzzed microsecond field of 4293562680 (>= 10^6): pcapgo multiplies
	// it by 1000 in uint32 and wraps; Reader adds 4293.56 s.
	"ndpi/fuzz-2021-06-07-c6c72a0a56.pcap": "time",
	// one fuzzed record claims 524501 captured bytes and the file ends 199
	// bytes later: tshark shows the partial packet and warns the file "was
	// cut short", pcapgo refuses minor version 0, Reader returns
	// ErrTruncated naming packet 1 at byte 24.
	"ndpi/fuzz-2021-10-13.pcap": "truncated",
}

// manifestPackets reads the packets column of PCAP_DIR/MANIFEST.tsv.
func manifestPackets(t testing.TB, dir string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Split(lines[0], "\t")
	fi, pi := -1, -1
	for i, h := range head {
		switch h {
		case "file":
			fi = i
		case "packets":
			pi = i
		}
	}
	require.True(t, fi >= 0 && pi >= 0, "MANIFEST.tsv has no file/packets columns")
	out := map[string]int{}
	for _, l := range lines[1:] {
		c := strings.Split(l, "\t")
		n, err := strconv.Atoi(c[pi])
		require.NoError(t, err, "MANIFEST.tsv %s", c[fi])
		out[c[fi]] = n
	}
	return out
}

// TestReaderEqualsPcapgo reads every shared capture with Reader and with
// gopacket's pcapgo and requires the same frames, timestamps and link
// types, and the packet count MANIFEST.tsv gives (counted by tshark).
func TestReaderEqualsPcapgo(t *testing.T) {
	dir := pcapDir(t)
	want := manifestPackets(t, dir)
	for _, p := range captures(t, dir) {
		name, _ := filepath.Rel(dir, p)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			ref, refErr := readGopacket(b)
			r, err := NewReader(bufio.NewReader(bytes.NewReader(b)), name)
			require.NoError(t, err)
			n := 0
			var f Frame
			if why, ok := pcapgoDiffers[name]; ok {
				t.Logf("pcapgo differs (%s): %v", why, refErr)
				for err = r.Next(&f); err == nil; err = r.Next(&f) {
					n++
				}
				if why == "truncated" {
					assert.ErrorIs(t, err, ErrTruncated)
					assert.Equal(t, want[name]-1, n)
					return
				}
				assert.ErrorIs(t, err, io.EOF)
				assert.Equal(t, want[name], n)
				return
			}
			for {
				err = r.Next(&f)
				if err != nil {
					break
				}
				if n < len(ref) {
					rf := ref[n]
					require.Equal(t, rf.data, f.Data, "packet %d", f.Number)
					require.Equal(t, rf.ci.Length, f.OrigLen, "packet %d", f.Number)
					require.Equal(t, rf.link, f.Link, "packet %d", f.Number)
					require.True(t, rf.ci.Timestamp.Equal(f.Time), "packet %d: %v vs %v", f.Number, rf.ci.Timestamp, f.Time)
				}
				n++
			}
			if errors.Is(err, io.EOF) {
				assert.NoError(t, refErr)
			} else {
				t.Logf("Reader stops: %v (pcapgo: %v after %d)", err, refErr, len(ref))
			}
			assert.Equal(t, len(ref), n)
			if w, ok := want[name]; ok {
				assert.Equal(t, w, n, "MANIFEST.tsv packets")
			}
		})
	}
}

// TestReaderBufferedEqualsCopying reads every capture twice: from the file,
// where most pcap records are whole in the read buffer and Next aliases it,
// and one byte per read, where they never are and Next copies. Frames
// (every field, the bytes included) and the final error must be equal.
func TestReaderBufferedEqualsCopying(t *testing.T) {
	dir := pcapDir(t)
	read := func(src io.Reader, name string) ([]Frame, error) {
		r, err := NewReader(src, name)
		if err != nil {
			return nil, err
		}
		var out []Frame
		for {
			var f Frame
			if err := r.Next(&f); err != nil {
				if err == io.EOF {
					err = nil
				}
				return out, err
			}
			f.Data = append([]byte(nil), f.Data...)
			out = append(out, f)
		}
	}
	for _, path := range captures(t, dir) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		fast, ferr := read(bytes.NewReader(b), path)
		slow, serr := read(iotest.OneByteReader(bytes.NewReader(b)), path)
		assert.Equal(t, fmt.Sprint(serr), fmt.Sprint(ferr), path)
		if !assert.Equal(t, len(slow), len(fast), path) {
			continue
		}
		for i := range slow {
			if !assert.Equal(t, slow[i], fast[i], "%s frame %d", path, i+1) {
				break
			}
		}
	}
}
