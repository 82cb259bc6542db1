package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/examples/internal/records"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
)

// TestMain runs this program's main instead of the tests when the fault
// tests start the test binary as a scorer process (FLEET_MAIN=1).
func TestMain(m *testing.M) {
	if os.Getenv("FLEET_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// needServer returns the nats-server binary, or skips.
func needServer(t *testing.T) string {
	t.Helper()
	bin, err := serverBinary()
	if err != nil {
		t.Skipf("needs a real NATS server: %s", installHint)
	}
	return bin
}

// startServers starts n servers (one stand-alone, or a cluster) with their
// stores under a temporary directory, stopped at the end of the test.
func startServers(t *testing.T, n int) []*server {
	t.Helper()
	bin := needServer(t)
	ss, err := newServers(bin, t.TempDir(), n)
	require.NoError(t, err)
	for _, s := range ss {
		require.NoError(t, s.Start(), "nats-server %s", s.Name)
		t.Cleanup(s.Stop)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, s := range ss {
				log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
				var keep []string
				for _, l := range strings.Split(string(log), "\n") {
					if !strings.Contains(l, "Error trying to connect to route") && !strings.Contains(l, "[INF]   ") {
						keep = append(keep, l)
					}
				}
				t.Logf("server %s log (last 4 KiB, without route retries):\n%s", s.Name, tail([]byte(strings.Join(keep, "\n")), 4<<10))
			}
		}
	})
	return ss
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// client connects to url and waits for JetStream.
func client(t *testing.T, ctx context.Context, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, js, err := connect(url, "fleet-test")
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.NoError(t, waitJetStream(ctx, js))
	return nc, js
}

var (
	bundleOnce sync.Once
	bundleVal  *bundle.Bundle
	bundleFile string
	bundleErr  error
)

// testBundle returns the demo bundle (an Isolation Forest on synthetic
// traffic) and the file it is saved in.
func testBundle(t *testing.T) (*bundle.Bundle, string) {
	t.Helper()
	bundleOnce.Do(func() {
		bundleVal, bundleErr = demo.Bundle(context.Background(), 5000, 1, "examples/fleet tests")
		if bundleErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "fleet-test-")
		if err != nil {
			bundleErr = err
			return
		}
		bundleFile = filepath.Join(dir, "demo.nwb")
		bundleErr = bundleVal.Save(bundleFile)
	})
	require.NoError(t, bundleErr)
	return bundleVal, bundleFile
}

// testRecords returns n synthetic NSL-KDD lines with bad ones at every
// badEvery-th place (0: none), and how many are bad.
func testRecords(t *testing.T, n, badEvery int) ([][]byte, int) {
	t.Helper()
	lines, err := syntheticLines(n, 11)
	require.NoError(t, err)
	bad := 0
	if badEvery > 0 {
		kinds := []string{"not,a,record", "0,tcp,http,SF,abc,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,1,0,0,1,1,1,0,1,0,0,0,0,0,normal,21", "   "}
		for i := badEvery - 1; i < n; i += badEvery {
			lines[i] = []byte(kinds[bad%len(kinds)])
			bad++
		}
	}
	return lines, bad
}

// proc is a scorer process: the test binary running main's score.
type proc struct {
	cmd *exec.Cmd
	log *syncbuf.Buffer
	wg  sync.WaitGroup
}

func startScorer(t *testing.T, url, name string, extra ...string) *proc {
	t.Helper()
	_, path := testBundle(t)
	// Explanations (TreeSHAP of the demo Isolation Forest) only where a
	// test asks for them: under the race detector they are slow enough to
	// outlast the tests' bounds.
	args := append([]string{"score", "-nats", url, "-bundle", path, "-name", name, "-explain", "0"}, extra...)
	p := &proc{cmd: exec.Command(os.Args[0], args...), log: &syncbuf.Buffer{}}
	p.cmd.Env = append(os.Environ(), "FLEET_MAIN=1", "GOMAXPROCS=1")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	require.NoError(t, p.cmd.Start())
	procsMu.Lock()
	procs = append(procs, p)
	procsMu.Unlock()
	p.wg.Add(1)
	go func() { _ = p.cmd.Wait(); p.wg.Done() }()
	t.Cleanup(func() {
		p.stop()
		n := 2 << 10
		if t.Failed() {
			n = 64 << 10
		}
		t.Logf("scorer %s:\n%s", name, tail([]byte(p.log.String()), n))
	})
	return p
}

