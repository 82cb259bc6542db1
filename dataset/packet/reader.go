package packet

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"time"

	"github.com/netwarden/netwarden/internal/errs"
)

// Sentinel errors of the capture reader. Each wraps errs.ErrFormat (re-exported
// by package anomaly), so errors.Is(err, anomaly.ErrFormat) holds for all.
var (
	// ErrUnknownFormat reports a stream that starts with none of the pcap,
	// pcapng or gzip magic numbers.
	ErrUnknownFormat = fmt.Errorf("packet: not a pcap, pcapng or gzip capture: %w", errs.ErrFormat)
	// ErrTruncated reports a capture that ends inside a file header, record
	// header, block or packet.
	ErrTruncated = fmt.Errorf("packet: capture truncated: %w", errs.ErrFormat)
	// ErrBadRecord reports a record or block whose header is inconsistent: a
	// length that is not a multiple of 4 or too small for its fields, a
	// trailing length that differs from the leading one, a captured length
	// larger than the record or than MaxRecord, an unknown interface.
	ErrBadRecord = fmt.Errorf("packet: bad record: %w", errs.ErrFormat)
	// ErrVersion reports a pcap or pcapng major version other than 2 or 1.
	ErrVersion = fmt.Errorf("packet: unsupported capture version: %w", errs.ErrVersion)
)

// MaxRecord is the largest pcap record or pcapng block the reader accepts,
// in bytes. A longer length field is reported as ErrBadRecord. The reader
// grows its buffer only as the bytes of a record actually arrive, so a lying
// length in a short file allocates no more than the file holds.
const MaxRecord = 16 << 20

// ParseError is the error the reader returns for a damaged capture. It
// names the file, the 1-based number of the packet being read (the number
// the next packet would have had, so a damaged first record says packet 1),
// and the byte offset of the damaged record in the (decompressed) stream.
type ParseError struct {
	File   string // name given to NewReader, or the path given to Open
	Packet int64  // 1-based number of the packet being read
	Offset int64  // byte offset of the record or block header
	Err    error  // what was wrong; wraps one of the sentinels above
}

