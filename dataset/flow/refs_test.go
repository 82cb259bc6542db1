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
		v.bytes += r.FwdFrameBytes + r.BwdFrameBytes
		v.flows++
		out[k] = v
	})
	if err != nil && !packet.IsTruncated(err) {
		require.NoError(t, err)
	}
	return out, st
}

// argusDiffers explains the captures where the meter and Argus disagree.
var argusDiffers = map[string]string{
	"ndpi/quic-fuzz-overflow.pcapng":                   "argus keeps no record of some packets the meter counts: a fuzzed IPv4 fragment to a broadcast address",
	"ndpi/ossfuzz_seed_fake_traces_1.pcapng":           "argus keeps no record of some packets the meter counts: hand-made loopback UDP/TCP with odd timestamps",
	"ndpi/ossfuzz_seed_fake_traces_4.pcapng":           "argus keeps no record of some packets the meter counts: hand-made loopback UDP",
	"ndpi/dlt_ppp.pcap":                                "argus keeps no record of some packets the meter counts: Argus 3.0.8 reads no LINKTYPE_PPP (9)",
	"ndpi/someip_sd_sample.pcap":                       "argus keeps no record of some packets the meter counts: Argus reads no PPI (192) header",
	"ndpi/fuzz-2006-06-26-2594.pcap":                   "argus keeps no record of some packets the meter counts: fuzzed headers (protocol 0, bad lengths) Argus discards",
	"ndpi/fuzz-2006-09-29-28586.pcap":                  "argus keeps no record of some packets the meter counts: fuzzed headers (protocol 170) Argus discards",
	"ndpi/fuzz-2020-02-16-11740.pcap":                  "argus keeps no record of some packets the meter counts: fuzzed headers (protocol 0) Argus discards",
	"ndpi/fuzz-2021-06-07-c6c72a0a56.pcap":             "the record header\"s wire length is 4,093,509,168 (fuzzed): FrameBytes takes it, Argus caps it at 65,072",
	"ndpi/rtp.pcapng":                                  "argus keeps no record of some packets the meter counts: packets of the pcapng\"s second interface",
	"ndpi/discord_mid_flow.pcap":                       "argus keeps no record of some packets the meter counts: QinQ + PPPoE, which Argus does not open",
	"ndpi/custom_categories.pcapng":                    "argus keeps no record of some packets the meter counts: ESP inside PPPoE",
	"ndpi/dns_fragmented.pcap":                         "IPv6 fragments: Argus keys non-first fragments differently; the meter attributes them to the datagram's flow",
	"ndpi/false_positives.pcapng":                      "argus keeps no record of some packets the meter counts: not investigated further",
	"ndpi/reasm_crash_anon.pcapng":                     "two packets the decoder refuses (bad TCP data offset) that Argus counts; bytes differ by their frames",
	"ndpi/sip.pcap":                                    "argus keeps no record of some packets the meter counts: not investigated further",
	"ndpi/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap":           "argus keeps no record of some packets the meter counts: one RTP stream Argus leaves out; not investigated further",
	"ndpi/iphone.pcap":                                 "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): IGMP with a bogus source",
	"ndpi/BGP_Cisco_hdlc_slarp.pcap":                   "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): Cisco HDLC (LINKTYPE_C_HDLC, 104) is not a link type the decoder reads",
	"ndpi/BGP_redist.pcap":                             "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): not investigated further",
	"zeek/linux_dlt_sll2.pcap":                         "argus keeps no record of some packets the meter counts: ICMP from an address to itself",
	"zeek/erspanI.pcap":                                "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): ERSPAN type I (no GRE sequence number, no ERSPAN header) is read as type II",
	"zeek/tunnels/gtp/gtp_ext_header.pcap":             "argus keeps no record of some packets the meter counts: GTP-U from port 9000 to 2152",
	"zeek/ipv4/fragmented-4.pcap":                      "IPv4 fragments whose first fragment comes later: the meter keys them without ports",
	"zeek/ipv6-fragmented-dns.pcap":                    "IPv6 fragments: the meter keys non-first fragments of an unseen first fragment without ports",
	"zeek/ipv6-mobility-dst-opts.pcap":                 "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): a mobility header followed by UDP",
	"zeek/trunc/ip6-ext-trunc.pcap":                    "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): an IPv6 extension header cut by the snap length",
	"zeek/trunc/icmp-header-trunc.pcap":                "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): ICMP headers cut by the snap length",
	"zeek/trunc/ipv4-truncated-broken-header.pcap":     "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): an IPv4 header cut short",
	"zeek/trunc/ipv4-internally-truncated-header.pcap": "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): an IPv4 total length shorter than its header",
	"zeek/trunc/ip-discarder-truncated-tcp-oob.pcapng": "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): a TCP header cut by the snap length",
	"zeek/ip-bogus-header-len.pcap":                    "argus keeps no record of some packets the meter counts: an IPv4 header length Argus rejects",
	"zeek/unknown-ip-short-payload.pcap":               "argus keeps no record of some packets the meter counts: IP protocol 253 with a short payload",
	"zeek/radiotap.pcap":                               "bytes: Argus leaves the radiotap and 802.11 headers out of its counts",
	"zeek/cisco-fabric-path.pcap":                      "argus keeps no record of some packets the meter counts: Cisco FabricPath frames (IP protocol 99 inside)",
	"zeek/ppp/quic-interop-retry.pcap":                 "argus keeps no record of some packets the meter counts: LINKTYPE_PPP, which Argus does not read",
	"zeek/tcp/truncated-header.pcap":                   "the decoder refuses a header Argus counts from (the packet is in Stats.Skipped): one TCP header cut by the snap length",
}

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
		// Argus opens GRE (and ERSPAN in it), but not GTP-U, VXLAN, Geneve
		// or IP-in-IP; it counts bytes of whole frames, except that it strips
		// Linux SLL's 16-byte pseudo header
		cfg := Config{Decoder: packet.Decoder{Closed: 1<<packet.TunnelGTPU | 1<<packet.TunnelVXLAN | 1<<packet.TunnelGeneve | 1<<packet.TunnelIPIP},
			IdleTimeout: -1, ActiveTimeout: -1}
		got, _ := meterAgg(t, filepath.Join(dir, name), cfg)
		if strip := argusStrips[linkOf(t, filepath.Join(dir, name))]; strip > 0 {
			for k, v := range got {
				v.bytes -= strip * v.pkts
				got[k] = v
			}
		}
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
		why, explained := argusDiffers[name]
		if len(bad) == 0 {
			agree++
			if explained {
				t.Errorf("%s agrees with Argus now: remove it from argusDiffers (%s)", name, why)
			}
			continue
		}
		sort.Strings(bad)
		if !explained {
			t.Errorf("%s: %d 5-tuples differ from Argus, e.g. %s", name, len(bad), bad[0])
			continue
		}
		diffs = append(diffs, name+": "+strconv.Itoa(len(bad))+" keys differ ("+why+"), e.g. "+bad[0])
	}
	t.Logf("%d captures: %d agree on every 5-tuple; %d of %d Argus 5-tuples equal in packets and bytes", files, agree, keysSame, keys)
	for _, d := range diffs {
		t.Log(d)
	}
}

// argusStrips is the pseudo-header Argus leaves out of its byte counts.
var argusStrips = map[packet.LinkType]uint64{packet.LinkNull: 4, packet.LinkLoop: 4, packet.LinkLinuxSLL: 16, packet.LinkLinuxSLL2: 20}

// linkOf returns the link type of a capture's first packet.
func linkOf(t testing.TB, path string) packet.LinkType {
	r, err := packet.Open(path)
	require.NoError(t, err)
	defer r.Close()
	var f packet.Frame
	if r.Next(&f) != nil {
		return r.LinkType()
	}
	return f.Link
}

func (k cmpKey) String() string {
	return strconv.Itoa(int(k.proto)) + " " + netip.AddrPortFrom(k.a, k.pa).String() + "-" + netip.AddrPortFrom(k.b, k.pb).String()
}

func (v cmpVal) String() string {
	return strconv.FormatUint(v.pkts, 10) + "p/" + strconv.FormatUint(v.bytes, 10) + "B"
}

// readTsharkConv parses tshark's -z conv,tcp / conv,udp / conv,sctp tables:
// frames per conversation (tshark rounds large byte counts to kB, so only
// frames are compared).
func readTsharkConv(t testing.TB, path string) map[cmpKey]uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[cmpKey]uint64{}
	var proto uint8
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "TCP Conversations"):
			proto = packet.ProtoTCP
			continue
		case strings.HasPrefix(line, "UDP Conversations"):
			proto = packet.ProtoUDP
			continue
		case strings.HasPrefix(line, "SCTP Conversations"):
			proto = packet.ProtoSCTP
			continue
		}
		f := strings.Fields(line)
		if len(f) < 10 || f[1] != "<->" {
			continue
		}
		a, errA := netip.ParseAddrPort(f[0])
		d, errD := netip.ParseAddrPort(f[2])
		if errA != nil || errD != nil {
			continue
		}
		// fields: A <-> B frames bytes unit frames bytes unit frames bytes unit start duration
		n, err := strconv.ParseUint(f[9], 10, 64)
		require.NoError(t, err, "%s: %q", path, line)
		out[makeKey(proto, a.Addr(), a.Port(), d.Addr(), d.Port())] += n
	}
	return out
}

