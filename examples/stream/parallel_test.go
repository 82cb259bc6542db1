package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamWorkersSameOutput: explaining alerts on workers writes the same
// bytes, in the same order, as explaining them inline, with and without
// -all, bad lines included.
func TestStreamWorkersSameOutput(t *testing.T) {
	path := testBundle(t)
	var in strings.Builder
	for i, l := range testLines[:400] {
		in.WriteString(l + "\n")
		if i == 57 {
			in.WriteString("not,a,record\n")
		}
	}
	for _, all := range []bool{false, true} {
		var want, wantErr bytes.Buffer
		cfg := config{Bundle: path, Format: "nslkdd", Top: 3, All: all, Workers: 1, Name: "w"}
		wsum, err := run(context.Background(), cfg, strings.NewReader(in.String()), &want, &wantErr)
		require.NoError(t, err)
		require.NotZero(t, wsum.Alerts)
		for _, w := range []int{2, 4, 16} {
			var got, gotErr bytes.Buffer
			cfg.Workers = w
			sum, err := run(context.Background(), cfg, strings.NewReader(in.String()), &got, &gotErr)
			require.NoError(t, err)
			assert.Equal(t, want.String(), got.String(), "-workers %d -all=%v", w, all)
			assert.Equal(t, wantErr.String(), gotErr.String(), "-workers %d -all=%v: stderr", w, all)
			assert.Equal(t, wsum, sum)
		}
	}
}

// TestStreamWorkersFlushWhileWaiting: with workers, an alert still comes out
// while the input stays open.
func TestStreamWorkersFlushWhileWaiting(t *testing.T) {
	path := testBundle(t)
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	out := &notifyWriter{ch: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		cfg := config{Bundle: path, Format: "nslkdd", Top: 3, All: true, Workers: 4, Name: "pipe"}
		_, err := run(context.Background(), cfg, pr, out, io.Discard)
		done <- err
	}()
	_, err := io.WriteString(pw, strings.Join(testLines[:3], "\n")+"\n")
	require.NoError(t, err)
	deadline := time.After(10 * time.Second)
	for out.lines() < 3 {
		select {
		case <-out.ch:
		case err := <-done:
			t.Fatalf("run ended before the input: %v", err)
		case <-deadline:
			t.Fatalf("%d lines written while waiting for input, want 3", out.lines())
		}
	}
	require.NoError(t, pw.Close())
	require.NoError(t, <-done)
	assert.Equal(t, 3, out.lines())
}
