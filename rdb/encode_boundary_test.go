package rdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// Table tests of the encodings at their boundaries.

func TestEncParseInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"127", 127, true},
		{"9223372036854775807", math.MaxInt64, true}, {"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"007", 0, false}, {"-0", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"+1", 0, false},
		{"", 0, false}, {"-", 0, false}, {"1a", 0, false}, {"00", 0, false}, {"0x10", 0, false},
		{"123456789012345678901", 0, false},
	} {
		got, ok := encParseInt([]byte(c.in))
		if ok != c.ok || got != c.want {
			t.Errorf("encParseInt(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestEncAppendLen(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {63, "3f"}, {64, "4040"}, {16383, "7fff"}, {16384, "8000004000"},
		{math.MaxUint32, "80ffffffff"}, {math.MaxUint32 + 1, "810000000100000000"},
		{math.MaxUint64, "81ffffffffffffffff"},
	} {
		if got := hex.EncodeToString(encAppendLen(nil, c.n)); got != c.want {
			t.Errorf("len %d: %s, want %s", c.n, got, c.want)
		}
	}
}

func TestEncAppendString(t *testing.T) {
	rep := func(s string, n int) string { return strings.Repeat(s, n) }
	incompressible := make([]byte, 300)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range incompressible {
		incompressible[i] = byte(r.Uint32())
	}
	for _, c := range []struct {
		name, in string
		want     string // hex prefix of the encoding
		lzf      bool
	}{
		{"empty", "", "00", false},
		{"zero", "0", "c000", false},
		{"int8 max", "127", "c07f", false},
		{"int8 min", "-128", "c080", false},
		{"int16", "128", "c18000", false},
		{"int16 min", "-32768", "c10080", false},
		{"int32", "32768", "c200800000", false},
		{"int32 min (11 bytes)", "-2147483648", "c200000080", false},
		{"int32 overflow", "2147483648", "0a32313437343833363438", false},
		{"int64 stays text", "12345678901", "0b3132333435363738393031", false},
		{"leading zero", "007", "03303037", false},
		{"minus zero", "-0", "022d30", false},
		{"leading space", " 1", "022031", false},
		{"plus", "+1", "022b31", false},
		{"20 bytes not compressed", rep("a", 20), "14" + rep("61", 20), false},
		{"21 bytes compressed", rep("a", 21), "c3", true},
		{"64 bytes raw length form", string(incompressible[:64]), "4040", false},
		{"incompressible stays raw", string(incompressible), "412c", false},
		{"long compressible", rep("abc", 5000), "c3", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := encAppendString(nil, []byte(c.in), new(encLZF))
			if !strings.HasPrefix(hex.EncodeToString(got), c.want) {
				t.Fatalf("got %x, want prefix %s", encHead(got), c.want)
			}
			back, rest, err := testReadString(got)
			if err != nil || len(rest) != 0 || string(back) != c.in {
				t.Fatalf("read back %q (rest %d, err %v)", encHead(back), len(rest), err)
			}
			if c.lzf && len(got) >= len(c.in) {
				t.Errorf("LZF encoding of %d bytes takes %d", len(c.in), len(got))
			}
			if nc := encAppendString(nil, []byte(c.in), nil); c.lzf && nc[0] == 0xC3 {
				t.Errorf("compressed although compression is off")
			}
		})
	}
}

