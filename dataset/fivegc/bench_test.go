package fivegc

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

// BenchmarkScanner reads the synthetic capture from memory through the
// packet layer and the decoders: messages per second, allocations per
// message (the reader's and the Scanner's, after the first pass).
func BenchmarkScanner(b *testing.B) {
	var buf bytes.Buffer
	_, err := WriteSynthetic(&buf, SynthConfig{Seed: 1, UEs: 30, Attacks: true})
	require.NoError(b, err)
	data := buf.Bytes()
	msgs := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := packet.NewReader(bytes.NewReader(data), "synthetic")
		if err != nil {
			b.Fatal(err)
		}
		s := NewScanner(r)
		for {
			_, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			msgs++
		}
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

// TestScannerAllocs: after the reader's buffers have grown, the Scanner
// allocates nothing per message.
func TestScannerAllocs(t *testing.T) {
	var buf bytes.Buffer
	_, err := WriteSynthetic(&buf, SynthConfig{Seed: 1, UEs: 10})
	require.NoError(t, err)
	r, err := packet.NewReader(bytes.NewReader(buf.Bytes()), "synthetic")
	require.NoError(t, err)
	s := NewScanner(r)
	for i := 0; i < 50; i++ { // warm up
		_, err := s.Next()
		require.NoError(t, err)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if !raceEnabled {
		require.Zero(t, n)
	}
}
