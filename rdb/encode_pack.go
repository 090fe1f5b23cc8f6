package rdb

import (
	"encoding/binary"
	"math"
	"slices"
)

// Builders for the packed containers a server stores as one RDB string: listpack
// (src/listpack.c @ 7.0.15), ziplist (src/ziplist.c @ 5.0.14) and intset (src/intset.c).
// Entries are encoded as those files' append functions encode them, so a server that loads the
// blob sees exactly what it would have built itself.

// encListpack builds a listpack: 4-byte total size LE, 2-byte element count LE (65535 when
// larger), entries, 0xFF. Each entry is encoding+data followed by its backlen.
type encListpack struct {
	b []byte
	n int
}

const encListpackHeader = 6

func (lp *encListpack) reset() {
	lp.b = append(lp.b[:0], 0, 0, 0, 0, 0, 0)
	lp.n = 0
}

// bytes is the size the listpack has once finished (lpBytes).
func (lp *encListpack) bytes() int { return len(lp.b) + 1 }

// appendString appends s, integer-encoded when it is a canonical int64 (lpAppend).
func (lp *encListpack) appendString(s []byte) {
	if v, ok := encParseInt(s); ok {
		lp.appendInt(v)
		return
	}
	start := len(lp.b)
	n := len(s)
	switch {
	case n < 64:
		lp.b = append(lp.b, 0x80|byte(n))
	case n < 4096:
		lp.b = append(lp.b, 0xE0|byte(n>>8), byte(n))
	default:
		lp.b = append(lp.b, 0xF0)
		lp.b = binary.LittleEndian.AppendUint32(lp.b, uint32(n))
	}
	lp.b = append(lp.b, s...)
	lp.backlen(len(lp.b) - start)
}

// appendInt appends an integer in the smallest listpack integer encoding (lpAppendInteger).
func (lp *encListpack) appendInt(v int64) {
	start := len(lp.b)
	switch {
	case v >= 0 && v <= 127:
		lp.b = append(lp.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		lp.b = append(lp.b, 0xC0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		lp.b = append(lp.b, 0xF1, byte(v), byte(v>>8))
	case v >= -(1<<23) && v <= 1<<23-1:
		lp.b = append(lp.b, 0xF2, byte(v), byte(v>>8), byte(v>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		lp.b = append(lp.b, 0xF3, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	default:
		lp.b = append(lp.b, 0xF4)
		lp.b = binary.LittleEndian.AppendUint64(lp.b, uint64(v))
	}
	lp.backlen(len(lp.b) - start)
}

// backlen appends the entry length l in the reversed 7-bit form of lpEncodeBacklen.
func (lp *encListpack) backlen(l int) {
	switch {
	case l <= 127:
		lp.b = append(lp.b, byte(l))
	case l < 16383:
		lp.b = append(lp.b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		lp.b = append(lp.b, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case l < 268435455:
		lp.b = append(lp.b, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	default:
		lp.b = append(lp.b, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128,
			byte((l>>7)&127)|128, byte(l&127)|128)
	}
	lp.n++
}

// finish terminates the listpack and fills its header; the result aliases the builder.
// It fails with ErrEncodeInvalid when the listpack would exceed 4 GB.
func (lp *encListpack) finish() ([]byte, error) {
	lp.b = append(lp.b, 0xFF)
	if len(lp.b) > math.MaxUint32 {
		return nil, encInvalid("listpack larger than 4 GB")
	}
	binary.LittleEndian.PutUint32(lp.b[0:4], uint32(len(lp.b)))
	n := lp.n
	if n > math.MaxUint16 {
		n = math.MaxUint16
	}
	binary.LittleEndian.PutUint16(lp.b[4:6], uint16(n))
	return lp.b, nil
}

// encZiplist builds a ziplist: zlbytes (4 LE), zltail (4 LE, offset of the last entry), zllen
// (2 LE, 65535 when larger), entries, 0xFF. Each entry is prevlen (1 byte, or 0xFE + 4 LE),
// encoding, data.
type encZiplist struct {
	b       []byte
	n       int
	prevLen int // size of the last entry
	tail    int // offset of the last entry
}

const encZiplistHeader = 10

func (zl *encZiplist) reset() {
	zl.b = append(zl.b[:0], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	zl.n, zl.prevLen, zl.tail = 0, 0, encZiplistHeader
}

// bytes is the size the ziplist has once finished.
func (zl *encZiplist) bytes() int { return len(zl.b) + 1 }

// appendString appends s, integer-encoded when it is a canonical int64 shorter than 32 bytes
// (zipTryEncoding).
func (zl *encZiplist) appendString(s []byte) {
	start := len(zl.b)
	if zl.prevLen < 254 {
		zl.b = append(zl.b, byte(zl.prevLen))
	} else {
		zl.b = append(zl.b, 0xFE)
		zl.b = binary.LittleEndian.AppendUint32(zl.b, uint32(zl.prevLen))
	}
	if v, ok := encParseInt(s); ok && len(s) < 32 {
		switch {
		case v >= 0 && v <= 12:
			zl.b = append(zl.b, 0xF1+byte(v))
		case v >= math.MinInt8 && v <= math.MaxInt8:
			zl.b = append(zl.b, 0xFE, byte(v))
		case v >= math.MinInt16 && v <= math.MaxInt16:
			zl.b = append(zl.b, 0xC0, byte(v), byte(v>>8))
		case v >= -(1<<23) && v <= 1<<23-1:
			zl.b = append(zl.b, 0xF0, byte(v), byte(v>>8), byte(v>>16))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			zl.b = append(zl.b, 0xD0, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		default:
			zl.b = append(zl.b, 0xE0)
			zl.b = binary.LittleEndian.AppendUint64(zl.b, uint64(v))
		}
	} else {
		n := len(s)
		switch {
		case n <= 0x3f:
			zl.b = append(zl.b, byte(n))
		case n <= 0x3fff:
			zl.b = append(zl.b, 0x40|byte(n>>8), byte(n))
		default:
			zl.b = append(zl.b, 0x80)
			zl.b = binary.BigEndian.AppendUint32(zl.b, uint32(n))
		}
		zl.b = append(zl.b, s...)
	}
	zl.tail = start
	zl.prevLen = len(zl.b) - start
	zl.n++
}

// finish terminates the ziplist and fills its header; the result aliases the builder.
func (zl *encZiplist) finish() ([]byte, error) {
	zl.b = append(zl.b, 0xFF)
	if len(zl.b) > math.MaxUint32 {
		return nil, encInvalid("ziplist larger than 4 GB")
	}
	binary.LittleEndian.PutUint32(zl.b[0:4], uint32(len(zl.b)))
	binary.LittleEndian.PutUint32(zl.b[4:8], uint32(zl.tail))
	n := zl.n
	if n > math.MaxUint16 {
		n = math.MaxUint16
	}
	binary.LittleEndian.PutUint16(zl.b[8:10], uint16(n))
	return zl.b, nil
}

// encAppendIntset appends the intset of the values (sorted in place, no duplicates allowed):
// encoding (element width 2, 4 or 8, uint32 LE), length (uint32 LE), elements ascending LE.
func encAppendIntset(dst []byte, vals []int64) []byte {
	slices.Sort(vals)
	width := 2
	for _, v := range vals {
		if v < math.MinInt32 || v > math.MaxInt32 {
			width = 8
			break
		}
		if v < math.MinInt16 || v > math.MaxInt16 {
			width = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(width))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}