// TestLZFRoundTrip compresses many shapes of input and decompresses them with the test's own
// decompressor; compression must fail (nil) rather than exceed the limit.
func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int, alphabet int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(alphabet))
		}
		return b
	}
	inputs := map[string][]byte{
		"zeros 1":       make([]byte, 1),
		"zeros 3":       make([]byte, 3),
		"zeros 21":      make([]byte, 21),
		"zeros 100k":    make([]byte, 100_000),
		"text":          []byte(strings.Repeat("the quick brown fox jumps over the lazy dog. ", 300)),
		"binary 2":      rnd(10_000, 2),
		"binary 16":     rnd(10_000, 16),
		"random":        rnd(10_000, 256),
		"long runs":     bytes.Repeat(append(bytes.Repeat([]byte{'x'}, 300), 'y'), 50),
		"window edge":   append(append(rnd(8200, 256), rnd(100, 256)...), rnd(8200, 256)[:100]...),
		"periodic 8191": bytes.Repeat(rnd(8191, 256), 3),
		"periodic 8192": bytes.Repeat(rnd(8192, 256), 3),
		"periodic 8193": bytes.Repeat(rnd(8193, 256), 3),
	}
	for i := 0; i < 200; i++ {
		inputs[fmt.Sprintf("mixed %d", i)] = append(rnd(r.IntN(50), 4), append(rnd(r.IntN(300), 256), rnd(r.IntN(3000), 3)...)...)
	}
	var z encLZF
	for name, in := range inputs {
		for _, limit := range []int{len(in) - 4, len(in) + 64, len(in) / 2, 10} {
			c := z.compress(in, limit)
			if c == nil {
				continue
			}
			if len(c) > limit {
				t.Fatalf("%s: %d compressed bytes over the limit %d", name, len(c), limit)
			}
			out, err := testLZFDecompress(c, len(in))
			if err != nil {
				t.Fatalf("%s (limit %d): %v", name, limit, err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("%s (limit %d): round trip differs", name, limit)
			}
		}
	}
	if c := z.compress(make([]byte, 100_000), 99_996); len(c) > 2000 {
		t.Errorf("100k zeros compress to %d bytes", len(c))
	}
	if c := z.compress(rnd(10_000, 256), 9_996); c != nil {
		t.Errorf("random bytes compressed to %d bytes", len(c))
	}
}

