package xgboost

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/netwarden/netwarden/internal/errs"
)

// tok is the kind of a token of a JSON or UBJSON document.
type tok uint8

const (
	tNone tok = iota
	tObj      // start of an object
	tArr      // start of an array
	tEnd      // end of the innermost object or array
	tKey      // an object key (lexer.s)
	tStr      // a string value (lexer.s)
	tNum      // a number (lexer.f)
	tBool     // true or false (lexer.f is 1 or 0)
	tNull     // null
)

func (t tok) String() string {
	return [...]string{"nothing", "object", "array", "end of container", "key", "string", "number", "boolean", "null"}[t]
}

// maxDepth bounds the nesting of containers; XGBoost documents nest five
// levels deep, so anything deeper is damage (and would make skipping slow).
const maxDepth = 64

// frame is one open container.
type frame struct {
	obj     bool
	needKey bool  // an object waiting for a key (not a value)
	first   bool  // JSON: no element read yet
	count   int64 // UBJSON counted container: elements (pairs) left; -1 if not counted
	typ     byte  // UBJSON typed container: the element marker, 0 if untyped
}

// lexer is a pull tokenizer over a whole document held in memory, for
// both JSON (RFC 8259, with XGBoost's NaN, Infinity and -Infinity) and
// UBJSON (Universal Binary JSON, draft 12, with optimized '$'/'#'
// containers, as XGBoost writes it). It allocates only its container stack
// and one reused buffer for escaped strings; strings are returned as
// sub-slices of the input. Every count read from the input is checked
// against the bytes that remain, and the typed readers (int32s, float32s,
// bytes, strings) size what they keep from an exact count of the elements
// and charge it to the budget before allocating, so no size or repetition
// in a damaged or crafted file can make decoding allocate more than the
// budget allows.
type lexer struct {
	buf   []byte
	pos   int
	ubj   bool
	stack []frame
	// The current token.
	kind tok
	s    []byte
	f    float64
	// bud pays for what decoding keeps (nil: unbounded, for tests).
	bud *budget
	// esc holds the unescaped text of the current JSON string when it has
	// escapes, reused from one string to the next.
	esc []byte
	// skipping is set while values are skipped or counted: strings are then
	// checked but not unescaped.
	skipping bool
}

func (l *lexer) errf(format string, args ...any) error {
	what := "json"
	if l.ubj {
		what = "ubjson"
	}
	return fmt.Errorf("xgboost: %s: offset %d: %s: %w", what, l.pos, fmt.Sprintf(format, args...), errs.ErrFormat)
}

// next reads the next token into l.kind, l.s and l.f.
func (l *lexer) next() error {
	if l.ubj {
		return l.nextUBJ()
	}
	return l.nextJSON()
}

// valueDone marks the end of a value in the enclosing container.
func (l *lexer) valueDone() {
	if n := len(l.stack); n > 0 && l.stack[n-1].obj {
		l.stack[n-1].needKey = true
	}
}

func (l *lexer) push(f frame) error {
	if len(l.stack) >= maxDepth {
		return l.errf("containers nested more than %d deep", maxDepth)
	}
	l.stack = append(l.stack, f)
	return nil
}

func (l *lexer) pop() {
	l.stack = l.stack[:len(l.stack)-1]
	l.kind = tEnd
	l.valueDone()
}

// ---- JSON ----

