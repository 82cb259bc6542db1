package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxLine is the longest line package dataset's readers take, in bytes; a
// longer one is a bad line.
const maxLine = 1 << 20

// idleReader calls idle before every read of the input, that is whenever
// the dataset.Reader's buffer has run dry and the next read may block: the
// scorer flushes its alerts there. dataset.Reader cannot say when it is
// about to wait, so this is the one hook the example keeps below it.
type idleReader struct {
	r    io.Reader
	idle func()
}

func (r idleReader) Read(p []byte) (int, error) {
	r.idle()
	return r.r.Read(p)
}

// peekLine returns the next line of br, its line end included, without
// consuming it; the line is valid until the next read of br. A line ends
// at the first LF or, when br.Size() bytes hold none, at the first CR (the
// CR line ends that dataset.NewCSVReader also takes). It reads no further
// than the line end, so that a live stream is not held up; at the end of
// input it returns what is left (nothing: an empty line and no error).
func peekLine(br *bufio.Reader) ([]byte, error) {
	seen := 0 // bytes already searched
	for n := 1; ; n = min(br.Buffered()+1, br.Size()) {
		_, err := br.Peek(n) // one more read when n bytes are not buffered
		b, _ := br.Peek(br.Buffered())
		if i := bytes.IndexByte(b[seen:], '\n'); i >= 0 {
			return b[:seen+i+1], nil
		}
		seen = len(b)
		switch {
		case err == io.EOF || (err == nil && len(b) == br.Size()):
			if i := bytes.IndexByte(b, '\r'); i >= 0 {
				return b[:i+1], nil
			}
			if err == io.EOF {
				return b, nil
			}
			return nil, fmt.Errorf("CSV header: no line end in the first %d bytes", br.Size())
		case err != nil:
			return nil, fmt.Errorf("reading the input: %w", err)
		}
	}
}