func FuzzLZFRoundTrip(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Add([]byte("abcabcabcabcabcabcabcabcabcabcabcxyz"))
	var z encLZF
	f.Fuzz(func(t *testing.T, in []byte) {
		c := z.compress(in, len(in)+40)
		if len(in) == 0 {
			return
		}
		if c == nil {
			t.Fatalf("no output within len+40 for %d bytes", len(in))
		}
		out, err := testLZFDecompress(c, len(in))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// --- keys ---------------------------------------------------------------------------------

func encStr(s string) canon.Key {
	return canon.Key{Key: []byte("k"), Type: canon.TypeString, ExpireMs: canon.NoExpiry, String: []byte(s)}
}

func encBytesN(n int, f func(i int) string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(f(i))
	}
	return out
}

func encList(items [][]byte) canon.Key {
	return canon.Key{Key: []byte("k"), Type: canon.TypeList, ExpireMs: canon.NoExpiry, List: items}
}

func encSet(members [][]byte) canon.Key {
	return canon.Key{Key: []byte("k"), Type: canon.TypeSet, ExpireMs: canon.NoExpiry, Set: members}
}

func encZset(n, memberLen int) canon.Key {
	k := canon.Key{Key: []byte("k"), Type: canon.TypeZset, ExpireMs: canon.NoExpiry}
	for i := 0; i < n; i++ {
		m := fmt.Sprintf("m%0*d", max(memberLen-1, 0), i)
		k.Zset = append(k.Zset, canon.ZMember{Member: []byte(m), Score: float64(i) / 4})
	}
	return k
}

func encHash(n, fieldLen, valueLen int, ttl func(i int) int64) canon.Key {
	k := canon.Key{Key: []byte("k"), Type: canon.TypeHash, ExpireMs: canon.NoExpiry}
	for i := 0; i < n; i++ {
		f := fmt.Sprintf("f%0*d", max(fieldLen-1, 0), i)
		v := fmt.Sprintf("v%0*d", max(valueLen-1, 0), i)
		e := canon.NoExpiry
		if ttl != nil {
			e = ttl(i)
		}
		k.Hash = append(k.Hash, canon.HField{Field: []byte(f), Value: []byte(v), ExpireMs: e})
	}
	return k
}

func encStream(n int) canon.Key {
	s := &canon.Stream{}
	for i := 0; i < n; i++ {
		id := canon.StreamID{Ms: 1700000000000 + uint64(i/3), Seq: uint64(i % 3)}
		fields := [][]byte{[]byte("field"), []byte("v" + strconv.Itoa(i)), []byte("n"), []byte(strconv.Itoa(i))}
		if i%7 == 6 {
			fields = [][]byte{[]byte("other"), []byte("x")}
		}
		s.Entries = append(s.Entries, canon.StreamEntry{ID: id, Fields: fields})
	}
	if n > 0 {
		s.LastID = s.Entries[n-1].ID
	}
	return canon.Key{Key: []byte("k"), Type: canon.TypeStream, ExpireMs: canon.NoExpiry, Stream: s}
}

const encErr = 0xFF // expected "type" of a case that must fail

// TestEncodeTypeChoice checks the encoding chosen at each threshold for every version, the
// layout inside the containers, that the package's decoder reads every payload back, and that
// the RDB 9 and 10 payloads RESTORE (with deep sanitization) to the same value in
// redis-server 7.0 when one is available.
func TestEncodeTypeChoice(t *testing.T) {
	ints := func(n int, f func(i int) int64) [][]byte {
		return encBytesN(n, func(i int) string { return strconv.FormatInt(f(i), 10) })
	}
	far := int64(4102444800000)
	cases := []struct {
		name string
		key  canon.Key
		want [4]byte // versions 9, 10, 11, 12
	}{
		{"string int", encStr("123"), [4]byte{0, 0, 0, 0}},
		{"string empty", encStr(""), [4]byte{0, 0, 0, 0}},
		{"list small", encList(encBytesN(3, func(i int) string { return "a" })), [4]byte{14, 18, 18, 18}},
		{"list 8KB nodes", encList(encBytesN(1000, func(i int) string { return strings.Repeat("x", 40) + strconv.Itoa(i) })), [4]byte{14, 18, 18, 18}},
		{"list ints", encList(ints(600, func(i int) int64 { return int64(i*i*i) - 1<<20 })), [4]byte{14, 18, 18, 18}},
		{"list big element", encList([][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 9000), []byte("c")}), [4]byte{14, 18, 18, 18}},
		{"list element at 8192", encList([][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 8192), []byte("c")}), [4]byte{14, 18, 18, 18}},
		{"set intset int16", encSet(ints(10, func(i int) int64 { return int64(i) - 5 })), [4]byte{11, 11, 11, 11}},
		{"set intset int32", encSet(ints(10, func(i int) int64 { return int64(i) * 40000 })), [4]byte{11, 11, 11, 11}},
		{"set intset int64", encSet(ints(10, func(i int) int64 { return -int64(i) << 40 })), [4]byte{11, 11, 11, 11}},
		{"set intset extremes", encSet(ints(2, func(i int) int64 { return []int64{math.MinInt64, math.MaxInt64}[i] })), [4]byte{11, 11, 11, 11}},
		{"set intset 512", encSet(ints(512, func(i int) int64 { return int64(i) })), [4]byte{11, 11, 11, 11}},
		{"set ints 513", encSet(ints(513, func(i int) int64 { return int64(i) })), [4]byte{2, 2, 2, 2}},
		{"set not canonical ints", encSet(encBytesN(3, func(i int) string { return []string{"007", "-0", " 1"}[i] })), [4]byte{2, 2, 20, 20}},
		{"set 128 strings", encSet(encBytesN(128, func(i int) string { return "s" + strconv.Itoa(i) })), [4]byte{2, 2, 20, 20}},
		{"set 129 strings", encSet(encBytesN(129, func(i int) string { return "s" + strconv.Itoa(i) })), [4]byte{2, 2, 2, 2}},
		{"set 64-byte member", encSet(encBytesN(2, func(i int) string { return strings.Repeat("m", 63) + strconv.Itoa(i) })), [4]byte{2, 2, 20, 20}},
		{"set 65-byte member", encSet(encBytesN(2, func(i int) string { return strings.Repeat("m", 64) + strconv.Itoa(i) })), [4]byte{2, 2, 2, 2}},
		{"zset 128", encZset(128, 10), [4]byte{12, 17, 17, 17}},
		{"zset 129", encZset(129, 10), [4]byte{5, 5, 5, 5}},
		{"zset member 64", encZset(3, 64), [4]byte{12, 17, 17, 17}},
		{"zset member 65", encZset(3, 65), [4]byte{5, 5, 5, 5}},
		{"zset special scores", canon.Key{Key: []byte("k"), Type: canon.TypeZset, ExpireMs: canon.NoExpiry, Zset: []canon.ZMember{
			{Member: []byte("a"), Score: math.Inf(1)}, {Member: []byte("b"), Score: math.Inf(-1)},
			{Member: []byte("c"), Score: math.Copysign(0, -1)}, {Member: []byte("d"), Score: 0.1},
			{Member: []byte("e"), Score: 1e300}, {Member: []byte("f"), Score: -4503599627370497},
			{Member: []byte("g"), Score: 4503599627370495}, {Member: []byte("h"), Score: 5e-324},
			{Member: []byte("12"), Score: -12},
		}}, [4]byte{12, 17, 17, 17}},
		{"hash 128", encHash(128, 5, 5, nil), [4]byte{13, 16, 16, 16}},
		{"hash 129", encHash(129, 5, 5, nil), [4]byte{4, 4, 4, 4}},
		{"hash value 64", encHash(3, 5, 64, nil), [4]byte{13, 16, 16, 16}},
		{"hash value 65", encHash(3, 5, 65, nil), [4]byte{4, 4, 4, 4}},
		{"hash field 65", encHash(3, 65, 5, nil), [4]byte{4, 4, 4, 4}},
		{"hash ttl small", encHash(5, 5, 5, func(i int) int64 {
			return []int64{far + 30, canon.NoExpiry, far + 10, far + 20, canon.NoExpiry}[i]
		}), [4]byte{encErr, encErr, encErr, 25}},
		{"hash ttl big", encHash(200, 5, 5, func(i int) int64 {
			if i%3 == 0 {
				return canon.NoExpiry
			}
			return far + int64(i)
		}), [4]byte{encErr, encErr, encErr, 24}},
		{"stream 1", encStream(1), [4]byte{15, 19, 21, 21}},
		{"stream 250", encStream(250), [4]byte{15, 19, 21, 21}},
		{"stream empty", encStream(0), [4]byte{15, 19, 21, 21}},
		{"empty list", encList(nil), [4]byte{encErr, encErr, encErr, encErr}},
		{"empty set", encSet(nil), [4]byte{encErr, encErr, encErr, encErr}},
		{"empty zset", encZset(0, 3), [4]byte{encErr, encErr, encErr, encErr}},
		{"empty hash", encHash(0, 3, 3, nil), [4]byte{encErr, encErr, encErr, encErr}},
		{"duplicate set member", encSet(encBytesN(2, func(int) string { return "x" })), [4]byte{encErr, encErr, encErr, encErr}},
		{"duplicate int member", encSet(encBytesN(2, func(int) string { return "1" })), [4]byte{encErr, encErr, encErr, encErr}},
		{"duplicate hash field", canon.Key{Type: canon.TypeHash, ExpireMs: canon.NoExpiry, Hash: []canon.HField{
			{Field: []byte("f"), Value: []byte("1"), ExpireMs: canon.NoExpiry},
			{Field: []byte("f"), Value: []byte("2"), ExpireMs: canon.NoExpiry}}}, [4]byte{encErr, encErr, encErr, encErr}},
		{"NaN score", canon.Key{Type: canon.TypeZset, ExpireMs: canon.NoExpiry, Zset: []canon.ZMember{{Member: []byte("a"), Score: math.NaN()}}}, [4]byte{encErr, encErr, encErr, encErr}},
		{"field TTL 0", encHash(1, 3, 3, func(int) int64 { return 0 }), [4]byte{encErr, encErr, encErr, encErr}},
		{"field TTL over 48 bits", encHash(1, 3, 3, func(int) int64 { return 1 << 48 }), [4]byte{encErr, encErr, encErr, encErr}},
		{"unknown type", canon.Key{Type: "module", ExpireMs: canon.NoExpiry}, [4]byte{encErr, encErr, encErr, encErr}},
		{"stream odd fields", func() canon.Key {
			k := encStream(2)
			k.Stream.Entries[1].Fields = k.Stream.Entries[1].Fields[:3]
			return k
		}(), [4]byte{encErr, encErr, encErr, encErr}},
		{"stream IDs not increasing", func() canon.Key {
			k := encStream(3)
			k.Stream.Entries[2].ID = k.Stream.Entries[1].ID
			return k
		}(), [4]byte{encErr, encErr, encErr, encErr}},
		{"stream last ID too small", func() canon.Key {
			k := encStream(3)
			k.Stream.LastID = canon.StreamID{}
			return k
		}(), [4]byte{encErr, encErr, encErr, encErr}},
	}

	srv := encMaybeServer(t)
	for _, c := range cases {
		for vi, want := range c.want {
			version := 9 + vi
			t.Run(fmt.Sprintf("%s/v%d", c.name, version), func(t *testing.T) {
				p, err := DumpPayload(&c.key, version)
				if want == encErr {
					var ee *EncodeError
					if err == nil || !errors.As(err, &ee) {
						t.Fatalf("got type %d, err %v; want an *EncodeError", p[0], err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if p[0] != want {
					t.Fatalf("type %d, want %d", p[0], want)
				}
				if v := binary.LittleEndian.Uint16(p[len(p)-10:]); int(v) != version {
					t.Fatalf("payload version %d", v)
				}
				if crc := CRC64(0, p[:len(p)-8]); crc != binary.LittleEndian.Uint64(p[len(p)-8:]) {
					t.Fatalf("bad CRC")
				}
				encCheckStructure(t, &c.key, p, version)
				// The package's decoder, with its deep checks, reads it back.
				got, _, _, err := CollectPayload(p, Options{Verify: true})
				if err != nil {
					t.Fatalf("decoder: %v", err)
				}
				got.DB, got.Key, got.ExpireMs = c.key.DB, c.key.Key, c.key.ExpireMs
				want, _ := encWhatVersionHolds([]canon.Key{c.key}, nil, version)
				for _, d := range canon.Diff(want, []canon.Key{*got}, nil, nil, canon.DiffOptions{}) {
					t.Error("decoder: " + d)
				}
				if version > 10 || srv == nil {
					return
				}
				encRestoreCompare(t, srv, &c.key, p)
			})
		}
	}
}

// encMaybeServer starts a redis-server (with deep sanitization of what it loads) for checks
// that are extra to a test's own, or returns nil when there is none and
// AOFKIT_REQUIRE_REDIS is not set.
func encMaybeServer(t *testing.T) *redistest.Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv(redistest.EnvRequire) != "1" {
		t.Log("no redis-server: encodings are checked without loading them")
		return nil
	}
	return redistest.Start(t, redistest.Options{Args: encStrictArgs()})
}

// encRestoreCompare RESTOREs p as key "k" and compares the server's view with k.
func encRestoreCompare(t *testing.T, srv *redistest.Server, k *canon.Key, p []byte) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client().Conn()
	defer c.Close()
	if err := c.Do(ctx, "FLUSHALL").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "SELECT", k.DB).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "RESTORE", k.Key, 0, p).Err(); err != nil {
		t.Fatalf("RESTORE (type %d): %v", p[0], err)
	}
	got, _ := srv.Dump(t)
	want := *k
	want.Hash = append([]canon.HField(nil), k.Hash...)
	for i := range want.Hash {
		want.Hash[i].ExpireMs = canon.NoExpiry
	}
	for _, d := range canon.Diff([]canon.Key{want}, got, nil, nil, canon.DiffOptions{}) {
		t.Error(d)
	}
}

