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

// runCollector starts a collector on addr and returns it and a function
// that stops it: it cancels Run's context and fails the test if Run has
// not returned within runDeadline, so that no test can hang on it.
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
	return c, func() {
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(runDeadline):
			t.Errorf("Run did not return within %v of its context's end", runDeadline)
		}
	}
}

// runDeadline bounds every wait of these tests.
const runDeadline = 5 * time.Second

// stall returns a handler that blocks on its first call until release is
// called (release may be called more than once), and passes every call
// on to s.
func stall(s *sink) (handle func([]Record), release func()) {
	ch := make(chan struct{})
	var first, closed sync.Once
	handle = func(r []Record) {
		first.Do(func() { <-ch })
		s.handle(r)
	}
	return handle, func() { closed.Do(func() { close(ch) }) }
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
	deadline := time.Now().Add(runDeadline)
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

// TestCollectorQueueFull: with DropWhenFull, a handler that stalls makes
// the collector drop and count datagrams, not block or grow.
func TestCollectorQueueFull(t *testing.T) {
	var s sink
	handle, release := stall(&s)
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{Queue: 2, DropWhenFull: true}, handle)
	defer stop()
	defer release() // before stop: Run waits for the handler
	send(t, c.Addr(), stream(20)...)
	waitFor(t, func() bool { return c.Totals().Packets == 20 })
	tot := c.Totals()
	release()
	assert.NotZero(t, tot.QueueFull)
	waitFor(t, func() bool { return uint64(s.len()) == 20-c.Totals().QueueFull })
	// The next datagram shows the decoder the gap the drops left.
	send(t, c.Addr(), ipfix(20, 1, 100, set(300, oneRecord())))
	waitFor(t, func() bool { return uint64(s.len()) == 21-c.Totals().QueueFull })
	stop()
	assert.NotZero(t, c.Stats().Skipped[ReasonSequence])
}

func oneRecord() []byte { return basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 60, 0, 0) }

// stream returns n IPFIX datagrams of one record each, the first with the
// template, in sequence.
func stream(n int) [][]byte {
	rec := oneRecord()
	pkts := [][]byte{ipfix(0, 1, 100, set(2, tmpl(300, basic...)), set(300, rec))}
	for i := 1; i < n; i++ {
		pkts = append(pkts, ipfix(uint32(i), 1, 100, set(300, rec)))
	}
	return pkts
}

// TestCollectorWaits: by default a handler that stalls makes the reader
// wait, the datagrams wait in the socket buffer, and none is lost.
func TestCollectorWaits(t *testing.T) {
	var s sink
	handle, release := stall(&s)
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{Queue: 2}, handle)
	defer stop()
	defer release()
	send(t, c.Addr(), stream(20)...)
	// The first datagram stalls the handler (its buffer is already free
	// again) and two more fill the queue's two buffers: the reader waits,
	// and the rest stay in the socket.
	waitFor(t, func() bool { return c.Totals().Packets == 3 })
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, uint64(3), c.Totals().Packets, "the reader waits for a free buffer")
	release()
	waitFor(t, func() bool { return s.len() == 20 })
	tot := c.Totals()
	assert.Zero(t, tot.QueueFull)
	assert.Zero(t, tot.Decoder.Lost)
	assert.Zero(t, tot.Decoder.Skipped[ReasonSequence])
	if n, ok := c.KernelDrops(); ok {
		assert.Zero(t, n)
	}
}

// TestCollectorStopWhileWaiting: ending the context while the reader waits
// for the decoder stops the reader at once; Run returns once the handler
// has finished what was queued, and reads nothing more.
func TestCollectorStopWhileWaiting(t *testing.T) {
	var s sink
	handle, release := stall(&s)
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{Queue: 2}, handle)
	defer release()
	send(t, c.Addr(), stream(20)...)
	waitFor(t, func() bool { return c.Totals().Packets == 3 })
	go func() {
		time.Sleep(50 * time.Millisecond) // let stop cancel first
		release()
	}()
	stop()
	assert.Equal(t, uint64(3), c.Totals().Packets, "nothing read after the end")
	assert.Equal(t, 3, s.len(), "what was queued is handled")
}

// TestCollectorKernelDrops: with the reader waiting on a stalled handler
// and a small receive buffer, what overflows the buffer is dropped by the
// kernel and counted there, and everything else is scored: received plus
// kernel drops is what was sent.
func TestCollectorKernelDrops(t *testing.T) {
	if _, err := os.Stat("/proc/net/udp"); err != nil {
		t.Skip("no /proc/net/udp: the kernel's drop count is not readable here")
	}
	var s sink
	stalled, release := stall(&s)
	entered := make(chan struct{})
	var once sync.Once
	handle := func(r []Record) {
		once.Do(func() { close(entered) })
		stalled(r)
	}
	c, stop := runCollector(t, "127.0.0.1:0", CollectorConfig{Queue: 2, ReadBuffer: 1}, handle)
	defer stop()
	defer release()
	const sent = 400
	send(t, c.Addr(), stream(sent)...)
	// The handler stalls on the first datagram: the reader takes at most
	// two more and waits, and the kernel's smallest buffer holds a few of
	// the rest (how many depends on timing; at times the first two only).
	select {
	case <-entered:
	case <-time.After(runDeadline):
		t.Fatal("the handler was never called")
	}
	release()
	// Loopback datagrams may reach the socket (or be dropped) a moment
	// after the send returns, from the kernel's deferred work: the drop
	// count is read afresh until everything is accounted for.
	var drops uint64
	waitFor(t, func() bool {
		var ok bool
		drops, ok = c.KernelDrops()
		require.True(t, ok)
		return uint64(s.len())+drops == sent
	})
	assert.NotZero(t, drops, "a receive buffer of the kernel's minimum holds fewer than %d datagrams", sent)
	tot := c.Totals()
	assert.Zero(t, tot.QueueFull)
	assert.Equal(t, uint64(sent)-drops, tot.Packets)
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
