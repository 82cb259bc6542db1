package flowrec

import (
	"context"
	"fmt"
	"github.com/netwarden/netwarden/dataset/flow"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSoftflowdNfdump runs real exporters and a real collector beside
// ours: softflowd reads shared captures and exports NetFlow v5, v9 and
// IPFIX to nfcapd on 127.0.0.1, which repeats every datagram (-R) to this
// package's Collector; the records nfdump reads back from nfcapd's file
// must equal ours, field by field.
func TestSoftflowdNfdump(t *testing.T) {
	if testing.Short() {
		t.Skip("runs softflowd and nfcapd")
	}
	dir := os.Getenv("PCAP_DIR")
	if dir == "" {
		t.Skip("PCAP_DIR not set (the shared captures, e.g. ../shared/data/pcap)")
	}
	for _, tool := range []string{"softflowd", "nfcapd", "nfdump"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install softflowd nfdump)", tool)
		}
	}
	caps := []string{"ndpi/KakaoTalk_chat.pcap", "ndpi/quic-v2.pcapng", "esnet/nmap_80_vanilla.pcap"}
	for _, c := range caps {
		if _, err := os.Stat(filepath.Join(dir, c)); err != nil {
			t.Skipf("%s absent from PCAP_DIR", c)
		}
	}
	for _, c := range caps {
		for _, v := range []string{"5", "9", "10"} {
			t.Run(fmt.Sprintf("%s/v%s", c, v), func(t *testing.T) {
				compareWithNfdump(t, filepath.Join(dir, c), v)
			})
		}
	}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func compareWithNfdump(t *testing.T, capture, version string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tmp := t.TempDir()

	var mu sync.Mutex
	var ours []string
	var ourRecs []Record
	coll, err := Listen("127.0.0.1:0", CollectorConfig{})
	require.NoError(t, err)
	cctx, stopColl := context.WithCancel(ctx)
	collDone := make(chan error, 1)
	go func() {
		collDone <- coll.Run(cctx, func(recs []Record) {
			mu.Lock()
			for i := range recs {
				ours = append(ours, recordLine(&recs[i]))
				ourRecs = append(ourRecs, recs[i])
			}
			mu.Unlock()
		})
	}()
	defer func() { stopColl(); <-collDone }()

	port := freeUDPPort(t)
	nfcapd := exec.CommandContext(ctx, "nfcapd", "-b", "127.0.0.1", "-p", strconv.Itoa(port), "-w", tmp, "-I", "test",
		"-R", fmt.Sprintf("127.0.0.1/%d", coll.Addr().(*net.UDPAddr).Port))
	var nfLog strings.Builder
	nfcapd.Stdout, nfcapd.Stderr = &nfLog, &nfLog
	require.NoError(t, nfcapd.Start())
	time.Sleep(300 * time.Millisecond) // let nfcapd bind

	// softflowd -r exits at the end of the capture, exporting every flow;
	// it must not be given -c (it then waits on the control socket). -a
	// sets its clock from the capture, so that records carry capture times.
	args := []string{"-r", capture, "-n", fmt.Sprintf("127.0.0.1:%d", port), "-v", version, "-d",
		"-p", filepath.Join(tmp, "softflowd.pid"), "-a"}
	if version != "5" {
		args = append(args, "-6")
	}
	out, err := exec.CommandContext(ctx, "softflowd", args...).CombinedOutput()
	require.NoError(t, err, "softflowd: %s", out)
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, nfcapd.Process.Signal(os.Interrupt))
	_ = nfcapd.Wait()

	dump := exec.CommandContext(ctx, "nfdump", "-R", tmp, "-q", "-N", "-o", "fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%pkt|%byt|%flg")
	dump.Env = append(os.Environ(), "TZ=UTC")
	text, err := dump.Output()
	require.NoError(t, err, "nfdump; nfcapd said: %s", nfLog.String())
	var theirs []string
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.Contains(line, "No matching flows") {
			theirs = append(theirs, nfdumpLine(t, line, version == "10"))
		}
	}
	if len(theirs) == 0 {
		// NetFlow v5 has no IPv6: softflowd exports nothing for an IPv6 capture.
		require.Equal(t, "5", version, "nfdump read no flows; nfcapd said: %s", nfLog.String())
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(ours)
		mu.Unlock()
		if n >= len(theirs) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	got := slices.Clone(ours)
	mu.Unlock()
	slices.Sort(got)
	slices.Sort(theirs)
	assert.Equal(t, theirs, got)
	tot := coll.Totals()
	assert.Zero(t, tot.QueueFull)
	// softflowd's IPFIX sequence numbers jump (nfcapd counts the same
	// "Sequence Errors"); nothing else may be skipped. nfcapd may print its
	// counters more than once (at start-up too): the last line is the total.
	seqErrs := 0
	if ms := regexp.MustCompile(`Sequence Errors: (\d+)`).FindAllStringSubmatch(nfLog.String(), -1); len(ms) > 0 {
		seqErrs, _ = strconv.Atoi(ms[len(ms)-1][1])
	}
	assert.Equal(t, uint64(seqErrs), tot.Decoder.Skipped[ReasonSequence], "nfcapd: %s", nfLog.String())
	assert.Equal(t, tot.Decoder.Skipped[ReasonSequence], tot.Decoder.SkippedTotal(), "%+v", tot.Decoder)
	t.Logf("%d flows, %d datagrams", len(got), tot.Packets)

	// Totals against the packet meter on the same capture: softflowd's
	// flows are one-way, the meter's two-way, so flows differ but packets
	// and IP bytes must not (both count every IPv4 packet, and IPv6 when
	// the export can carry it).
	if version == "9" {
		var pkts, bytes uint64
		mu.Lock()
		recsCopy := slices.Clone(ourRecs)
		mu.Unlock()
		for _, r := range recsCopy {
			pkts += r.FwdPackets
			bytes += r.FwdBytes
		}
		var mp, mb uint64
		var flows, directions int
		_, err := flow.MeterFile(capture, flow.Config{}, func(f *flow.Flow) {
			mp += f.Record.Packets()
			mb += f.Record.Bytes()
			flows++
			directions++
			if f.Record.BwdPackets > 0 {
				directions++
			}
		})
		require.NoError(t, err)
		assert.Equal(t, mp, pkts, "packets: meter %d, softflowd export %d", mp, pkts)
		assert.Equal(t, mb, bytes, "IP bytes: meter %d, softflowd export %d", mb, bytes)
		// Each direction of a two-way flow is one softflowd flow.
		assert.Equal(t, directions, len(recsCopy), "directions of the meter's flows")
		t.Logf("meter: %d two-way flows, %d packets, %d bytes; softflowd: %d one-way flows", flows, mp, mb, len(recsCopy))
	}
}

