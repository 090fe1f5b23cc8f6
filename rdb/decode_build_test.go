package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A minimal test-side RDB writer, independent of the package's encoder, for hand-made and
// hostile inputs. Every method appends to the buffer and returns it for chaining.

type rb struct{ b []byte }

func newRDB(ver int) *rb { return &rb{b: []byte(fmt.Sprintf("REDIS%04d", ver))} }

func (w *rb) raw(p ...byte) *rb { w.b = append(w.b, p...); return w }

func (w *rb) bytes(p []byte) *rb { w.b = append(w.b, p...); return w }

// ln appends an RDB length in its shortest form.
func (w *rb) ln(n uint64) *rb {
	switch {
	case n < 1<<6:
		w.b = append(w.b, byte(n))
	case n < 1<<14:
		w.b = append(w.b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		w.b = append(w.b, 0x80)
		w.b = binary.BigEndian.AppendUint32(w.b, uint32(n))
	default:
		w.b = append(w.b, 0x81)
		w.b = binary.BigEndian.AppendUint64(w.b, n)
	}
	return w
}

// str appends a plain (length-prefixed) string.
func (w *rb) str(s string) *rb { return w.ln(uint64(len(s))).raw([]byte(s)...) }

// istr appends an integer-encoded string (int8, int16 or int32 form).
func (w *rb) istr(v int64) *rb {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return w.raw(0xC0, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return w.raw(0xC1).u16(uint16(v))
	}
	return w.raw(0xC2).u32(uint32(v))
}

// lzf appends s as an LZF string made of literal runs only (a valid LZF stream).
func (w *rb) lzf(s string) *rb {
	c := lzfLiterals([]byte(s))
	return w.raw(0xC3).ln(uint64(len(c))).ln(uint64(len(s))).raw(c...)
}

func lzfLiterals(s []byte) []byte {
	var c []byte
	for len(s) > 0 {
		n := min(len(s), 32)
		c = append(c, byte(n-1))
		c = append(c, s[:n]...)
		s = s[n:]
	}
	return c
}

// blob appends p as a plain string (a container).
func (w *rb) blob(p []byte) *rb { return w.ln(uint64(len(p))).raw(p...) }

func (w *rb) u16(v uint16) *rb { w.b = binary.LittleEndian.AppendUint16(w.b, v); return w }
func (w *rb) u32(v uint32) *rb { w.b = binary.LittleEndian.AppendUint32(w.b, v); return w }
func (w *rb) u64(v uint64) *rb { w.b = binary.LittleEndian.AppendUint64(w.b, v); return w }

// key appends a type byte and a plain key name.
func (w *rb) key(t byte, name string) *rb { return w.raw(t).str(name) }

// end appends EOF and, for versions ≥ 5, the CRC-64 of everything before it.
func (w *rb) end() []byte {
	w.b = append(w.b, OpEOF)
	if v := int(w.b[5]-'0')*1000 + int(w.b[6]-'0')*100 + int(w.b[7]-'0')*10 + int(w.b[8]-'0'); v >= 5 {
		w.b = binary.LittleEndian.AppendUint64(w.b, CRC64(0, w.b))
	}
	return w.b
}

// payload turns a value (type byte first) into a DUMP payload of RDB version ver.
func payloadOf(value []byte, ver int) []byte {
	p := append([]byte{}, value...)
	p = binary.LittleEndian.AppendUint16(p, uint16(ver))
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

// lpb builds a listpack from strings and int64s, in the shortest encodings.
func lpb(entries ...any) []byte {
	b := make([]byte, 6)
	for _, e := range entries {
		start := len(b)
		switch v := e.(type) {
		case int:
			b = lpAppendIntEntry(b, int64(v))
		case int64:
			b = lpAppendIntEntry(b, v)
		case string:
			switch n := len(v); {
			case n < 64:
				b = append(b, 0x80|byte(n))
			case n < 4096:
				b = append(b, 0xE0|byte(n>>8), byte(n))
			default:
				b = append(b, 0xF0)
				b = binary.LittleEndian.AppendUint32(b, uint32(n))
			}
			b = append(b, v...)
		default:
			panic("lpb: bad entry type")
		}
		b = lpAppendBacklen(b, uint64(len(b)-start))
	}
	b = append(b, 0xFF)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	n := len(entries)
	if n > 0xFFFE {
		n = 0xFFFF
	}
	binary.LittleEndian.PutUint16(b[4:], uint16(n))
	return b
}

func lpAppendIntEntry(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 127:
		return append(b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & 0x1fff
		return append(b, 0xC0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(b, 0xF1), uint16(v))
	case v >= -1<<23 && v < 1<<23:
		u := uint32(v)
		return append(b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(b, 0xF3), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xF4), uint64(v))
}

func lpAppendBacklen(b []byte, l uint64) []byte {
	switch lpBacklenSize(l) {
	case 1:
		return append(b, byte(l))
	case 2:
		return append(b, byte(l>>7), byte(l&127)|128)
	case 3:
		return append(b, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case 4:
		return append(b, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	}
	return append(b, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
}

// zlb builds a ziplist from strings and int64s.
func zlb(entries ...any) []byte {
	b := make([]byte, 10)
	prev, last := 0, 10
	for _, e := range entries {
		start := len(b)
		last = start
		if prev < 254 {
			b = append(b, byte(prev))
		} else {
			b = binary.LittleEndian.AppendUint32(append(b, 0xFE), uint32(prev))
		}
		switch v := e.(type) {
		case int:
			b = zlAppendInt(b, int64(v))
		case int64:
			b = zlAppendInt(b, v)
		case string:
			switch n := len(v); {
			case n <= 0x3f:
				b = append(b, byte(n))
			case n <= 0x3fff:
				b = append(b, 0x40|byte(n>>8), byte(n))
			default:
				b = binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
			}
			b = append(b, v...)
		}
		prev = len(b) - start
	}
	b = append(b, 0xFF)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(last))
	binary.LittleEndian.PutUint16(b[8:], uint16(len(entries)))
	return b
}

func zlAppendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 12:
		return append(b, 0xF1+byte(v))
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(b, 0xFE, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(b, 0xC0), uint16(v))
	case v >= -1<<23 && v < 1<<23:
		u := uint32(v)
		return append(b, 0xF0, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(b, 0xD0), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xE0), uint64(v))
}

// isb builds an intset of the given width.
func isb(width int, vals ...int64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// zmb builds a zipmap from field, value pairs (free bytes: 1 after each value).
func zmb(pairs ...string) []byte {
	b := []byte{byte(len(pairs) / 2)}
	for i := 0; i < len(pairs); i += 2 {
		for j, s := range pairs[i : i+2] {
			if len(s) < 254 {
				b = append(b, byte(len(s)))
			} else {
				b = binary.LittleEndian.AppendUint32(append(b, 0xFE), uint32(len(s)))
			}
			if j == 1 {
				b = append(b, 1) // free
			}
			b = append(b, s...)
			if j == 1 {
				b = append(b, 0) // the free byte
			}
		}
	}
	return append(b, 0xFF)
}

// streamID16 is a raw 16-byte big-endian stream ID.
func streamID16(ms, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, ms)
	return binary.BigEndian.AppendUint64(b, seq)
}
