// Package golden reads the reference outputs that testdata/make_golden.py
// makes with tshark: tab-separated lines of capture, frame, message bytes in
// hexadecimal and one column per dissector field.
package golden

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Row is one reference message.
type Row struct {
	Capture string
	Frame   int
	Payload []byte
	// Fields maps a column name to tshark's value ("" when tshark showed
	// none; several occurrences joined by ';').
	Fields map[string]string
	Line   int
}

// Read reads a golden file.
func Read(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var head []string
	var rows []Row
	line := 0
	for sc.Scan() {
		line++
		cols := strings.Split(sc.Text(), "\t")
		if head == nil {
			head = cols
			continue
		}
		if len(cols) != len(head) {
			return nil, fmt.Errorf("%s:%d: %d columns, header has %d", path, line, len(cols), len(head))
		}
		r := Row{Capture: cols[0], Fields: map[string]string{}, Line: line}
		if _, err := fmt.Sscan(cols[1], &r.Frame); err != nil {
			return nil, fmt.Errorf("%s:%d: frame %q", path, line, cols[1])
		}
		p, err := hex.DecodeString(cols[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: payload: %v", path, line, err)
		}
		r.Payload = p
		for i := 3; i < len(cols); i++ {
			r.Fields[head[i]] = cols[i]
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}