// encCheckStructure checks the layout inside containers: nodes within their size limit,
// entries in the order and form the server keeps them.
func encCheckStructure(t *testing.T, k *canon.Key, p []byte, version int) {
	t.Helper()
	body := p[1 : len(p)-10]
	switch p[0] {
	case TypeSetIntset:
		blob, _, err := testReadString(body)
		if err != nil {
			t.Fatal(err)
		}
		w, vals, err := testIntset(blob)
		if err != nil {
			t.Fatal(err)
		}
		wantW := 2
		for _, m := range k.Set {
			v, _ := encParseInt(m)
			if v < math.MinInt32 || v > math.MaxInt32 {
				wantW = 8
			} else if (v < math.MinInt16 || v > math.MaxInt16) && wantW < 4 {
				wantW = 4
			}
		}
		if w != wantW || len(vals) != len(k.Set) {
			t.Fatalf("intset width %d (want %d), %d members (want %d)", w, wantW, len(vals), len(k.Set))
		}
	case TypeListQuicklist, TypeListQuicklist2:
		n, _, rest, err := testReadLen(body)
		if err != nil {
			t.Fatal(err)
		}
		var items [][]byte
		for i := uint64(0); i < n; i++ {
			container := uint64(QuicklistNodePacked)
			if p[0] == TypeListQuicklist2 {
				container, _, rest, err = testReadLen(rest)
				if err != nil {
					t.Fatal(err)
				}
			}
			var blob []byte
			blob, rest, err = testReadString(rest)
			if err != nil {
				t.Fatal(err)
			}
			if container == QuicklistNodePlain {
				if version < 12 || len(blob) <= 8192 {
					t.Errorf("plain node of %d bytes in RDB %d", len(blob), version)
				}
				items = append(items, blob)
				continue
			}
			var es [][]byte
			if p[0] == TypeListQuicklist {
				es, err = testZiplistEntries(blob)
			} else {
				es, err = testListpackEntries(blob)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(es) > 1 && len(blob) > 8192 {
				t.Errorf("node %d: %d entries in %d bytes", i, len(es), len(blob))
			}
			if i+1 < n && len(es) > 1 && len(blob) < 8192-200 {
				t.Errorf("node %d cut early at %d bytes", i, len(blob))
			}
			items = append(items, es...)
		}
		if fmt.Sprint(items) != fmt.Sprint(k.List) {
			t.Errorf("list items differ")
		}
	case TypeSetListpack, TypeZsetListpack, TypeZsetZiplist, TypeHashListpack, TypeHashZiplist, TypeHashListpackEx:
		if p[0] == TypeHashListpackEx {
			minTTL := int64(binary.LittleEndian.Uint64(body))
			body = body[8:]
			want := int64(math.MaxInt64)
			for _, f := range k.Hash {
				if f.ExpireMs != canon.NoExpiry {
					want = min(want, f.ExpireMs)
				}
			}
			if minTTL != want {
				t.Errorf("min TTL %d, want %d", minTTL, want)
			}
		}
		blob, rest, err := testReadString(body)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%v, %d bytes left", err, len(rest))
		}
		var es [][]byte
		if p[0] == TypeZsetZiplist || p[0] == TypeHashZiplist {
			es, err = testZiplistEntries(blob)
		} else {
			es, err = testListpackEntries(blob)
		}
		if err != nil {
			t.Fatal(err)
		}
		switch p[0] {
		case TypeSetListpack:
			if fmt.Sprint(es) != fmt.Sprint(k.Set) {
				t.Errorf("set members differ")
			}
		case TypeZsetListpack, TypeZsetZiplist:
			for i := 0; i+1 < len(es); i += 2 {
				score, err := strconv.ParseFloat(string(es[i+1]), 64)
				if err != nil {
					t.Fatalf("score %q: %v", es[i+1], err)
				}
				if i >= 2 {
					prev, _ := strconv.ParseFloat(string(es[i-1]), 64)
					if prev > score || (prev == score && bytes.Compare(es[i-2], es[i]) > 0) {
						t.Errorf("members not ordered at %q", es[i])
					}
				}
			}
			if len(es) != 2*len(k.Zset) {
				t.Errorf("%d entries for %d members", len(es), len(k.Zset))
			}
		case TypeHashListpackEx:
			if len(es) != 3*len(k.Hash) {
				t.Fatalf("%d entries for %d fields", len(es), len(k.Hash))
			}
			last := int64(0)
			for i := 2; i < len(es); i += 3 {
				ttl, _ := strconv.ParseInt(string(es[i]), 10, 64)
				if ttl == 0 {
					ttl = math.MaxInt64
				}
				if ttl < last {
					t.Errorf("listpack-ex not ordered by TTL at field %q", es[i-2])
				}
				last = ttl
			}
		default:
			if len(es) != 2*len(k.Hash) {
				t.Errorf("%d entries for %d fields", len(es), len(k.Hash))
			}
		}
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		n, _, rest, err := testReadLen(body)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i := uint64(0); i < n; i++ {
			var id, blob []byte
			if id, rest, err = testReadString(rest); err != nil || len(id) != 16 {
				t.Fatalf("node key: %v (%d bytes)", err, len(id))
			}
			if blob, rest, err = testReadString(rest); err != nil {
				t.Fatal(err)
			}
			es, err := testListpackEntries(blob)
			if err != nil {
				t.Fatal(err)
			}
			count, _ := strconv.Atoi(string(es[0]))
			if count < 1 || count > 100 || string(es[1]) != "0" {
				t.Errorf("node %d: count %s deleted %s", i, es[0], es[1])
			}
			if len(blob) > 4096+200 {
				t.Errorf("node %d of %d bytes", i, len(blob))
			}
			total += count
		}
		if total != len(k.Stream.Entries) {
			t.Errorf("%d entries in nodes, want %d", total, len(k.Stream.Entries))
		}
	}
}

