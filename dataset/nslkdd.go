package dataset

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// nslkddColumns are the 41 feature names of NSL-KDD's Field_Names.csv, in
// file order; protocol_type, service and flag are symbolic.
var nslkddColumns = [...]string{
	"duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
	"wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
	"root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
	"num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
	"srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
	"same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
	"dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
	"dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
	"dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
}

// NSLKDDSchema returns the schema of the 41 NSL-KDD (and KDD Cup 1999)
// features, named as in NSL-KDD's Field_Names.csv: protocol_type, service
// and flag are Categorical, the other 38 Numeric.
func NSLKDDSchema() Schema {
	cols := make([]Column, len(nslkddColumns))
	for i, n := range nslkddColumns {
		cols[i] = Column{Name: n, Kind: Numeric}
		switch n {
		case "protocol_type", "service", "flag":
			cols[i].Kind = Categorical
		}
	}
	return Schema{Columns: cols}
}

// ReadNSLKDD reads NSL-KDD text (41 features, attack name, difficulty; see
// NewNSLKDDReader) from r into a Table. name is used in errors and as the
// table's Source. Malformed text gives a *ParseError naming name, line and
// column; use NewNSLKDDReader with Lenient set to skip bad rows instead.
func ReadNSLKDD(r io.Reader, name string) (*Table, error) {
	return NewNSLKDDReader(r, name).ReadAll()
}

// LoadNSLKDD reads the NSL-KDD file at path (KDDTrain+.txt,
// KDDTrain+_20Percent.txt, KDDTest+.txt, KDDTest-21.txt), decompressing it
// when the name ends in ".gz".
func LoadNSLKDD(path string) (*Table, error) {
	return loadFile(path, NewNSLKDDReader)
}

// ReadKDD99 reads KDD Cup 1999 text (41 features and a label ending in
// '.'; see NewKDD99Reader) from r into a Table.
func ReadKDD99(r io.Reader, name string) (*Table, error) {
	return NewKDD99Reader(r, name).ReadAll()
}

// LoadKDD99 reads the KDD Cup 1999 file at path (kddcup.data,
// kddcup.data_10_percent, corrected), decompressing it when the name ends
// in ".gz". Labels lose their trailing '.'.
func LoadKDD99(path string) (*Table, error) {
	return loadFile(path, NewKDD99Reader)
}

func loadFile(path string, newReader func(io.Reader, string) *Reader) (*Table, error) {
	rc, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return newReader(rc, path).ReadAll()
}

// Open opens the file at path for reading, through a gzip decompressor when
// the name ends in ".gz". The caller closes the result.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, &ParseError{File: path, Line: 1, Err: fmt.Errorf("%w: gzip: %w", errFormat(), err)}
	}
	return &gzipFile{zr, f}, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g *gzipFile) Close() error {
	err := g.Reader.Close()
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}
