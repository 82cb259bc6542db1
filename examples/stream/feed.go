package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxLine is the longest line read, in bytes (as package dataset's readers).
const maxLine = 1 << 20

// feeder splits the input into lines itself, so that the example knows
// the line number of every record and of every bad line: it hands a
// dataset.Reader one line per Read call, and a reader asks for a line only
// once it has parsed the one before. Blank lines are skipped here.
type feeder struct {
	br      *bufio.Reader
	line    int    // number of the last line handed out (1-based)
	long    []byte // accumulates a line longer than br's buffer
	cur     []byte // the current line, '\n' included
	off     int    // bytes of cur already handed out
	eof     bool
	err     error // a read error of the input
	header  []byte
	tooLong func(line int) // called for a line over maxLine, which is skipped
	idle    func()         // called before a read that may block (flush output)
}

func newFeeder(r io.Reader) *feeder {
	return &feeder{br: bufio.NewReaderSize(r, 64<<10)}
}

// next loads the next non-blank line into f.cur; false at the end of input.
func (f *feeder) next() bool {
	for !f.eof {
		if f.br.Buffered() == 0 && f.idle != nil {
			f.idle()
		}
		line, err := f.br.ReadSlice('\n')
		over := false
		if err == bufio.ErrBufferFull {
			f.long = append(f.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = f.br.ReadSlice('\n')
				if !over {
					f.long = append(f.long, line...)
					if len(f.long) > maxLine {
						over = true
						f.long = f.long[:0]
					}
				}
			}
			if !over {
				line = f.long
			}
		}
		if err != nil {
			f.eof = true
			if err != io.EOF {
				f.err = err
				return false
			}
			if len(line) == 0 && !over {
				return false
			}
		}
		f.line++
		if over {
			if f.tooLong != nil {
				f.tooLong(f.line)
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		// Keep the bytes: ReadSlice's are valid until the next read only.
		f.cur, f.off = append(f.cur[:0], line...), 0
		if f.cur[len(f.cur)-1] != '\n' {
			f.cur = append(f.cur, '\n')
		}
		return true
	}
	return false
}

// readHeader reads the first non-blank line as the CSV header and keeps it
// for readers made after a bad line.
func (f *feeder) readHeader() error {
	if !f.next() {
		if f.err != nil {
			return f.err
		}
		return errors.New("no CSV header: the input is empty")
	}
	f.header = append([]byte(nil), f.cur...)
	f.off = len(f.cur)
	return nil
}

// source returns an io.Reader for one dataset.Reader: the header first (when
// header is true), then io.EOF until ready is called (so that a reader's
// constructor cannot read records ahead), then the input's lines, one per
// Read call.
func (f *feeder) source(header bool) *feedReader {
	fr := &feedReader{f: f}
	if header {
		fr.head = f.header
	} else {
		fr.ready = true
	}
	return fr
}

type feedReader struct {
	f     *feeder
	head  []byte
	ready bool
}

func (r *feedReader) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	if !r.ready {
		return 0, io.EOF
	}
	if r.f.off == len(r.f.cur) && !r.f.next() {
		if r.f.err != nil {
			return 0, r.f.err
		}
		return 0, io.EOF
	}
	n := copy(p, r.f.cur[r.f.off:])
	r.f.off += n
	return n, nil
}
