package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/examples/internal/records"
)

// inOut checks that the alerts stream holds exactly one verdict for each
// of the n records published, agreeing with the bundle scored in this
// process, and prints the counts.
func inOut(t *testing.T, ctx context.Context, js jetstream.JetStream, lines [][]byte, p *Probe) Tally {
	t.Helper()
	return inOutFormat(t, ctx, js, Format{}, lines, p)
}

// inOutFormat is inOut of records in format f.
func inOutFormat(t *testing.T, ctx context.Context, js jetstream.JetStream, f Format, lines [][]byte, p *Probe) Tally {
	t.Helper()
	if err := waitDone(ctx, js, Names{}, uint64(len(lines)), 90*time.Second); err != nil {
		if c, cerr := js.Consumer(ctx, "FLOWS", "scorers"); cerr == nil {
			if ci, cerr := c.Info(ctx); cerr == nil {
				t.Logf("consumer scorers: %d pending, %d unacknowledged, %d redelivered, %d waiting pulls, delivered %d, acknowledged floor %d",
					ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting, ci.Delivered.Stream, ci.AckFloor.Stream)
			}
		}
		dumpScorers()
		require.NoError(t, err)
	}
	tl, err := Count(ctx, js, Names{})
	require.NoError(t, err)
	alerts, dead := reference(t, f, lines)
	pending, ackPending, redelivered := drained(t, ctx, js)
	st, err := js.Stream(ctx, "FLOWS")
	require.NoError(t, err)
	si, err := st.Info(ctx)
	require.NoError(t, err)
	t.Logf("in: %d records published (%d already held, %d publications repeated, %d refusals of a full stream)", p.Published, p.Duplicates, p.Retries, p.Full)
	t.Logf("out: %v", tl)
	t.Logf("consumer: %d pending, %d unacknowledged, %d redelivered; FLOWS holds %d records", pending, ackPending, redelivered, si.State.Msgs)
	assert.Equal(t, len(lines), p.Published, "records in, confirmed by the server")
	// Each record is stored once, except that a server killed with SIGKILL
	// may lose its de-duplication window: a publication repeated because
	// its confirmation was lost can then be stored twice. Its verdict is
	// still one (the alerts stream de-duplicates by record ID, below).
	assert.GreaterOrEqual(t, si.State.LastSeq, uint64(len(lines)), "records stored in FLOWS")
	assert.LessOrEqual(t, si.State.LastSeq, uint64(len(lines)+p.Retries), "records stored in FLOWS: at most the repeated publications twice")
	assert.Equal(t, len(lines), tl.Distinct, "verdicts out: every record has one")
	if tl.Summaries == 0 {
		assert.Equal(t, len(lines), tl.Messages, "one message per record")
		assert.Zero(t, tl.Repeated, "no record has two verdicts")
	}
	assert.Equal(t, alerts, tl.Attack, "alerts, as the bundle scores the records here")
	assert.Equal(t, dead, tl.Dead, "dead letters")
	assert.Equal(t, len(lines)-alerts-dead, tl.Benign)
	assert.Zero(t, pending, "records never delivered")
	assert.Zero(t, ackPending, "records delivered and never acknowledged")
	return tl
}

