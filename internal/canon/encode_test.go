package canon

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// Expected strings were printed by python3 json.dumps(b(x), sort_keys=True, ensure_ascii=False)
// (raw) and json.dumps(b(x)) (ascii), with keyspace_dump.py's b().
func TestAppendBytesMatchesPython(t *testing.T) {
	tests := []struct {
		in         string
		raw, ascii string
	}{
		{"", `""`, `""`},
		{"plain", `"plain"`, `"plain"`},
		{"\x00\x01\x1f\x7f\"\\\b\f\n\r\t/", "\"\\u0000\\u0001\\u001f\x7f\\\"\\\\\\b\\f\\n\\r\\t/\"", `"\u0000\u0001\u001f\u007f\"\\\b\f\n\r\t/"`},
		{"é ☃ 😀 \u2028", "\"é ☃ 😀 \u2028\"", `"\u00e9 \u2603 \ud83d\ude00 \u2028"`},
		{"\xff\x00", `{"b64": "/wA="}`, `{"b64": "/wA="}`},
		{"\xed\xa0\x80", `{"b64": "7aCA"}`, `{"b64": "7aCA"}`}, // a surrogate: not UTF-8 for Python either
		{"\ufeff", "\"\ufeff\"", `"\ufeff"`},
		{"\xc0\x80", `{"b64": "wIA="}`, `{"b64": "wIA="}`}, // overlong NUL
	}
	for _, tc := range tests {
		if got := string(appendBytes(nil, []byte(tc.in), false)); got != tc.raw {
			t.Errorf("raw %q: got %s want %s", tc.in, got, tc.raw)
		}
		if got := string(appendBytes(nil, []byte(tc.in), true)); got != tc.ascii {
			t.Errorf("ascii %q: got %s want %s", tc.in, got, tc.ascii)
		}
	}
}

func TestFunctionsSortedLikeScript(t *testing.T) {
	var fs []Function
	for _, n := range []string{"b", "a", "é", "Z", "\xff", "😀", "\x00"} {
		fs = append(fs, Function{Name: []byte(n), Engine: []byte("LUA"), Code: []byte("x")})
	}
	before := string(fs[0].Name)
	want := `{"functions": [{"code": "x", "engine": "LUA", "name": "Z"}, {"code": "x", "engine": "LUA", "name": "\u0000"}, {"code": "x", "engine": "LUA", "name": "é"}, {"code": "x", "engine": "LUA", "name": "😀"}, {"code": "x", "engine": "LUA", "name": "a"}, {"code": "x", "engine": "LUA", "name": "b"}, {"code": "x", "engine": "LUA", "name": {"b64": "/w=="}}]}` + "\n"
	var b bytes.Buffer
	e := NewEncoder(&b)
	if err := e.EncodeFunctions(fs); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Fatalf("got  %s\nwant %s", b.String(), want)
	}
	if string(fs[0].Name) != before {
		t.Fatal("input reordered")
	}
	b.Reset()
	if err := e.EncodeFunctions(nil); err != nil || b.Len() != 0 {
		t.Fatalf("no functions should print nothing, got %q %v", b.String(), err)
	}
}

func TestFormatScore(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{1, "1"},
		{-7, "-7"},
		{1.5, "1.5"},
		{-2.25, "-2.25"},
		{0.1, "0.1"},
		{1e7, "10000000"},
		{3479099956230698, "3479099956230698"},
		{1 << 62, "4611686018427387904"}, // the last integer d2string prints as an integer
		{1 << 63, "9223372036854776000"}, // fpconv: plain, exponent < digits+7
		{5e18, "5e+18"},                  // above 2^62, short mantissa: scientific
		{1e20, "1e+20"},                  //
		{1e300, "1e+300"},                // three-digit exponent
		{123456.789, "123456.789"},       //
		{0.000001, "0.000001"},           // K = -6: decimal
		{1e-7, "1e-7"},                   // K = -7, exponent 7: scientific, no zero padding
		{1.2345678e-7, "1.2345678e-7"},   //
		{1234.5678901234567, "1234.5678901234567"},
		{12345.678901234567, "1.2345678901234567e+4"}, // fpconv quirk: 17 digits, exponent 4
		{-1.5e-300, "-1.5e-300"},
		{5e-324, "5e-324"},
	}
	for _, tc := range tests {
		if got := FormatScore(tc.in); got != tc.want {
			t.Errorf("FormatScore(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if math.IsNaN(tc.in) {
			continue
		}
		back, err := ParseScore(tc.want)
		if err != nil || back != tc.in || math.Signbit(back) != math.Signbit(tc.in) {
			t.Errorf("ParseScore(%q) = %v, %v", tc.want, back, err)
		}
	}
	if FormatScore(math.NaN()) != "nan" {
		t.Error("nan")
	}
}

