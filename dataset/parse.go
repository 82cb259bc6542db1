package dataset

import (
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a decimal number from b without allocating in the
// common case. Plain decimals ("0", "12983", "0.06", "-1.5") with at most
// 15 significant digits and at most 22 fractional digits take the exact
// fast path of Clinger (1990, "How to read floating point numbers
// accurately"): the mantissa and the power of ten are both exact float64
// values, so one correctly rounded division gives the same result as
// strconv.ParseFloat. Anything else (exponents, long mantissas, "inf",
// "NaN", hex) falls back to strconv.ParseFloat. ok is false for text that
// is not a number.
func parseFloat(b []byte) (f float64, ok bool) {
	if f, ok := fastFloat(b); ok {
		return f, true
	}
	return slowFloat(b)
}

// fastFloat is parseFloat's exact fast path; ok is false when b needs
// strconv.ParseFloat (which may still accept it). It never returns NaN or
// an infinity.
func fastFloat[T string | []byte](b T) (f float64, ok bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	var mant uint64
	nd, frac := 0, 0
	digits, dot := false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
			if mant != 0 || c != '0' {
				nd++
				if nd > 15 {
					return 0, false
				}
			}
			mant = mant*10 + uint64(c-'0')
			if dot {
				frac++
				if frac > 22 {
					return 0, false
				}
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	f = float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

func slowFloat[T string | []byte](b T) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Out-of-range values come back as ±Inf (or 0 for underflow)
		// with ErrRange: keep that value, so that the reader's infinity
		// policy decides about overflow.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// parseInt parses a small non-negative or negative decimal integer.
func parseInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	n := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// interner returns one shared string per distinct byte sequence, so that
// categorical values and labels cost no allocation per row. It stops adding
// entries after max distinct values (a column of unique values then
// allocates per row instead of growing the map without bound).
type interner struct {
	m   map[string]string
	max int
}

func newInterner(max int) *interner { return &interner{m: make(map[string]string), max: max} }

func (in *interner) get(b []byte) string {
	if s, ok := in.m[string(b)]; ok { // no allocation: the compiler spots m[string(b)]
		return s
	}
	s := string(b)
	if len(in.m) < in.max {
		in.m[s] = s
	}
	return s
}
