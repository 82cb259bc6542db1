package fivegc

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// feed adds every event of s to tr, up to the end of the capture, and
// flushes tr.
func feed(t testing.TB, s *Scanner, tr *Tracker) {
	t.Helper()
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		tr.Add(ev)
	}
	tr.Flush()
}

// committedCapture checks that testdata/name holds got, what the encoders
// write (WRITE_SEEDS=1 rewrites the file), and returns the file's path.
func committedCapture(t testing.TB, name string, got []byte) string {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("WRITE_SEEDS") != "" {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, want, got, "encoders changed: rewrite with WRITE_SEEDS=1 and make_golden.py")
	return path
}

// needTshark skips t when tshark is not on PATH.
func needTshark(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not on PATH")
	}
}
