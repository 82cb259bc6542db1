package flowrec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// Defaults of CollectorConfig's zero fields.
const (
	DefaultQueue       = 1024
	DefaultReadBuffer  = 4 << 20
	DefaultMaxDatagram = 9216
)

// CollectorConfig sets up a Collector. The zero value means the
// documented defaults.
type CollectorConfig struct {
	// Queue is how many received packets may wait for the decoder.
	// Default 1024.
	Queue int
	// DropWhenFull says what the socket reader does when Queue packets
	// wait for the decoder. Default false: the reader waits for the
	// decoder to free a buffer, and the datagrams that follow wait in the
	// socket's receive buffer, so a burst has Queue datagrams and
	// ReadBuffer bytes to fit in; only what overflows both is lost,
	// dropped and counted by the kernel (KernelDrops). The reader then
	// waits no longer than the decoder and handler are busy, and ending
	// Run's context always ends the wait. Set, the reader keeps reading and
	// drops what it cannot queue, counted per exporter (QueueFull): the
	// receive buffer is emptied into the drop instead of holding the
	// burst, so more is lost (on one core the reader runs only while the
	// decoder does not, and empties the whole buffer each time). Set it
	// when the handler may block for long and the per-exporter counters
	// must keep counting meanwhile.
	DropWhenFull bool
	// ReadBuffer is the socket receive buffer asked of the kernel, in
	// bytes. Default 4 MiB (the kernel may grant less).
	ReadBuffer int
	// MaxDatagram is the largest datagram taken, in bytes; longer ones
	// are dropped and counted (Oversize). Default 9216 (a jumbo frame;
	// exporters keep to their path MTU). Memory is Queue × MaxDatagram.
	MaxDatagram int
	// Decoder configures the decoder (template lifetime, hold, scaling).
	Decoder Config
}

// ExporterCounters are the collector's counters for one exporter (or,
// from Collector.Totals, all of them).
type ExporterCounters struct {
	Exporter netip.Addr
	Packets  uint64 // datagrams received
	Bytes    uint64 // bytes received
	// QueueFull counts datagrams dropped because the decoder fell behind
	// (only with CollectorConfig.DropWhenFull; otherwise they wait in
	// the socket buffer and what overflows it is in KernelDrops).
	QueueFull uint64
	// Oversize counts datagrams dropped for being longer than MaxDatagram.
	Oversize uint64
	// Decoder holds what the decoder read and skipped, by reason.
	Decoder Stats
}

// Collector receives NetFlow v5/v9, IPFIX and sFlow v5 datagrams on a UDP
// socket, decodes them on one goroutine and streams the records to a
// handler. Between the socket reader and the decoder sits a bounded queue
// of preallocated buffers, so memory stays fixed: when a slow handler has
// filled it, the datagrams wait in the socket's receive buffer, and what
// overflows that is dropped and counted, never held in growing memory
// (see CollectorConfig.DropWhenFull).
//
// After Run returns the Collector is spent; a new one (a restart) starts
// with no templates: data sets that arrive before their exporter re-sends
// a template are held, then decoded or counted (Stats.Held, Replayed,
// Skipped[ReasonNoTemplate]), never decoded with a stale layout.
//
// Stats, Exporters and Totals are safe to call from any goroutine while
// Run works.
type Collector struct {
	cfg  CollectorConfig
	conn *net.UDPConn

	mu   sync.Mutex // guards dec and per
	dec  *Decoder
	per  map[netip.Addr]*ExporterCounters
	once bool
}