// Error returns "packet: FILE: packet N at byte OFF: reason".
func (e *ParseError) Error() string {
	return fmt.Sprintf("packet: %s: packet %d at byte %d: %v", e.File, e.Packet, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Format names a capture file format.
type Format uint8

// The formats the reader detects by their magic number (never by the name's
// extension: nDPI's rtsp.pcap is pcapng and bets.pcapng is pcap).
const (
	FormatUnknown Format = iota
	// FormatPcap is the classic libpcap format, either byte order, micro- or
	// nanosecond timestamps (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/).
	FormatPcap
	// FormatPcapNG is the pcapng format, any number of sections and
	// interfaces (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/).
	FormatPcapNG
)

// String returns "pcap", "pcapng" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// Frame is one captured packet as the reader yields it. Data aliases the
// reader's buffer and is valid until the next call to Next.
type Frame struct {
	// Number is the packet's 1-based position in the capture, counting
	// packet records only (the number Wireshark shows).
	Number int64
	// Time is the capture timestamp, UTC.
	Time time.Time
	// Link is the link type of the interface the packet was captured on.
	Link LinkType
	// Interface is the pcapng interface index within its section (0 for pcap).
	Interface int
	// OrigLen is the packet's length on the wire in bytes; len(Data) is the
	// captured length, shorter when the snap length cut the packet.
	OrigLen int
	// Offset is the byte offset of the packet's record (pcap) or block
	// (pcapng) header in the decompressed stream.
	Offset int64
	// DataOffset is the byte offset of Data[0] in the decompressed stream:
	// byte i of the frame is at file offset DataOffset+i.
	DataOffset int64
	// Data holds the captured bytes, starting with the link-layer header.
	Data []byte
}

type iface struct {
	link LinkType
	snap uint32
	// timestamp conversion: units per second is 10^dec or 2^bin
	pow10  int // exponent when decimal
	pow2   int // exponent when binary (>=0), -1 when decimal
	offset int64
}

// Reader reads frames from a pcap, pcapng or gzip-compressed capture. It
// is not safe for concurrent use; read one capture per goroutine.
type Reader struct {
	name   string
	src    *bufio.Reader
	gz     *gzip.Reader
	closer io.Closer
	off    int64
	format Format
	gzip   bool

	// pcap
	big      bool
	nanos    bool
	modified bool // Kuznetzov's modified pcap: 8 more bytes per record header
	snap     uint32
	link     LinkType

	// pcapng
	ifaces  []iface
	skipped int64 // pcapng blocks that carry no packet

	n   int64
	buf []byte
	hdr [28]byte

	// pcap fast path (nextBuffered): a window over the buffered bytes and
	// how many bytes of records it handed out are still in the buffer
	win  []byte
	pend int
}

// Open opens the capture file at path. Close releases it.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("packet: %w", err)
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a capture from src, telling pcap, pcapng and gzip apart
// by their magic numbers; a gzip stream is decompressed and its content
// detected in turn. name is used in error messages.
func NewReader(src io.Reader, name string) (*Reader, error) {
	r := &Reader{name: name, src: bufio.NewReaderSize(src, 64<<10)}
	magic, err := r.src.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, gerr := gzip.NewReader(r.src)
		if gerr != nil {
			return nil, r.errorf(0, fmt.Errorf("gzip header: %v: %w", gerr, ErrTruncated))
		}
		r.gz, r.gzip = gz, true
		r.src = bufio.NewReaderSize(gz, 64<<10)
		magic, err = r.src.Peek(4)
	}
	if len(magic) < 4 {
		if err == nil || err == io.EOF {
			if len(magic) == 0 {
				return nil, r.errorf(0, fmt.Errorf("empty capture: %w", ErrTruncated))
			}
			return nil, r.errorf(0, fmt.Errorf("%d bytes, no file header: %w", len(magic), ErrTruncated))
		}
		return nil, r.errorf(0, fmt.Errorf("%v: %w", err, ErrTruncated))
	}
	switch m := uint32(magic[0])<<24 | uint32(magic[1])<<16 | uint32(magic[2])<<8 | uint32(magic[3]); m {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1:
		return r, r.readPcapHeader()
	case 0x0a0d0d0a:
		r.format = FormatPcapNG
		return r, r.readSectionHeader(false)
	}
	return nil, r.errorf(0, fmt.Errorf("magic % x: %w", magic, ErrUnknownFormat))
}

// Close closes the file Open opened and the gzip stream, if any.
func (r *Reader) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Format returns the detected capture format.
func (r *Reader) Format() Format { return r.format }

// Compressed reports whether the capture was gzip-compressed.
func (r *Reader) Compressed() bool { return r.gzip }

// LinkType returns the link type of a pcap file, or of the first interface
// of a pcapng file's current section (LinkNull before any interface).
func (r *Reader) LinkType() LinkType {
	if r.format == FormatPcapNG {
		if len(r.ifaces) == 0 {
			return LinkNull
		}
		return r.ifaces[0].link
	}
	return r.link
}

// Packets returns the number of packets read so far.
func (r *Reader) Packets() int64 { return r.n }

// SkippedBlocks returns the number of pcapng blocks read that carry no
// packet (name resolution, statistics, custom and unknown blocks). A pcap
// file has none.
func (r *Reader) SkippedBlocks() int64 { return r.skipped }

// Offset returns the number of bytes read so far from the (decompressed)
// stream.
func (r *Reader) Offset() int64 { return r.off }

// Name returns the name used in error messages.
func (r *Reader) Name() string { return r.name }

func (r *Reader) errorf(off int64, err error) error {
	return &ParseError{File: r.name, Packet: r.n + 1, Offset: off, Err: err}
}

// read reads exactly n bytes into r.buf[:n], growing the buffer only as
// bytes arrive so that a lying length costs no more than the stream holds.
func (r *Reader) read(n int) ([]byte, error) {
	if cap(r.buf) >= n {
		b := r.buf[:n]
		m, err := io.ReadFull(r.src, b)
		r.off += int64(m)
		return b, err
	}
	b := r.buf[:0]
	for len(b) < n {
		chunk := n - len(b)
		if step := max(4096, len(b)); chunk > step {
			chunk = step
		}
		if cap(b)-len(b) < chunk {
			nb := make([]byte, len(b), max(2*cap(b), len(b)+chunk))
			copy(nb, b)
			b = nb
			r.buf = nb[:0]
		}
		m, err := io.ReadFull(r.src, b[len(b):len(b)+chunk])
		r.off += int64(m)
		b = b[:len(b)+m]
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

func (r *Reader) readHeader(n int) ([]byte, error) {
	h := r.hdr[:n]
	m, err := io.ReadFull(r.src, h)
	r.off += int64(m)
	return h, err
}

func (r *Reader) u16(b []byte) uint16 {
	if r.big {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

func (r *Reader) u32(b []byte) uint32 {
	if r.big {
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	return uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
}

func (r *Reader) readPcapHeader() error {
	r.format = FormatPcap
	h, err := r.readHeader(24)
	if err != nil {
		return r.errorf(0, fmt.Errorf("pcap file header: %d of 24 bytes: %w", r.off, ErrTruncated))
	}
	m := uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3])
	switch m {
	case 0xa1b2c3d4:
		r.big = true
	case 0xa1b23c4d:
		r.big, r.nanos = true, true
	case 0x4d3cb2a1:
		r.nanos = true
	case 0xa1b2cd34:
		r.big, r.modified = true, true
	case 0x34cdb2a1:
		r.modified = true
	}
	if major := r.u16(h[4:]); major != 2 {
		return r.errorf(0, fmt.Errorf("pcap major version %d: %w", major, ErrVersion))
	}
	r.snap = r.u32(h[16:])
	// The upper 16 bits of the link-type field hold FCS information
	// (draft-ietf-opsawg-pcap section 4); the type is the lower 16.
	r.link = LinkType(r.u32(h[20:]) & 0xffff)
	return nil
}

// Next reads the next packet into f, reusing f's storage. It returns io.EOF
// at the clean end of the capture and a *ParseError for damage.
func (r *Reader) Next(f *Frame) error {
	if r.format == FormatPcapNG {
		return r.nextNG(f)
	}
	start := r.off
	hl := 16
	if r.modified {
		hl = 24
	}
	if r.nextBuffered(f, hl) {
		return nil
	}
	h, err := r.readHeader(hl)
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return r.errorf(start, fmt.Errorf("record header: %d of %d bytes: %w", r.off-start, hl, ErrTruncated))
	}
	sec, frac := r.u32(h[0:]), r.u32(h[4:])
	incl, orig := r.u32(h[8:]), r.u32(h[12:])
	if incl > MaxRecord {
		return r.errorf(start, fmt.Errorf("captured length %d larger than %d: %w", incl, MaxRecord, ErrBadRecord))
	}
	data, err := r.read(int(incl))
	if err != nil {
		return r.errorf(start, fmt.Errorf("packet data: %d of %d bytes: %w", len(data), incl, ErrTruncated))
	}
	r.frame(f, sec, frac, orig, start, hl, data)
	return nil
}

// frame fills f with the next pcap record: its header's fields, the
// record's offset and its data.
func (r *Reader) frame(f *Frame, sec, frac, orig uint32, start int64, hl int, data []byte) {
	r.n++
	ns := int64(frac)
	if !r.nanos {
		ns *= 1000
	}
	*f = Frame{
		Number: r.n, Time: time.Unix(int64(sec), ns).UTC(), Link: r.link,
		OrigLen: max(int(orig), len(data)), Offset: start, DataOffset: start + int64(hl), Data: data,
	}
}

// nextBuffered is Next's fast path for a pcap record that is already whole
// in the read buffer: f.Data aliases the buffer instead of a copy (valid
// until the next call to Next, as Frame documents). It reads nothing from
// the source. The records it hands out come from win, a window over the
// buffered bytes taken with one Peek; they are consumed from the buffer
// (pend bytes, one Discard) only when the window runs out, not one by
// one. When it returns false it has consumed every record it handed out
// and nothing more, and holds no window, leaving refills, damage and short
// reads to the copying path and its errors.
func (r *Reader) nextBuffered(f *Frame, hl int) bool {
	if r.takeBuffered(f, hl) {
		return true
	}
	if r.pend > 0 {
		// pend <= Buffered(): bufio guarantees such a Discard succeeds
		// without reading
		_, _ = r.src.Discard(r.pend)
		r.pend = 0
	}
	r.win, _ = r.src.Peek(r.src.Buffered()) // buffered bytes: no read, no error
	if r.takeBuffered(f, hl) {
		return true
	}
	r.win = nil
	return false
}

// takeBuffered hands out the record at the start of the window, if whole.
func (r *Reader) takeBuffered(f *Frame, hl int) bool {
	b := r.win
	if len(b) < hl {
		return false
	}
	sec, frac := r.u32(b[0:]), r.u32(b[4:])
	incl, orig := r.u32(b[8:]), r.u32(b[12:])
	if incl > MaxRecord || hl+int(incl) > len(b) {
		return false
	}
	total := hl + int(incl)
	r.win = b[total:]
	r.pend += total
	start := r.off
	r.off += int64(total)
	r.frame(f, sec, frac, orig, start, hl, b[hl:total:total])
	return true
}

func (r *Reader) readSectionHeader(peeked bool) error {
	start := r.off
	var h []byte
	var err error
	if peeked {
		// the block type was consumed by nextNG; read length and byte-order magic
		h, err = r.readHeader(8)
		start -= 4
	} else {
		var hh []byte
		hh, err = r.readHeader(12)
		if len(hh) == 12 {
			h = hh[4:]
		}
	}
	if err != nil {
		return r.errorf(start, fmt.Errorf("pcapng section header: %w", ErrTruncated))
	}
	switch uint32(h[4])<<24 | uint32(h[5])<<16 | uint32(h[6])<<8 | uint32(h[7]) {
	case 0x1a2b3c4d:
		r.big = true
	case 0x4d3c2b1a:
		r.big = false
	default:
		return r.errorf(start, fmt.Errorf("pcapng byte-order magic % x: %w", h[4:8], ErrBadRecord))
	}
	l := r.u32(h[0:])
	if l < 28 || l%4 != 0 || l > MaxRecord {
		return r.errorf(start, fmt.Errorf("pcapng section header length %d: %w", l, ErrBadRecord))
	}
	body, err := r.read(int(l) - 12)
	if err != nil {
		return r.errorf(start, fmt.Errorf("pcapng section header: %w", ErrTruncated))
	}
	if major := r.u16(body[0:]); major != 1 {
		return r.errorf(start, fmt.Errorf("pcapng major version %d: %w", major, ErrVersion))
	}
	if t := r.u32(body[len(body)-4:]); t != l {
		return r.errorf(start, fmt.Errorf("pcapng trailing length %d, leading %d: %w", t, l, ErrBadRecord))
	}
	r.ifaces = r.ifaces[:0]
	return nil
}

func (r *Reader) nextNG(f *Frame) error {
	for {
		start := r.off
		h, err := r.readHeader(4)
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return r.errorf(start, fmt.Errorf("block header: %w", ErrTruncated))
		}
		if uint32(h[0])<<24|uint32(h[1])<<16|uint32(h[2])<<8|uint32(h[3]) == 0x0a0d0d0a {
			if err := r.readSectionHeader(true); err != nil {
				return err
			}
			r.skipped++
			continue
		}
		typ := r.u32(h)
		h, err = r.readHeader(4)
		if err != nil {
			return r.errorf(start, fmt.Errorf("block length: %w", ErrTruncated))
		}
		l := r.u32(h)
		if l < 12 || l%4 != 0 || l > MaxRecord {
			return r.errorf(start, fmt.Errorf("block type %#x length %d: %w", typ, l, ErrBadRecord))
		}
		body, err := r.read(int(l) - 8)
		if err != nil {
			return r.errorf(start, fmt.Errorf("block type %#x: %d of %d bytes: %w", typ, len(body)+8, l, ErrTruncated))
		}
		if t := r.u32(body[len(body)-4:]); t != l {
			return r.errorf(start, fmt.Errorf("block type %#x trailing length %d, leading %d: %w", typ, t, l, ErrBadRecord))
		}
		body = body[:len(body)-4]
		switch typ {
		case 1: // Interface Description Block
			if err := r.addInterface(body); err != nil {
				return r.errorf(start, err)
			}
			r.skipped++
		case 6, 2: // Enhanced Packet Block, obsolete Packet Block
			if len(body) < 20 {
				return r.errorf(start, fmt.Errorf("packet block length %d: %w", l, ErrBadRecord))
			}
			var id int
			if typ == 6 {
				id = int(r.u32(body))
			} else {
				id = int(r.u16(body))
			}
			capLen, orig := r.u32(body[12:]), r.u32(body[16:])
			if uint64(capLen) > uint64(len(body)-20) {
				return r.errorf(start, fmt.Errorf("captured length %d exceeds block length %d: %w", capLen, l, ErrBadRecord))
			}
			if id >= len(r.ifaces) {
				return r.errorf(start, fmt.Errorf("interface %d not described (%d interfaces): %w", id, len(r.ifaces), ErrBadRecord))
			}
			ifc := &r.ifaces[id]
			r.n++
			*f = Frame{
				Number: r.n, Time: ifc.time(uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))),
				Link: ifc.link, Interface: id, OrigLen: int(orig), Offset: start,
				DataOffset: start + 28, Data: body[20 : 20+capLen],
			}
			if f.OrigLen < int(capLen) {
				f.OrigLen = int(capLen)
			}
			return nil
		case 3: // Simple Packet Block
			if len(body) < 4 {
				return r.errorf(start, fmt.Errorf("simple packet block length %d: %w", l, ErrBadRecord))
			}
			if len(r.ifaces) == 0 {
				return r.errorf(start, fmt.Errorf("simple packet block before any interface: %w", ErrBadRecord))
			}
			ifc := &r.ifaces[0]
			orig := r.u32(body)
			capLen := uint64(len(body) - 4)
			if uint64(orig) < capLen {
				capLen = uint64(orig)
			}
			if ifc.snap > 0 && uint64(ifc.snap) < capLen {
				capLen = uint64(ifc.snap)
			}
			r.n++
			*f = Frame{
				Number: r.n, Link: ifc.link, OrigLen: int(orig), Offset: start,
				DataOffset: start + 12, Data: body[4 : 4+capLen],
			}
			return nil
		default:
			r.skipped++
		}
	}
}

