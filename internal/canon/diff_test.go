package canon

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func str(db int, key, val string, exp int64) Key {
	return Key{DB: db, Key: []byte(key), Type: TypeString, ExpireMs: exp, String: []byte(val)}
}

func bs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

func streamKey(mut func(*Stream)) Key {
	s := &Stream{
		Entries:      []StreamEntry{{StreamID{1, 0}, bs("f", "v")}},
		LastID:       StreamID{1, 0},
		MaxDeletedID: &StreamID{0, 0},
		EntriesAdded: i64(1),
		Groups: []Group{
			{Name: []byte("g1"), LastDelivered: StreamID{1, 0}, EntriesRead: i64(1), Consumers: bs("a", "b"),
				Pending: []Pending{{StreamID{1, 0}, []byte("a"), 1}, {StreamID{0, 5}, []byte("b"), 2}}},
			{Name: []byte("g2"), Consumers: bs()},
		},
	}
	if mut != nil {
		mut(s)
	}
	return Key{Key: []byte("st"), Type: TypeStream, ExpireMs: NoExpiry, Stream: s}
}

func TestDiffRules(t *testing.T) {
	fn := func(name, code string) Function {
		return Function{Name: []byte(name), Engine: []byte("LUA"), Code: []byte(code)}
	}
	tests := []struct {
		name     string
		exp, act []Key
		ef, af   []Function
		slack    int64
		want     []string
	}{
		{name: "identical", exp: []Key{str(0, "a", "1", NoExpiry)}, act: []Key{str(0, "a", "1", NoExpiry)}},
		{name: "key order irrelevant",
			exp: []Key{str(0, "a", "1", NoExpiry), str(1, "b", "2", NoExpiry)},
			act: []Key{str(1, "b", "2", NoExpiry), str(0, "a", "1", NoExpiry)}},
		{name: "missing and extra, in (db, json key) order",
			exp:  []Key{str(0, "a", "1", NoExpiry), str(0, "\xff", "1", NoExpiry)},
			act:  []Key{str(1, "a", "1", NoExpiry), str(0, "\xff", "1", NoExpiry)},
			want: []string{`db 0 key "a": missing`, `db 1 key "a": not expected, but present`}},
		{name: "string value",
			exp:  []Key{str(0, "é", "1", NoExpiry)},
			act:  []Key{str(0, "é", "2", NoExpiry)},
			want: []string{`db 0 key "\u00e9": value differs: expected "1", got "2"`}},
		{name: "type",
			exp: []Key{str(0, "k", "1", NoExpiry)},
			act: []Key{{Key: []byte("k"), Type: TypeList, ExpireMs: NoExpiry, List: bs("1")}},
			want: []string{`db 0 key "k": type differs: expected "string", got "list"`,
				`db 0 key "k": value differs: expected "1", got ["1"]`}},
		{name: "ttl within slack", slack: 1000,
			exp: []Key{str(0, "k", "v", 10_000)}, act: []Key{str(0, "k", "v", 10_999)}},
		{name: "ttl beyond slack", slack: 1000,
			exp: []Key{str(0, "k", "v", 10_000)}, act: []Key{str(0, "k", "v", 11_001)},
			want: []string{`db 0 key "k": expire_ms differs: expected 10000, got 11001`}},
		{name: "ttl exact without slack",
			exp: []Key{str(0, "k", "v", 10_000)}, act: []Key{str(0, "k", "v", 10_001)},
			want: []string{`db 0 key "k": expire_ms differs: expected 10000, got 10001`}},
		{name: "no ttl vs ttl is never within slack", slack: math.MaxInt64,
			exp: []Key{str(0, "k", "v", NoExpiry)}, act: []Key{str(0, "k", "v", 5)},
			want: []string{`db 0 key "k": expire_ms differs: expected null, got 5`}},
		{name: "set order irrelevant",
			exp: []Key{{Key: []byte("s"), Type: TypeSet, ExpireMs: NoExpiry, Set: bs("a", "b", "c")}},
			act: []Key{{Key: []byte("s"), Type: TypeSet, ExpireMs: NoExpiry, Set: bs("c", "a", "b")}}},
		{name: "set members differ",
			exp:  []Key{{Key: []byte("s"), Type: TypeSet, ExpireMs: NoExpiry, Set: bs("a", "b")}},
			act:  []Key{{Key: []byte("s"), Type: TypeSet, ExpireMs: NoExpiry, Set: bs("a")}},
			want: []string{`db 0 key "s": value differs: expected ["a", "b"], got ["a"]`}},
		{name: "list order matters",
			exp:  []Key{{Key: []byte("l"), Type: TypeList, ExpireMs: NoExpiry, List: bs("a", "b")}},
			act:  []Key{{Key: []byte("l"), Type: TypeList, ExpireMs: NoExpiry, List: bs("b", "a")}},
			want: []string{`db 0 key "l": value differs: expected ["a", "b"], got ["b", "a"]`}},
		{name: "hash order irrelevant, field TTL exact", slack: 1000,
			exp:  []Key{{Key: []byte("h"), Type: TypeHash, ExpireMs: NoExpiry, Hash: []HField{{[]byte("a"), []byte("1"), 5}, {[]byte("b"), []byte("2"), NoExpiry}}}},
			act:  []Key{{Key: []byte("h"), Type: TypeHash, ExpireMs: NoExpiry, Hash: []HField{{[]byte("b"), []byte("2"), NoExpiry}, {[]byte("a"), []byte("1"), 6}}}},
			want: []string{`db 0 key "h": value differs: expected [["a", "1", 5], ["b", "2", null]], got [["a", "1", 6], ["b", "2", null]]`}},
		{name: "zset scores as numbers, -0 == 0",
			exp: []Key{{Key: []byte("z"), Type: TypeZset, ExpireMs: NoExpiry, Zset: []ZMember{{[]byte("a"), 0}, {[]byte("b"), 0.1}}}},
			act: []Key{{Key: []byte("z"), Type: TypeZset, ExpireMs: NoExpiry, Zset: []ZMember{{[]byte("b"), 0.1}, {[]byte("a"), math.Copysign(0, -1)}}}}},
		{name: "zset score differs",
			exp:  []Key{{Key: []byte("z"), Type: TypeZset, ExpireMs: NoExpiry, Zset: []ZMember{{[]byte("a"), 0.1}}}},
			act:  []Key{{Key: []byte("z"), Type: TypeZset, ExpireMs: NoExpiry, Zset: []ZMember{{[]byte("a"), 0.1 + 1e-16}}}},
			want: []string{`db 0 key "z": value differs: expected [["a", "0.1"]], got [["a", "0.1000000000000001"]]`}},
		{name: "stream groups, consumers, pending order irrelevant",
			exp: []Key{streamKey(nil)},
			act: []Key{streamKey(func(s *Stream) {
				s.Groups[0], s.Groups[1] = s.Groups[1], s.Groups[0]
				g := &s.Groups[1]
				g.Consumers = bs("b", "a")
				g.Pending[0], g.Pending[1] = g.Pending[1], g.Pending[0]
			})}},
		{name: "stream counters null on the expected side are not compared",
			exp: []Key{streamKey(func(s *Stream) {
				s.EntriesAdded, s.MaxDeletedID, s.Groups[0].EntriesRead = nil, nil, nil
			})},
			act: []Key{streamKey(nil)}},
		{name: "stream counters null on the actual side are compared",
			exp:  []Key{streamKey(nil)},
			act:  []Key{streamKey(func(s *Stream) { s.EntriesAdded = nil })},
			want: []string{`db 0 key "st": value differs: expected {"entries": [["1-0", ["f", "v"]]], "entries_added": 1, "groups": [{"consumers": ["a", "b"], "entries_read": 1, "last_delivered_id": "1-0", "name": "g1", "pending": [["0-5", "b", 2], ["1-0", "a", 1]]},, got {"entries": [["1-0", ["f", "v"]]], "entries_added": null, `}},
		{name: "stream pending count differs",
			exp: []Key{streamKey(nil)},
			act: []Key{streamKey(func(s *Stream) { s.Groups[0].Pending[0].DeliveryCount = 9 })},
			want: []string{`db 0 key "st": value differs: expected {"entries": [["1-0", ["f", "v"]]], "entries_added": 1, "groups": [{"consumers": ["a", "b"], "entries_read": 1, "last_delivered_id": "1-0", "name": "g1", "pending": [["0-5", "b", 2], ["1-0", "a", 1]]},` +
				`, got {"entries": [["1-0", ["f", "v"]]], "entries_added": 1, "groups": [{"consumers": ["a", "b"], "entries_read": 1, "last_delivered_id": "1-0", "name": "g1", "pending": [["0-5", "b", 2], ["1-0", "a", 9]]},`}},
		{name: "functions order irrelevant",
			ef: []Function{fn("a", "1"), fn("b", "2")}, af: []Function{fn("b", "2"), fn("a", "1")}},
		{name: "functions differ",
			ef:   []Function{fn("a", "1")},
			af:   nil,
			want: []string{`functions differ: expected [{"code": "1", "engine": "LUA", "name": "a"}], got []`}},
		{name: "duplicate key",
			exp:  []Key{str(0, "a", "1", NoExpiry)},
			act:  []Key{str(0, "a", "1", NoExpiry), str(0, "a", "1", NoExpiry)},
			want: []string{`db 0 key "a": present twice in actual`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.exp, tc.act, tc.ef, tc.af, DiffOptions{TTLSlackMs: tc.slack})
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if tc.name == "stream counters null on the actual side are compared" {
				if len(got) != 1 || !strings.HasPrefix(got[0], tc.want[0]) {
					t.Fatalf("got %q", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestDiffDoesNotModifyInputs(t *testing.T) {
	e := []Key{streamKey(func(s *Stream) { s.EntriesAdded = nil; s.Groups[0].EntriesRead = nil })}
	a := []Key{streamKey(func(s *Stream) { s.Groups[0].Consumers = bs("b", "a") })}
	Diff(e, a, nil, nil, DiffOptions{})
	if e[0].Stream.EntriesAdded != nil || e[0].Stream.Groups[0].EntriesRead != nil {
		t.Fatal("expected side modified")
	}
	if string(a[0].Stream.Groups[0].Consumers[0]) != "b" {
		t.Fatal("actual side reordered")
	}
}
