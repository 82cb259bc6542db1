package main

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
)

func TestParseAck(t *testing.T) {
	s := &jsSink{stream: "ALERTS", quoted: `"ALERTS"`}
	for _, c := range []struct {
		name, body string
		dup, err   bool
	}{
		{"stored, 2.9", `{"stream":"ALERTS", "seq":1}`, false, false},
		{"stored, 2.10", `{"stream":"ALERTS","seq":12}`, false, false},
		{"duplicate, 2.9", `{"stream":"ALERTS", "seq":2,"duplicate": true}`, true, false},
		{"duplicate, 2.10", `{"stream":"ALERTS","seq":2,"duplicate":true}`, true, false},
		{"domain", `{"stream":"ALERTS","domain":"hub","seq":3}`, false, false},
		{"other stream", `{"stream":"FLOWS","seq":3}`, false, true},
		{"no sequence", `{"stream":"ALERTS"}`, false, true},
		{"error", `{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}`, false, true},
		{"broken", `{"stream":"ALERTS","seq":`, false, true},
		{"empty", ``, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dup, err := s.parseAck(&nats.Msg{Data: []byte(c.body), Header: nats.Header{"Status": []string{"503"}}})
			assert.Equal(t, c.dup, dup)
			assert.Equal(t, c.err, err != nil, "%v", err)
		})
	}
}

func TestAckMetadata(t *testing.T) {
	for _, c := range []struct {
		name, reply string
		seq         uint64
		stored      int64
		ok          bool
	}{
		{"v1", "$JS.ACK.FLOWS.scorers.1.42.7.1700000000000000000.3", 42, 1700000000000000000, true},
		{"v2", "$JS.ACK._.ACCHASH.FLOWS.scorers.1.43.8.1700000000000000001.0.rnd", 43, 1700000000000000001, true},
		{"v2 without token", "$JS.ACK._.ACCHASH.FLOWS.scorers.1.44.8.5.0", 44, 5, true},
		{"not an ack", "_INBOX.x.y", 0, 0, false},
		{"short", "$JS.ACK.FLOWS.scorers.1.42.7.1", 0, 0, false},
		{"not a number", "$JS.ACK.FLOWS.scorers.1.x.7.1.3", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			seq, stored, ok := ackMetadata(c.reply)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.seq, seq)
			assert.Equal(t, c.stored, stored)
		})
	}
}