func TestParseScore(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"3.1400000000000001", 3.14, true}, // %.17g of Redis before 7.2
		{"+inf", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"1e+20", 1e20, true},
		{"nan", 0, false},
		{"", 0, false},
		{"abc", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseScore(tc.in)
		if tc.ok != (err == nil) || (tc.ok && got != tc.want) {
			t.Errorf("ParseScore(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrScore) {
			t.Errorf("ParseScore(%q): error %v does not wrap ErrScore", tc.in, err)
		}
	}
}

func TestStreamID(t *testing.T) {
	id, err := ParseStreamID("1700000000000-18446744073709551615")
	if err != nil || id.Ms != 1700000000000 || id.Seq != math.MaxUint64 || id.String() != "1700000000000-18446744073709551615" {
		t.Fatalf("%v %v", id, err)
	}
	for _, bad := range []string{"", "1", "1-", "-1", "a-1", "1-2-3", "+"} {
		if _, err := ParseStreamID(bad); !errors.Is(err, ErrStreamID) {
			t.Errorf("ParseStreamID(%q): %v", bad, err)
		}
	}
}

func i64(v int64) *int64 { return &v }

// TestEncodeKeyShapes pins every value shape (expected text written per keyspace_dump.py's
// schema) and that unsorted input is printed sorted without being modified.
func TestEncodeKeyShapes(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want string
	}{
		{"string", Key{DB: 2, Key: []byte("k"), Type: TypeString, ExpireMs: 5, String: []byte("v")},
			`{"db": 2, "expire_ms": 5, "key": "k", "type": "string", "value": "v"}`},
		{"list keeps order", Key{Key: []byte("l"), Type: TypeList, ExpireMs: NoExpiry, List: [][]byte{[]byte("b"), []byte("a")}},
			`{"db": 0, "expire_ms": null, "key": "l", "type": "list", "value": ["b", "a"]}`},
		{"empty list", Key{Key: []byte("l"), Type: TypeList, ExpireMs: NoExpiry},
			`{"db": 0, "expire_ms": null, "key": "l", "type": "list", "value": []}`},
		{"set sorted by bytes", Key{Key: []byte("s"), Type: TypeSet, ExpireMs: NoExpiry, Set: [][]byte{[]byte("\xff"), []byte("b"), []byte("B"), []byte("é")}},
			`{"db": 0, "expire_ms": null, "key": "s", "type": "set", "value": ["B", "b", "é", {"b64": "/w=="}]}`},
		{"zset in ZRANGE order", Key{Key: []byte("z"), Type: TypeZset, ExpireMs: NoExpiry, Zset: []ZMember{
			{[]byte("b"), 1}, {[]byte("a"), 1}, {[]byte("inf"), math.Inf(1)}, {[]byte("x"), -0.5}}},
			`{"db": 0, "expire_ms": null, "key": "z", "type": "zset", "value": [["x", "-0.5"], ["a", "1"], ["b", "1"], ["inf", "inf"]]}`},
		{"hash sorted, field TTLs", Key{Key: []byte("h"), Type: TypeHash, ExpireMs: NoExpiry, Hash: []HField{
			{[]byte("f2"), []byte("v"), NoExpiry}, {[]byte("f1"), []byte("w"), 4102444800000}}},
			`{"db": 0, "expire_ms": null, "key": "h", "type": "hash", "value": [["f1", "w", 4102444800000], ["f2", "v", null]]}`},
		{"stream", Key{Key: []byte("st"), Type: TypeStream, ExpireMs: NoExpiry, Stream: &Stream{
			Entries:      []StreamEntry{{StreamID{1, 0}, [][]byte{[]byte("f"), []byte("v")}}, {StreamID{1, 1}, nil}},
			LastID:       StreamID{1, 2},
			MaxDeletedID: &StreamID{1, 2},
			EntriesAdded: i64(3),
			Groups: []Group{
				{Name: []byte("g2"), LastDelivered: StreamID{1, 1}, EntriesRead: i64(2),
					Consumers: [][]byte{[]byte("c2"), []byte("c1")},
					Pending:   []Pending{{StreamID{1, 1}, []byte("c2"), 1}, {StreamID{1, 0}, []byte("c1"), 3}}},
				{Name: []byte("g1")},
			}}},
			`{"db": 0, "expire_ms": null, "key": "st", "type": "stream", "value": {"entries": [["1-0", ["f", "v"]], ["1-1", []]], "entries_added": 3, "groups": [{"consumers": [], "entries_read": null, "last_delivered_id": "0-0", "name": "g1", "pending": []}, {"consumers": ["c1", "c2"], "entries_read": 2, "last_delivered_id": "1-1", "name": "g2", "pending": [["1-0", "c1", 3], ["1-1", "c2", 1]]}], "last_id": "1-2", "max_deleted_id": "1-2"}}`},
		{"stream v1 counters null", Key{Key: []byte("st"), Type: TypeStream, ExpireMs: NoExpiry, Stream: &Stream{}},
			`{"db": 0, "expire_ms": null, "key": "st", "type": "stream", "value": {"entries": [], "entries_added": null, "groups": [], "last_id": "0-0", "max_deleted_id": null}}`},
		{"unknown type", Key{Key: []byte("m"), Type: "ReJSON-RL", ExpireMs: NoExpiry},
			`{"db": 0, "expire_ms": null, "key": "m", "type": "ReJSON-RL", "value": null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := string(AppendKey(nil, &tc.key)) // also proves AppendKey is pure
			var b bytes.Buffer
			if err := NewEncoder(&b).EncodeKey(&tc.key); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(b.String(), "\n"); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if before != tc.want {
				t.Fatal("AppendKey differs from EncodeKey")
			}
			// Reading the line back gives the same line.
			keys, _, err := ReadJSONL(strings.NewReader(tc.want))
			if err != nil || len(keys) != 1 {
				t.Fatalf("read back: %v", err)
			}
			if got := string(AppendKey(nil, &keys[0])); got != tc.want {
				t.Fatalf("round trip: %s", got)
			}
		})
	}
	// Unsorted input was not modified.
	s := tests[3].key.Set
	if string(s[0]) != "\xff" {
		t.Fatal("EncodeKey sorted the caller's set in place")
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

func TestEncoderStickyError(t *testing.T) {
	w := &failWriter{}
	e := NewEncoder(w)
	k := Key{Key: []byte("k"), Type: TypeString, ExpireMs: NoExpiry}
	if err := e.EncodeKey(&k); err == nil {
		t.Fatal("no error")
	}
	if err := e.EncodeKey(&k); err == nil || w.n != 1 {
		t.Fatalf("error not sticky: %v, %d writes", err, w.n)
	}
}

func TestWriteJSONLSortsKeys(t *testing.T) {
	keys := []Key{
		{DB: 1, Key: []byte("a"), Type: TypeString, ExpireMs: NoExpiry},
		{DB: 0, Key: []byte("b"), Type: TypeString, ExpireMs: NoExpiry},
		{DB: 0, Key: []byte("\xff"), Type: TypeString, ExpireMs: NoExpiry},
		{DB: 0, Key: []byte("B"), Type: TypeString, ExpireMs: NoExpiry},
	}
	var b bytes.Buffer
	if err := WriteJSONL(&b, keys, nil); err != nil {
		t.Fatal(err)
	}
	var order []string
	got, _, err := ReadJSONL(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range got {
		order = append(order, string(k.Key))
	}
	if strings.Join(order, ",") != "B,b,\xff,a" || got[3].DB != 1 {
		t.Fatalf("order %q", order)
	}
	if string(keys[0].Key) != "a" {
		t.Fatal("WriteJSONL sorted the caller's slice")
	}
}

func TestReadJSONLErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
	}{
		{"not json", "{\"db\": 0, \"key\": \"k\", \"type\": \"string\", \"value\": \"v\"}\n\n{oops\n", 3},
		{"no key", `{"db": 0, "type": "string", "value": "v"}`, 1},
		{"bad b64", `{"db": 0, "key": {"b64": "!!"}, "type": "string", "value": "v"}`, 1},
		{"bad score", `{"db": 0, "key": "z", "type": "zset", "value": [["a", "x1"]]}`, 1},
		{"bad id", `{"db": 0, "key": "s", "type": "stream", "value": {"entries": [], "last_id": "7", "groups": []}}`, 1},
		{"bad hash row", `{"db": 0, "key": "h", "type": "hash", "value": [["f"]]}`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadJSONL(strings.NewReader(tc.in))
			var le *LineError
			if !errors.As(err, &le) || le.Line != tc.line || !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestReadJSONLAcceptsVariants(t *testing.T) {
	// Numeric scores, two-element hash rows (dumps before field TTLs), no trailing newline.
	in := `{"db": 0, "expire_ms": null, "key": "z", "type": "zset", "value": [["a", 1.5], ["b", "inf"]]}` + "\n" +
		`{"db": 0, "expire_ms": null, "key": "h", "type": "hash", "value": [["f", "v"]]}`
	keys, funcs, err := ReadJSONL(strings.NewReader(in))
	if err != nil || len(keys) != 2 || funcs != nil {
		t.Fatalf("%v %d", err, len(keys))
	}
	if keys[0].Zset[0].Score != 1.5 || !math.IsInf(keys[0].Zset[1].Score, 1) || keys[1].Hash[0].ExpireMs != NoExpiry {
		t.Fatalf("%+v", keys)
	}
}

func TestNormalizeAndSort(t *testing.T) {
	k := Key{Type: TypeZset, Zset: []ZMember{{[]byte("b"), 2}, {[]byte("c"), 1}, {[]byte("a"), 2}}}
	Normalize(&k)
	if string(k.Zset[0].Member)+string(k.Zset[1].Member)+string(k.Zset[2].Member) != "cab" {
		t.Fatalf("%+v", k.Zset)
	}
	keys := []Key{{DB: 2, Key: []byte("a")}, {DB: 0, Key: []byte("z")}, {DB: 0, Key: []byte("a")}}
	Sort(keys)
	if keys[0].DB != 0 || string(keys[0].Key) != "a" || keys[2].DB != 2 {
		t.Fatalf("%+v", keys)
	}
}