// TestFleet is the fleet at work on one server: two scorer processes share
// the work queue (B with -benign batch), a probe publishes 20,000 records
// of which some cannot be parsed; every record gets one verdict, the bad
// ones a dead letter with their parse error, acknowledged and never
// redelivered.
func TestFleet(t *testing.T) {
	ss := startServers(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, js := client(t, ctx, ss[0].URL())
	_, err := Setup{}.Ensure(ctx, js)
	require.NoError(t, err)
	a := startScorer(t, ss[0].URL(), "A", "-batch", "256", "-explain", "3")
	// B sends each batch's benign verdicts as one message.
	b := startScorer(t, ss[0].URL(), "B", "-batch", "256", "-benign", "batch", "-explain", "3")
	n := 20000
	if raceEnabled {
		n = 4000 // race-built scorers explain every alert slowly
	}
	lines, bad := testRecords(t, n, 400)
	require.Equal(t, n/400, bad)
	p, done := publish(ctx, js, "probe1", lines, 1024, 0)
	require.NoError(t, <-done)
	tl := inOut(t, ctx, js, lines, p)
	assert.Equal(t, bad, tl.Dead)
	assert.Equal(t, tl.Attack, tl.Explained, "every alert is explained")
	assert.Positive(t, tl.ByScorer["A"], "both scorers took records")
	assert.Positive(t, tl.ByScorer["B"], "both scorers took records")
	assert.Positive(t, tl.Summaries, "B's benign summaries")
	assert.Zero(t, tl.Repeated)
	require.NotEmpty(t, tl.DeadErrors)
	t.Logf("dead letters, first: %q", tl.DeadErrors)
	joined := strings.Join(tl.DeadErrors, "\n")
	assert.Contains(t, joined, "probe1-400: ")
	assert.Contains(t, joined, "column duration (byte 1): invalid number")

	// Publishing the same input again adds nothing: the flows stream
	// knows the IDs.
	p2, done := publish(ctx, js, "probe1", lines, 1024, 0)
	require.NoError(t, <-done)
	assert.Equal(t, len(lines), p2.Duplicates)
	a.stop()
	b.stop()
	assert.Contains(t, a.log.String(), "A: stopped: batches")
}

// TestFormats runs the fleet on CSV records (their header in the
// scorers' configuration, -header) and on JSON records: each good record
// gets the verdict its NSL-KDD line gets, and each bad one (a short row, a
// field that is not a number, an unknown or a missing field, broken JSON,
// a blank message) goes to the dead-letter subject with its parse error,
// acknowledged and never redelivered.
func TestFormats(t *testing.T) {
	good, _ := testRecords(t, 3000, 0)
	csvs, header := csvRecords(good)
	jsons := jsonRecords(t, good)
	badCSV := [][]byte{[]byte("not,a,record"), []byte("0,tcp,http,SF,abc" + strings.Repeat(",0", 36) + ",normal,21"), []byte("   ")}
	wantCSV := []string{"line has 3 fields, want 43", `column src_bytes (byte 15): invalid number "abc"`, "records: empty record"}
	badJSON := [][]byte{
		[]byte(`{"duration":0}`),
		bytes.Replace(jsons[0], []byte(`"duration":`), []byte(`"dur":`), 1),
		bytes.Replace(jsons[0], []byte(`"src_bytes":`), []byte(`"src_bytes":{"a":1},"x":`), 1),
		jsons[0][:len(jsons[0])-1],
		good[0],
	}
	wantJSON := []string{`field "protocol_type": records: missing field`, `field "dur": records: unknown field`,
		"column src_bytes: a nested object or array: records: JSON syntax", "want ',' or '}': records: JSON syntax", "byte 1: want an object"}
	for _, tc := range []struct {
		name string
		f    Format
		args []string
		recs [][]byte
		bad  [][]byte
		want []string
	}{
		{"csv", Format{Name: "csv", Header: header}, []string{"-format", "csv", "-header", header}, csvs, badCSV, wantCSV},
		{"json", Format{Name: "json"}, []string{"-format", "json"}, jsons, badJSON, wantJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := append([][]byte(nil), tc.recs...)
			for i, r := range tc.bad {
				recs[100*i+99] = r
			}
			_, dead := reference(t, tc.f, recs)
			require.Equal(t, len(tc.bad), dead, "bad records, as this process parses them")
			ss := startServers(t, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, js := client(t, ctx, ss[0].URL())
			_, err := Setup{}.Ensure(ctx, js)
			require.NoError(t, err)
			sa := startScorer(t, ss[0].URL(), "A", append([]string{"-batch", "128"}, tc.args...)...)
			sb := startScorer(t, ss[0].URL(), "B", append([]string{"-batch", "128", "-benign", "batch"}, tc.args...)...)
			p, done := publish(ctx, js, "probe", recs, 512, 0)
			require.NoError(t, <-done)
			tl := inOutFormat(t, ctx, js, tc.f, recs, p)
			assert.Equal(t, len(tc.bad), tl.Dead)
			t.Logf("dead letters: %q", tl.DeadErrors)
			byID := make(map[string]string)
			for _, e := range tl.DeadErrors {
				id, msg, _ := strings.Cut(e, ": ")
				byID[id] = msg
			}
			for i, w := range tc.want {
				id := "probe-" + strconv.Itoa(100*i+100)
				assert.Contains(t, byID[id], w, id)
			}
			sa.stop()
			sb.stop()
		})
	}
}

// TestScorerKilled kills a scorer with SIGKILL halfway through a batch,
// after it has put half the batch's verdicts and acknowledged nothing: its
// records go to the other scorer after AckWait, whose verdicts of the
// records already judged are de-duplicated by the alerts stream.
func TestScorerKilled(t *testing.T) {
	ss := startServers(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, js := client(t, ctx, ss[0].URL())
	_, err := Setup{AckWait: 4 * time.Second}.Ensure(ctx, js)
	require.NoError(t, err)
	lines, _ := testRecords(t, 10000, 1000)
	p, done := publish(ctx, js, "probe1", lines, 1024, 0)
	require.NoError(t, <-done)

	victim := startScorer(t, ss[0].URL(), "victim", "-batch", "200", "-hold", "1m")
	victim.waitLog(t, "holding a batch of", 30*time.Second)
	m := regexp.MustCompile(`holding a batch of (\d+) records after (\d+) verdicts`).FindStringSubmatch(victim.log.String())
	require.NotNil(t, m)
	size, _ := strconv.Atoi(m[1])
	held, _ := strconv.Atoi(m[2])
	require.Positive(t, held)
	// The victim's first verdicts are in the stream before the kill.
	_, err = waitVerdicts(ctx, js, Names{}, uint64(held), 10*time.Second)
	require.NoError(t, err)
	victim.kill()
	t.Logf("scorer victim killed with SIGKILL in the middle of a batch of %d, after putting %d verdicts", size, held)

	survivor := startScorer(t, ss[0].URL(), "survivor", "-batch", "200")
	tl := inOut(t, ctx, js, lines, p)
	// The victim may have finished (and acknowledged) a batch before the
	// one it died in.
	assert.GreaterOrEqual(t, tl.ByScorer["victim"], held, "the victim's verdicts before the kill stay, once")
	assert.Equal(t, len(lines), tl.ByScorer["survivor"]+tl.ByScorer["victim"])
	survivor.stop()
	// Those of the victim's records, at least (a slow survivor may see its
	// own records come back after AckWait too).
	m = regexp.MustCompile(`(\d+) verdicts already held`).FindStringSubmatch(survivor.log.String())
	require.NotNil(t, m, survivor.log.String())
	dup, _ := strconv.Atoi(m[1])
	assert.GreaterOrEqual(t, dup, held, "the survivor's verdicts of the victim's records were de-duplicated")
}

// TestServerRestart kills the server (SIGKILL) while a probe publishes and
// a scorer scores, and starts it again on the same file store: nothing is
// lost, and nothing is judged twice.
func TestServerRestart(t *testing.T) {
	ss := startServers(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, js := client(t, ctx, ss[0].URL())
	_, err := Setup{AckWait: 3 * time.Second}.Ensure(ctx, js)
	require.NoError(t, err)
	sc := startScorer(t, ss[0].URL(), "A", "-batch", "128")
	lines, _ := testRecords(t, 30000, 3000)
	// 30,000 records at 5,000 a second: the server dies while the probe
	// publishes and the scorer scores.
	p, done := publish(ctx, js, "probe1", lines, 250, 5000)
	_, err = waitVerdicts(ctx, js, Names{}, 3000, 60*time.Second)
	require.NoError(t, err)
	ss[0].Kill()
	t.Logf("server killed with SIGKILL after at least 3000 verdicts, while the probe publishes")
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, ss[0].Start())
	t.Logf("server started again on its file store")
	require.NoError(t, <-done)
	inOut(t, ctx, js, lines, p)
	sc.stop()
}

// TestClusterServerKilled runs the fleet on a three-server JetStream
// cluster with every stream and the consumer on three replicas, and kills
// the flows stream's leader (SIGKILL) mid-stream: the others elect a new
// leader, and scoring goes on without losing or doubling a record.
func TestClusterServerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-server cluster: not with -short")
	}
	if os.Getenv("FLEET_CLUSTER_TEST") == "" {
		// nats-server 2.9's failover after a SIGKILL of the stream leader
		// stalls now and then for longer than the test waits; .ci/run runs
		// this test on its own, up to three times.
		t.Skip("three-server failover: set FLEET_CLUSTER_TEST=1 to run it")
	}
	ss := startServers(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	all := urls(ss)
	_, js := client(t, ctx, all)
	var err error
	for ctx.Err() == nil {
		// The cluster accepts the streams once its meta leader is elected.
		if _, err = (Setup{Replicas: 3, AckWait: 3 * time.Second}).Ensure(ctx, js); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, err)
	startScorer(t, all, "A", "-batch", "128")
	startScorer(t, all, "B", "-batch", "128")
	lines, _ := testRecords(t, 20000, 2000)
	p, done := publish(ctx, js, "probe1", lines, 250, 5000)
	_, err = waitVerdicts(ctx, js, Names{}, 2000, 60*time.Second)
	require.NoError(t, err)

	st, err := js.Stream(ctx, "FLOWS")
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	require.NotNil(t, info.Cluster)
	leader := info.Cluster.Leader
	for _, s := range ss {
		if s.Name == leader {
			s.Kill()
			t.Logf("server %s, leader of FLOWS, killed with SIGKILL after at least 2000 verdicts", leader)
		}
	}
	require.NoError(t, <-done)
	inOut(t, ctx, js, lines, p)
	info, err = st.Info(ctx)
	require.NoError(t, err)
	t.Logf("FLOWS leader now %s, replicas %v", info.Cluster.Leader, len(info.Cluster.Replicas))
	assert.NotEqual(t, leader, info.Cluster.Leader)
}

// TestBackPressure runs a slow scorer beside a fast one with a small flows
// stream: the probe is refused when the stream is full and waits, the
// records delivered and unacknowledged never pass MaxAckPending, and no
// record is lost.
func TestBackPressure(t *testing.T) {
	ss := startServers(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, js := client(t, ctx, ss[0].URL())
	const maxFlows, maxAck = 1000, 300
	_, err := Setup{MaxFlows: maxFlows, MaxAckPending: maxAck}.Ensure(ctx, js)
	require.NoError(t, err)
	slow := startScorer(t, ss[0].URL(), "slow", "-batch", "100", "-hold", "300ms")
	fast := startScorer(t, ss[0].URL(), "fast", "-batch", "100")
	lines, _ := testRecords(t, 8000, 0)

	var mu sync.Mutex
	var maxMsgs uint64
	var maxPending int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		st, _ := js.Stream(ctx, "FLOWS")
		c, _ := js.Consumer(ctx, "FLOWS", "scorers")
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			si, err1 := st.Info(ctx)
			ci, err2 := c.Info(ctx)
			if err1 != nil || err2 != nil {
				continue
			}
			mu.Lock()
			maxMsgs = max(maxMsgs, si.State.Msgs)
			maxPending = max(maxPending, ci.NumAckPending)
			mu.Unlock()
		}
	}()
	p, done := publish(ctx, js, "probe1", lines, 512, 0)
	require.NoError(t, <-done)
	tl := inOut(t, ctx, js, lines, p)
	close(stop)
	wg.Wait()
	t.Logf("FLOWS held at most %d records (limit %d); at most %d unacknowledged (limit %d); the probe was refused %d times",
		maxMsgs, maxFlows, maxPending, maxAck, p.Full)
	assert.LessOrEqual(t, maxMsgs, uint64(maxFlows))
	assert.LessOrEqual(t, maxPending, maxAck)
	assert.Positive(t, p.Full, "the probe met a full stream and waited")
	assert.Greater(t, tl.ByScorer["fast"], tl.ByScorer["slow"], "the fast scorer did most of the work")
	slow.stop()
	fast.stop()
}

// TestVerdictJSON checks that verdict bodies are JSON whatever the IDs,
// labels and errors hold.
func TestVerdictJSON(t *testing.T) {
	b, _ := testBundle(t)
	s, err := NewScorer(b, Format{}, "scorer \"1\"\n")
	require.NoError(t, err)
	s.Explain = 3
	lines, _ := testRecords(t, 200, 0)
	for _, data := range append(lines, []byte("x,\"y\",\x00\xff"), []byte(strings.Repeat("a", records.MaxRecord+1))) {
		s.arena = s.arena[:0]
		_, start := s.verdict("id\t\"\\\u2028\xfe", 12345, data)
		body := s.arena[start:]
		require.True(t, json.Valid(body), "%s", body)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		assert.Equal(t, "id\t\"\\\u2028\ufffd", v["id"])
		assert.EqualValues(t, 12345, v["in"])
	}
}
