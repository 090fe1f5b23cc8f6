package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Small readers used only by the encoder's tests, independent of the package's decoder, so
// that the encoder is checked against something it does not share code with.

var errTestShort = errors.New("short input")

// testLZFDecompress is a plain LZF decompressor (the format of liblzf's lzf_d.c), checking
// every bound.
func testLZFDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			n := ctrl + 1
			if i+n > len(in) {
				return nil, fmt.Errorf("literal run past the input")
			}
			out = append(out, in[i:i+n]...)
			i += n
		} else {
			n := ctrl >> 5
			if i >= len(in) {
				return nil, errTestShort
			}
			if n == 7 {
				n += int(in[i])
				i++
				if i >= len(in) {
					return nil, errTestShort
				}
			}
			ref := len(out) - (ctrl&0x1f)<<8 - 1 - int(in[i])
			i++
			if ref < 0 {
				return nil, fmt.Errorf("back reference before the output start")
			}
			for j := 0; j < n+2; j++ {
				out = append(out, out[ref+j])
			}
		}
		if len(out) > outLen {
			return nil, fmt.Errorf("output longer than %d", outLen)
		}
	}
	if len(out) != outLen {
		return nil, fmt.Errorf("output %d bytes, want %d", len(out), outLen)
	}
	return out, nil
}

// testReadLen reads an RDB length; enc reports a special string encoding (value in n).
func testReadLen(p []byte) (n uint64, enc bool, rest []byte, err error) {
	if len(p) == 0 {
		return 0, false, nil, errTestShort
	}
	b := p[0]
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3f), false, p[1:], nil
	case 1:
		if len(p) < 2 {
			return 0, false, nil, errTestShort
		}
		return uint64(b&0x3f)<<8 | uint64(p[1]), false, p[2:], nil
	case 3:
		return uint64(b & 0x3f), true, p[1:], nil
	}
	switch b {
	case 0x80:
		if len(p) < 5 {
			return 0, false, nil, errTestShort
		}
		return uint64(binary.BigEndian.Uint32(p[1:])), false, p[5:], nil
	case 0x81:
		if len(p) < 9 {
			return 0, false, nil, errTestShort
		}
		return binary.BigEndian.Uint64(p[1:]), false, p[9:], nil
	}
	return 0, false, nil, fmt.Errorf("bad length byte %#x", b)
}

// testReadString reads an RDB string (raw, integer or LZF) and returns its bytes.
func testReadString(p []byte) ([]byte, []byte, error) {
	n, enc, p, err := testReadLen(p)
	if err != nil {
		return nil, nil, err
	}
	if !enc {
		if uint64(len(p)) < n {
			return nil, nil, errTestShort
		}
		return p[:n], p[n:], nil
	}
	switch n {
	case encStrInt8:
		if len(p) < 1 {
			return nil, nil, errTestShort
		}
		return strconv.AppendInt(nil, int64(int8(p[0])), 10), p[1:], nil
	case encStrInt16:
		if len(p) < 2 {
			return nil, nil, errTestShort
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p))), 10), p[2:], nil
	case encStrInt32:
		if len(p) < 4 {
			return nil, nil, errTestShort
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p))), 10), p[4:], nil
	case encStrLZF:
		clen, _, p, err := testReadLen(p)
		if err != nil {
			return nil, nil, err
		}
		ulen, _, p, err := testReadLen(p)
		if err != nil {
			return nil, nil, err
		}
		if uint64(len(p)) < clen {
			return nil, nil, errTestShort
		}
		out, err := testLZFDecompress(p[:clen], int(ulen))
		if err != nil {
			return nil, nil, err
		}
		return out, p[clen:], nil
	}
	return nil, nil, fmt.Errorf("bad string encoding %d", n)
}