var (
	procsMu sync.Mutex
	procs   []*proc
)

// dumpScorers makes every running scorer print its goroutines (SIGQUIT)
// into its log, for a test that failed waiting for them.
func dumpScorers() {
	procsMu.Lock()
	defer procsMu.Unlock()
	for _, p := range procs {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		}
	}
	time.Sleep(time.Second)
}

// stop ends the scorer with SIGINT, as an operator would.
func (p *proc) stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(os.Interrupt)
	}
	p.wg.Wait()
}

// kill ends the scorer with SIGKILL.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	p.wg.Wait()
}

// waitLog waits until the scorer's log holds s.
func (p *proc) waitLog(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.log.String(), s) {
		require.True(t, time.Now().Before(deadline), "scorer log without %q after %v:\n%s", s, timeout, p.log.String())
		time.Sleep(20 * time.Millisecond)
	}
}

// publish runs a probe over lines in the background.
func publish(ctx context.Context, js jetstream.JetStream, name string, lines [][]byte, window, rate int) (*Probe, chan error) {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	p := &Probe{JS: js, Name: name, Window: window, Rate: rate}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, &b) }()
	return p, done
}

// reference counts the alerts the bundle gives lines (records in format
// f) in this process, and the records it cannot parse.
func reference(t *testing.T, f Format, lines [][]byte) (alerts, dead int) {
	t.Helper()
	b, _ := testBundle(t)
	s, err := NewScorer(b, f, "reference")
	require.NoError(t, err)
	for i, l := range lines {
		switch k, _ := s.verdict(fmt.Sprint(i), 0, l); k {
		case Alert:
			alerts++
		case Dead:
			dead++
		}
	}
	return alerts, dead
}

// drained checks that the flows stream is empty and the consumer holds
// nothing: every record was acknowledged once, none is redelivered
// forever.
func drained(t *testing.T, ctx context.Context, js jetstream.JetStream) (pending, ackPending, redelivered int) {
	t.Helper()
	var ci *jetstream.ConsumerInfo
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := js.Consumer(ctx, "FLOWS", "scorers")
		require.NoError(t, err)
		ci, err = c.Info(ctx)
		require.NoError(t, err)
		if ci.NumAckPending == 0 && ci.NumPending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return int(ci.NumPending), ci.NumAckPending, ci.NumRedelivered
}

// csvRecords returns lines (NSL-KDD) as CSV records and the header that
// names their columns: the schema's, then the label and the difficulty
// (which the scorer drops).
func csvRecords(lines [][]byte) ([][]byte, string) {
	names := make([]string, 0, 43)
	for _, c := range dataset.NSLKDDSchema().Columns {
		names = append(names, c.Name)
	}
	names = append(names, "label", "difficulty")
	return lines, strings.Join(names, ",")
}

// semicolons returns CSV records with ';' for ','.
func semicolons(recs [][]byte) [][]byte {
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = bytes.ReplaceAll(r, []byte(","), []byte(";"))
	}
	return out
}

// jsonRecords returns lines (NSL-KDD) as JSON objects named by the
// schema's columns, with their label; a line that does not parse stays
// as it is (not a JSON object either).
func jsonRecords(t *testing.T, lines [][]byte) [][]byte {
	t.Helper()
	p, err := records.NewLines("nslkdd")
	require.NoError(t, err)
	cols := p.Schema().Columns
	out := make([][]byte, len(lines))
	var row dataset.Row
	for i, l := range lines {
		if p.Parse(l, &row) != nil {
			out[i] = l
			continue
		}
		m := make(map[string]any, len(cols)+1)
		for j, c := range cols {
			if c.Kind == dataset.Categorical {
				m[c.Name] = row.Cat[j]
			} else {
				m[c.Name] = row.Num[j]
			}
		}
		m["label"] = row.Label
		out[i], err = json.Marshal(m)
		require.NoError(t, err)
	}
	return out
}