// tsharkDiffers explains the captures whose conversations tshark counts
// differently.
var tsharkDiffers = map[string]string{
	"ndpi/BGP_Cisco_hdlc_slarp.pcap":                          "Cisco HDLC (LINKTYPE_C_HDLC, 104) is not a link type the decoder reads",
	"ndpi/BGP_redist.pcap":                                    "the decoder refuses headers tshark shows (see argusDiffers)",
	"ndpi/fuzz-2006-06-26-2594.pcap":                          "a fuzzed frame tshark dissects and the decoder refuses",
	"ndpi/ip_fragmented_garbage.pcap":                         "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"ndpi/dns_fragmented.pcap":                                "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"ndpi/dnscrypt-v1-and-resolver-pings.pcap":                "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"ndpi/capwap_data.pcapng":                                 "tshark opens CAPWAP data (802.11 frames inside UDP 5247); the decoder does not",
	"zeek/nflog-http.pcap":                                    "Linux NFLOG (LINKTYPE_NFLOG, 239) is not a link type the decoder reads",
	"zeek/tunnels/geneve-vxlan-dns-truncated.pcap":            "a truncated inner packet: tshark shows its outer conversation, the decoder counts it in Stats.Skipped",
	"zeek/tunnels/gre-aruba.pcap":                             "Aruba's GRE protocol types (0x8200-0x8300, 802.11 inside) are not opened",
	"zeek/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap": "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"zeek/tunnels/gtp/gtp9_unknown_or_too_short_payload.pcap": "a T-PDU too short for an inner IP header: tshark counts it in the outer conversation, the decoder in Stats.Skipped",
	"zeek/tunnels/gtp/gtp_ext_header.pcap":                    "GTP-U from port 9000: tshark dissects only port 2152 to 2152 in its conversations",
	"zeek/ipv4/fragmented-1.pcap":                             "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"zeek/ipv4/fragmented-4.pcap":                             "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"zeek/ipv4/fragmented-syn.pcap":                           "IP fragments: tshark reassembles and counts a datagram once, in its last fragment's frame; the meter counts every fragment",
	"zeek/pbb.pcap":                                           "802.1ah provider backbone bridging (EtherType 0x88e7) is not opened",
}

// TestTsharkConversations compares tshark's conversation frame counts with
// the meter's packets per 5-tuple, tunnels open and closed (tshark lists a
// GTP-U packet in both its outer and its inner conversation).
func TestTsharkConversations(t *testing.T) {
	dir := pcapDir(t)
	var convs, same int
	var files, agree int
	for _, name := range manifest(t, dir) {
		ref := filepath.Join("testdata", "tshark", name+".conv")
		if _, err := os.Stat(ref); err != nil {
			continue
		}
		want := readTsharkConv(t, ref)
		if len(want) == 0 {
			continue
		}
		files++
		open, _ := meterAgg(t, filepath.Join(dir, name), Config{IdleTimeout: -1, ActiveTimeout: -1})
		closed, _ := meterAgg(t, filepath.Join(dir, name), Config{Decoder: packet.Decoder{MaxTunnels: -1}, IdleTimeout: -1, ActiveTimeout: -1})
		bad := 0
		for k, w := range want {
			convs++
			if open[k].pkts == w || closed[k].pkts == w {
				same++
				continue
			}
			bad++
		}
		why, explained := tsharkDiffers[name]
		switch {
		case bad == 0 && explained:
			t.Errorf("%s agrees with tshark now: remove it from tsharkDiffers (%s)", name, why)
		case bad == 0:
			agree++
		case !explained:
			t.Errorf("%s: %d of %d tshark conversations differ in frames", name, bad, len(want))
		default:
			t.Logf("%s: %d of %d conversations differ (%s)", name, bad, len(want), why)
		}
	}
	t.Logf("%d captures: %d agree on every conversation; %d of %d tshark conversations equal in frames", files, agree, same, convs)
}
