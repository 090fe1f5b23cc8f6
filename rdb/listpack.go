package rdb

import (
	"encoding/binary"
	"fmt"
)

// Listpack reading (src/listpack.c @ 7.4.1).
//
//	<total-bytes uint32 LE> <num-elements uint16 LE> <entry> ... <0xFF>
//	entry = <encoding+data> <backlen: the size of encoding+data, 1-5 bytes, read backwards>
//
// Encodings: 0xxxxxxx 7-bit uint; 10LLLLLL 6-bit-length string; 110xxxxx +1 byte 13-bit int;
// 1110LLLL +1 byte 12-bit-length string; 0xF0 +4 bytes LE length string; 0xF1 int16;
// 0xF2 int24; 0xF3 int32; 0xF4 int64 (all LE); 0xFF end; 0xF5-0xFE invalid.

const (
	lpHeaderSize   = 6
	lpNumUnknown   = 0xFFFF
	lpEOF          = 0xFF
	iterEntry      = 0
	iterEnd        = 1
	iterBad        = 2
	lpMaxBacklenSz = 5
)

// lpIter walks the entries of one listpack. Entries are sub-slices of b.
type lpIter struct {
	b      []byte
	p      int // position of the next entry
	n      int // entries returned so far
	numele int // header count (lpNumUnknown: not kept)
	verify bool
	err    string // the reason, after iterBad
	errAt  int    // position of the bad entry, after iterBad
}

// lpOpen checks the listpack header (lpValidateIntegrity's shallow part: size, total bytes,
// terminator) and returns an iterator on the first entry, or a reason.
func lpOpen(b []byte, verify bool) (lpIter, string) {
	if len(b) < lpHeaderSize+1 {
		return lpIter{}, fmt.Sprintf("listpack of %d bytes is shorter than its 7-byte minimum", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); uint64(total) != uint64(len(b)) {
		return lpIter{}, fmt.Sprintf("listpack header says %d bytes, the string has %d", total, len(b))
	}
	if b[len(b)-1] != lpEOF {
		return lpIter{}, "listpack does not end with 0xFF"
	}
	return lpIter{b: b, p: lpHeaderSize, numele: int(binary.LittleEndian.Uint16(b[4:])), verify: verify}, ""
}

// lpBacklenSize is the number of bytes lpEncodeBacklen uses for an entry of l bytes.
func lpBacklenSize(l uint64) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// next decodes the entry at it.p. For iterEntry it returns either a string (s non-nil or
// empty with isInt false) or an integer v. At the terminator it returns iterEnd after the
// end checks (position, and under verify the header count); iterBad sets it.err.
func (it *lpIter) next() (s []byte, v int64, isInt bool, st int) {
	b, p := it.b, it.p
	last := len(b) - 1 // the terminator
	if p > last {
		return it.bad(p, "entry past the end")
	}
	c := b[p]
	var enclen, hdr uint64
	switch {
	case c < 0x80:
		v, isInt, enclen = int64(c), true, 1
	case c < 0xC0:
		hdr, enclen = 1, 1+uint64(c&0x3f)
	case c < 0xE0:
		if p+1 >= last {
			return it.bad(p, "13-bit integer cut by the end")
		}
		u := uint64(c&0x1f)<<8 | uint64(b[p+1])
		if u >= 1<<12 {
			v = int64(u) - 1<<13
		} else {
			v = int64(u)
		}
		isInt, enclen = true, 2
	case c < 0xF0:
		if p+1 >= last {
			return it.bad(p, "12-bit string length cut by the end")
		}
		hdr, enclen = 2, 2+(uint64(c&0x0f)<<8|uint64(b[p+1]))
	case c == 0xF0:
		if p+4 >= last {
			return it.bad(p, "32-bit string length cut by the end")
		}
		hdr, enclen = 5, 5+uint64(binary.LittleEndian.Uint32(b[p+1:]))
	case c == 0xF1:
		enclen, isInt = 3, true
	case c == 0xF2:
		enclen, isInt = 4, true
	case c == 0xF3:
		enclen, isInt = 5, true
	case c == 0xF4:
		enclen, isInt = 9, true
	case c == lpEOF:
		if p != last {
			return it.bad(p, "end marker 0xFF before the end of the listpack")
		}
		if it.verify && it.numele != lpNumUnknown && it.numele != it.n {
			return it.bad(p, fmt.Sprintf("listpack header counts %d entries, it holds %d", it.numele, it.n))
		}
		return nil, 0, false, iterEnd
	default:
		return it.bad(p, fmt.Sprintf("invalid listpack entry encoding 0x%02x", c))
	}
	bl := lpBacklenSize(enclen)
	if enclen > uint64(last-p) || uint64(p)+enclen+uint64(bl) > uint64(last) {
		return it.bad(p, "listpack entry runs past the end")
	}
	end := p + int(enclen) + bl
	if isInt {
		switch c {
		case 0xF1:
			v = int64(int16(binary.LittleEndian.Uint16(b[p+1:])))
		case 0xF2:
			u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
			v = int64(int32(u<<8) >> 8)
		case 0xF3:
			v = int64(int32(binary.LittleEndian.Uint32(b[p+1:])))
		case 0xF4:
			v = int64(binary.LittleEndian.Uint64(b[p+1:]))
		}
	} else {
		q := p + int(enclen)
		s = b[p+int(hdr) : q : q]
	}
	if it.verify {
		// The back-length, read from the entry's last byte backwards, must give enclen.
		var val uint64
		var shift uint
		q := end - 1
		for {
			val |= uint64(b[q]&127) << shift
			if b[q]&128 == 0 {
				break
			}
			shift += 7
			q--
			if shift > 28 || q < p+int(enclen) {
				return it.bad(p, "invalid listpack back-length")
			}
		}
		if val != enclen {
			return it.bad(p, fmt.Sprintf("listpack back-length %d does not match the entry size %d", val, enclen))
		}
	}
	it.p = end
	it.n++
	return s, v, isInt, iterEntry
}

func (it *lpIter) bad(p int, reason string) ([]byte, int64, bool, int) {
	it.err, it.errAt = reason, p
	return nil, 0, false, iterBad
}

// lpEntryText returns the entry at position p of a listpack already walked once: its
// string, or its integer formatted into buf. It is used to re-read a member for a
// duplicate check.
func lpEntryText(b []byte, p int, buf *[24]byte) []byte {
	it := lpIter{b: b, p: p}
	s, v, isInt, st := it.next()
	if st != iterEntry {
		return nil
	}
	if isInt {
		return appendInt(buf[:0], v)
	}
	return s
}
