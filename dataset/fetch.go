package dataset

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// DefaultNSLKDDURL is the base URL FetchNSLKDD downloads from by default: a
// long-standing public GitHub mirror of the NSL-KDD text files (the
// original at https://www.unb.ca/cic/datasets/nsl.html asks for a
// registration form).
const DefaultNSLKDDURL = "https://raw.githubusercontent.com/defcom17/NSL_KDD/master/"

// NSLKDDFiles are the files FetchNSLKDD downloads by default: the four data
// files, and the list of the 41 feature names and kinds (Field_Names.csv,
// which the Python scripts of the examples read) and the attack → category
// list of the training attacks (Attack_Types.csv).
var NSLKDDFiles = []string{"KDDTrain+.txt", "KDDTrain+_20Percent.txt", "KDDTest+.txt", "KDDTest-21.txt",
	"Field_Names.csv", "Attack_Types.csv"}

// remoteNames maps a local file name to the name the default mirror
// publishes it under, where the two differ (the mirror's CSV names have
// spaces).
var remoteNames = map[string]string{
	"Field_Names.csv":  "Field Names.csv",
	"Attack_Types.csv": "Attack Types.csv",
}

// nslkddSHA256 holds the SHA-256 of each NSL-KDD file's text. For a name
// ending in ".gz" the hash is that of the decompressed text, so that any
// gzip of the right file verifies whatever the compressor's settings.
var nslkddSHA256 = map[string]string{
	"KDDTrain+.txt":           "1b86d2f957b33082081bba410fe129b475efebcc13c9014c3f447c8271aadf95",
	"KDDTrain+.txt.gz":        "1b86d2f957b33082081bba410fe129b475efebcc13c9014c3f447c8271aadf95",
	"KDDTrain+_20Percent.txt": "7ea86479faab5ca2190b7f18b4982fb058ce5bf2b46e0e1017d0d9ef90f9c16e",
	"KDDTest+.txt":            "fa46b0935342616aa83b7c2578db355b6a7aaabbc492248172c7a1e8b7ab8f84",
	"KDDTest-21.txt":          "746993ac9e25868827cacf09eab450050a2a1056e1ce48a1ad39f5dc801d531d",
	"Field_Names.csv":         "e6ce1b1f35966a203209433fd98f88eeb6f5d37f7fb3194aa20d9935b8f9e9d3",
	"Attack_Types.csv":        "8b2ded847bc9c6bc9a610e2a2a02568e91bb34e4711694c7bfd8e2fd62c2ff07",
	// KDD Cup 1999 (decompressed text).
	"kddcup.data_10_percent.gz": "f8c8267ebcd9c0ed1fd7d6277fe5bfff8732e9b7db8e61b873542b2a534b6f9a",
	"corrected.gz":              "547dfb9c0f0dc1d9944219ec79e851191faebaeb8acbfa1cd171c418397052a4",
}

// KnownSHA256 returns the SHA-256 (hex) FetchNSLKDD checks a file against,
// and whether it knows one. For ".gz" names it is the hash of the
// decompressed text. Known: the four NSL-KDD text files, KDDTrain+.txt.gz,
// Field_Names.csv and Attack_Types.csv, and the KDD Cup 1999
// kddcup.data_10_percent.gz and corrected.gz.
func KnownSHA256(name string) (string, bool) {
	h, ok := nslkddSHA256[name]
	return h, ok
}

// FetchConfig configures FetchNSLKDD. The zero value downloads from
// DefaultNSLKDDURL into os.UserCacheDir()/netwarden/nsl-kdd with
// http.DefaultClient.
type FetchConfig struct {
	// BaseURL is the URL the file names are appended to; "" means
	// DefaultNSLKDDURL.
	BaseURL string
	// Dir is the cache directory; "" means netwarden/nsl-kdd under
	// os.UserCacheDir(). It is created if needed.
	Dir string
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// SHA256 adds or overrides expected hashes (hex, of the decompressed
	// text for ".gz" names) by file name; see KnownSHA256. A file with no
	// known hash is stored unverified.
	SHA256 map[string]string
	// MaxBytes bounds one download; 0 means 512 MiB.
	MaxBytes int64
	// Progress, when set, is called as each file downloads with the bytes
	// received so far and the total (-1 when the server does not say).
	Progress func(name string, done, total int64)
}