func (r *Reader) addInterface(body []byte) error {
	if len(body) < 8 {
		return fmt.Errorf("interface description block of %d bytes: %w", len(body)+12, ErrBadRecord)
	}
	ifc := iface{link: LinkType(r.u16(body)), snap: r.u32(body[4:]), pow10: 6, pow2: -1}
	opts := body[8:]
	for len(opts) >= 4 {
		code, ol := r.u16(opts), int(r.u16(opts[2:]))
		if code == 0 {
			break
		}
		if 4+ol > len(opts) {
			return fmt.Errorf("interface option %d of length %d overruns its block: %w", code, ol, ErrBadRecord)
		}
		v := opts[4 : 4+ol]
		switch {
		case code == 9 && ol >= 1: // if_tsresol
			if v[0]&0x80 != 0 {
				ifc.pow2 = int(v[0] & 0x7f)
				if ifc.pow2 > 63 {
					return fmt.Errorf("if_tsresol 2^-%d: %w", ifc.pow2, ErrBadRecord)
				}
			} else {
				ifc.pow10 = int(v[0])
				if ifc.pow10 > 19 {
					return fmt.Errorf("if_tsresol 10^-%d: %w", ifc.pow10, ErrBadRecord)
				}
			}
		case code == 14 && ol >= 8: // if_tsoffset, seconds
			if r.big {
				ifc.offset = int64(uint64(r.u32(v))<<32 | uint64(r.u32(v[4:])))
			} else {
				ifc.offset = int64(uint64(r.u32(v[4:]))<<32 | uint64(r.u32(v)))
			}
		}
		opts = opts[4+(ol+3)&^3:]
	}
	if len(r.ifaces) >= 1<<16 {
		return fmt.Errorf("more than 65536 interfaces: %w", ErrBadRecord)
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// time converts a pcapng timestamp in the interface's units to UTC.
func (ifc *iface) time(ts uint64) time.Time {
	var sec, ns uint64
	if ifc.pow2 >= 0 {
		sec = ts >> uint(ifc.pow2)
		frac := ts & (1<<uint(ifc.pow2) - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		if ifc.pow2 > 0 {
			ns = hi<<(64-uint(ifc.pow2)) | lo>>uint(ifc.pow2)
		}
	} else {
		u := pow10[ifc.pow10]
		sec, ns = ts/u, ts%u
		if ifc.pow10 <= 9 {
			ns *= pow10[9-ifc.pow10]
		} else {
			ns /= pow10[ifc.pow10-9]
		}
	}
	return time.Unix(int64(sec)+ifc.offset, int64(ns)).UTC()
}

// IsTruncated reports whether err says the capture ended inside a record;
// a meter may treat that as the end of input after counting it.
func IsTruncated(err error) bool { return errors.Is(err, ErrTruncated) }
