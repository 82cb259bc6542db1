package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The request body is decoded without building a map per record: the body
// is checked once with json.Valid, then walked in place. A record's values
// become substrings of one string copy of the body and its keys are matched
// against the schema's own column names, so a warm server decodes a record
// without allocating. encoding/json cannot: decoding into a map, a string
// or a json.RawMessage copies every key and value.

// span is where one JSON value lies in the body: doc[start:end].
type span struct{ start, end int }

// document is a request body that json.Valid has accepted, with its text as
// one string so that record values can be substrings of it.
type document struct {
	b    []byte // the body, surrounding space trimmed
	text string // string(b): one copy per request, shared by every value
}

// splitArray checks that body holds one JSON array and appends the span of
// each element to dst[:0]. The errors are the request-level bad_json
// messages.
func splitArray(body []byte, dst []span) (document, []span, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return document{}, nil, errors.New("empty body: send a JSON array of records")
	}
	if b[0] != '[' {
		return document{}, nil, errors.New("the body must be a JSON array of records ([{...}, ...])")
	}
	if !json.Valid(b) {
		return document{}, nil, syntaxError(b)
	}
	// The walk below trusts the syntax: json.Valid has checked every byte.
	dst = dst[:0]
	for i := skipSpace(b, 1); b[i] != ']'; {
		end := valueEnd(b, i)
		dst = append(dst, span{i, end})
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return document{b: b, text: string(b)}, dst, nil
}

// syntaxError says what is wrong with b, which json.Valid refused. It runs
// only on bad requests, so it may take the allocating road through
// json.Decoder, whose messages name the fault.
func syntaxError(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raws []json.RawMessage
	if err := dec.Decode(&raws); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON: data after the array")
	}
	return errors.New("malformed JSON") // not reached: json.Valid and the decoder agree
}

// decodeRecord reads the record at sp into rec (column → value as text) and
// vals (per schema column, where its value lies, for echoing it in
// explanations). cols maps each schema column name to its index in names.
// A value must be a string or a number; keys outside the schema are checked
// and then dropped, since the pipeline reads only schema columns.
func decodeRecord(doc document, sp span, cols map[string]int, names []string, rec map[string]string, vals []span) error {
	b := doc.b
	if b[sp.start] != '{' {
		return errors.New("a record must be a JSON object of column name → value")
	}
	clear(rec)
	clear(vals)
	for i := skipSpace(b, sp.start+1); b[i] != '}'; {
		k := span{i, stringEnd(b, i)}
		i = skipSpace(b, k.end) // the colon
		i = skipSpace(b, i+1)
		v := span{i, valueEnd(b, i)}
		i = skipSpace(b, v.end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}

		text, err := valueText(doc, v)
		if err != nil {
			return fmt.Errorf("column %q: %v", keyText(doc, k), err)
		}
		var col int
		var known bool
		if key := b[k.start+1 : k.end-1]; bytes.IndexByte(key, '\\') < 0 {
			col, known = cols[string(key)] // string(key) in a map index does not allocate
		} else {
			col, known = cols[keyText(doc, k)]
		}
		if known {
			rec[names[col]] = text // the schema's own string as key: the key is not copied
			vals[col] = v
		}
	}
	return nil
}

// keyText returns the text of the key at k, unescaped. It allocates when
// the key holds escapes, which clients rarely send.
func keyText(doc document, k span) string {
	var s string
	if err := json.Unmarshal(doc.b[k.start:k.end], &s); err != nil {
		return doc.text[k.start+1 : k.end-1] // not reached: json.Valid checked the key
	}
	return s
}

// valueText returns the text of the value at v as the pipeline reads it: a
// string's content or a number's digits.
func valueText(doc document, v span) (string, error) {
	raw := doc.b[v.start:v.end]
	switch c := raw[0]; {
	case c == '"' && bytes.IndexByte(raw, '\\') < 0:
		return doc.text[v.start+1 : v.end-1], nil // no escapes: a substring, not a copy
	case c == '"':
		var s string // escapes (rare): let encoding/json unescape, allocating
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return doc.text[v.start:v.end], nil // a JSON number is valid strconv.ParseFloat text
	default:
		return "", fmt.Errorf("%s is neither a string nor a number", raw)
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string opening at b[i].
func stringEnd(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++ // skip the escaped byte, which may be a quote
		}
	}
	return i + 1
}

// valueEnd returns the index just past the JSON value starting at b[i]:
// a string, an object or array (up to its matching bracket), or a number
// or literal (up to the next delimiter).
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1 // brackets inside strings do not count
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	default:
		for i < len(b) && !endsLiteral(b[i]) {
			i++
		}
		return i
	}
}

// endsLiteral reports whether c ends a number or literal: a delimiter or
// white space.
func endsLiteral(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
