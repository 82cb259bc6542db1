package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Probe publishes flow records, one a line, to flows.NAME, each with the
// message ID NAME-LINE, so that a probe restarted on the same input
// publishes nothing twice (the flows stream de-duplicates the IDs it has
// seen). It publishes asynchronously, Window records at a time, and
// republishes, under the same ID, every record whose publication the server
// did not confirm (a server restarting, a leader moving, the flows stream
// full): no record is lost, and a fleet that falls behind slows the probe
// down instead of making the server buffer without bound.
type Probe struct {
	JS     jetstream.JetStream
	Name   string
	Window int // records in flight; 0 means 1024
	Rate   int // records/s offered at most; 0: as fast as the server takes them
	// Published is the records the server confirmed; Duplicates those it
	// already held; Retries the publications repeated.
	Published, Duplicates, Retries int
	// Full counts the refusals of a full flows stream (back-pressure).
	Full int
	Log  io.Writer
}

// Run publishes every non-blank line of r until the end or ctx is done.
func (p *Probe) Run(ctx context.Context, r io.Reader) error {
	if p.Window <= 0 {
		p.Window = 1024
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pend []*nats.Msg
	line := 0
	start, sent := time.Now(), 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		id := p.Name + "-" + strconv.Itoa(line)
		pend = append(pend, &nats.Msg{
			Subject: fmt.Sprintf(flowSubjectFmt, p.Name),
			Data:    slices.Clone(sc.Bytes()),
			Header:  nats.Header{jetstream.MsgIDHeader: []string{id}},
		})
		if len(pend) == p.Window {
			if err := p.publish(ctx, pend); err != nil {
				return err
			}
			pend = pend[:0]
			sent += p.Window
			if p.Rate > 0 {
				sleep(ctx, time.Until(start.Add(time.Duration(float64(sent)/float64(p.Rate)*float64(time.Second)))))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("probe %s: line %d: %w", p.Name, line+1, err)
	}
	return p.publish(ctx, pend)
}

// publish publishes msgs until the server has confirmed every one.
func (p *Probe) publish(ctx context.Context, msgs []*nats.Msg) error {
	wait := 20 * time.Millisecond
	for len(msgs) > 0 {
		futs := make([]jetstream.PubAckFuture, 0, len(msgs))
		var failed []*nats.Msg
		for i, m := range msgs {
			f, err := p.JS.PublishMsgAsync(m)
			if err != nil {
				failed = append(failed, msgs[i:]...)
				break
			}
			futs = append(futs, f)
		}
		var lastErr error
		for i, f := range futs {
			select {
			case ack := <-f.Ok():
				p.Published++
				if ack.Duplicate {
					p.Duplicates++
				}
			case err := <-f.Err():
				// The server's words when the flows stream is full
				// (MaxFlows, discard new).
				if strings.Contains(err.Error(), "maximum messages") || strings.Contains(err.Error(), "maximum bytes") {
					p.Full++
				}
				lastErr = err
				failed = append(failed, msgs[i])
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(failed) > 0 {
			p.Retries += len(failed)
			if p.Log != nil && lastErr != nil {
				fmt.Fprintf(p.Log, "probe %s: %d records to publish again: %v\n", p.Name, len(failed), lastErr)
			}
			sleep(ctx, wait)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = min(2*wait, time.Second)
		}
		msgs = failed
	}
	return nil
}

// Tally is what the alerts stream holds: one verdict per record scored.
type Tally struct {
	Messages int `json:"messages"` // messages in the stream
	Distinct int `json:"distinct"` // distinct record IDs among their verdicts
	// Repeated counts verdicts of a record already counted (possible
	// only for benign verdicts sent in summaries).
	Repeated int `json:"repeated"`
	// Summaries counts the messages that carry a batch's benign verdicts.
	Summaries int `json:"summaries"`
	Attack    int `json:"attack"`
	Benign    int `json:"benign"`
	Dead      int `json:"dead"`
	// Explained counts the alerts that carry an explanation.
	Explained int `json:"explained"`
	// Latency percentiles, from a flow's storing in the flows stream to
	// its verdict's storing in the alerts stream.
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	// First and Last are when the first and last verdicts were stored.
	First, Last time.Time `json:"-"`
	// ByScorer counts the verdicts of each scorer.
	ByScorer map[string]int `json:"by_scorer"`
	// DeadErrors holds the first few dead letters' errors.
	DeadErrors []string `json:"dead_errors,omitempty"`
}

// Records returns attack + benign + dead.
func (t Tally) Records() int { return t.Attack + t.Benign + t.Dead }

// Count reads every verdict of the alerts stream.
func Count(ctx context.Context, js jetstream.JetStream, n Names) (Tally, error) {
	n = n.withDefaults()
	t := Tally{ByScorer: map[string]int{}}
	st, err := js.Stream(ctx, n.Alerts)
	if err != nil {
		return t, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return t, err
	}
	total := int(info.State.Msgs)
	if total == 0 {
		return t, nil
	}
	// An ephemeral consumer of its own, in memory on one server, that
	// reads the stream once without acknowledgements and vanishes after.
	// On a cluster that has lost a server it may be placed on the lost
	// one: then it is made again, from where the last one stopped.
	var c jetstream.Consumer
	next := uint64(1)
	open := func() error {
		if c != nil {
			_ = st.DeleteConsumer(context.WithoutCancel(ctx), c.CachedInfo().Name)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var err error
		c, err = st.CreateConsumer(cctx, jetstream.ConsumerConfig{
			AckPolicy: jetstream.AckNonePolicy, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: next,
			InactiveThreshold: 30 * time.Second, MemoryStorage: true, Replicas: 1,
		})
		return err
	}
	attempts := 0
	for err := open(); err != nil; err = open() {
		if attempts++; attempts == 5 || ctx.Err() != nil {
			return t, fmt.Errorf("alerts stream: a consumer to read it: %w", err)
		}
	}
	defer func() { _ = st.DeleteConsumer(context.WithoutCancel(ctx), c.CachedInfo().Name) }()
	seen := make(map[string]struct{}, total)
	lat := make([]time.Duration, 0, total)
	type verdict struct {
		ID          string            `json:"id"`
		In          int64             `json:"in"`
		Scorer      string            `json:"scorer"`
		Error       string            `json:"error"`
		TopFeatures []json.RawMessage `json:"top_features"`
	}
	var v verdict
	var sum struct {
		Benign []verdict `json:"benign"`
	}
	// record counts one verdict, once per record ID.
	record := func(v *verdict, kind string, stored time.Time) {
		if _, dup := seen[v.ID]; dup {
			t.Repeated++
			return
		}
		seen[v.ID] = struct{}{}
		t.ByScorer[v.Scorer]++
		switch kind {
		case subjectAttack:
			t.Attack++
			if len(v.TopFeatures) > 0 {
				t.Explained++
			}
		case subjectBenign:
			t.Benign++
		case subjectDead:
			t.Dead++
			if len(t.DeadErrors) < 5 {
				t.DeadErrors = append(t.DeadErrors, v.ID+": "+v.Error)
			}
		}
		if v.In > 0 {
			lat = append(lat, stored.Sub(time.Unix(0, v.In)))
		}
	}
	for t.Messages < total {
		batch, err := c.Fetch(min(4096, total-t.Messages), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return t, err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			t.Messages++
			md, err := m.Metadata()
			if err != nil {
				return t, err
			}
			next = md.Sequence.Stream + 1
			if t.First.IsZero() || md.Timestamp.Before(t.First) {
				t.First = md.Timestamp
			}
			if md.Timestamp.After(t.Last) {
				t.Last = md.Timestamp
			}
			if m.Subject() == subjectBenign && bytes.HasPrefix(m.Data(), []byte(`{"benign":`)) {
				sum.Benign = sum.Benign[:0]
				if err := json.Unmarshal(m.Data(), &sum); err != nil {
					return t, fmt.Errorf("verdicts %d: %w", md.Sequence.Stream, err)
				}
				t.Summaries++
				for i := range sum.Benign {
					record(&sum.Benign[i], subjectBenign, md.Timestamp)
				}
				continue
			}
			v = verdict{}
			if err := json.Unmarshal(m.Data(), &v); err != nil {
				return t, fmt.Errorf("verdict %d: %w", md.Sequence.Stream, err)
			}
			record(&v, m.Subject(), md.Timestamp)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return t, err
		}
		if got == 0 {
			if attempts++; attempts >= 5 {
				return t, fmt.Errorf("alerts stream: read %d of %d messages, then nothing", t.Messages, total)
			}
			if err := open(); err != nil {
				return t, fmt.Errorf("alerts stream: a consumer to read it: %w", err)
			}
		}
	}
	t.Distinct = len(seen)
	if len(lat) > 0 {
		slices.Sort(lat)
		t.P50 = lat[len(lat)/2]
		t.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return t, nil
}

func (t Tally) String() string {
	return fmt.Sprintf("%d messages (%d of them benign summaries) hold verdicts for %d distinct records (%d repeated): %d alerts (%d explained), %d benign, %d dead letters; latency p50 %v, p99 %v; by scorer %v",
		t.Messages, t.Summaries, t.Distinct, t.Repeated, t.Attack, t.Explained, t.Benign, t.Dead, t.P50.Round(100*time.Microsecond), t.P99.Round(100*time.Microsecond), t.ByScorer)
}