// Field TTLs: RDB 12 keeps them; earlier versions drop them with Drop (and count them) or fail.
func TestEncodeHashFieldTTLs(t *testing.T) {
	far := int64(4102444800000)
	k := encHash(4, 3, 3, func(i int) int64 { return []int64{far + 5, canon.NoExpiry, far + 1, far + 5}[i] })
	for _, version := range []int{9, 10, 11} {
		if _, err := DumpPayload(&k, version); !errors.Is(err, ErrNotRepresentable) {
			t.Errorf("v%d: %v, want ErrNotRepresentable", version, err)
		}
		p, dropped, err := DumpPayloadLossy(&k, version)
		if err != nil || dropped.HashFieldTTLs != 3 || dropped.Functions+dropped.StreamMeta != 0 {
			t.Errorf("v%d lossy: %v, dropped %+v", version, err, dropped)
		}
		if want := []byte{13, 16, 16}[version-9]; p[0] != want {
			t.Errorf("v%d lossy: type %d, want %d", version, p[0], want)
		}
	}
	p, err := DumpPayload(&k, 12)
	if err != nil {
		t.Fatal(err)
	}
	// 25, min TTL, listpack: f2 v2 far+1, f0 v0 far+5, f3 v3 far+5, f1 v1 0
	if p[0] != TypeHashListpackEx || int64(binary.LittleEndian.Uint64(p[1:])) != far+1 {
		t.Fatalf("type %d min %d", p[0], int64(binary.LittleEndian.Uint64(p[1:])))
	}
	blob, _, err := testReadString(p[9 : len(p)-10])
	if err != nil {
		t.Fatal(err)
	}
	es, err := testListpackEntries(blob)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[f02 v02 %d f00 v00 %d f03 v03 %d f01 v01 0]", far+1, far+5, far+5)
	if got := fmt.Sprintf("%s", es); got != want {
		t.Errorf("listpack-ex %s, want %s", got, want)
	}
	// Metadata layout: min TTL, then per field TTL - min + 1 (0 = none), field, value.
	big := encHash(200, 3, 3, func(i int) int64 {
		if i == 7 {
			return far
		}
		if i == 8 {
			return far + 99
		}
		return canon.NoExpiry
	})
	p, err = DumpPayload(&big, 12)
	if err != nil {
		t.Fatal(err)
	}
	if p[0] != TypeHashMetadata || int64(binary.LittleEndian.Uint64(p[1:])) != far {
		t.Fatalf("type %d", p[0])
	}
	rest := p[9 : len(p)-10]
	n, _, rest, _ := testReadLen(rest)
	for i := uint64(0); i < n; i++ {
		var ttl uint64
		var f []byte
		ttl, _, rest, _ = testReadLen(rest)
		f, rest, _ = testReadString(rest)
		_, rest, _ = testReadString(rest)
		want := uint64(0)
		switch string(f) {
		case "f07":
			want = 1
		case "f08":
			want = 100
		}
		if ttl != want {
			t.Errorf("field %s: relative TTL %d, want %d", f, ttl, want)
		}
	}
}

