package rdb

import (
	"encoding/binary"
	"fmt"
)

// Intset reading (src/intset.c @ 7.4.1), the set encoding of RDB type 11:
//
//	<encoding uint32 LE: 2, 4 or 8> <length uint32 LE> <length integers of that size, LE, ascending>

// isetOpen checks an intset's header and size (intsetValidateIntegrity's shallow part, which
// the loader always runs: known encoding, exact size, not empty) and returns the element
// width and count, or a reason.
func isetOpen(b []byte) (width, count int, reason string) {
	if len(b) < 8 {
		return 0, 0, fmt.Sprintf("intset of %d bytes is shorter than its 8-byte header", len(b))
	}
	enc := binary.LittleEndian.Uint32(b)
	if enc != 2 && enc != 4 && enc != 8 {
		return 0, 0, fmt.Sprintf("invalid intset encoding %d", enc)
	}
	n := binary.LittleEndian.Uint32(b[4:])
	if 8+uint64(n)*uint64(enc) != uint64(len(b)) {
		return 0, 0, fmt.Sprintf("intset of %d %d-byte integers cannot be %d bytes", n, enc, len(b))
	}
	if n == 0 {
		return 0, 0, "empty intset"
	}
	return int(enc), int(n), ""
}

// isetGet returns element i of an intset checked by isetOpen.
func isetGet(b []byte, width, i int) int64 {
	p := 8 + i*width
	switch width {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b[p:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b[p:])))
	}
	return int64(binary.LittleEndian.Uint64(b[p:]))
}
