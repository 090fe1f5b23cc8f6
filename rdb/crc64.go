package rdb

import "hash/crc64"

// jonesTable is the table of Redis's CRC-64 "Jones" variant: reflected, polynomial
// 0xad93d23594c935a9 (reversed 0x95ac9329ac4bc9b5), init 0, no final xor (src/crc64.c).
var jonesTable = crc64.MakeTable(0x95AC9329AC4BC9B5)

// CRC64 continues Redis's CRC-64 of the bytes before p (whose CRC is prev; 0 to start) over p.
// The RDB trailer and the DUMP payload footer both use it. Cost: O(len(p)), no allocation.
// The standard library inverts before and after its update; Redis does neither, so we undo it.
func CRC64(prev uint64, p []byte) uint64 {
	return ^crc64.Update(^prev, jonesTable, p)
}
