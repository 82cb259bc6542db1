package flowrec

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCollector starts a collector on addr and returns it, a function that
// waits for n records, and one that stops it.
func runCollector(t *testing.T, addr string, cfg CollectorConfig, handle func([]Record)) (*Collector, func()) {
	t.Helper()
	c, err := Listen(addr, cfg)
	// A port just given up (a restart on the same address) can take a
	// moment to be free again, or be taken meanwhile by another test
	// process for a while: retry briefly.
	for deadline := time.Now().Add(3 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		c, err = Listen(addr, cfg)
	}
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		assert.NoError(t, c.Run(ctx, handle))
	}()
	return c, func() { cancel(); wg.Wait() }
}

func send(t *testing.T, to net.Addr, pkts ...[]byte) {
	t.Helper()
	conn, err := net.Dial("udp", to.String())
	require.NoError(t, err)
	defer conn.Close()
	for _, p := range pkts {
		_, err := conn.Write(p)
		require.NoError(t, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type sink struct {
	mu   sync.Mutex
	recs []Record
}

func (s *sink) handle(r []Record) {
	s.mu.Lock()
	s.recs = append(s.recs, r...)
	s.mu.Unlock()
}

func (s *sink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

func TestCollector(t *testing.T) {
	var s sink
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{}, s.handle)
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	send(t, c.Addr(),
		ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec, rec)),
		ipfix(2, 1, 100, set(300, rec)),
		[]byte{0, 10, 0, 3}, // damaged: shorter than a header
	)
	waitFor(t, func() bool { return s.len() == 3 && c.Totals().Packets == 3 })
	stop()
	tot := c.Totals()
	assert.Equal(t, uint64(3), tot.Decoder.Records)
	assert.Equal(t, uint64(1), tot.Decoder.Skipped[ReasonTruncated])
	assert.Zero(t, tot.QueueFull)
	ex := c.Exporters()
	require.Len(t, ex, 1)
	assert.Equal(t, "127.0.0.1", ex[0].Exporter.String())
	assert.Equal(t, "127.0.0.1", s.recs[0].Exporter.String())
}

// TestCollectorRestart: a collector restarted on the same port has lost
// its templates; the data that arrive before the exporter re-sends them
// are held and decoded once they come, and counted.
func TestCollectorRestart(t *testing.T) {
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	var s1 sink
	c1, stop1 := runCollector(t, "127.0.0.1:0", CollectorConfig{}, s1.handle)
	addr := c1.Addr()
	send(t, addr, ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec)))
	waitFor(t, func() bool { return s1.len() == 1 })
	stop1()

	var s2 sink
	c2, stop2 := runCollector(t, addr.String(), CollectorConfig{}, s2.handle)
	defer stop2()
	send(t, addr, ipfix(1, 1, 100, set(300, rec, rec)))
	waitFor(t, func() bool { return c2.Stats().Held == 1 })
	assert.Zero(t, s2.len(), "no template yet: nothing decoded")
	send(t, addr, ipfix(3, 1, 100, set(2, tmpl(300, basic...)), set(300, rec)))
	waitFor(t, func() bool { return s2.len() == 3 })
	st := c2.Stats()
	assert.Equal(t, uint64(1), st.Replayed)
	assert.Equal(t, uint64(3), st.Records)
}

// TestCollectorQueueFull: a handler that stalls makes the collector drop
// and count datagrams, not block or grow.
func TestCollectorQueueFull(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	var s sink
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{Queue: 2}, func(r []Record) {
		once.Do(func() { <-release })
		s.handle(r)
	})
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	pkts := [][]byte{ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec))}
	for i := 1; i < 20; i++ {
		pkts = append(pkts, ipfix(uint32(i), 1, 100, set(300, rec)))
	}
	send(t, c.Addr(), pkts...)
	waitFor(t, func() bool { return c.Totals().Packets == 20 })
	tot := c.Totals()
	close(release)
	assert.NotZero(t, tot.QueueFull)
	waitFor(t, func() bool { return uint64(s.len()) == 20-c.Totals().QueueFull })
	// The next datagram shows the decoder the gap the drops left.
	send(t, c.Addr(), ipfix(20, 1, 100, set(300, rec)))
	waitFor(t, func() bool { return uint64(s.len()) == 21-c.Totals().QueueFull })
	stop()
	assert.NotZero(t, c.Stats().Skipped[ReasonSequence])
}

func TestCollectorOversize(t *testing.T) {
	var s sink
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{MaxDatagram: 100}, s.handle)
	rec := basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0)
	send(t, c.Addr(), ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec, rec, rec)), ipfix(0, 1, 100, set(2, tmpl(300, basic...))))
	waitFor(t, func() bool { return c.Totals().Packets == 2 })
	stop()
	tot := c.Totals()
	assert.Equal(t, uint64(1), tot.Oversize)
	assert.Equal(t, uint64(1), tot.Decoder.Templates, "the short datagram was decoded")
	assert.Zero(t, s.len())
}

func TestKernelDrops(t *testing.T) {
	c, err := Listen("127.0.0.1:0", CollectorConfig{})
	require.NoError(t, err)
	defer c.Close()
	n, ok := c.KernelDrops()
	if _, err := os.Stat("/proc/net/udp"); err != nil {
		assert.False(t, ok)
		return
	}
	assert.True(t, ok)
	assert.Zero(t, n)
}
