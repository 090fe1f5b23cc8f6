package canon

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendPyString appends s (valid UTF-8) as a JSON string the way Python's json.dumps writes it:
// `"` and `\` escaped, \b \f \n \r \t as short escapes, other control characters as \u00xx
// (lower-case hex). With ascii false every other character is kept raw (ensure_ascii=False);
// with ascii true everything outside space..'~' becomes \uxxxx, astral characters as a
// surrogate pair (ensure_ascii=True, Python's default).
func appendPyString(dst []byte, s []byte, ascii bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7f {
			i++
			continue
		}
		if c >= 0x7f && !ascii {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x80 {
				dst = appendU(dst, rune(c))
				i++
				start = i
				continue
			}
			r, size := utf8.DecodeRune(s[i:])
			if r >= 0x10000 {
				r -= 0x10000
				dst = appendU(dst, 0xd800|(r>>10))
				dst = appendU(dst, 0xdc00|(r&0x3ff))
			} else {
				dst = appendU(dst, r)
			}
			i += size
			start = i
			continue
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendBytes appends a byte string the way keyspace_dump.py's b() does: a JSON string when b
// is valid UTF-8, else {"b64": "<standard base64>"}. A nil slice is still a (empty) string.
func appendBytes(dst []byte, b []byte, ascii bool) []byte {
	if utf8.Valid(b) {
		return appendPyString(dst, b, ascii)
	}
	dst = append(dst, `{"b64": "`...)
	n := base64.StdEncoding.EncodedLen(len(b))
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[len(dst)-n:], b)
	return append(dst, `"}`...)
}

// jsonKey is json.dumps(x) of a byte string with Python's defaults (ASCII only): the sort key
// keyspace_dump.py uses for function libraries and jsonl_diff.py uses for key names.
func jsonKey(b []byte) string {
	return string(appendBytes(nil, b, true))
}

// FormatScore returns a sorted-set score as Redis 7.2+ prints it (d2string in util.c): "inf",
// "-inf", "nan", "0"/"-0", integral values within ±2^62 as integers, everything else as the
// shortest text that parses back to the same double, in plain notation when the decimal
// exponent is small and as "1.5e+20" / "1e-7" otherwise (fpconv_dtoa's rules). Servers before
// 7.2 printed "%.17g" instead (0.1 became "0.10000000000000001"); both parse to the same value.
// Redis uses Grisu2, which in rare cases yields a longer (still round-tripping) digit string
// than Go's shortest; this function always yields the shortest. Cost: one strconv call.
func FormatScore(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	const lim = float64(math.MaxInt64 / 2) // (double)(LLONG_MAX/2) == 2^62
	if f >= -lim && f <= lim && f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	neg := f < 0
	e := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d[.ddd]e±XX
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp10, _ := strconv.Atoi(expStr) // decimal exponent of the first digit
	nd := len(digits)
	k := exp10 - nd + 1 // value = digits * 10^k
	aexp := exp10
	if aexp < 0 {
		aexp = -aexp
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case k >= 0 && aexp < nd+7:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", k))
	case k < 0 && (k > -7 || aexp < 4):
		off := nd + k
		if off <= 0 {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -off))
			b.WriteString(digits)
		} else {
			b.WriteString(digits[:off])
			b.WriteByte('.')
			b.WriteString(digits[off:])
		}
	default:
		b.WriteByte(digits[0])
		if nd > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if exp10 < 0 {
			b.WriteByte('-')
		} else {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(aexp))
	}
	return b.String()
}

// ErrScore is returned (wrapped) by ParseScore for text that is not a score.
var ErrScore = errors.New("canon: not a valid score")

// ParseScore parses a score as any Redis version prints it ("1.5", "3.1400000000000001",
// "1e+20", "inf", "-inf", "+inf"). NaN is rejected, as Redis rejects it. Errors wrap ErrScore.
func ParseScore(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), nil
	case "-inf", "-infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, &scoreError{s}
	}
	return f, nil
}

type scoreError struct{ s string }

func (e *scoreError) Error() string { return "canon: not a valid score: " + strconv.Quote(e.s) }
func (e *scoreError) Unwrap() error { return ErrScore }

// String formats a stream ID as Redis does: "ms-seq".
func (id StreamID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Compare orders stream IDs: -1, 0 or +1.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// ErrStreamID is returned (wrapped) by ParseStreamID for text that is not "ms-seq".
var ErrStreamID = errors.New("canon: not a valid stream ID")

// ParseStreamID parses "ms-seq" (both parts required, unsigned decimal). Errors wrap ErrStreamID.
func ParseStreamID(s string) (StreamID, error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		ms, err1 := strconv.ParseUint(a, 10, 64)
		seq, err2 := strconv.ParseUint(b, 10, 64)
		if err1 == nil && err2 == nil {
			return StreamID{ms, seq}, nil
		}
	}
	return StreamID{}, &idError{s}
}

type idError struct{ s string }

func (e *idError) Error() string { return "canon: not a valid stream ID: " + strconv.Quote(e.s) }
func (e *idError) Unwrap() error { return ErrStreamID }
