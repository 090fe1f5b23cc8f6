package rdb

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Low-level RDB encoding helpers of the encoder (rdbSaveLen, rdbSaveRawString, rdbEncodeInteger,
// rdbSaveLzfBlob, rdbSaveBinaryDoubleValue in src/rdb.c @ 7.4.1). Every helper appends to dst
// and returns the extended slice; none allocates beyond growing dst.

// Special string encodings (the low 6 bits after a 0b11 length prefix).
const (
	encStrInt8  = 0
	encStrInt16 = 1
	encStrInt32 = 2
	encStrLZF   = 3
)

// encAppendLen appends an RDB length: 6-bit, 14-bit, 0x80 + 32-bit BE, or 0x81 + 64-bit BE,
// the shortest that fits, as rdbSaveLen writes it.
func encAppendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		dst = append(dst, 0x80)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	default:
		dst = append(dst, 0x81)
		return binary.BigEndian.AppendUint64(dst, n)
	}
}

// encParseInt reports whether s is the canonical decimal form of an int64 (string2ll and
// lpStringToInt64 in Redis: no sign on zero, no leading zeros, no spaces, at most 20 bytes), and
// its value. "007", "-0", " 1", "+1" and "" are not canonical.
func encParseInt(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg = true
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -int64(1<<63) wraps to MinInt64, which is right
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// encAppendIntString appends v as an int8/int16/int32 special encoding when it fits, and reports
// whether it did (rdbEncodeInteger).
func encAppendIntString(dst []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, 0xC0|encStrInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return append(dst, 0xC0|encStrInt16, byte(v), byte(v>>8)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return append(dst, 0xC0|encStrInt32, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)), true
	}
	return dst, false
}

// encAppendString appends s as rdbSaveRawString does: integer encoding for canonical integers of
// at most 11 bytes that fit 32 bits, else LZF when compress is set, s is longer than 20 bytes
// and compression saves at least 4 bytes, else length + raw bytes. lz provides the compressor's
// scratch space (nil disables compression).
func encAppendString(dst, s []byte, lz *encLZF) []byte {
	if len(s) <= 11 {
		if v, ok := encParseInt(s); ok {
			if out, ok := encAppendIntString(dst, v); ok {
				return out
			}
		}
	}
	if lz != nil && len(s) > 20 {
		if c := lz.compress(s, len(s)-4); c != nil {
			dst = append(dst, 0xC0|encStrLZF)
			dst = encAppendLen(dst, uint64(len(c)))
			dst = encAppendLen(dst, uint64(len(s)))
			return append(dst, c...)
		}
	}
	dst = encAppendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// encAppendMillis appends a millisecond time as 8 bytes little-endian (rdbSaveMillisecondTime).
func encAppendMillis(dst []byte, ms int64) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(ms))
}

// encAppendBinaryDouble appends an IEEE 754 binary64 little-endian (rdbSaveBinaryDoubleValue).
func encAppendBinaryDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// encFormatScore appends the text a server of the RDB version stores for a sorted-set score
// inside a ziplist or listpack (d2string): "inf"/"-inf", "-0" (up to 6.2; 7.0+ stores every
// integral score, -0 included, as an integer: double2ll in zzlInsertAt), an integer when the
// value is integral and within range (|v| < 2^52 up to 6.2, |v| <= 2^62 from 7.0), else %.17g (up to
// 7.0) or the shortest text that reads back exactly (7.2+, fpconv_dtoa). The text then goes
// through the container's integer detection.
func encFormatScore(dst []byte, f float64, version int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0 && version >= 10:
		// 7.0+ zzlInsertAt stores integral scores as integers (double2ll): -0 becomes 0.
		return append(dst, '0')
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	case f == math.Trunc(f) && version < 10 && f > -(1<<52-1) && f < 1<<52:
		return strconv.AppendInt(dst, int64(f), 10)
	case f == math.Trunc(f) && version >= 10 && f >= -(1<<62) && f <= 1<<62:
		return strconv.AppendInt(dst, int64(f), 10)
	case version >= 11:
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
