package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
)

// TestPseudonymisedBundle serves a bundle whose pipeline pseudonymises
// source addresses: the key comes from -key-file or the environment, never
// a flag's value; without it, or with a wrong one, the error says how to
// give it, and the key appears in no log line.
func TestPseudonymisedBundle(t *testing.T) {
	const key = "k3y-of-the-operators-0123456789"
	b, err := demo.FlowBundle(context.Background(), []byte(key), 2000, 3)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.nwb")
	require.NoError(t, b.Save(path))
	keyFile := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	wrongFile := filepath.Join(dir, "wrong")
	require.NoError(t, os.WriteFile(wrongFile, []byte("another-key-entirely-0123456789"), 0o600))

	serveOnce := func(t *testing.T, cfg config) (string, error) {
		t.Helper()
		cfg.Addr, cfg.Bundle = "127.0.0.1:0", path
		var logs syncbuf.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		addr := make(chan string, 1)
		go func() {
			done <- run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)), func(a string) { addr <- a })
		}()
		select {
		case a := <-addr:
			rec := map[string]any{"src_ip": "10.1.2.3", "protocol": "tcp", "bytes": 12000, "packets": 20}
			resp, body := post(t, "http://"+a+"/v1/score", mustJSON(t, []any{rec}))
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			var out scoreResponse
			require.NoError(t, json.Unmarshal(body, &out))
			assert.Equal(t, 1, out.Scored)
			cancel()
			require.NoError(t, <-done)
			assert.NotContains(t, logs.String(), key)
			return logs.String(), nil
		case err := <-done:
			return "", err
		}
	}

	t.Run("key file", func(t *testing.T) {
		logs, err := serveOnce(t, config{KeyFile: keyFile})
		require.NoError(t, err)
		assert.Contains(t, logs, "pseudonymisation key from the key file")
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv(demo.KeyEnv, key)
		logs, err := serveOnce(t, config{})
		require.NoError(t, err)
		assert.Contains(t, logs, "pseudonymisation key from the environment variable "+demo.KeyEnv)
	})
	t.Run("no key", func(t *testing.T) {
		_, err := serveOnce(t, config{})
		require.Error(t, err)
		assert.ErrorContains(t, err, "-key-file FILE")
		assert.ErrorContains(t, err, demo.KeyEnv)
	})
	t.Run("wrong key", func(t *testing.T) {
		_, err := serveOnce(t, config{KeyFile: wrongFile})
		require.Error(t, err)
		assert.ErrorContains(t, err, "key file")
		assert.NotContains(t, err.Error(), "another-key")
	})
	t.Run("both", func(t *testing.T) {
		t.Setenv(demo.KeyEnv, key)
		_, err := serveOnce(t, config{KeyFile: keyFile})
		assert.ErrorContains(t, err, "given twice")
	})
	t.Run("readable by others", func(t *testing.T) {
		open := filepath.Join(dir, "open")
		require.NoError(t, os.WriteFile(open, []byte(key), 0o644))
		require.NoError(t, os.Chmod(open, 0o644))
		logs, err := serveOnce(t, config{KeyFile: open})
		require.NoError(t, err)
		assert.True(t, strings.Contains(logs, "chmod 600"), logs)
	})
}