func (l *lexer) ws() {
	for l.pos < len(l.buf) {
		switch l.buf[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

func (l *lexer) nextJSON() error {
	l.ws()
	if l.pos >= len(l.buf) {
		return l.errf("unexpected end of input")
	}
	if n := len(l.stack); n > 0 {
		f := &l.stack[n-1]
		c := l.buf[l.pos]
		closer := byte(']')
		if f.obj {
			closer = '}'
		}
		if c == closer && (!f.obj || f.needKey) {
			l.pos++
			l.pop()
			return nil
		}
		if !f.obj || f.needKey {
			if !f.first {
				if c != ',' {
					return l.errf("expected ',' or '%c', found %q", closer, c)
				}
				l.pos++
				l.ws()
				if l.pos >= len(l.buf) {
					return l.errf("unexpected end of input")
				}
			}
			f.first = false
		}
		if f.obj && f.needKey {
			if l.buf[l.pos] != '"' {
				return l.errf("expected an object key, found %q", l.buf[l.pos])
			}
			s, err := l.jsonString()
			if err != nil {
				return err
			}
			l.ws()
			if l.pos >= len(l.buf) || l.buf[l.pos] != ':' {
				return l.errf("expected ':' after key %q", s)
			}
			l.pos++
			f.needKey = false
			l.kind, l.s = tKey, s
			return nil
		}
	}
	c := l.buf[l.pos]
	switch {
	case c == '{':
		l.pos++
		l.kind = tObj
		return l.push(frame{obj: true, needKey: true, first: true, count: -1})
	case c == '[':
		l.pos++
		l.kind = tArr
		return l.push(frame{first: true, count: -1})
	case c == '"':
		s, err := l.jsonString()
		if err != nil {
			return err
		}
		l.kind, l.s = tStr, s
	case l.lit("true"):
		l.kind, l.f = tBool, 1
	case l.lit("false"):
		l.kind, l.f = tBool, 0
	case l.lit("null"):
		l.kind = tNull
	case l.lit("NaN"):
		l.kind, l.f = tNum, math.NaN()
	case l.lit("Infinity"):
		l.kind, l.f = tNum, math.Inf(1)
	case l.lit("-Infinity"):
		l.kind, l.f = tNum, math.Inf(-1)
	case c == '-' || (c >= '0' && c <= '9'):
		start := l.pos
		for l.pos < len(l.buf) {
			c := l.buf[l.pos]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				l.pos++
				continue
			}
			break
		}
		if l.pos-start > 32 {
			// Longer numbers are copied to be parsed (shorter ones are
			// converted on the stack).
			if err := l.bud.take(l.pos-start, "a long number"); err != nil {
				return err
			}
		}
		v, err := strconv.ParseFloat(string(l.buf[start:l.pos]), 64)
		if err != nil {
			l.pos = start
			return l.errf("bad number %q", l.buf[start:min(start+32, len(l.buf))])
		}
		l.kind, l.f = tNum, v
	default:
		return l.errf("unexpected character %q", c)
	}
	l.valueDone()
	return nil
}

func (l *lexer) lit(s string) bool {
	if len(l.buf)-l.pos >= len(s) && string(l.buf[l.pos:l.pos+len(s)]) == s {
		l.pos += len(s)
		return true
	}
	return false
}

// jsonString reads a string at l.pos (on the opening quote). Strings
// without escapes (all that XGBoost writes in practice) are returned as a
// sub-slice of the input; escapes are decoded into l.esc, reused from one
// string to the next, or only checked while skipping.
func (l *lexer) jsonString() ([]byte, error) {
	start := l.pos + 1
	i := start
	esc := false
	for ; i < len(l.buf); i++ {
		c := l.buf[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			esc = true
			i++
		} else if c < 0x20 {
			l.pos = i
			return nil, l.errf("control character in string")
		}
	}
	if i >= len(l.buf) {
		l.pos = start - 1
		return nil, l.errf("unterminated string")
	}
	raw := l.buf[start:i]
	l.pos = i + 1
	if !esc {
		return raw, nil
	}
	if !l.skipping && cap(l.esc) < len(raw) {
		if err := l.bud.take(len(raw), "an escaped string"); err != nil {
			return nil, err
		}
		l.esc = make([]byte, 0, len(raw))
	}
	out, ok := unescapeJSON(l.esc[:0], raw, !l.skipping)
	if !ok {
		l.pos = start - 1
		return nil, l.errf("bad escape in string")
	}
	l.esc = out
	return out, nil
}

// unescapeJSON decodes the escapes of a JSON string body (RFC 8259 section
// 7) into dst, which has room for len(raw) bytes (no escape decodes to more
// bytes than it takes), or only checks them when write is false. A lone
// surrogate becomes U+FFFD, as in encoding/json.
func unescapeJSON(dst, raw []byte, write bool) ([]byte, bool) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			if write {
				dst = append(dst, c)
			}
			continue
		}
		i++
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case '"', '\\', '/':
			c = raw[i]
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'u':
			r, ok := hex4(raw[i+1:])
			if !ok {
				return nil, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, ok = hex4(raw[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			if write {
				dst = utf8.AppendRune(dst, r)
			}
			continue
		default:
			return nil, false
		}
		if write {
			dst = append(dst, c)
		}
	}
	return dst, true
}

// hex4 decodes the four hexadecimal digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// ---- UBJSON ----

func (l *lexer) rest() int { return len(l.buf) - l.pos }

func (l *lexer) byte1() (byte, error) {
	if l.pos >= len(l.buf) {
		return 0, l.errf("unexpected end of input")
	}
	c := l.buf[l.pos]
	l.pos++
	return c, nil
}

// size returns the byte size of a fixed-size scalar marker, or 0.
func ubjSize(m byte) int {
	switch m {
	case 'i', 'U', 'C':
		return 1
	case 'I':
		return 2
	case 'l', 'd':
		return 4
	case 'L', 'D':
		return 8
	}
	return 0
}

// ubjNumber decodes a fixed-size number with marker m.
func (l *lexer) ubjNumber(m byte) (float64, error) {
	n := ubjSize(m)
	if n == 0 || m == 'C' {
		return 0, l.errf("marker %q is not a number", m)
	}
	if l.rest() < n {
		return 0, l.errf("unexpected end of input in a number")
	}
	b := l.buf[l.pos : l.pos+n]
	l.pos += n
	switch m {
	case 'i':
		return float64(int8(b[0])), nil
	case 'U':
		return float64(b[0]), nil
	case 'I':
		return float64(int16(binary.BigEndian.Uint16(b))), nil
	case 'l':
		return float64(int32(binary.BigEndian.Uint32(b))), nil
	case 'L':
		return float64(int64(binary.BigEndian.Uint64(b))), nil
	case 'd':
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	default: // 'D'
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	}
}

// ubjLength reads an integer (marker and value) used as a length or count.
func (l *lexer) ubjLength() (int64, error) {
	m, err := l.byte1()
	if err != nil {
		return 0, err
	}
	switch m {
	case 'i', 'U', 'I', 'l', 'L':
	default:
		l.pos--
		return 0, l.errf("marker %q where a length was expected", m)
	}
	v, err := l.ubjNumber(m)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > float64(l.rest()) {
		return 0, l.errf("length %v exceeds the %d bytes left", v, l.rest())
	}
	return int64(v), nil
}

func (l *lexer) ubjStringBody() ([]byte, error) {
	n, err := l.ubjLength()
	if err != nil {
		return nil, err
	}
	s := l.buf[l.pos : l.pos+int(n)]
	l.pos += int(n)
	return s, nil
}

func (l *lexer) nextUBJ() error {
	var typ byte
	if n := len(l.stack); n > 0 {
		f := &l.stack[n-1]
		if f.count >= 0 {
			if f.count == 0 && (!f.obj || f.needKey) {
				l.pop()
				return nil
			}
		} else if l.pos < len(l.buf) {
			c := l.buf[l.pos]
			if (f.obj && f.needKey && c == '}') || (!f.obj && c == ']') {
				l.pos++
				l.pop()
				return nil
			}
		}
		if f.obj && f.needKey {
			s, err := l.ubjStringBody()
			if err != nil {
				return err
			}
			if f.count > 0 {
				f.count--
			}
			f.needKey = false
			l.kind, l.s = tKey, s
			return nil
		}
		if !f.obj && f.count > 0 {
			f.count--
		}
		typ = f.typ
	}
	m := typ
	if m == 0 {
		var err error
		for {
			if m, err = l.byte1(); err != nil {
				return err
			}
			if m != 'N' { // no-op marker
				break
			}
		}
	}
	switch m {
	case '{', '[':
		f := frame{obj: m == '{', needKey: m == '{', count: -1}
		if l.pos < len(l.buf) && l.buf[l.pos] == '$' {
			l.pos++
			t, err := l.byte1()
			if err != nil {
				return err
			}
			if ubjSize(t) == 0 && t != 'S' && t != 'H' {
				l.pos--
				return l.errf("unsupported element type %q in a typed container", t)
			}
			f.typ = t
			if l.pos >= len(l.buf) || l.buf[l.pos] != '#' {
				return l.errf("typed container without a count")
			}
		}
		if l.pos < len(l.buf) && l.buf[l.pos] == '#' {
			l.pos++
			c, err := l.ubjLength()
			if err != nil {
				return err
			}
			// Every element takes at least one byte (a key at least two),
			// typed ones their fixed size.
			min := int64(1)
			if s := ubjSize(f.typ); s > 0 {
				min = int64(s)
			}
			if c > int64(l.rest())/min {
				return l.errf("count %d exceeds the %d bytes left", c, l.rest())
			}
			f.count = c
		}
		if err := l.push(f); err != nil {
			return err
		}
		if m == '{' {
			l.kind = tObj
		} else {
			l.kind = tArr
		}
		return nil
	case 'Z':
		l.kind = tNull
	case 'T':
		l.kind, l.f = tBool, 1
	case 'F':
		l.kind, l.f = tBool, 0
	case 'S', 'H':
		s, err := l.ubjStringBody()
		if err != nil {
			return err
		}
		if m == 'H' {
			if len(s) > 32 {
				if err := l.bud.take(len(s), "a long number"); err != nil {
					return err
				}
			}
			v, err := strconv.ParseFloat(string(s), 64)
			if err != nil {
				return l.errf("bad high-precision number %q", s)
			}
			l.kind, l.f = tNum, v
		} else {
			l.kind, l.s = tStr, s
		}
	case 'C':
		c, err := l.byte1()
		if err != nil {
			return err
		}
		l.kind, l.s = tStr, l.buf[l.pos-1:l.pos]
		_ = c
	case 'i', 'U', 'I', 'l', 'L', 'd', 'D':
		v, err := l.ubjNumber(m)
		if err != nil {
			return err
		}
		l.kind, l.f = tNum, v
	default:
		l.pos--
		return l.errf("unknown marker %q", m)
	}
	l.valueDone()
	return nil
}

// ---- helpers for the schema-driven decoder ----

// skip skips the value whose first token is the current one.
func (l *lexer) skip() error {
	if l.kind != tObj && l.kind != tArr {
		return nil
	}
	if !l.skipping {
		l.skipping = true
		defer func() { l.skipping = false }()
	}
	// Typed counted UBJSON arrays of fixed-size numbers: jump over them.
	depth := 1
	for depth > 0 {
		if l.ubj {
			f := &l.stack[len(l.stack)-1]
			if !f.obj && f.typ != 0 && f.count >= 0 {
				if s := ubjSize(f.typ); s > 0 {
					l.pos += int(f.count) * s // checked against the input when read
					f.count = 0
				}
			}
		}
		if err := l.next(); err != nil {
			return err
		}
		switch l.kind {
		case tObj, tArr:
			depth++
		case tEnd:
			depth--
		}
	}
	return nil
}

// value reads the next token, which starts a value.
func (l *lexer) value() error {
	if err := l.next(); err != nil {
		return err
	}
	if l.kind == tEnd || l.kind == tKey {
		return l.errf("a value expected, found %v", l.kind)
	}
	return nil
}

// key reads the next key of the current object; ok is false at its end.
func (l *lexer) key() (k []byte, ok bool, err error) {
	if err := l.next(); err != nil {
		return nil, false, err
	}
	switch l.kind {
	case tEnd:
		return nil, false, nil
	case tKey:
		return l.s, true, nil
	}
	return nil, false, l.errf("a key expected, found %v", l.kind)
}

// expect reads a value that must start with kind k.
func (l *lexer) expect(k tok, field string) error {
	if err := l.value(); err != nil {
		return err
	}
	if l.kind != k {
		return l.errf("field %s: %v expected, found %v", field, k, l.kind)
	}
	return nil
}

// number reads a number, or a string holding one (XGBoost writes its
// parameters as strings).
func (l *lexer) number(field string) (float64, error) {
	if err := l.value(); err != nil {
		return 0, err
	}
	switch l.kind {
	case tNum, tBool:
		return l.f, nil
	case tStr:
		v, err := strconv.ParseFloat(string(l.s), 64)
		if err != nil {
			return 0, l.errf("field %s: %q is not a number", field, l.s)
		}
		return v, nil
	}
	return 0, l.errf("field %s: number expected, found %v", field, l.kind)
}

// str reads a string value.
func (l *lexer) str(field string) (string, error) {
	if err := l.expect(tStr, field); err != nil {
		return "", err
	}
	return l.keep(field)
}

// arrayLen returns the number of elements of the array whose start is the
// current token, without consuming them: the count of a counted UBJSON
// array, the commas of a JSON array of numbers, or else a pass that skips
// the elements and comes back.
func (l *lexer) arrayLen() (int, error) {
	n := len(l.stack)
	f := l.stack[n-1]
	if f.count >= 0 {
		return int(f.count), nil
	}
	if !l.ubj {
		// A JSON array of numbers ends at the first ']'; its elements are
		// its commas plus one (or none when it holds only blanks).
		if end := bytes.IndexByte(l.buf[l.pos:], ']'); end >= 0 {
			seg := l.buf[l.pos : l.pos+end]
			if !bytes.ContainsAny(seg, "[{\"") {
				if len(bytes.Trim(seg, " \t\r\n")) == 0 {
					return 0, nil
				}
				return bytes.Count(seg, []byte{','}) + 1, nil
			}
		}
	}
	var parent frame
	if n > 1 {
		parent = l.stack[n-2]
	}
	pos, skipping := l.pos, l.skipping
	l.skipping = true
	count := 0
	for {
		if err := l.next(); err != nil {
			return 0, err
		}
		if l.kind == tEnd {
			break
		}
		count++
		if err := l.skip(); err != nil {
			return 0, err
		}
	}
	l.pos, l.skipping = pos, skipping
	l.stack = l.stack[:n]
	l.stack[n-1] = f
	if n > 1 {
		l.stack[n-2] = parent
	}
	l.kind = tArr
	return count, nil
}

// numbers calls put with each element of the array whose start is the
// current token, after calling size with their count (so that the caller
// can allocate once); the array must hold numbers only.
func (l *lexer) numbers(field string, size func(n int) error, put func(i int, v float64) error) error {
	n, err := l.arrayLen()
	if err != nil {
		return err
	}
	if err := size(n); err != nil {
		return err
	}
	if l.ubj {
		f := &l.stack[len(l.stack)-1]
		if s := ubjSize(f.typ); s > 0 && f.typ != 'C' && f.count >= 0 {
			if n*s > l.rest() {
				return l.errf("field %s: %d elements exceed the %d bytes left", field, n, l.rest())
			}
			for i := range n {
				v, err := l.ubjNumber(f.typ)
				if err != nil {
					return err
				}
				if err := put(i, v); err != nil {
					return err
				}
			}
			f.count = 0
			return l.next() // the end
		}
	}
	for i := 0; ; i++ {
		if err := l.next(); err != nil {
			return err
		}
		switch l.kind {
		case tEnd:
			return nil
		case tNum, tBool:
			if i >= n {
				return l.errf("field %s: more elements than counted", field)
			}
			if err := put(i, l.f); err != nil {
				return err
			}
		default:
			return l.errf("field %s: number expected in array, found %v", field, l.kind)
		}
	}
}

// grow returns dst resized to n elements, reusing its storage when it is
// large enough and otherwise allocating (charged to the budget).
func grow[T any](l *lexer, dst []T, n int, size int, field string) ([]T, error) {
	if cap(dst) >= n {
		return dst[:n], nil
	}
	if err := l.bud.take(n*size, field); err != nil {
		return nil, err
	}
	return make([]T, n), nil
}

// int32s reads an array of integers that fit an int32 into dst's storage.
func (l *lexer) int32s(dst []int32, field string) ([]int32, error) {
	if err := l.expect(tArr, field); err != nil {
		return nil, err
	}
	n := 0
	err := l.numbers(field, func(c int) (err error) { dst, err = grow(l, dst, c, 4, field); return err },
		func(i int, v float64) error {
			if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
				return l.errf("field %s: element %d (%v) is not a 32-bit integer", field, i, v)
			}
			dst[i] = int32(v)
			n = i + 1
			return nil
		})
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// float32s reads an array of numbers into dst's storage as the float32s
// XGBoost holds. A finite value beyond float32's range (such as 1e300,
// which would become an infinity) is an error; NaN and the infinities are
// kept for the caller to judge.
func (l *lexer) float32s(dst []float32, field string) ([]float32, error) {
	if err := l.expect(tArr, field); err != nil {
		return nil, err
	}
	n := 0
	err := l.numbers(field, func(c int) (err error) { dst, err = grow(l, dst, c, 4, field); return err },
		func(i int, v float64) error {
			f, err := fit32(v)
			if err != nil {
				return l.errf("field %s: element %d: %v", field, i, err)
			}
			dst[i] = f
			n = i + 1
			return nil
		})
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// fit32 converts v to float32, refusing a finite value that float32 cannot
// hold.
func fit32(v float64) (float32, error) {
	f := float32(v)
	if math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
		return 0, fmt.Errorf("%v does not fit a float32 (the model's precision)", v)
	}
	return f, nil
}

// bytes reads an array of integers in [lo, hi] (within [-128, 255]) into
// dst's storage, one byte each.
func (l *lexer) bytes(dst []byte, field string, lo, hi float64) ([]byte, error) {
	if err := l.expect(tArr, field); err != nil {
		return nil, err
	}
	n := 0
	err := l.numbers(field, func(c int) (err error) { dst, err = grow(l, dst, c, 1, field); return err },
		func(i int, v float64) error {
			if v != math.Trunc(v) || v < lo || v > hi {
				return l.errf("field %s: element %d (%v) outside [%v, %v]", field, i, v, lo, hi)
			}
			dst[i] = byte(int(v))
			n = i + 1
			return nil
		})
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// strings reads an array of strings, each copied and charged to the
// budget with its header.
func (l *lexer) strings(field string) ([]string, error) {
	if err := l.expect(tArr, field); err != nil {
		return nil, err
	}
	n, err := l.arrayLen()
	if err != nil {
		return nil, err
	}
	if err := l.bud.take(n*16, field); err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for {
		if err := l.next(); err != nil {
			return nil, err
		}
		switch l.kind {
		case tEnd:
			return out, nil
		case tStr:
			if len(out) == n {
				return nil, l.errf("field %s: more elements than counted", field)
			}
			s, err := l.keep(field)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		default:
			return nil, l.errf("field %s: string expected in array, found %v", field, l.kind)
		}
	}
}

// keep returns the current string token as a string, charged to the
// budget; the feature types XGBoost writes cost nothing.
func (l *lexer) keep(field string) (string, error) {
	switch string(l.s) {
	case "":
		return "", nil
	case "float":
		return "float", nil
	case "int":
		return "int", nil
	case "i":
		return "i", nil
	case "q":
		return "q", nil
	case "c":
		return "c", nil
	}
	if err := l.bud.take(len(l.s), field); err != nil {
		return "", err
	}
	return string(l.s), nil
}
