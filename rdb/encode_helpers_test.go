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
