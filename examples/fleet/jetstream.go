package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
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
	seq, stored, _ := ackMetadata(m.Reply())
	var id string
	if v := m.Headers()[jetstream.MsgIDHeader]; len(v) > 0 {
		id = v[0]
	}
	if id == "" {
		// A record published without an ID is known by its place in the
		// stream, which a redelivery keeps.
		id = "seq-" + strconv.FormatUint(seq, 10)
	}
	return id, stored, m.Data()
}

// ackMetadata reads the stream sequence and the storing time (Unix
// nanoseconds) of a JetStream message from its reply subject, without
// allocating (jetstream.Msg.Metadata makes a slice of its tokens and a
// struct). The subject is
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>,
// or with the domain and the account hash after ACK and, since
// nats-server 2.10, a random token at the end.
func ackMetadata(reply string) (seq uint64, stored int64, ok bool) {
	var tok [12]string
	n := 0
	start := 0
	for i := 0; i <= len(reply); i++ {
		if i == len(reply) || reply[i] == '.' {
			if n == len(tok) {
				return 0, 0, false
			}
			tok[n] = reply[start:i]
			n++
			start = i + 1
		}
	}
	if tok[0] != "$JS" || tok[1] != "ACK" {
		return 0, 0, false
	}
	var sseq, tm string
	switch {
	case n == 9:
		sseq, tm = tok[5], tok[7]
	case n >= 11:
		sseq, tm = tok[7], tok[9]
	default:
		return 0, 0, false
	}
	seq, err1 := strconv.ParseUint(sseq, 10, 64)
	ts, err2 := strconv.ParseInt(tm, 10, 64)
	if err1 != nil || err2 != nil || ts < 0 {
		return 0, 0, false
	}
	return seq, ts, true
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

// jsSink is a Sink into the alerts stream: every verdict is published with
// its record's ID as the message ID (which the stream de-duplicates) and a
// reply subject on which the server acknowledges it once it is stored, and
// Flush waits until the server has acknowledged every verdict put since
// the last Flush, or a verdict was refused, or Timeout has passed.
//
// The publications of one flush share one reply subject, INBOX.GEN, GEN
// counting the flushes: a server sends one acknowledgement per
// publication, so a flush that has counted as many acknowledgements (each
// with no error) on its subject as it made publications has every verdict
// durable, in whatever order they came. An acknowledgement of an earlier
// flush (one that timed out) arrives on an earlier subject and is not
// counted. This costs no reply subject, future, timer or channel per
// verdict, and the server routes all acknowledgements of a flush through
// one cached subject.
//
// With BenignBatch, the benign verdicts of a batch go out as one message
// on alerts.benign instead of one each ({"benign":[verdict, ...]}, with
// the message ID "benign:FIRST..LAST:N"): half the messages on NSL-KDD, at
// the price that a record redelivered in another batch may have its benign
// verdict in two such messages (Count counts distinct IDs). Alerts and
// dead letters are one message each, de-duplicated, in both modes.
//
// A jsSink is used by one goroutine; the acknowledgements are counted on
// the connection's subscription goroutine.
type jsSink struct {
	nc          *nats.Conn
	stream      string // the alerts stream, which every acknowledgement names
	BenignBatch bool
	// Timeout bounds how long Flush waits for the acknowledgements; the
	// batch is then not acknowledged and comes again. 0 means 10 s.
	Timeout time.Duration

	sub    *nats.Subscription
	inbox  string // INBOX. (the subscription is to INBOX.*)
	msg    nats.Msg
	id     []string // the value of the message ID header of msg
	sent   int      // publications since the last Flush
	quoted string   // the alerts stream's name as a JSON string

	mu    sync.Mutex
	gen   uint64 // the flush being counted
	reply string // inbox + gen
	acked int    // acknowledgements of gen
	dup   int    // of which duplicates
	err   error  // the first refusal of gen
	want  int    // acknowledgements Flush waits for; -1 while putting
	done  chan struct{}

	sum      []byte
	sumN     int
	sumFirst string
	sumLast  string
}

// newJSSink subscribes to the acknowledgements of the verdicts it will
// publish into the alerts stream of n.
func newJSSink(nc *nats.Conn, n Names, benignBatch bool) (*jsSink, error) {
	n = n.withDefaults()
	s := &jsSink{
		nc: nc, stream: n.Alerts, BenignBatch: benignBatch, inbox: nc.NewInbox() + ".",
		id: []string{""}, want: -1, done: make(chan struct{}, 1),
	}
	s.quoted = strconv.Quote(n.Alerts)
	s.msg.Header = nats.Header{jetstream.MsgIDHeader: s.id}
	s.reply = s.inbox + "0"
	sub, err := nc.Subscribe(s.inbox+"*", s.onAck)
	if err != nil {
		return nil, fmt.Errorf("acknowledgements of verdicts: %w", err)
	}
	// A flush may wait for as many acknowledgements as a batch has
	// verdicts, all queued at once.
	if err := sub.SetPendingLimits(-1, 256<<20); err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	s.sub = sub
	return s, nil
}

// Close stops listening for acknowledgements.
func (s *jsSink) Close() error { return s.sub.Unsubscribe() }

// onAck counts one acknowledgement of a verdict.
func (s *jsSink) onAck(m *nats.Msg) {
	gen, perr := strconv.ParseUint(m.Subject[min(len(s.inbox), len(m.Subject)):], 10, 64)
	ok := perr == nil
	dup, err := s.parseAck(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok || gen != s.gen {
		return // an earlier flush's, which gave up on it
	}
	s.acked++
	if dup {
		s.dup++
	}
	if err != nil && s.err == nil {
		s.err = err
	}
	if s.want >= 0 && (s.acked >= s.want || err != nil) {
		select {
		case s.done <- struct{}{}:
		default:
		}
	}
}

// pubAck is the server's answer to a publication into a stream.
type pubAck struct {
	Stream    string `json:"stream"`
	Seq       uint64 `json:"seq"`
	Duplicate bool   `json:"duplicate"`
	Error     *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
}

// parseAck reads an acknowledgement: whether the stream already held the
// verdict, or why it refused it. The two answers of a stream without a
// domain are matched without decoding JSON, {"stream":"ALERTS","seq":N}
// and {"stream":"ALERTS","seq":N,"duplicate":true}, with white space
// anywhere between the tokens (nats-server 2.9 writes some); anything else
// is decoded.
func (s *jsSink) parseAck(m *nats.Msg) (dup bool, err error) {
	d := m.Data
	if len(d) == 0 {
		// No stream took the publication (a status message, such as 503
		// no responders while a cluster elects a leader).
		return false, fmt.Errorf("verdict not stored: status %q %s", m.Header.Get("Status"), m.Header.Get("Description"))
	}
	if dup, ok := s.quickAck(d); ok {
		return dup, nil
	}
	var a pubAck
	if err := json.Unmarshal(d, &a); err != nil {
		return false, fmt.Errorf("verdict acknowledgement %q: %w", d, err)
	}
	switch {
	case a.Error != nil:
		return false, fmt.Errorf("verdict refused: %s (code %d, error code %d)", a.Error.Description, a.Error.Code, a.Error.ErrCode)
	case a.Stream != s.stream || a.Seq == 0:
		return false, fmt.Errorf("verdict acknowledgement %q: not from stream %s", d, s.stream)
	}
	return a.Duplicate, nil
}

// quickAck matches the acknowledgements of a stored verdict and of a
// duplicate; ok is false for anything else.
func (s *jsSink) quickAck(d []byte) (dup, ok bool) {
	r := jsonScan(d)
	if !r.lit("{") || !r.lit(`"stream"`) || !r.lit(":") || !r.lit(s.quoted) || !r.lit(",") ||
		!r.lit(`"seq"`) || !r.lit(":") || !r.digits() {
		return false, false
	}
	if r.lit("}") {
		return false, r.end()
	}
	if r.lit(",") && r.lit(`"duplicate"`) && r.lit(":") && r.lit("true") && r.lit("}") {
		return true, r.end()
	}
	return false, false
}

// jsonScan matches JSON tokens in order, skipping white space.
type jsonScan []byte

func (r *jsonScan) skip() {
	b := *r
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	*r = b
}

// lit consumes the literal tok.
func (r *jsonScan) lit(tok string) bool {
	r.skip()
	if !bytes.HasPrefix(*r, []byte(tok)) {
		return false
	}
	*r = (*r)[len(tok):]
	return true
}

// digits consumes a positive decimal integer.
func (r *jsonScan) digits() bool {
	r.skip()
	b := *r
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || b[0] == '0' {
		return false
	}
	*r = b[i:]
	return true
}

// end reports whether only white space is left.
func (r *jsonScan) end() bool {
	r.skip()
	return len(*r) == 0
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

// publish sends one verdict. The client copies the message into its
// buffer before PublishMsg returns, so one message and one header serve
// every publication.
func (s *jsSink) publish(subj, id string, body []byte) error {
	s.msg.Subject, s.msg.Reply, s.msg.Data = subj, s.reply, body
	s.id[0] = id
	err := s.nc.PublishMsg(&s.msg)
	s.msg.Data = nil
	if err != nil {
		return err
	}
	s.sent++
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
	first := s.sendSummary()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s.mu.Lock()
	s.want = s.sent
	waiting := s.acked < s.want && s.err == nil
	s.mu.Unlock()
	if waiting {
		t := time.NewTimer(timeout)
		select {
		case <-s.done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	s.mu.Lock()
	acked, dup, err := s.acked, s.dup, s.err
	// Whatever comes later for this flush is not counted.
	s.gen++
	s.reply = s.inbox + strconv.FormatUint(s.gen, 10)
	s.acked, s.dup, s.err, s.want = 0, 0, nil, -1
	select {
	case <-s.done:
	default:
	}
	s.mu.Unlock()
	want := s.sent
	s.sent = 0
	switch {
	case first != nil:
	case err != nil:
		first = err
	case acked < want && ctx.Err() != nil:
		first = fmt.Errorf("%d of %d verdicts acknowledged: %w", acked, want, ctx.Err())
	case acked < want:
		first = fmt.Errorf("%d of %d verdicts acknowledged after %v", acked, want, timeout)
	}
	return dup, first
}
