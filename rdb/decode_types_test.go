package rdb

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func checkDataset(t *testing.T, got []canon.Key, want []canon.Key) {
	t.Helper()
	for _, d := range canon.Diff(want, got, nil, nil, canon.DiffOptions{}) {
		t.Error(d)
	}
}

// Encodings the fixtures do not contain: old types (linked list, text-double zsets, zipmap,
// ziplist list), RDB 12 hash TTL variants including the 7.4 release-candidate types, module
// values and module AUX data, EXPIRETIME in seconds, IDLE/FREQ, empty keys, RDB < 5.
func TestHandmadeOldEncodings(t *testing.T) {
	long := strings.Repeat("abcdefgh", 10)
	w := newRDB(3)
	w.raw(OpSelectDB).ln(2)
	w.raw(OpExpireTime).u32(2000000000).key(TypeString, "s:sec").lzf(long)
	w.key(TypeList, "l:linked").ln(4).str("a").istr(-7).istr(300).lzf(long)
	w.key(TypeZset, "z:text").ln(4).str("m1").raw(3).raw([]byte("1.5")...).str("m2").raw(254).str("m3").raw(255).str("m4").raw(1, '7')
	w.key(TypeHashZipmap, "h:zipmap").blob(zmb("f1", "v1", "f2", long))
	w.key(TypeListZiplist, "l:ziplist").blob(zlb("x", 5, int64(-100000), int64(1)<<40, long))
	w.key(TypeHashZiplist, "h:ziplist").blob(zlb("a", "1", "b", 2))
	w.key(TypeZsetZiplist, "z:ziplist").blob(zlb("m", "2.25", "n", 3))
	w.key(TypeSetIntset, "s:intset").blob(isb(8, -5, 0, 1<<40))
	w.key(TypeList, "l:empty").ln(0)
	data := w.end()

	keys, _, info, err := Collect(data, 0, Options{Verify: true, Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.ChecksumStatus != ChecksumAbsent || info.End != int64(len(data)) || info.EmptyKeys != 1 || info.Keys != 9 {
		t.Errorf("info %+v", info)
	}
	want := []canon.Key{
		{DB: 2, Key: []byte("s:sec"), Type: canon.TypeString, ExpireMs: 2000000000000, String: []byte(long)},
		{DB: 2, Key: []byte("l:linked"), Type: canon.TypeList, ExpireMs: -1, List: bs("a", "-7", "300", long)},
		{DB: 2, Key: []byte("z:text"), Type: canon.TypeZset, ExpireMs: -1, Zset: []canon.ZMember{
			{Member: []byte("m1"), Score: 1.5}, {Member: []byte("m2"), Score: math.Inf(1)},
			{Member: []byte("m3"), Score: math.Inf(-1)}, {Member: []byte("m4"), Score: 7}}},
		{DB: 2, Key: []byte("h:zipmap"), Type: canon.TypeHash, ExpireMs: -1, Hash: []canon.HField{
			{Field: []byte("f1"), Value: []byte("v1"), ExpireMs: -1}, {Field: []byte("f2"), Value: []byte(long), ExpireMs: -1}}},
		{DB: 2, Key: []byte("l:ziplist"), Type: canon.TypeList, ExpireMs: -1, List: bs("x", "5", "-100000", "1099511627776", long)},
		{DB: 2, Key: []byte("h:ziplist"), Type: canon.TypeHash, ExpireMs: -1, Hash: []canon.HField{
			{Field: []byte("a"), Value: []byte("1"), ExpireMs: -1}, {Field: []byte("b"), Value: []byte("2"), ExpireMs: -1}}},
		{DB: 2, Key: []byte("z:ziplist"), Type: canon.TypeZset, ExpireMs: -1, Zset: []canon.ZMember{
			{Member: []byte("m"), Score: 2.25}, {Member: []byte("n"), Score: 3}}},
		{DB: 2, Key: []byte("s:intset"), Type: canon.TypeSet, ExpireMs: -1, Set: bs("-5", "0", "1099511627776")},
	}
	checkDataset(t, keys, want)
}

type keyRecorder struct {
	NopHandler
	keys    []KeyInfo
	modAux  int
	modVals int
	slots   [][3]uint64
}

func (r *keyRecorder) BeginKey(k *KeyInfo) error {
	c := *k
	c.Key = append([]byte(nil), k.Key...)
	r.keys = append(r.keys, c)
	return nil
}
func (r *keyRecorder) ModuleAux(id, when uint64, v []byte) error { r.modAux++; return nil }
func (r *keyRecorder) ModuleValue(id uint64, v []byte) error     { r.modVals++; return nil }
func (r *keyRecorder) SlotInfo(slot, keys, exp uint64) error {
	r.slots = append(r.slots, [3]uint64{slot, keys, exp})
	return nil
}

func TestHandmadeRDB12(t *testing.T) {
	const ttl = 4102444800000
	w := newRDB(12)
	w.raw(OpAux).str("redis-ver").str("7.4.1")
	// A module AUX record: id, when-opcode 2, when 2, then a value: UINT 5, STRING "x", DOUBLE, EOF.
	modID := uint64(0x1234567) << 10
	w.raw(OpModuleAux).ln(modID).ln(2).ln(2).ln(2).ln(5).ln(5).str("x").ln(4).u64(math.Float64bits(1.5)).ln(0)
	w.raw(OpFunction2).str("#!lua name=lib1\nredis.register_function('f', function() return 1 end)")
	w.raw(OpSelectDB).ln(0).raw(OpResizeDB).ln(8).ln(1)
	w.raw(OpSlotInfo).ln(866).ln(3).ln(0)
	idleAt := int64(len(w.b))
	w.raw(OpIdle).ln(1234).key(TypeString, "s:idle").str("v")
	w.raw(OpFreq).raw(7).raw(OpExpireTimeMs).u64(ttl).key(TypeString, "s:freq").istr(42)
	w.key(TypeHashMetadataPreGA, "h:22").ln(2).ln(ttl).str("a").str("1").ln(0).str("b").str("2")
	w.key(TypeHashListpackExPreGA, "h:23").blob(lpb("a", "1", ttl, "b", "2", 0))
	w.key(TypeHashMetadata, "h:24").u64(ttl - 5).ln(2).ln(6).str("a").str("1").ln(0).str("b").str("2")
	w.key(TypeHashListpackEx, "h:25").u64(ttl).blob(lpb("a", "1", ttl, "b", "2", ttl+1, "c", 3, 0))
	w.key(TypeModule2, "m:1").ln(modID).ln(2).ln(9).ln(0)
	w.key(TypeSetListpack, "s:empty").blob(lpb())
	w.key(TypeListQuicklist2, "l:plain").ln(3).ln(QuicklistNodePlain).lzf(strings.Repeat("p", 100)).ln(QuicklistNodePacked).blob(lpb("a", 1)).ln(QuicklistNodePacked).blob(lpb())
	data := w.end()

	rec := &keyRecorder{}
	info, err := Decode(data, 0, rec, Options{Verify: true, Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.modAux != 1 || rec.modVals != 1 || info.ModuleKeys != 1 || info.EmptyKeys != 1 || info.Functions != 1 ||
		len(rec.slots) != 1 || rec.slots[0] != [3]uint64{866, 3, 0} || info.ChecksumStatus != ChecksumOK {
		t.Errorf("module aux %d values %d, info %+v, slots %v", rec.modAux, rec.modVals, info, rec.slots)
	}
	if len(info.DBs) != 1 || info.DBs[0].ResizeKeys != 8 || info.DBs[0].Keys != 9 || info.DBs[0].Expires != 1 {
		t.Errorf("DBs %+v", info.DBs)
	}
	if k := rec.keys[0]; k.Idle != 1234 || k.Freq != -1 || k.Offset != idleAt {
		t.Errorf("s:idle %+v", k)
	}
	if k := rec.keys[1]; k.Idle != -1 || k.Freq != 7 || k.ExpireMs != ttl {
		t.Errorf("s:freq %+v", k)
	}
	if ModuleName(modID) != ModuleName(modID|5) || len(ModuleName(modID)) != 9 {
		t.Errorf("ModuleName %q", ModuleName(modID))
	}

	keys, funcs, _, err := Collect(data, 0, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []canon.Key{
		{Key: []byte("s:idle"), Type: "string", ExpireMs: -1, String: []byte("v")},
		{Key: []byte("s:freq"), Type: "string", ExpireMs: ttl, String: []byte("42")},
		{Key: []byte("h:22"), Type: "hash", ExpireMs: -1, Hash: []canon.HField{{Field: []byte("a"), Value: []byte("1"), ExpireMs: ttl}, {Field: []byte("b"), Value: []byte("2"), ExpireMs: -1}}},
		{Key: []byte("h:23"), Type: "hash", ExpireMs: -1, Hash: []canon.HField{{Field: []byte("a"), Value: []byte("1"), ExpireMs: ttl}, {Field: []byte("b"), Value: []byte("2"), ExpireMs: -1}}},
		{Key: []byte("h:24"), Type: "hash", ExpireMs: -1, Hash: []canon.HField{{Field: []byte("a"), Value: []byte("1"), ExpireMs: ttl}, {Field: []byte("b"), Value: []byte("2"), ExpireMs: -1}}},
		{Key: []byte("h:25"), Type: "hash", ExpireMs: -1, Hash: []canon.HField{{Field: []byte("a"), Value: []byte("1"), ExpireMs: ttl},
			{Field: []byte("b"), Value: []byte("2"), ExpireMs: ttl + 1}, {Field: []byte("c"), Value: []byte("3"), ExpireMs: -1}}},
		{Key: []byte("l:plain"), Type: "list", ExpireMs: -1, List: bs(strings.Repeat("p", 100), "a", "1")},
	}
	checkDataset(t, keys, want)
	if len(funcs) != 1 || string(funcs[0].Name) != "lib1" || string(funcs[0].Engine) != "LUA" {
		t.Errorf("functions %+v", funcs)
	}
}

// streamLP builds a stream node listpack: master fields f1,f2; entries given as
// (flags, msDiff, seqDiff, values...) with SAMEFIELDS, or explicit fields when flags lacks it.
func streamNodeLP(live, deleted int, master []any, entries ...[]any) []byte {
	var e []any
	e = append(e, live, deleted, len(master))
	e = append(e, master...)
	e = append(e, 0)
	for _, en := range entries {
		e = append(e, en...)
	}
	return lpb(e...)
}

func TestHandmadeStream(t *testing.T) {
	node1 := streamNodeLP(2, 1, []any{"f", 7},
		[]any{streamFlagSameFields, 0, 0, "a", "b", 5},                     // 100-1 f=a 7=b
		[]any{streamFlagSameFields | streamFlagDeleted, 0, 1, "x", "y", 5}, // 100-2 deleted
		[]any{0, 1, 5, 1, "g", 12, 6},                                      // 101-6 g=12
	)
	node2 := streamNodeLP(1, 0, []any{"h"}, []any{streamFlagSameFields, 0, 0, "v", 4})
	w := newRDB(11)
	w.key(TypeStreamListpacks3, "st").ln(2).bytes(nil)
	w.ln(16).bytes(streamID16(100, 1)).blob(node1)
	w.ln(16).bytes(streamID16(200, 0)).blob(node2)
	w.ln(3).ln(200).ln(0)               // length, last id
	w.ln(100).ln(1).ln(100).ln(2).ln(4) // first id, max deleted, entries added
	w.ln(2)                             // groups
	w.str("g1").ln(101).ln(6).ln(2)     // name, last delivered, entries read
	w.ln(2).bytes(streamID16(100, 1)).u64(1000).ln(3).bytes(streamID16(101, 6)).u64(2000).ln(1)
	w.ln(2).str("alice").u64(1000).u64(1500).ln(1).bytes(streamID16(101, 6))
	w.str("bob").u64(1000).u64(1500).ln(1).bytes(streamID16(100, 1))
	w.str("g0").ln(0).ln(0).ln(math.MaxUint64).ln(0).ln(1).str("carol").u64(1).u64(1).ln(0)
	data := w.end()

	keys, _, _, err := Collect(data, 0, Options{Verify: true, Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	md, ea, er := canon.StreamID{Ms: 100, Seq: 2}, int64(4), int64(2)
	want := []canon.Key{{Key: []byte("st"), Type: "stream", ExpireMs: -1, Stream: &canon.Stream{
		Entries: []canon.StreamEntry{
			{ID: canon.StreamID{Ms: 100, Seq: 1}, Fields: bs("f", "a", "7", "b")},
			{ID: canon.StreamID{Ms: 101, Seq: 6}, Fields: bs("g", "12")},
			{ID: canon.StreamID{Ms: 200, Seq: 0}, Fields: bs("h", "v")},
		},
		LastID: canon.StreamID{Ms: 200}, MaxDeletedID: &md, EntriesAdded: &ea,
		Groups: []canon.Group{
			{Name: []byte("g1"), LastDelivered: canon.StreamID{Ms: 101, Seq: 6}, EntriesRead: &er, Consumers: bs("alice", "bob"),
				Pending: []canon.Pending{{ID: canon.StreamID{Ms: 100, Seq: 1}, Consumer: []byte("bob"), DeliveryCount: 3},
					{ID: canon.StreamID{Ms: 101, Seq: 6}, Consumer: []byte("alice"), DeliveryCount: 1}}},
			{Name: []byte("g0"), Consumers: bs("carol"), Pending: []canon.Pending{}},
		}}}}
	checkDataset(t, keys, want)
	if g := keys[0].Stream.Groups[1]; g.EntriesRead != nil {
		t.Errorf("entries_read stored as -1 should be unknown, got %d", *g.EntriesRead)
	}
}

// A DUMP payload round: every value of the hand-made files as a payload.
func TestHandmadePayloads(t *testing.T) {
	cases := []struct {
		name  string
		value []byte
		want  canon.Key
	}{
		{"string", newRDBValue().raw(TypeString).lzf("hello world, hello world").b, canon.Key{Type: "string", ExpireMs: -1, String: []byte("hello world, hello world")}},
		{"set listpack", newRDBValue().raw(TypeSetListpack).blob(lpb("a", 1, int64(-70000))).b, canon.Key{Type: "set", ExpireMs: -1, Set: bs("a", "1", "-70000")}},
		{"zset2", newRDBValue().raw(TypeZset2).ln(1).str("m").u64(math.Float64bits(-0.5)).b, canon.Key{Type: "zset", ExpireMs: -1, Zset: []canon.ZMember{{Member: []byte("m"), Score: -0.5}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, _, ver, err := CollectPayload(payloadOf(c.value, 11), Options{Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			if ver != 11 {
				t.Errorf("version %d", ver)
			}
			checkDataset(t, []canon.Key{*k}, []canon.Key{c.want})
		})
	}
	// FUNCTION DUMP payloads: a series of FUNCTION2 records.
	code := "#!LUA name=mylib\nreturn 1"
	p := payloadOf(newRDBValue().raw(OpFunction2).str(code).raw(OpFunction2).lzf(code+strings.Repeat(" ", 40)).b, 10)
	k, funcs, _, err := CollectPayload(p, Options{Verify: true})
	if err != nil || k != nil || len(funcs) != 2 || string(funcs[0].Code) != code || string(funcs[1].Name) != "mylib" {
		t.Errorf("function payload: key %v funcs %+v err %v", k, funcs, err)
	}
	// An empty aggregate is "Bad data format" for RESTORE.
	_, _, _, err = CollectPayload(payloadOf(newRDBValue().raw(TypeSetListpack).blob(lpb()).b, 11), Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty set payload: %v", err)
	}
}

func newRDBValue() *rb { return &rb{} }
