package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names is where the fleet lives on a JetStream server. The zero value
// means the defaults of each field.
type Names struct {
	Flows    string // the stream of flow records; "FLOWS"
	Alerts   string // the stream of verdicts; "ALERTS"
	Consumer string // the durable pull consumer the scorers share; "scorers"
}

func (n Names) withDefaults() Names {
	if n.Flows == "" {
		n.Flows = "FLOWS"
	}
	if n.Alerts == "" {
		n.Alerts = "ALERTS"
	}
	if n.Consumer == "" {
		n.Consumer = "scorers"
	}
	return n
}

// Subjects of the fleet: probes publish to flows.PROBE; scorers publish
// verdicts to alerts.attack, alerts.benign and, for records they cannot
// parse, the dead-letter subject alerts.dead.
const (
	flowSubjects   = "flows.>"
	alertSubjects  = "alerts.>"
	subjectAttack  = "alerts.attack"
	subjectBenign  = "alerts.benign"
	subjectDead    = "alerts.dead"
	flowSubjectFmt = "flows.%s"
)

// Setup is how the streams and the consumer are made.
type Setup struct {
	Names
	// Replicas is the number of servers holding each stream and the
	// consumer: 1 on one server, 3 on a three-server cluster. 0 means 1.
	Replicas int
	// MaxFlows bounds the records waiting in the flows stream: a probe
	// publishing past it is refused (and retries), so a fleet that falls
	// behind makes the probes wait instead of the server buffering
	// without bound. 0 means 1,000,000.
	MaxFlows int64
	// AckWait is how long a record delivered to a scorer may stay
	// unacknowledged before it is delivered again; 0 means 30 s.
	AckWait time.Duration
	// MaxAckPending bounds the records delivered and not yet acknowledged,
	// over all scorers; 0 means 8192.
	MaxAckPending int
	// Dedup is the window in which both streams de-duplicate message
	// IDs; 0 means 10 minutes. A record redelivered later than this after
	// its verdict would get a second verdict.
	Dedup time.Duration
	// Memory keeps the streams in memory instead of files (file storage is
	// the default: a restarted server loses nothing).
	Memory bool
}

// Ensure creates (or updates) the flows stream (a work queue: a record
// leaves it once a scorer acknowledges it), the alerts stream, and the
// scorers' durable pull consumer with explicit acknowledgement.
func (s Setup) Ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	n := s.Names.withDefaults()
	if s.Replicas <= 0 {
		s.Replicas = 1
	}
	if s.MaxFlows <= 0 {
		s.MaxFlows = 1_000_000
	}
	if s.AckWait <= 0 {
		s.AckWait = 30 * time.Second
	}
	if s.MaxAckPending <= 0 {
		s.MaxAckPending = 8192
	}
	if s.Dedup <= 0 {
		s.Dedup = 10 * time.Minute
	}
	storage := jetstream.FileStorage
	if s.Memory {
		storage = jetstream.MemoryStorage
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: n.Flows, Subjects: []string{flowSubjects}, Retention: jetstream.WorkQueuePolicy,
		MaxMsgs: s.MaxFlows, Discard: jetstream.DiscardNew, Storage: storage, Replicas: s.Replicas,
		Duplicates: s.Dedup, MaxMsgSize: 1 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", n.Flows, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: n.Alerts, Subjects: []string{alertSubjects}, Retention: jetstream.LimitsPolicy,
		Storage: storage, Replicas: s.Replicas, Duplicates: s.Dedup,
	})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", n.Alerts, err)
	}
	c, err := js.CreateOrUpdateConsumer(ctx, n.Flows, jetstream.ConsumerConfig{
		Durable: n.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: s.AckWait,
		MaxAckPending: s.MaxAckPending, DeliverPolicy: jetstream.DeliverAllPolicy, Replicas: s.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", n.Consumer, err)
	}
	return c, nil
}

// connect connects to the servers at urls (comma separated), reconnecting
// for as long as it takes.
func connect(urls, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(urls, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, nil, fmt.Errorf("-nats %s: %w", urls, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(16384), jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

var errClosed = errors.New("fleet: source closed")

// linger is how long Next waits for one more record before it returns a
// batch that is not full.
const linger = time.Millisecond

// jsSource is a Source over the scorers' durable pull consumer: Consume
// keeps pull requests of at most batch records outstanding and hands the
// records to Next through a channel of batch slots, so a scorer holds at
// most three batches (the client's buffer, the channel, the batch it
// scores) whatever the backlog.
type jsSource struct {
	c     jetstream.Consumer
	cc    jetstream.ConsumeContext
	ch    chan jetstream.Msg
	onErr func(error)
	size  int
	batch jsBatch
}

// idleRestart is how long Next waits without a record before it starts
// pulling afresh: pull requests a restarted server never saw are otherwise
// waited for until the client notices missing heartbeats.
const idleRestart = 5 * time.Second

func newJSSource(ctx context.Context, js jetstream.JetStream, n Names, batch int, onErr func(error)) (*jsSource, error) {
	n = n.withDefaults()
	c, err := js.Consumer(ctx, n.Flows, n.Consumer)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", n.Consumer, n.Flows, err)
	}
	s := &jsSource{c: c, ch: make(chan jetstream.Msg, batch), onErr: onErr, size: batch}
	return s, s.consume()
}

// consume starts pulling. A message already in the channel from an
// earlier Consume stays valid: its acknowledgement goes to its own reply
// subject.
func (s *jsSource) consume() error {
	cc, err := s.c.Consume(func(m jetstream.Msg) { s.ch <- m },
		jetstream.PullMaxMessages(s.size),
		jetstream.PullExpiry(5*time.Second),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if s.onErr != nil {
				s.onErr(err)
			}
		}))
	if err != nil {
		return err
	}
	s.cc = cc
	return nil
}

