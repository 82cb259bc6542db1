package dataset_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

const smallNSL = "0,tcp,http,SF,215,45076,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,normal,21\n"

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// serve serves files by name and counts requests.
func serve(t *testing.T, files map[string]string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, ok := files[filepath.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func dirEntries(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestFetchOffline(t *testing.T) {
	srv, hits := serve(t, map[string]string{"small.txt": smallNSL, "other.txt": "x"})
	dir := t.TempDir()
	var progress int64
	cfg := dataset.FetchConfig{BaseURL: srv.URL + "/data/", Dir: dir,
		SHA256:   map[string]string{"small.txt": sha(smallNSL)},
		Progress: func(name string, done, total int64) { progress = done }}
	got, err := dataset.FetchNSLKDD(context.Background(), cfg, "small.txt", "other.txt")
	require.NoError(t, err)
	assert.Equal(t, dir, got)
	assert.Equal(t, int32(2), hits.Load())
	assert.Equal(t, int64(1), progress, "last progress call is for other.txt")
	tab, err := dataset.LoadNSLKDD(filepath.Join(dir, "small.txt"))
	require.NoError(t, err)
	assert.Equal(t, 1, tab.Len())
	assert.ElementsMatch(t, []string{"small.txt", "other.txt"}, dirEntries(t, dir))

	// Cached: no new request.
	_, err = dataset.FetchNSLKDD(context.Background(), cfg, "small.txt", "other.txt")
	require.NoError(t, err)
	assert.Equal(t, int32(2), hits.Load())

	// A damaged cached file with a known hash is fetched again.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "small.txt"), []byte("garbage"), 0o644))
	_, err = dataset.FetchNSLKDD(context.Background(), cfg, "small.txt")
	require.NoError(t, err)
	assert.Equal(t, int32(3), hits.Load())
	b, err := os.ReadFile(filepath.Join(dir, "small.txt"))
	require.NoError(t, err)
	assert.Equal(t, smallNSL, string(b))
}

func TestFetchErrors(t *testing.T) {
	srv, _ := serve(t, map[string]string{"small.txt": smallNSL, "KDDTest+.txt": smallNSL})
	tests := []struct {
		name  string
		cfg   dataset.FetchConfig
		files []string
		is    error
	}{
		{"checksum mismatch", dataset.FetchConfig{SHA256: map[string]string{"small.txt": sha("other")}}, []string{"small.txt"}, errs.ErrChecksum},
		{"known hash mismatch", dataset.FetchConfig{}, []string{"KDDTest+.txt"}, errs.ErrChecksum},
		{"not found", dataset.FetchConfig{}, []string{"missing.txt"}, nil},
		{"path in name", dataset.FetchConfig{}, []string{"../small.txt"}, errs.ErrFormat},
		{"too large", dataset.FetchConfig{MaxBytes: 10}, []string{"small.txt"}, errs.ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.cfg.BaseURL, tc.cfg.Dir = srv.URL, dir
			_, err := dataset.FetchNSLKDD(context.Background(), tc.cfg, tc.files...)
			require.Error(t, err)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Empty(t, dirEntries(t, dir), "nothing half-written is left behind")
		})
	}
}

func TestFetchCancel(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		_, _ = w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		close(started)
		<-r.Context().Done() // never finish the body
	}))
	defer srv.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := dataset.FetchNSLKDD(ctx, dataset.FetchConfig{BaseURL: srv.URL, Dir: dir}, "slow.txt")
		errc <- err
	}()
	<-started
	cancel()
	err := <-errc
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), err.Error())
	assert.Empty(t, dirEntries(t, dir))

	// Already cancelled: no request at all.
	_, err = dataset.FetchNSLKDD(ctx, dataset.FetchConfig{BaseURL: srv.URL, Dir: dir}, "slow.txt")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFetchRealData(t *testing.T) {
	src := nslDir(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	names := []string{"KDDTrain+_20Percent.txt", "KDDTest+.txt", "KDDTest-21.txt", "KDDTrain+.txt.gz"}
	for _, n := range names {
		_, ok := dataset.KnownSHA256(n)
		require.True(t, ok, n)
	}
	dir, err := dataset.FetchNSLKDD(context.Background(), dataset.FetchConfig{BaseURL: srv.URL, Dir: t.TempDir()}, names...)
	require.NoError(t, err, "every shared file matches its known SHA-256")
	tab, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTest-21.txt"))
	require.NoError(t, err)
	assert.Equal(t, 11850, tab.Len())
}