// Stream counters: RDB 9 cannot hold entries_added, max_deleted_id and group entries_read;
// only a difference from what its loader derives counts as a loss.
func TestEncodeStreamMeta(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	k := encStream(10)
	k.Stream.Groups = []canon.Group{{Name: []byte("g"), LastDelivered: k.Stream.LastID, EntriesRead: i64(10),
		Consumers: [][]byte{[]byte("c1")},
		Pending:   []canon.Pending{{ID: k.Stream.Entries[9].ID, Consumer: []byte("c2"), DeliveryCount: 3}}}}
	k.Stream.EntriesAdded = i64(10)
	k.Stream.MaxDeletedID = &canon.StreamID{}
	if _, err := DumpPayload(&k, 9); err != nil {
		t.Fatalf("derivable counters: %v", err)
	}
	k.Stream.EntriesAdded = i64(11)
	if _, err := DumpPayload(&k, 9); !errors.Is(err, ErrNotRepresentable) {
		t.Fatalf("entries_added 11 of 10: %v", err)
	}
	if _, d, err := DumpPayloadLossy(&k, 9); err != nil || d.StreamMeta != 1 {
		t.Fatalf("lossy: %v %+v", err, d)
	}
	for _, v := range []int{10, 11, 12} {
		if _, err := DumpPayload(&k, v); err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
	}
	k.Stream.EntriesAdded = i64(10)
	k.Stream.Groups[0].EntriesRead = i64(9)
	if _, err := DumpPayload(&k, 9); !errors.Is(err, ErrNotRepresentable) {
		t.Fatalf("entries_read 9 at the last ID: %v", err)
	}
}