// testPayloadParts splits a DUMP payload of the types whose layout is a sequence of strings,
// lengths and raw bytes into its decoded pieces (LZF and integer encodings undone), so that
// two payloads compare by content whatever compressor made them. ok is false for other types.
func testPayloadParts(p []byte) (parts [][]byte, ok bool, err error) {
	typ, p := p[0], p[1:len(p)-10]
	str := func() error {
		s, rest, err := testReadString(p)
		if err != nil {
			return err
		}
		parts = append(parts, s)
		p = rest
		return nil
	}
	count := func() (uint64, error) {
		n, enc, rest, err := testReadLen(p)
		if err == nil && enc {
			err = fmt.Errorf("encoded length")
		}
		p = rest
		parts = append(parts, strconv.AppendUint(nil, n, 10))
		return n, err
	}
	switch typ {
	case TypeString, TypeSetIntset, TypeZsetZiplist, TypeZsetListpack, TypeHashZiplist,
		TypeHashListpack, TypeSetListpack:
		err = str()
	case TypeListQuicklist, TypeListQuicklist2:
		var n uint64
		if n, err = count(); err != nil {
			return nil, true, err
		}
		for i := uint64(0); i < n && err == nil; i++ {
			if typ == TypeListQuicklist2 {
				if _, err = count(); err != nil {
					break
				}
			}
			err = str()
		}
	case TypeZset2:
		var n uint64
		if n, err = count(); err != nil {
			return nil, true, err
		}
		for i := uint64(0); i < n && err == nil; i++ {
			if err = str(); err == nil {
				if len(p) < 8 {
					return nil, true, errTestShort
				}
				parts = append(parts, p[:8])
				p = p[8:]
			}
		}
	default:
		return nil, false, nil
	}
	if err == nil && len(p) != 0 {
		err = fmt.Errorf("%d bytes left over", len(p))
	}
	return parts, true, err
}

// testListpackEntries returns the entries of a listpack (integers as decimal text), checking
// the header, every backlen and the terminator.
func testListpackEntries(lp []byte) ([][]byte, error) {
	if len(lp) < 7 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != 0xFF {
		return nil, fmt.Errorf("bad listpack header or terminator")
	}
	count := int(binary.LittleEndian.Uint16(lp[4:]))
	var out [][]byte
	p := lp[6 : len(lp)-1]
	for len(p) > 0 {
		b := p[0]
		var n int // encoding + data length
		var v []byte
		switch {
		case b < 0x80:
			n, v = 1, strconv.AppendInt(nil, int64(b), 10)
		case b&0xC0 == 0x80:
			l := int(b & 0x3f)
			n, v = 1+l, p[1:1+l]
		case b&0xE0 == 0xC0:
			u := int64(b&0x1f)<<8 | int64(p[1])
			if u >= 1<<12 {
				u -= 1 << 13
			}
			n, v = 2, strconv.AppendInt(nil, u, 10)
		case b&0xF0 == 0xE0:
			l := int(b&0x0f)<<8 | int(p[1])
			n, v = 2+l, p[2:2+l]
		case b == 0xF0:
			l := int(binary.LittleEndian.Uint32(p[1:]))
			n, v = 5+l, p[5:5+l]
		case b == 0xF1:
			n, v = 3, strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p[1:]))), 10)
		case b == 0xF2:
			u := int64(p[1]) | int64(p[2])<<8 | int64(int8(p[3]))<<16
			n, v = 4, strconv.AppendInt(nil, u, 10)
		case b == 0xF3:
			n, v = 5, strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p[1:]))), 10)
		case b == 0xF4:
			n, v = 9, strconv.AppendInt(nil, int64(binary.LittleEndian.Uint64(p[1:])), 10)
		default:
			return nil, fmt.Errorf("bad listpack encoding %#x", b)
		}
		// backlen: read back from its last byte
		bl := 0
		switch {
		case n <= 127:
			bl = 1
		case n < 16383:
			bl = 2
		case n < 2097151:
			bl = 3
		case n < 268435455:
			bl = 4
		default:
			bl = 5
		}
		if n+bl > len(p) {
			return nil, errTestShort
		}
		got, shift := 0, 0
		for i := n + bl - 1; i >= n; i-- {
			got |= int(p[i]&127) << shift
			shift += 7
		}
		if got != n {
			return nil, fmt.Errorf("backlen %d, entry is %d bytes", got, n)
		}
		out = append(out, v)
		p = p[n+bl:]
	}
	if count != 65535 && count != len(out) {
		return nil, fmt.Errorf("header count %d, %d entries", count, len(out))
	}
	return out, nil
}

