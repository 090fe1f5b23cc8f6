package rdb

import (
	"encoding/binary"
	"fmt"
)

// Zipmap reading (src/zipmap.c @ 7.4.1), the hash encoding of RDB type 9 (Redis ≤ 2.4):
//
//	<count: 1 byte, 254 = unknown> { <len> field <len> <free: 1 byte> value <free bytes> } ... <0xFF>
//	len = 1 byte if < 254, else 0xFE + uint32 LE

const (
	zmBigLen = 254
	zmEnd    = 0xFF
)

// zmIter walks the field/value pairs of a zipmap.
type zmIter struct {
	b     []byte
	p     int
	n     int
	err   string
	errAt int
}

func zmOpen(b []byte) (zmIter, string) {
	if len(b) < 2 {
		return zmIter{}, fmt.Sprintf("zipmap of %d bytes is shorter than its 2-byte minimum", len(b))
	}
	if b[len(b)-1] != zmEnd {
		return zmIter{}, "zipmap does not end with 0xFF"
	}
	return zmIter{b: b, p: 1}, ""
}

// zmLen decodes a zipmap length at p, checking it lies before the terminator.
func (it *zmIter) zmLen(p int) (l uint64, size int, ok bool) {
	b, last := it.b, len(it.b)-1
	if b[p] < zmBigLen {
		return uint64(b[p]), 1, p+1 <= last
	}
	if p+5 > last {
		return 0, 0, false
	}
	return uint64(binary.LittleEndian.Uint32(b[p+1:])), 5, true
}

// next returns the next field and value, or iterEnd after checking that the map is not
// empty and that its count byte (if kept) is right; the loader always runs these checks.
func (it *zmIter) next() (f, v []byte, st int) {
	b, p, last := it.b, it.p, len(it.b)-1
	if b[p] == zmEnd {
		if p != last {
			return it.bad(p, "end marker 0xFF before the end of the zipmap")
		}
		if it.n == 0 {
			return it.bad(p, "empty zipmap")
		}
		if b[0] != zmBigLen && int(b[0]) != it.n {
			return it.bad(p, fmt.Sprintf("zipmap header counts %d pairs, it holds %d", b[0], it.n))
		}
		return nil, nil, iterEnd
	}
	l, s, ok := it.zmLen(p)
	if !ok || uint64(p+s)+l > uint64(last) {
		return it.bad(p, "zipmap field runs past the end")
	}
	f = b[p+s : p+s+int(l) : p+s+int(l)]
	q := p + s + int(l)
	l, s, ok = it.zmLen(q)
	if !ok || q+s > last {
		return it.bad(q, "zipmap value runs past the end")
	}
	free := uint64(b[q+s])
	vs := q + s + 1
	if uint64(vs)+l+free > uint64(last) {
		return it.bad(q, "zipmap value runs past the end")
	}
	v = b[vs : vs+int(l) : vs+int(l)]
	it.p = vs + int(l) + int(free)
	it.n++
	return f, v, iterEntry
}

func (it *zmIter) bad(p int, reason string) ([]byte, []byte, int) {
	it.err, it.errAt = reason, p
	return nil, nil, iterBad
}