// Stop stops pulling; records held and not acknowledged are redelivered
// to other scorers after AckWait.
func (s *jsSource) Stop() { s.cc.Stop() }

func (s *jsSource) Next(ctx context.Context, max int) (Batch, error) {
	b := &s.batch
	b.msgs = b.msgs[:0]
	idle := time.NewTimer(idleRestart)
	defer idle.Stop()
	for len(b.msgs) == 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.cc.Closed():
			return nil, errClosed
		case m := <-s.ch:
			b.msgs = append(b.msgs, m)
		case <-idle.C:
			s.cc.Stop()
			if err := s.consume(); err != nil {
				return nil, err
			}
			idle.Reset(idleRestart)
		}
	}
	// Then what has come, and what comes within linger of the last
	// record: a pull's records arrive in several packets.
	var timer *time.Timer
	for len(b.msgs) < max {
		select {
		case m := <-s.ch:
			b.msgs = append(b.msgs, m)
			continue
		default:
		}
		if timer == nil {
			timer = time.NewTimer(linger)
			defer timer.Stop()
		} else {
			timer.Reset(linger)
		}
		select {
		case m := <-s.ch:
			b.msgs = append(b.msgs, m)
			continue
		case <-timer.C:
		case <-ctx.Done():
		}
		break
	}
	return b, nil
}

// jsBatch is a Batch of JetStream messages.
type jsBatch struct {
	msgs []jetstream.Msg
}

func (b *jsBatch) Len() int { return len(b.msgs) }

func (b *jsBatch) Record(i int) (string, int64, []byte) {
	m := b.msgs[i]
	var stored int64
	var seq uint64
	if md, err := m.Metadata(); err == nil {
		stored, seq = md.Timestamp.UnixNano(), md.Sequence.Stream
	}
	id := m.Headers().Get(jetstream.MsgIDHeader)
	if id == "" {
		// A record published without an ID is known by its place in the
		// stream, which a redelivery keeps.
		id = "seq-" + strconv.FormatUint(seq, 10)
	}
	return id, stored, m.Data()
}

func (b *jsBatch) Ack() error {
	var first error
	for _, m := range b.msgs {
		if err := m.Ack(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (b *jsBatch) Nak() error {
	var first error
	for _, m := range b.msgs {
		if err := m.Nak(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// jsSink is a Sink into the alerts stream: every verdict is published
// asynchronously with its record's ID as the message ID (which the stream
// de-duplicates), and Flush waits for the server's acknowledgement of each.
//
// With BenignBatch, the benign verdicts of a batch go out as one message
// on alerts.benign instead of one each ({"benign":[verdict, ...]}, with
// the message ID "benign:FIRST..LAST:N"): half the messages on NSL-KDD, at
// the price that a record redelivered in another batch may have its benign
// verdict in two such messages (Count counts distinct IDs). Alerts and
// dead letters are one message each, de-duplicated, in both modes.
type jsSink struct {
	js          jetstream.JetStream
	BenignBatch bool
	futs        []jetstream.PubAckFuture
	sum         []byte
	sumN        int
	sumFirst    string
	sumLast     string
}

// maxSummary is the size at which a summary of benign verdicts is sent
// before the batch ends (the server's default payload limit is 1 MiB).
const maxSummary = 512 << 10

func (s *jsSink) Put(k Kind, id string, body []byte) error {
	if k == Benign && s.BenignBatch {
		if s.sumN == 0 {
			s.sum = append(make([]byte, 0, 64<<10), `{"benign":[`...)
			s.sumFirst = id
		} else {
			s.sum = append(s.sum, ',')
		}
		s.sum = append(s.sum, body...)
		s.sumN++
		s.sumLast = id
		if len(s.sum) > maxSummary {
			return s.sendSummary()
		}
		return nil
	}
	subj := subjectBenign
	switch k {
	case Alert:
		subj = subjectAttack
	case Dead:
		subj = subjectDead
	}
	return s.publish(subj, id, body)
}

func (s *jsSink) publish(subj, id string, body []byte) error {
	m := &nats.Msg{Subject: subj, Data: body, Header: nats.Header{jetstream.MsgIDHeader: []string{id}}}
	f, err := s.js.PublishMsgAsync(m)
	if err != nil {
		return err
	}
	s.futs = append(s.futs, f)
	return nil
}

func (s *jsSink) sendSummary() error {
	if s.sumN == 0 {
		return nil
	}
	s.sum = append(s.sum, "]}"...)
	id := "benign:" + s.sumFirst + ".." + s.sumLast + ":" + strconv.Itoa(s.sumN)
	body := s.sum
	s.sum, s.sumN = nil, 0
	return s.publish(subjectBenign, id, body)
}

func (s *jsSink) Flush(ctx context.Context) (int, error) {
	var dup int
	first := s.sendSummary()
	for _, f := range s.futs {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				dup++
			}
		case err := <-f.Err():
			if first == nil {
				first = err
			}
		case <-ctx.Done():
			if first == nil {
				first = ctx.Err()
			}
		}
	}
	clear(s.futs)
	s.futs = s.futs[:0]
	return dup, first
}
