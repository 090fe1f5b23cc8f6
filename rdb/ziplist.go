package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Ziplist reading (src/ziplist.c @ 7.4.1), the compact encoding of RDB ≤ 9 (types 10, 12, 13
// and the nodes of quicklist type 14).
//
//	<zlbytes uint32 LE> <zltail uint32 LE> <zllen uint16 LE> <entry> ... <0xFF>
//	entry = <prevlen: 1 byte, or 0xFE + uint32 LE> <encoding> <data>
//
// Encodings: 00LLLLLL, 01LLLLLL LLLLLLLL (BE), 10______ + uint32 BE length: strings;
// 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (LE); 0xF1-0xFD immediate 0-12.

const (
	zlHeaderSize = 10
	zlEnd        = 0xFF
	zlBigPrevlen = 0xFE
)

// zlIter walks the entries of one ziplist.
type zlIter struct {
	b       []byte
	p       int
	n       int
	count   int // header count (0xFFFF: not kept)
	tail    int // header tail offset
	prevRaw int // size of the previous entry
	lastAt  int // position of the previous entry
	verify  bool
	err     string
	errAt   int
}

// zlOpen checks the ziplist header (size, zlbytes, terminator, tail offset in range).
func zlOpen(b []byte, verify bool) (zlIter, string) {
	if len(b) < zlHeaderSize+1 {
		return zlIter{}, fmt.Sprintf("ziplist of %d bytes is shorter than its 11-byte minimum", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); uint64(total) != uint64(len(b)) {
		return zlIter{}, fmt.Sprintf("ziplist header says %d bytes, the string has %d", total, len(b))
	}
	if b[len(b)-1] != zlEnd {
		return zlIter{}, "ziplist does not end with 0xFF"
	}
	tail := binary.LittleEndian.Uint32(b[4:])
	if uint64(tail) > uint64(len(b)-1) {
		return zlIter{}, fmt.Sprintf("ziplist tail offset %d is past its end", tail)
	}
	return zlIter{b: b, p: zlHeaderSize, count: int(binary.LittleEndian.Uint16(b[8:])),
		tail: int(tail), lastAt: -1, verify: verify}, ""
}

// next decodes the entry at it.p, like lpIter.next.
func (it *zlIter) next() (s []byte, v int64, isInt bool, st int) {
	b, p := it.b, it.p
	last := len(b) - 1
	if p > last {
		return it.bad(p, "entry past the end")
	}
	if b[p] == zlEnd {
		if p != last {
			return it.bad(p, "end marker 0xFF before the end of the ziplist")
		}
		if it.verify {
			if it.lastAt >= 0 && it.lastAt != it.tail {
				return it.bad(p, fmt.Sprintf("ziplist tail offset %d is not the last entry (%d)", it.tail, it.lastAt))
			}
			if it.count != 0xFFFF && it.count != it.n {
				return it.bad(p, fmt.Sprintf("ziplist header counts %d entries, it holds %d", it.count, it.n))
			}
		}
		return nil, 0, false, iterEnd
	}
	pls := 1
	if b[p] >= zlBigPrevlen {
		pls = 5
	}
	if p+pls > last {
		return it.bad(p, "ziplist prevlen cut by the end")
	}
	var prevlen int
	if pls == 1 {
		prevlen = int(b[p])
	} else {
		prevlen = int(binary.LittleEndian.Uint32(b[p+1:]))
	}
	q := p + pls
	enc := b[q]
	if enc < 0xC0 {
		enc &= 0xC0
	}
	var lensize int
	var l uint64
	switch enc {
	case 0x00:
		lensize, l = 1, uint64(b[q]&0x3f)
	case 0x40:
		if q+1 > last {
			return it.bad(p, "ziplist entry header cut by the end")
		}
		lensize, l = 2, uint64(b[q]&0x3f)<<8|uint64(b[q+1])
	case 0x80:
		if q+4 > last {
			return it.bad(p, "ziplist entry header cut by the end")
		}
		lensize, l = 5, uint64(binary.BigEndian.Uint32(b[q+1:]))
	case 0xFE:
		lensize, l, isInt = 1, 1, true
	case 0xC0:
		lensize, l, isInt = 1, 2, true
	case 0xF0:
		lensize, l, isInt = 1, 3, true
	case 0xD0:
		lensize, l, isInt = 1, 4, true
	case 0xE0:
		lensize, l, isInt = 1, 8, true
	default:
		if enc >= 0xF1 && enc <= 0xFD {
			lensize, l, isInt = 1, 0, true
			v = int64(enc&0x0F) - 1
		} else {
			return it.bad(p, fmt.Sprintf("invalid ziplist entry encoding 0x%02x", enc))
		}
	}
	hs := pls + lensize
	if uint64(p)+uint64(hs)+l > uint64(last) {
		return it.bad(p, "ziplist entry runs past the end")
	}
	if p-prevlen < zlHeaderSize {
		return it.bad(p, "ziplist prevlen points before the first entry")
	}
	if it.verify && prevlen != it.prevRaw {
		return it.bad(p, fmt.Sprintf("ziplist prevlen %d does not match the previous entry size %d", prevlen, it.prevRaw))
	}
	d := p + hs
	end := d + int(l)
	if isInt {
		switch enc {
		case 0xFE:
			v = int64(int8(b[d]))
		case 0xC0:
			v = int64(int16(binary.LittleEndian.Uint16(b[d:])))
		case 0xF0:
			u := uint32(b[d]) | uint32(b[d+1])<<8 | uint32(b[d+2])<<16
			v = int64(int32(u<<8) >> 8)
		case 0xD0:
			v = int64(int32(binary.LittleEndian.Uint32(b[d:])))
		case 0xE0:
			v = int64(binary.LittleEndian.Uint64(b[d:]))
		}
	} else {
		s = b[d:end:end]
	}
	it.prevRaw = end - p
	it.lastAt = p
	it.p = end
	it.n++
	return s, v, isInt, iterEntry
}

func (it *zlIter) bad(p int, reason string) ([]byte, int64, bool, int) {
	it.err, it.errAt = reason, p
	return nil, 0, false, iterBad
}

// zlEntryText re-reads the entry at p of a ziplist walked once (see lpEntryText).
func zlEntryText(b []byte, p int, buf *[24]byte) []byte {
	it := zlIter{b: b, p: p}
	s, v, isInt, st := it.next()
	if st != iterEntry {
		return nil
	}
	if isInt {
		return appendInt(buf[:0], v)
	}
	return s
}

func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }
