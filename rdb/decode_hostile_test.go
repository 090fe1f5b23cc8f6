package rdb

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// hostile is one malformed input: build returns the bytes and the file offset the error must
// name (-1: any offset).
type hostile struct {
	name    string
	build   func() ([]byte, int64)
	verify  bool      // the problem is only found with Options.Verify
	kind    ErrorKind // expected kind
	reason  string    // substring of the reason
	payload bool      // the input is a DUMP payload
}

// mark returns the current length of w (the offset of what is appended next).
func mark(w *rb) int64 { return int64(len(w.b)) }

// k1 builds a one-key RDB 12 file: the value is appended by f, which returns the offset the
// error must name.
func k1(t byte, f func(w *rb) int64) func() ([]byte, int64) {
	return func() ([]byte, int64) {
		w := newRDB(12)
		w.key(t, "k")
		off := f(w)
		return w.end(), off
	}
}

// blobAt appends a container and returns its first byte's offset.
func blobAt(w *rb, p []byte) int64 {
	w.ln(uint64(len(p)))
	off := mark(w)
	w.raw(p...)
	return off
}

func TestDecodeHostile(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) { runHostile(t, c) })
	}
}

func hostileCases() []hostile {
	return []hostile{
		{name: "list count 2^60, 10 bytes left", kind: KindTruncated, reason: "unexpected end of input",
			build: func() ([]byte, int64) {
				w := newRDB(9).key(TypeList, "k").ln(1 << 60).str("a")
				off := mark(w)
				return w.raw(3, 'a', 'b').b, off
			}},
		{name: "string of 2^62 bytes", kind: KindTruncated, reason: "a string of 4611686018427387904 bytes",
			build: func() ([]byte, int64) {
				w := newRDB(9).key(TypeString, "k")
				off := mark(w)
				return w.ln(1<<62).raw(1, 2, 3).b, off
			}},
		{name: "set count 2^40", kind: KindCorrupt, reason: "unknown string encoding",
			build: k1(TypeSet, func(w *rb) int64 { w.ln(1 << 40).str("a"); return mark(w) })},
		{name: "LZF claims 4 GiB from 3 bytes", kind: KindCorrupt, reason: "claims 4294967296 bytes",
			build: k1(TypeString, func(w *rb) int64 { off := mark(w); w.raw(0xC3).ln(3).ln(1<<32).raw(0, 'a', 0); return off })},
		{name: "LZF back reference before the start", kind: KindCorrupt, reason: "before the start",
			build: k1(TypeString, func(w *rb) int64 { off := mark(w); w.raw(0xC3).ln(2).ln(3).raw(0x20, 0); return off })},
		{name: "LZF output shorter than declared", kind: KindCorrupt, reason: "shorter than the declared",
			build: k1(TypeString, func(w *rb) int64 { off := mark(w); w.raw(0xC3).ln(2).ln(2).raw(0, 'a'); return off })},
		{name: "LZF literal run past the end", kind: KindCorrupt, reason: "literal run past",
			build: k1(TypeString, func(w *rb) int64 { off := mark(w); w.raw(0xC3).ln(2).ln(5).raw(4, 'a'); return off })},
		{name: "unknown length encoding", kind: KindCorrupt, reason: "unknown length encoding 0x82",
			build: k1(TypeList, func(w *rb) int64 { off := mark(w); w.raw(0x82, 0, 0); return off })},
		{name: "unknown string encoding", kind: KindCorrupt, reason: "unknown string encoding 4",
			build: k1(TypeString, func(w *rb) int64 { off := mark(w); w.raw(0xC4, 0, 0); return off })},
		{name: "listpack total bytes wrong", kind: KindCorrupt, reason: "header says 99 bytes",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("a", "b")
				p[0] = 99
				return blobAt(w, p)
			})},
		{name: "listpack without terminator", kind: KindCorrupt, reason: "does not end with 0xFF",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("a", "b")
				p[len(p)-1] = 0
				return blobAt(w, p)
			})},
		{name: "listpack count wrong", verify: true, kind: KindCorrupt, reason: "counts 3 entries, it holds 2",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("a", "b")
				p[4] = 3
				return blobAt(w, p) + int64(len(p)) - 1
			})},
		{name: "listpack back-length wrong", verify: true, kind: KindCorrupt, reason: "back-length 9 does not match",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("a", "bcd")
				p[6+2] = 9
				return blobAt(w, p) + 6
			})},
		{name: "listpack invalid encoding", kind: KindCorrupt, reason: "invalid listpack entry encoding 0xf5",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("a", 5)
				p[6+3] = 0xF5
				return blobAt(w, p) + 9
			})},
		{name: "listpack string past the end", kind: KindCorrupt, reason: "runs past the end",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("abc")
				p[6] = 0x80 | 40
				return blobAt(w, p) + 6
			})},
		{name: "listpack compressed, error inside", kind: KindCorrupt, reason: "(at byte 6 of the LZF-decompressed string)",
			build: k1(TypeSetListpack, func(w *rb) int64 {
				p := lpb("abc", "defghijklmnopqrstuvwxyz")
				p[6] = 0xF6
				c := lzfLiterals(p)
				off := mark(w)
				w.raw(0xC3).ln(uint64(len(c))).ln(uint64(len(p))).raw(c...)
				return off
			})},
		{name: "hash listpack odd entries", kind: KindCorrupt, reason: "ends inside a 2-entry tuple",
			build: k1(TypeHashListpack, func(w *rb) int64 { p := lpb("f", "v", "g"); return blobAt(w, p) + int64(len(p)) - 1 })},
		{name: "ziplist prevlen wrong", verify: true, kind: KindCorrupt, reason: "prevlen 2 does not match the previous entry size 3",
			build: k1(TypeListZiplist, func(w *rb) int64 {
				p := zlb("a", "b", "c")
				p[10+3] = 2
				return blobAt(w, p) + 13
			})},
		{name: "ziplist tail wrong", verify: true, kind: KindCorrupt, reason: "tail offset 10 is not the last entry",
			build: k1(TypeListZiplist, func(w *rb) int64 {
				p := zlb("a", "b")
				p[4] = 10
				return blobAt(w, p) + int64(len(p)) - 1
			})},
		{name: "ziplist invalid encoding", kind: KindCorrupt, reason: "invalid ziplist entry encoding 0xc1",
			build: k1(TypeListZiplist, func(w *rb) int64 {
				p := zlb("a", 1000)
				p[10+3+1] = 0xC1
				return blobAt(w, p) + 13
			})},
		{name: "intset unsorted", verify: true, kind: KindCorrupt, reason: "not in ascending order",
			build: k1(TypeSetIntset, func(w *rb) int64 { return blobAt(w, isb(2, 1, 5, 5)) + 8 + 4 })},
		{name: "intset empty", kind: KindCorrupt, reason: "empty intset",
			build: k1(TypeSetIntset, func(w *rb) int64 { return blobAt(w, isb(4)) })},
		{name: "intset bad encoding", kind: KindCorrupt, reason: "invalid intset encoding 3",
			build: k1(TypeSetIntset, func(w *rb) int64 { p := isb(2, 1); p[0] = 3; return blobAt(w, p) })},
		{name: "intset size mismatch", kind: KindCorrupt, reason: "cannot be 12 bytes",
			build: k1(TypeSetIntset, func(w *rb) int64 { p := isb(4, 1, 2)[:12]; return blobAt(w, p) })},
		{name: "zipmap duplicate field", verify: true, kind: KindCorrupt, reason: "duplicate hash field in zipmap",
			build: k1(TypeHashZipmap, func(w *rb) int64 {
				p := zmb("f", "1", "f", "2")
				return blobAt(w, p) + 7
			})},
		{name: "zipmap count wrong", kind: KindCorrupt, reason: "counts 3 pairs, it holds 2",
			build: k1(TypeHashZipmap, func(w *rb) int64 { p := zmb("f", "1", "g", "2"); p[0] = 3; return blobAt(w, p) + int64(len(p)) - 1 })},
		{name: "plain set duplicate", verify: true, kind: KindCorrupt, reason: "duplicate set member",
			build: k1(TypeSet, func(w *rb) int64 { w.ln(3).str("a").str("b"); off := mark(w); w.lzf("a"); return off })},
		{name: "plain hash duplicate integer field", verify: true, kind: KindCorrupt, reason: "duplicate hash field",
			build: k1(TypeHash, func(w *rb) int64 { w.ln(2).str("12").str("v"); off := mark(w); w.istr(12).str("w"); return off })},
		{name: "plain zset duplicate", verify: true, kind: KindCorrupt, reason: "duplicate sorted set member",
			build: k1(TypeZset2, func(w *rb) int64 {
				w.ln(2).str("m").u64(0)
				off := mark(w)
				w.str("m").u64(0)
				return off
			})},
		{name: "zset NaN score", verify: true, kind: KindCorrupt, reason: "score is NaN",
			build: k1(TypeZset, func(w *rb) int64 { w.ln(1).str("m"); off := mark(w); w.raw(253); return off })},
		{name: "zset text score not a number", kind: KindCorrupt, reason: `score "abc" is not a number`,
			build: k1(TypeZset, func(w *rb) int64 { w.ln(1).str("m"); off := mark(w); w.raw(3, 'a', 'b', 'c'); return off })},
		{name: "set listpack duplicate", verify: true, kind: KindCorrupt, reason: "duplicate set member in listpack",
			build: k1(TypeSetListpack, func(w *rb) int64 { return blobAt(w, lpb("7", "x", 7)) + 6 + 3 + 3 })},
		{name: "hash listpack duplicate field", verify: true, kind: KindCorrupt, reason: "duplicate hash field",
			build: k1(TypeHashListpack, func(w *rb) int64 { return blobAt(w, lpb("f", "1", "f", "2")) + 6 + 3 + 3 })},
		{name: "zset listpack duplicate member", verify: true, kind: KindCorrupt, reason: "duplicate sorted set member",
			build: k1(TypeZsetListpack, func(w *rb) int64 { return blobAt(w, lpb("m", 1, "m", 2)) + 6 + 3 + 2 })},
		{name: "hash TTLs out of order", verify: true, kind: KindCorrupt, reason: "TTLs out of order",
			build: k1(TypeHashListpackEx, func(w *rb) int64 {
				w.u64(100)
				return blobAt(w, lpb("a", "1", 0, "b", "2", 200)) + 6 + 3 + 3 + 2 + 3 + 3
			})},
		{name: "hash TTL over 2^48", kind: KindCorrupt, reason: "out of range",
			build: k1(TypeHashListpackEx, func(w *rb) int64 {
				w.u64(100)
				return blobAt(w, lpb("a", "1", int64(1)<<50)) + 6 + 3 + 3
			})},
		{name: "hash metadata TTL over 2^48", kind: KindCorrupt, reason: "hash field TTL",
			build: k1(TypeHashMetadata, func(w *rb) int64 {
				w.u64(1 << 47).ln(1)
				off := mark(w)
				w.ln(1 << 48).str("f").str("v")
				return off
			})},
		{name: "hash metadata minimum out of range", verify: true, kind: KindCorrupt, reason: "minimum expire time",
			build: k1(TypeHashMetadata, func(w *rb) int64 { off := mark(w); w.u64(math.MaxUint64).ln(1).ln(0).str("f").str("v"); return off })},
		{name: "quicklist container 3", kind: KindCorrupt, reason: "neither PLAIN (1) nor PACKED (2)",
			build: k1(TypeListQuicklist2, func(w *rb) int64 { w.ln(1); off := mark(w); w.ln(3).blob(lpb("a")); return off })},
		{name: "empty quicklist node", kind: KindCorrupt, reason: "empty quicklist node",
			build: k1(TypeListQuicklist2, func(w *rb) int64 { w.ln(1).ln(2); off := mark(w); w.ln(0); return off })},
		{name: "module value unknown opcode", kind: KindCorrupt, reason: "unknown opcode 9 in a value of module",
			build: k1(TypeModule2, func(w *rb) int64 { w.ln(1 << 20).ln(2).ln(1); off := mark(w); w.ln(9); return off })},
		{name: "module AUX bad when-opcode", kind: KindCorrupt, reason: "bad when-opcode 1",
			build: func() ([]byte, int64) {
				w := newRDB(9)
				off := mark(w)
				return w.raw(OpModuleAux).ln(1).ln(1).ln(2).ln(0).end(), off
			}},
		{name: "unknown value type", kind: KindCorrupt, reason: "unknown value type or opcode 30",
			build: func() ([]byte, int64) { w := newRDB(11); off := mark(w); return w.key(30, "k").end(), off }},
		{name: "type 8 does not exist", kind: KindCorrupt, reason: "opcode 8",
			build: func() ([]byte, int64) { w := newRDB(11); off := mark(w); return w.key(8, "k").end(), off }},
		{name: "pre-GA module type", kind: KindUnsupported, reason: "pre-release module",
			build: func() ([]byte, int64) { w := newRDB(8); off := mark(w); return w.key(6, "k").end(), off }},
		{name: "pre-GA function opcode", kind: KindUnsupported, reason: "opcode 246",
			build: func() ([]byte, int64) { w := newRDB(10); off := mark(w); return w.raw(246).str("x").end(), off }},
		{name: "RDB version 13", kind: KindUnsupported, reason: "RDB version 13 is newer",
			build: func() ([]byte, int64) { return newRDB(13).end(), 5 }},
		{name: "RDB version 0", kind: KindCorrupt, reason: "RDB version 0",
			build: func() ([]byte, int64) { return newRDB(0).end(), 5 }},
		{name: "version not digits", kind: KindCorrupt, reason: "not a number",
			build: func() ([]byte, int64) { return []byte("REDIS00x1\xff"), 5 }},
		{name: "not an RDB", kind: KindCorrupt, reason: "no REDIS or VALKEY signature",
			build: func() ([]byte, int64) { return []byte("*1\r\n$4\r\nPING\r\n"), 0 }},
		{name: "header cut", kind: KindTruncated, reason: "the RDB header",
			build: func() ([]byte, int64) { return []byte("REDIS00"), 0 }},
		{name: "Valkey 9 hash type 22", kind: KindUnsupported, reason: "Valkey 9 HASH_2",
			build: func() ([]byte, int64) {
				w := &rb{b: []byte("VALKEY080")}
				off := mark(w)
				return w.key(22, "k").ln(0).end(), off
			}},
		{name: "Valkey 9 SLOT_INFO", kind: KindUnsupported, reason: "Valkey 9 SLOT_INFO",
			build: func() ([]byte, int64) {
				w := &rb{b: []byte("VALKEY080")}
				off := mark(w)
				return w.raw(244).ln(1).ln(1).ln(1).end(), off
			}},
		{name: "Valkey 9 SLOT_IMPORT", kind: KindUnsupported, reason: "Valkey 9 SLOT_IMPORT",
			build: func() ([]byte, int64) {
				w := &rb{b: []byte("VALKEY080")}
				off := mark(w)
				return w.raw(243).end(), off
			}},
		{name: "Valkey RDB 81", kind: KindUnsupported, reason: "Valkey RDB version 81",
			build: func() ([]byte, int64) { return []byte("VALKEY081\xff"), 6 }},
		{name: "Redis opcode 243", kind: KindCorrupt, reason: "unknown value type or opcode 243",
			build: func() ([]byte, int64) { w := newRDB(12); off := mark(w); return w.raw(243).end(), off }},
		{name: "SELECTDB out of range", kind: KindCorrupt, reason: "database index out of range",
			build: func() ([]byte, int64) {
				w := newRDB(9)
				off := mark(w)
				return w.raw(OpSelectDB).ln(1 << 40).end(), off
			}},
		{name: "SLOT_INFO slot 16384", verify: true, kind: KindCorrupt, reason: "slots are 0-16383",
			build: func() ([]byte, int64) {
				w := newRDB(12)
				off := mark(w)
				return w.raw(OpSlotInfo).ln(16384).ln(0).ln(0).end(), off
			}},
		{name: "function without metadata", verify: true, kind: KindCorrupt, reason: "missing library metadata",
			build: func() ([]byte, int64) {
				w := newRDB(10)
				off := mark(w)
				return w.raw(OpFunction2).str("return 1").end(), off
			}},
		{name: "checksum mismatch", kind: KindChecksum, reason: "checksum mismatch",
			build: func() ([]byte, int64) {
				data := newRDB(9).key(TypeString, "k").str("value").end()
				data[len(data)-10] ^= 1 // inside "value"
				return data, int64(len(data) - 8)
			}},
		{name: "checksum cut", kind: KindTruncated, reason: "the checksum",
			build: func() ([]byte, int64) {
				data := newRDB(9).key(TypeString, "k").str("v").end()
				return data[:len(data)-3], int64(len(data) - 8)
			}},
		{name: "stream node key not 16 bytes", kind: KindCorrupt, reason: "not a 16-byte stream ID",
			build: k1(TypeStreamListpacks, func(w *rb) int64 { w.ln(1); off := mark(w); w.str("short"); return off })},
		{name: "empty stream listpack", kind: KindCorrupt, reason: "empty listpack inside a stream",
			build: k1(TypeStreamListpacks, func(w *rb) int64 { w.ln(1).ln(16).bytes(streamID16(1, 0)); return blobAt(w, lpb()) + 6 })},
		{name: "stream entries out of order", verify: true, kind: KindCorrupt, reason: "is not after",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				p := streamNodeLP(2, 0, []any{"f"}, []any{2, 5, 0, "a", 4}, []any{2, 1, 0, "b", 4})
				w.ln(1).ln(16).bytes(streamID16(10, 0))
				off := blobAt(w, p) + 6 + (2 + 2 + 2 + 3 + 2) + (2 + 2 + 2 + 3 + 2)
				w.ln(2).ln(15).ln(0).ln(0)
				return off
			})},
		{name: "stream length mismatch", verify: true, kind: KindCorrupt, reason: "stream length 5, its listpacks hold 1",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(1).ln(16).bytes(streamID16(10, 0)).blob(streamNodeLP(1, 0, []any{"f"}, []any{2, 0, 0, "a", 4}))
				off := mark(w)
				w.ln(5).ln(10).ln(0).ln(0)
				return off
			})},
		{name: "stream lp-count wrong", verify: true, kind: KindCorrupt, reason: "lp-count 9, expected 4",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				p := streamNodeLP(1, 0, []any{"f"}, []any{2, 0, 0, "a", 9})
				w.ln(1).ln(16).bytes(streamID16(10, 0))
				off := blobAt(w, p) + int64(len(p)) - 3
				w.ln(1).ln(10).ln(0).ln(0)
				return off
			})},
		{name: "stream master entry counts wrong", verify: true, kind: KindCorrupt, reason: "holds more than its 0+0 entries",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				p := streamNodeLP(0, 0, []any{"f"}, []any{2, 0, 0, "a", 4})
				w.ln(1).ln(16).bytes(streamID16(10, 0))
				off := blobAt(w, p) + 6 + 2 + 2 + 2 + 3 + 2
				w.ln(1).ln(10).ln(0).ln(0)
				return off
			})},
		{name: "consumer PEL entry not in the group PEL", verify: true, kind: KindCorrupt, reason: "is not in the group PEL",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(0).ln(0).ln(0).ln(0).ln(1)
				w.str("g").ln(0).ln(0).ln(1).bytes(streamID16(1, 1)).u64(0).ln(1)
				w.ln(1).str("c").u64(0).ln(1)
				off := mark(w)
				w.bytes(streamID16(1, 2))
				return off
			})},
		{name: "group PEL entry without consumer", verify: true, kind: KindCorrupt, reason: "has no consumer",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(0).ln(0).ln(0).ln(0).ln(1)
				w.str("g").ln(0).ln(0).ln(1).bytes(streamID16(1, 1)).u64(0).ln(1)
				off := mark(w)
				w.ln(1).str("c").u64(0).ln(0)
				return off
			})},
		{name: "PEL entry owned twice", verify: true, kind: KindCorrupt, reason: "belongs to two consumers",
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(0).ln(0).ln(0).ln(0).ln(1)
				w.str("g").ln(0).ln(0).ln(1).bytes(streamID16(1, 1)).u64(0).ln(1)
				w.ln(2).str("c").u64(0).ln(1).bytes(streamID16(1, 1)).str("d").u64(0).ln(1)
				off := mark(w)
				w.bytes(streamID16(1, 1))
				return off
			})},
		{name: "duplicate consumer group", verify: true, kind: KindCorrupt, reason: `duplicate consumer group "g"`,
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(0).ln(0).ln(0).ln(0).ln(2)
				w.str("g").ln(0).ln(0).ln(0).ln(0)
				off := mark(w)
				w.str("g").ln(0).ln(0).ln(0).ln(0)
				return off
			})},
		{name: "duplicate consumer", verify: true, kind: KindCorrupt, reason: `duplicate consumer "c"`,
			build: k1(TypeStreamListpacks, func(w *rb) int64 {
				w.ln(0).ln(0).ln(0).ln(0).ln(1)
				w.str("g").ln(0).ln(0).ln(0).ln(2).str("c").u64(0).ln(0)
				off := mark(w)
				w.str("c").u64(0).ln(0)
				return off
			})},
		{name: "payload trailing bytes", payload: true, kind: KindCorrupt, reason: "1 bytes after the value",
			build: func() ([]byte, int64) { return payloadOf(newRDBValue().raw(TypeString).str("v").raw(0).b, 9), 3 }},
		{name: "payload checksum", payload: true, kind: KindChecksum, reason: "checksum mismatch",
			build: func() ([]byte, int64) {
				p := payloadOf(newRDBValue().raw(TypeString).str("v").b, 9)
				p[2] ^= 1
				return p, int64(len(p) - 8)
			}},
		{name: "payload version 13", payload: true, kind: KindUnsupported, reason: "version 13 is newer",
			build: func() ([]byte, int64) { return payloadOf(newRDBValue().raw(TypeString).str("v").b, 13), 3 }},
		{name: "payload too short", payload: true, kind: KindTruncated, reason: "shorter than its 10-byte footer",
			build: func() ([]byte, int64) { return []byte{0, 1, 2}, 0 }},
		{name: "payload value cut", payload: true, kind: KindTruncated, reason: "a string of 5 bytes",
			build: func() ([]byte, int64) { return payloadOf(newRDBValue().raw(TypeString).ln(5).raw('a').b, 9), 1 }},
	}
}

func runHostile(t *testing.T, c hostile) {
	data, off := c.build()
	decode := func(verify bool) error {
		opt := Options{Verify: verify, Checksum: true}
		if c.payload {
			_, err := DecodePayload(data, nil, opt)
			return err
		}
		_, err := Decode(data, 0, nil, opt)
		return err
	}
	if c.verify {
		if err := decode(false); err != nil {
			t.Errorf("without Verify: %v", err)
		}
	}
	err := decode(true)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %v", err)
	}
	if e.Kind != c.kind || !strings.Contains(e.Reason, c.reason) {
		t.Errorf("got kind %d %q, want kind %d containing %q", e.Kind, e.Reason, c.kind, c.reason)
	}
	if off >= 0 && e.Offset != off {
		t.Errorf("offset %d, want %d (%v)", e.Offset, off, e)
	}
	if e.Error() != "offset "+itoa(e.Offset)+": "+e.Reason {
		t.Errorf("message %q", e.Error())
	}
	if e.Type >= 0 && !c.payload && string(e.Key) != "k" {
		t.Errorf("error inside key of type %d names key %q", e.Type, e.Key)
	}
	wantIs := map[ErrorKind]error{KindCorrupt: ErrCorrupt, KindTruncated: ErrTruncated, KindUnsupported: ErrUnsupported, KindChecksum: ErrChecksum}[c.kind]
	if !errors.Is(err, wantIs) || errors.Is(err, ErrUnsupported) != (c.kind == KindUnsupported) || errors.Is(err, ErrCorrupt) == (c.kind == KindUnsupported) {
		t.Errorf("errors.Is mismatch for kind %d", c.kind)
	}
}

func itoa(v int64) string { return string(appendInt(nil, v)) }
