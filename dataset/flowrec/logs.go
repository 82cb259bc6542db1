package flowrec

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/netwarden/netwarden/dataset"
)

// lines reads a log line by line, counting them, with long lines allowed.
type lines struct {
	sc   *bufio.Scanner
	name string
	line int
}

func newLines(r io.Reader, name string) lines {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	return lines{sc: sc, name: name}
}

func (l *lines) next() (string, bool) {
	if !l.sc.Scan() {
		return "", false
	}
	l.line++
	return strings.TrimRight(l.sc.Text(), "\r"), true
}

func (l *lines) errf(col int, field, format string, args ...any) error {
	return &dataset.ParseError{File: l.name, Line: l.line, Column: col, Field: field,
		Err: fmt.Errorf(format+": %w", append(args, ErrFormat)...)}
}

func (l *lines) readErr() error {
	if err := l.sc.Err(); err != nil {
		return &dataset.ParseError{File: l.name, Line: l.line + 1, Err: fmt.Errorf("%v: %w", err, ErrFormat)}
	}
	return io.EOF
}

// secondsTime reads UNIX seconds with a fraction ("1258531221.486539").
func secondsTime(s string) (time.Time, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
}

func secondsDuration(s string) (time.Duration, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1e9 {
		return 0, false
	}
	return time.Duration(math.Round(v*1e6)) * time.Microsecond, true
}

// protoNumber maps the transport names Zeek and Argus print to IANA
// protocol numbers.
func protoNumber(s string) (uint8, bool) {
	switch strings.ToLower(s) {
	case "tcp":
		return 6, true
	case "udp":
		return 17, true
	case "icmp":
		return 1, true
	case "ipv6-icmp", "icmp6", "icmpv6":
		return 58, true
	case "sctp":
		return 132, true
	case "gre":
		return 47, true
	case "esp":
		return 50, true
	case "ah":
		return 51, true
	case "igmp":
		return 2, true
	case "unknown_transport":
		return 0, true
	}
	v, err := strconv.ParseUint(s, 10, 8)
	return uint8(v), err == nil
}

// parseAddr reads an address, dropping an IPv4-mapped IPv6 form.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
