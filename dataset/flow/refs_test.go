package flow

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/stretchr/testify/require"
)

// pcapDir returns PCAP_DIR or skips the test.
func pcapDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PCAP_DIR")
	if dir == "" {
		t.Skip("PCAP_DIR not set: set it to the shared capture folder (e.g. ../shared/data/pcap) to compare with the reference tools")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		t.Skipf("PCAP_DIR=%s: %v", dir, err)
	}
	return dir
}

// manifest returns the capture paths listed in PCAP_DIR/MANIFEST.tsv.
func manifest(t testing.TB, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for first := true; sc.Scan(); first = false {
		if !first {
			out = append(out, strings.Split(sc.Text(), "\t")[1])
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// cmpKey is the key both sides are aggregated by: protocol, the endpoints
// in canonical order, ports only for TCP and UDP (Argus prints none for
// SCTP and ICMP type/code/id in their place).
type cmpKey struct {
	proto  uint8
	a, b   netip.Addr
	pa, pb uint16
}

type cmpVal struct {
	pkts, bytes uint64
	flows       int
}

func makeKey(proto uint8, a netip.Addr, pa uint16, b netip.Addr, pb uint16) cmpKey {
	if proto != packet.ProtoTCP && proto != packet.ProtoUDP {
		pa, pb = 0, 0
	}
	if b.Less(a) || (a == b && pb < pa) {
		a, b, pa, pb = b, a, pb, pa
	}
	return cmpKey{proto, a, b, pa, pb}
}

var argusProtos = map[string]uint8{
	"icmp": 1, "igmp": 2, "ipnip": 4, "tcp": 6, "udp": 17, "ipv6": 41, "ipv6-route": 43,
	"ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "ipv6-no": 59,
	"ipv6-opts": 60, "ospf": 89, "pim": 103, "vrrp": 112, "l2tp": 115, "sctp": 132, "udplite": 136,
}

// readArgus parses a racluster CSV written by make_refs.sh.
func readArgus(t testing.TB, path string) (map[cmpKey]cmpVal, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[cmpKey]cmpVal{}
	skipped := 0
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 || line == "" {
			continue
		}
		c := strings.Split(line, ",")
		require.Len(t, c, 9, "%s line %d", path, i+1)
		proto, ok := argusProtos[c[0]]
		if !ok {
			if n, err := strconv.Atoi(c[0]); err == nil && n < 256 {
				proto = uint8(n)
			} else {
				skipped++ // arp, rarp, llc and other non-IP records
				continue
			}
		}
		a, errA := netip.ParseAddr(c[1])
		d, errD := netip.ParseAddr(c[3])
		if errA != nil || errD != nil {
			skipped++
			continue
		}
		sp, _ := strconv.Atoi(c[2])
		dp, _ := strconv.Atoi(c[4])
		n := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 10, 64)
			require.NoError(t, err, "%s line %d", path, i+1)
			return v
		}
		k := makeKey(proto, a, uint16(sp), d, uint16(dp))
		v := out[k]
		v.pkts += n(c[5]) + n(c[6])
		v.bytes += n(c[7]) + n(c[8])
		v.flows++
		out[k] = v
	}
	return out, skipped
}

// meterAgg meters a capture and aggregates its records by cmpKey.
func meterAgg(t testing.TB, path string, cfg Config) (map[cmpKey]cmpVal, Stats) {
	t.Helper()
	out := map[cmpKey]cmpVal{}
	st, err := MeterFile(path, cfg, func(f *Flow) {
		r := &f.Record
		if r.Reason == EndEarly {
			return
		}
		k := makeKey(r.Key.Proto, r.Key.Src, r.Key.SrcPort, r.Key.Dst, r.Key.DstPort)
		v := out[k]
		v.pkts += r.Packets()
		v.bytes += r.Bytes()
		v.flows++
		out[k] = v
	})
	if err != nil && !packet.IsTruncated(err) {
		require.NoError(t, err)
	}
	return out, st
}

// argusDiffers explains the captures where the meter and Argus disagree.
var argusDiffers = map[string]string{}

// TestArgusAgreement meters every shared capture with tunnels left closed
// (Argus opens none) and compares packets and bytes per 5-tuple with Argus's
// records from testdata/argus.
func TestArgusAgreement(t *testing.T) {
	dir := pcapDir(t)
	var files, agree, keys, keysSame int
	var diffs []string
	for _, name := range manifest(t, dir) {
		ref := filepath.Join("testdata", "argus", name+".csv")
		if _, err := os.Stat(ref); err != nil {
			continue
		}
		files++
		want, _ := readArgus(t, ref)
		got, _ := meterAgg(t, filepath.Join(dir, name), Config{Decoder: packet.Decoder{MaxTunnels: -1}, IdleTimeout: -1, ActiveTimeout: -1})
		same := 0
		var bad []string
		for k, w := range want {
			keys++
			g := got[k]
			if g.pkts == w.pkts && g.bytes == w.bytes {
				same++
				continue
			}
			bad = append(bad, k.String()+" argus "+w.String()+" meter "+g.String())
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				bad = append(bad, k.String()+" only meter "+g.String())
			}
		}
		keysSame += same
		if len(bad) == 0 {
			agree++
			continue
		}
		sort.Strings(bad)
		diffs = append(diffs, name+": "+strconv.Itoa(len(bad))+" keys differ, e.g. "+bad[0])
	}
	t.Logf("%d captures: %d agree on every 5-tuple; %d of %d Argus 5-tuples equal in packets and bytes", files, agree, keysSame, keys)
	for _, d := range diffs {
		t.Log(d)
	}
}

func (k cmpKey) String() string {
	return strconv.Itoa(int(k.proto)) + " " + netip.AddrPortFrom(k.a, k.pa).String() + "-" + netip.AddrPortFrom(k.b, k.pb).String()
}

func (v cmpVal) String() string {
	return strconv.FormatUint(v.pkts, 10) + "p/" + strconv.FormatUint(v.bytes, 10) + "B"
}