// Listen opens a UDP socket on addr ("127.0.0.1:2055", ":4739"; port 0
// picks a free one) for a Collector.
func Listen(addr string, cfg CollectorConfig) (*Collector, error) {
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.ReadBuffer <= 0 {
		cfg.ReadBuffer = DefaultReadBuffer
	}
	if cfg.MaxDatagram <= 0 || cfg.MaxDatagram > 65535 {
		cfg.MaxDatagram = DefaultMaxDatagram
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("flowrec: listen %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("flowrec: listen %q: %w", addr, err)
	}
	_ = conn.SetReadBuffer(cfg.ReadBuffer) // best effort: the kernel caps it
	return &Collector{
		cfg:  cfg,
		conn: conn,
		dec:  NewDecoder(cfg.Decoder),
		per:  map[netip.Addr]*ExporterCounters{},
	}, nil
}

// Addr returns the address the collector listens on.
func (c *Collector) Addr() net.Addr { return c.conn.LocalAddr() }

// Close closes the socket of a collector whose Run was never called.
func (c *Collector) Close() error { return c.conn.Close() }

type datagram struct {
	buf  []byte
	n    int
	from netip.Addr
	at   time.Time
}

// Run receives and decodes until ctx is done, calling handle with the
// records of each datagram, in order, from one goroutine. The slice and
// its records are reused after handle returns: copy what must outlive the
// call. When ctx ends Run stops reading at once (also while it waits for
// the decoder), lets the decoder finish the datagrams already queued,
// closes the socket and returns nil once handle's last call has returned;
// a read error of the socket ends it the same way and is returned.
func (c *Collector) Run(ctx context.Context, handle func([]Record)) error {
	c.mu.Lock()
	if c.once {
		c.mu.Unlock()
		return errors.New("flowrec: collector already run")
	}
	c.once = true
	c.mu.Unlock()

	// One more byte than MaxDatagram, so that a longer datagram shows.
	size := c.cfg.MaxDatagram + 1
	free := make(chan []byte, c.cfg.Queue)
	for range c.cfg.Queue {
		free <- make([]byte, size)
	}
	queue := make(chan datagram, c.cfg.Queue)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var recs []Record
		for g := range queue {
			c.mu.Lock()
			recs, _ = c.dec.Decode(recs[:0], g.from, g.buf[:g.n], g.at)
			c.mu.Unlock()
			free <- g.buf
			if len(recs) > 0 {
				handle(recs)
			}
		}
	}()
	stop := context.AfterFunc(ctx, func() { c.conn.Close() })
	defer stop()

	spare := make([]byte, size)
	var err error
	for {
		buf, ok := c.take(ctx, free)
		if !ok {
			break // ctx ended while the reader waited for the decoder
		}
		into := buf
		if into == nil {
			into = spare
		}
		n, from, rerr := c.conn.ReadFromUDPAddrPort(into)
		if rerr != nil {
			if buf != nil {
				free <- buf
			}
			if ctx.Err() == nil {
				err = fmt.Errorf("flowrec: receive: %w", rerr)
			}
			break
		}
		if buf == nil && c.cfg.DropWhenFull {
			// The queue was full before the read blocked; it may have
			// drained since.
			select {
			case buf = <-free:
				copy(buf[:n], spare[:n])
			default:
			}
		}
		addr := from.Addr().Unmap()
		c.mu.Lock()
		e := c.per[addr]
		if e == nil {
			e = &ExporterCounters{Exporter: addr}
			c.per[addr] = e
		}
		e.Packets++
		e.Bytes += uint64(n)
		switch {
		case buf == nil:
			e.QueueFull++
		case n > c.cfg.MaxDatagram:
			e.Oversize++
			free <- buf
			buf = nil
		}
		c.mu.Unlock()
		if buf != nil {
			queue <- datagram{buf: buf, n: n, from: addr, at: time.Now()}
		}
	}
	close(queue)
	<-done
	c.conn.Close()
	return err
}

// take returns a free buffer for the next datagram. When none is free (the
// decoder is behind) it waits for one, or for ctx to end (ok false), so
// that the datagrams that follow stay in the socket's receive buffer; with
// DropWhenFull it returns nil at once instead, and the caller reads into
// its spare buffer and drops.
func (c *Collector) take(ctx context.Context, free chan []byte) (buf []byte, ok bool) {
	select {
	case buf = <-free:
		return buf, true
	default:
	}
	if c.cfg.DropWhenFull {
		return nil, true
	}
	select {
	case buf = <-free:
		return buf, true
	case <-ctx.Done():
		return nil, false
	}
}

// Stats returns the decoder's counters over all exporters.
func (c *Collector) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dec.Stats()
}

// Exporters returns the counters of each exporter, by address.
func (c *Collector) Exporters() []ExporterCounters {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ExporterCounters, 0, len(c.per))
	for a, e := range c.per {
		v := *e
		v.Decoder, _ = c.dec.ExporterStats(a)
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Exporter.Less(out[j].Exporter) })
	return out
}

// Totals returns the counters summed over all exporters.
func (c *Collector) Totals() ExporterCounters {
	var t ExporterCounters
	for _, e := range c.Exporters() {
		t.Packets += e.Packets
		t.Bytes += e.Bytes
		t.QueueFull += e.QueueFull
		t.Oversize += e.Oversize
		t.Decoder.add(&e.Decoder)
	}
	return t
}
