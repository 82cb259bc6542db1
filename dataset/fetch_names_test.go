package dataset_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// mirror answers requests for the default mirror's URLs from a map of the
// names it publishes, recording every path asked for.
type mirror struct {
	files map[string][]byte
	asked []string
	down  bool
}

func (m *mirror) RoundTrip(req *http.Request) (*http.Response, error) {
	m.asked = append(m.asked, req.URL.EscapedPath())
	if m.down {
		return nil, errors.New("network is unreachable")
	}
	name := filepath.Base(req.URL.Path)
	b, ok := m.files[name]
	if !ok {
		return &http.Response{StatusCode: http.StatusNotFound, Status: "404 Not Found",
			Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", ContentLength: int64(len(b)),
		Body: io.NopCloser(bytes.NewReader(b)), Request: req}, nil
}

func TestFetchFieldNamesFromTheDefaultMirror(t *testing.T) {
	src := os.Getenv("NSLKDD_DIR")
	if src == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files (e.g. NSLKDD_DIR=../shared/data/nsl-kdd) to run it")
	}
	fields, err := os.ReadFile(filepath.Join(src, "Field_Names.csv"))
	require.NoError(t, err)
	types, err := os.ReadFile(filepath.Join(src, "Attack_Types.csv"))
	require.NoError(t, err)
	// The mirror publishes the two lists with spaces in their names.
	m := &mirror{files: map[string][]byte{"Field Names.csv": fields, "Attack Types.csv": types}}
	dir, err := dataset.FetchNSLKDD(context.Background(),
		dataset.FetchConfig{Dir: t.TempDir(), Client: &http.Client{Transport: m}},
		"Field_Names.csv", "Attack_Types.csv")
	require.NoError(t, err, "both lists match their known SHA-256")
	got, err := os.ReadFile(filepath.Join(dir, "Field_Names.csv"))
	require.NoError(t, err)
	assert.Equal(t, fields, got)
	assert.Equal(t, []string{"/defcom17/NSL_KDD/master/Field%20Names.csv", "/defcom17/NSL_KDD/master/Attack%20Types.csv"}, m.asked)
	assert.Contains(t, dataset.NSLKDDFiles, "Field_Names.csv", "fetched by default: the examples' Python scripts read it")
}

func TestFetchSaysTheCachedFileFailedItsChecksum(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "KDDTest+.txt")
	require.NoError(t, os.WriteFile(path, []byte("0,tcp,http,SF,cut short\n"), 0o644))
	m := &mirror{down: true}
	_, err := dataset.FetchNSLKDD(context.Background(),
		dataset.FetchConfig{Dir: dir, Client: &http.Client{Transport: m}}, "KDDTest+.txt")
	require.Error(t, err)
	assert.ErrorIs(t, err, anomaly.ErrChecksum, "the cached file's checksum failure is part of the error")
	assert.Contains(t, err.Error(), "network is unreachable")
	assert.Contains(t, err.Error(), "the cached "+path+" has SHA-256")
	assert.Len(t, m.asked, 1, "a file that fails its checksum is downloaded again")
}