// recordLine and nfdumpLine write a record the same way from both sides:
// start and end in ms, protocol, addresses, ports (none for ICMP, which
// nfdump shows as type.code), packets, bytes, flags in nfdump's letters.
func recordLine(r *Record) string {
	sp, dp := strconv.Itoa(int(r.Key.SrcPort)), strconv.Itoa(int(r.Key.DstPort))
	if r.Key.Proto == 1 || r.Key.Proto == 58 {
		sp, dp = "-", "-"
	}
	return fmt.Sprintf("%d|%d|%d|%s|%s|%s|%s|%d|%d|%s", r.Start.UnixMilli(), r.End.UnixMilli(), r.Key.Proto,
		r.Key.Src, sp, r.Key.Dst, dp, r.FwdPackets, r.FwdBytes, nfdumpFlags(r.FwdFlags))
}

func nfdumpFlags(f uint16) string {
	const letters = "CEUAPRSF"
	b := []byte("........")
	for i := range 8 {
		if f&(0x80>>i) != 0 {
			b[i] = letters[i]
		}
	}
	return string(b)
}

// For IPFIX, nfdump 1.7.1 reads softflowd's flowStartSysUpTime and
// flowEndSysUpTime the wrong way round: its first time is the later one
// (tshark shows the same record starting at 0 and ending at 0.029 s of
// uptime, and the NetFlow v9 export of the same capture, which nfdump
// reads right, has the times this decoder gives). swap undoes that.
func nfdumpLine(t *testing.T, line string, swap bool) string {
	f := strings.Split(line, "|")
	require.Len(t, f, 10, line)
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	ms := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05.000", s)
		require.NoError(t, err, s)
		return tm.UnixMilli()
	}
	proto, err := strconv.Atoi(f[2])
	if err != nil {
		proto = map[string]int{"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}[f[2]]
	}
	sp, dp := f[4], f[6]
	if proto == 1 || proto == 58 {
		sp, dp = "-", "-"
	}
	start, end := ms(f[0]), ms(f[1])
	if swap {
		start, end = end, start
	}
	return fmt.Sprintf("%d|%d|%d|%s|%s|%s|%s|%s|%s|%s", start, end, proto, f[3], sp, f[5], dp, f[7], f[8], f[9])
}
