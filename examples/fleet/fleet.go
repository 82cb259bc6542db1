package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/records"
)

// Source is where a scorer takes its records from: a work queue shared by
// every scorer of the fleet, each record delivered to one scorer at a time
// and redelivered when it is not acknowledged in time (a JetStream durable
// pull consumer here; a Kafka consumer group would fit as well).
type Source interface {
	// Next waits for at least one record (until ctx is done) and returns
	// at most max of them, or an error.
	Next(ctx context.Context, max int) (Batch, error)
}

// Batch is the records of one Next, held by the scorer until it
// acknowledges them.
type Batch interface {
	// Len returns the number of records.
	Len() int
	// Record returns record i: its ID (the message ID the probe gave it),
	// the time the source stored it (Unix nanoseconds, 0 if unknown) and
	// its bytes, valid until Ack or Nak.
	Record(i int) (id string, stored int64, data []byte)
	// Ack acknowledges every record: the source will not deliver them
	// again.
	Ack() error
	// Nak asks for every record to be delivered again soon (the scorer
	// could not make their verdicts durable).
	Nak() error
}

// Kind says what a verdict is.
type Kind uint8

// The kinds of verdict.
const (
	Alert  Kind = iota // the record is an attack
	Benign             // the record is benign
	Dead               // the record could not be parsed
)

func (k Kind) String() string {
	switch k {
	case Alert:
		return "attack"
	case Benign:
		return "benign"
	case Dead:
		return "dead"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Sink is where a scorer puts its verdicts: durably, each under its
// record's ID, so that the verdict of a redelivered record replaces
// nothing and adds nothing (a JetStream stream with de-duplication by
// message ID here; an idempotent Kafka producer would fit as well).
type Sink interface {
	// Put queues the verdict of record id. body must stay unchanged until
	// Flush returns.
	Put(k Kind, id string, body []byte) error
	// Flush waits until every verdict put since the last Flush is durable,
	// and returns how many of them the sink already held (verdicts of
	// redelivered records).
	Flush(ctx context.Context) (duplicates int, err error)
}

// Stats counts what a scorer did. Its fields are updated atomically.
type Stats struct {
	Batches    atomic.Int64
	Records    atomic.Int64 // records taken from the source
	Alerts     atomic.Int64
	Benign     atomic.Int64
	Dead       atomic.Int64
	Duplicates atomic.Int64 // verdicts the sink already held
	Failures   atomic.Int64 // batches not acknowledged (their verdicts were not made durable)
}

func (s *Stats) String() string {
	return fmt.Sprintf("batches %d, records %d: %d alerts, %d benign, %d dead letters; %d verdicts already held, %d failed batches",
		s.Batches.Load(), s.Records.Load(), s.Alerts.Load(), s.Benign.Load(), s.Dead.Load(), s.Duplicates.Load(), s.Failures.Load())
}

// Scorer scores batches of records with a bundle: it parses each record,
// scores it, explains the alerts (Explain > 0), puts one verdict per record
// in the sink (an alert, a benign verdict, or a dead letter with the parse
// error), waits until the sink holds them durably, and only then
// acknowledges the batch. A scorer killed at any point leaves its records
// unacknowledged, so the source delivers them to another scorer, whose
// verdicts the sink de-duplicates: at-least-once delivery, exactly one
// verdict per record.
//
// A Scorer is used by one goroutine; a fleet is many scorers, usually one
// per process.
type Scorer struct {
	Bundle  *bundle.Bundle
	Name    string // the scorer's name, in its verdicts
	Explain int    // raw columns to explain each alert with; 0: none
	// Hold, if positive, makes the scorer stop for that long halfway
	// through putting the verdicts of a batch of two records or more,
	// before it flushes (for the fault tests: a scorer killed there has put
	// half its verdicts and acknowledged nothing).
	Hold time.Duration
	Log  io.Writer // progress and failures; nil: none
	Stats

	parser records.Parser
	row    dataset.Row
	arena  []byte
	spans  [][2]int
	top    []bundle.Contribution
}

// NewScorer returns a scorer of records in format f with bundle b. Lines
// (nslkdd, kdd99) must be of the schema b's pipeline was fitted on; CSV
// and JSON records name the columns of that schema.
func NewScorer(b *bundle.Bundle, f Format, name string) (*Scorer, error) {
	p, err := f.parser(b)
	if err != nil {
		return nil, err
	}
	return &Scorer{Bundle: b, Name: name, parser: p}, nil
}

// Run takes batches of at most batch records from src and scores them into
// sink until ctx is done (it then returns nil) or the source fails for
// good. A batch whose verdicts the sink could not make durable is not
// acknowledged (it is redelivered) and Run goes on.
func (s *Scorer) Run(ctx context.Context, src Source, sink Sink, batch int) error {
	for ctx.Err() == nil {
		b, err := src.Next(ctx, batch)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.logf("next batch: %v", err)
			if errors.Is(err, errClosed) {
				return err
			}
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		// A batch taken is finished even when ctx ends (SIGTERM): its
		// verdicts are flushed and it is acknowledged, within a bound.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err = s.Score(sctx, b, sink)
		cancel()
		if err != nil {
			s.Failures.Add(1)
			s.logf("batch of %d not acknowledged (it will be redelivered): %v", b.Len(), err)
			_ = b.Nak()
		}
	}
	return nil
}

// Score scores one batch into sink and acknowledges it once the sink holds
// every verdict durably.
func (s *Scorer) Score(ctx context.Context, b Batch, sink Sink) error {
	n := b.Len()
	s.arena = s.arena[:0]
	s.spans = s.spans[:0]
	half := n / 2
	for i := range n {
		if i == half && n > 1 && s.Hold > 0 {
			s.logf("holding a batch of %d records after %d verdicts for %v", n, i, s.Hold)
			sleep(ctx, s.Hold)
		}
		id, stored, data := b.Record(i)
		k, start := s.verdict(id, stored, data)
		if err := sink.Put(k, id, s.arena[start:len(s.arena):len(s.arena)]); err != nil {
			_, _ = sink.Flush(ctx)
			s.arena = nil
			return err
		}
	}
	dup, err := sink.Flush(ctx)
	if err != nil {
		// A verdict the sink may still hold (and resend) keeps its bytes:
		// the next batch starts a new arena.
		s.arena = nil
		return err
	}
	if err := b.Ack(); err != nil {
		// The verdicts are durable; the records will come again and be
		// de-duplicated.
		return fmt.Errorf("ack: %w", err)
	}
	s.Batches.Add(1)
	s.Records.Add(int64(n))
	s.Duplicates.Add(int64(dup))
	return nil
}

// verdict scores one record and appends its verdict's body to the arena,
// returning the verdict's kind and where its body starts. The arena is
// only appended to within a batch: earlier bodies stay valid for the sink
// even when it grows.
func (s *Scorer) verdict(id string, stored int64, data []byte) (Kind, int) {
	start := len(s.arena)
	if err := s.parser.Parse(data, &s.row); err != nil {
		s.Dead.Add(1)
		s.arena = appendDead(s.arena, id, stored, s.Name, err, data)
		return Dead, start
	}
	r, err := s.Bundle.ScoreRow(&s.row)
	if err == nil && r.Attack && s.Explain > 0 {
		r, err = s.Bundle.ExplainRowTo(&s.row, s.Explain, s.top)
		s.top = r.TopFeatures
	}
	if err != nil {
		s.Dead.Add(1)
		s.arena = appendDead(s.arena, id, stored, s.Name, err, data)
		return Dead, start
	}
	k := Benign
	if r.Attack {
		k = Alert
		s.Alerts.Add(1)
	} else {
		s.Benign.Add(1)
	}
	s.arena = appendVerdict(s.arena, id, stored, s.Name, s.row.Label, &r)
	return k, start
}

func (s *Scorer) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, "%s: "+format+"\n", append([]any{s.Name}, args...)...)
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