func TestEncodeVersions(t *testing.T) {
	k := encStr("x")
	for _, v := range []int{0, 8, 13, 80} {
		if _, err := DumpPayload(&k, v); !errors.Is(err, ErrEncodeVersion) {
			t.Errorf("DumpPayload v%d: %v", v, err)
		}
		if _, err := NewEncoder(&bytes.Buffer{}, v, EncoderOptions{}); !errors.Is(err, ErrEncodeVersion) {
			t.Errorf("NewEncoder v%d: %v", v, err)
		}
		if _, err := FunctionDumpPayload(nil, v); !errors.Is(err, ErrEncodeVersion) {
			t.Errorf("FunctionDumpPayload v%d: %v", v, err)
		}
	}
}

func TestEncFormatScore(t *testing.T) {
	for _, c := range []struct {
		f       float64
		v9, v12 string
	}{
		{math.Inf(1), "inf", "inf"}, {math.Inf(-1), "-inf", "-inf"},
		// -0: 6.2 keeps "-0" (d2string); 7.0+ stores integral scores as integers (double2ll
		// in zzlInsertAt), so -0 becomes 0 — seen in a real 7.0.15 DUMP of ZADD e -0 m.
		{0, "0", "0"}, {math.Copysign(0, -1), "-0", "0"},
		{1, "1", "1"}, {-12, "-12", "-12"}, {0.5, "0.5", "0.5"},
		{0.1, "0.10000000000000001", "0.1"},
		{1 << 52, "4503599627370496", "4503599627370496"},
		{1 << 53, "9007199254740992", "9007199254740992"},
		{1 << 63, "9.2233720368547758e+18", "9.223372036854776e+18"},
		{1e300, "1.0000000000000001e+300", "1e+300"},
	} {
		got9 := string(encFormatScore(nil, c.f, 9))
		got12 := string(encFormatScore(nil, c.f, 12))
		if got9 != c.v9 || got12 != c.v12 {
			t.Errorf("%v: v9 %q v12 %q, want %q %q", c.f, got9, got12, c.v9, c.v12)
		}
		for _, s := range []string{got9, got12} {
			back, err := strconv.ParseFloat(s, 64)
			signOK := math.Signbit(back) == math.Signbit(c.f) || (c.f == 0 && s == got12)
			if err != nil || (back != c.f && !(math.IsInf(back, 0) && math.IsInf(c.f, 0))) || !signOK {
				t.Errorf("%q reads back as %v (%v)", s, back, err)
			}
		}
	}
}