// testZiplistEntries returns the entries of a ziplist, checking header, prevlens and tail.
func testZiplistEntries(zl []byte) ([][]byte, error) {
	if len(zl) < 11 || int(binary.LittleEndian.Uint32(zl)) != len(zl) || zl[len(zl)-1] != 0xFF {
		return nil, fmt.Errorf("bad ziplist header or terminator")
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	count := int(binary.LittleEndian.Uint16(zl[8:]))
	var out [][]byte
	off, prev, last := 10, 0, 10
	for off < len(zl)-1 {
		start := off
		var pl int
		if zl[off] < 254 {
			pl = int(zl[off])
			off++
		} else {
			pl = int(binary.LittleEndian.Uint32(zl[off+1:]))
			off += 5
		}
		if pl != prev {
			return nil, fmt.Errorf("prevlen %d, previous entry is %d bytes", pl, prev)
		}
		b := zl[off]
		var v []byte
		switch {
		case b>>6 == 0:
			l := int(b & 0x3f)
			v, off = zl[off+1:off+1+l], off+1+l
		case b>>6 == 1:
			l := int(b&0x3f)<<8 | int(zl[off+1])
			v, off = zl[off+2:off+2+l], off+2+l
		case b == 0x80:
			l := int(binary.BigEndian.Uint32(zl[off+1:]))
			v, off = zl[off+5:off+5+l], off+5+l
		case b == 0xC0:
			v, off = strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(zl[off+1:]))), 10), off+3
		case b == 0xD0:
			v, off = strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(zl[off+1:]))), 10), off+5
		case b == 0xE0:
			v, off = strconv.AppendInt(nil, int64(binary.LittleEndian.Uint64(zl[off+1:])), 10), off+9
		case b == 0xF0:
			u := int64(zl[off+1]) | int64(zl[off+2])<<8 | int64(int8(zl[off+3]))<<16
			v, off = strconv.AppendInt(nil, u, 10), off+4
		case b == 0xFE:
			v, off = strconv.AppendInt(nil, int64(int8(zl[off+1])), 10), off+2
		case b >= 0xF1 && b <= 0xFD:
			v, off = strconv.AppendInt(nil, int64(b)-0xF1, 10), off+1
		default:
			return nil, fmt.Errorf("bad ziplist encoding %#x", b)
		}
		out = append(out, v)
		prev, last = off-start, start
	}
	if last != tail {
		return nil, fmt.Errorf("tail offset %d, last entry at %d", tail, last)
	}
	if count != 65535 && count != len(out) {
		return nil, fmt.Errorf("header count %d, %d entries", count, len(out))
	}
	return out, nil
}

// testIntset returns the width and members of an intset, checking they ascend.
func testIntset(b []byte) (int, []int64, error) {
	if len(b) < 8 {
		return 0, nil, errTestShort
	}
	w := int(binary.LittleEndian.Uint32(b))
	n := int(binary.LittleEndian.Uint32(b[4:]))
	if (w != 2 && w != 4 && w != 8) || len(b) != 8+w*n {
		return 0, nil, fmt.Errorf("bad intset header")
	}
	out := make([]int64, n)
	for i := range out {
		p := b[8+w*i:]
		switch w {
		case 2:
			out[i] = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			out[i] = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			out[i] = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && out[i] <= out[i-1] {
			return 0, nil, fmt.Errorf("intset not ascending")
		}
	}
	return w, out, nil
}