// FetchNSLKDD makes sure each named file (NSLKDDFiles when none are given)
// is in the cache directory and returns that directory. A file already
// there is used as it is if it matches its known SHA-256 (or has none),
// and downloaded again otherwise; if that download fails too, the error
// says that the cached file failed its checksum (got and want) as well as
// why the download failed. Downloads go to a temporary file in the
// same directory that is verified, synced and then renamed into place, so
// a half-written or corrupt file is never seen under the real name. A hash
// mismatch is an error wrapping ErrChecksum; cancelling ctx stops the
// download and returns an error wrapping ctx.Err().
func FetchNSLKDD(ctx context.Context, cfg FetchConfig, names ...string) (dir string, err error) {
	if len(names) == 0 {
		names = NSLKDDFiles
	}
	dir = cfg.Dir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("dataset: fetch: no cache directory (set FetchConfig.Dir): %w", err)
		}
		dir = filepath.Join(base, "netwarden", "nsl-kdd")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("dataset: fetch: %w", err)
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("dataset: fetch %s: %w", name, err)
		}
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			return "", fmt.Errorf("dataset: fetch: %q is not a plain file name: %w", name, errs.ErrFormat)
		}
		want, known := cfg.SHA256[name]
		if !known {
			want, known = nslkddSHA256[name]
		}
		path := filepath.Join(dir, name)
		var cached error // why a file already in the cache is not used
		if _, err := os.Stat(path); err == nil {
			if !known {
				continue
			}
			got, err := fileSHA256(path)
			if err == nil && got == want {
				continue
			}
			if err != nil {
				cached = fmt.Errorf("the cached %s could not be read: %w", path, err)
			} else {
				cached = fmt.Errorf("the cached %s has SHA-256 %s, want %s: %w", path, got, want, errs.ErrChecksum)
			}
		}
		if err := fetchOne(ctx, cfg, dir, name, want); err != nil {
			if cached != nil {
				return "", fmt.Errorf("%w (downloading it again because %w)", err, cached)
			}
			return "", err
		}
	}
	return dir, nil
}

func fetchOne(ctx context.Context, cfg FetchConfig, dir, name, want string) (err error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultNSLKDDURL
	}
	remote := name
	if r, ok := remoteNames[name]; ok && base == DefaultNSLKDDURL {
		remote = r
	}
	u, err := url.JoinPath(base, remote)
	if err != nil {
		return fmt.Errorf("dataset: fetch: base URL %q: %w", base, err)
	}
	client := cfg.Client
	if client == nil {
		client = http.DefaultClient
	}
	max := cfg.MaxBytes
	if max <= 0 {
		max = 512 << 20
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("dataset: fetch %s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("dataset: fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dataset: fetch %s: HTTP status %s", u, resp.Status)
	}
	if resp.ContentLength > max {
		return fmt.Errorf("dataset: fetch %s: %d bytes exceeds the %d-byte limit: %w", u, resp.ContentLength, max, errs.ErrFormat)
	}

	tmp, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return fmt.Errorf("dataset: fetch: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var src io.Reader = io.LimitReader(resp.Body, max+1)
	if cfg.Progress != nil {
		src = &progressReader{r: src, name: name, total: resp.ContentLength, f: cfg.Progress}
	}
	n, err := io.Copy(tmp, &ctxReader{ctx: ctx, r: src})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("dataset: fetch %s: %w", u, cerr)
		}
		return fmt.Errorf("dataset: fetch %s: %w", u, err)
	}
	if n > max {
		return fmt.Errorf("dataset: fetch %s: more than the %d-byte limit: %w", u, max, errs.ErrFormat)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("dataset: fetch: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("dataset: fetch: %w", err)
	}
	if want != "" {
		got, herr := fileSHA256WithName(tmp.Name(), name)
		if herr != nil {
			err = fmt.Errorf("dataset: fetch %s: %w", u, herr)
			return err
		}
		if got != want {
			err = fmt.Errorf("dataset: fetch %s: SHA-256 %s, want %s: %w", u, got, want, errs.ErrChecksum)
			return err
		}
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("dataset: fetch: %w", err)
	}
	return nil
}

// fileSHA256 hashes the file at path, decompressed when its name ends in
// ".gz".
func fileSHA256(path string) (string, error) { return fileSHA256WithName(path, path) }

func fileSHA256WithName(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", fmt.Errorf("gzip: %w: %w", err, errs.ErrFormat)
		}
		defer zr.Close()
		r = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %w", err, errs.ErrFormat)
		}
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type progressReader struct {
	r           io.Reader
	name        string
	done, total int64
	f           func(string, int64, int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if n > 0 {
		p.f(p.name, p.done, p.total)
	}
	return n, err
}
