package keyspace

// Tests of the collection families: lists, sets, sorted sets, geo and SORT (t_list.go,
// t_set.go, t_zset.go, t_geo.go, t_sort.go). Table tests per command, property tests of the
// data structures against simple models, and a differential test against a real
// redis-server (skipped without one unless AOFKIT_REQUIRE_REDIS=1; AOFKIT_LONG=1 runs
// thousands of sequences).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// collSplit splits a command line on spaces; "..." quotes a token (no escapes, "" is empty).
func collSplit(line string) [][]byte {
	var out [][]byte
	for i := 0; i < len(line); {
		switch {
		case line[i] == ' ':
			i++
		case line[i] == '"':
			j := strings.IndexByte(line[i+1:], '"')
			out = append(out, []byte(line[i+1:i+1+j]))
			i += j + 2
		default:
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			out = append(out, []byte(line[i:i+j]))
			i += j
		}
	}
	return out
}

func collScore(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e17 {
		if f == 0 && math.Signbit(f) {
			return "-0"
		}
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// collDescribe prints a keyspace compactly, one key per line in key order:
// "L k [a b]", "S k {a b}", "Z k a:1 b:2", "str k v", with " ttl=N" and a "db N " prefix.
func collDescribe(ks *Keyspace) string {
	var lines []string
	_ = ks.Each(true, func(k *canon.Key) error {
		var b strings.Builder
		if k.DB != 0 {
			fmt.Fprintf(&b, "db%d ", k.DB)
		}
		switch k.Type {
		case canon.TypeList:
			fmt.Fprintf(&b, "L %s [%s]", k.Key, collJoin(k.List))
		case canon.TypeSet:
			s := slices.Clone(k.Set)
			slices.SortFunc(s, func(x, y []byte) int { return strings.Compare(string(x), string(y)) })
			fmt.Fprintf(&b, "S %s {%s}", k.Key, collJoin(s))
		case canon.TypeZset:
			fmt.Fprintf(&b, "Z %s", k.Key)
			for _, m := range k.Zset {
				fmt.Fprintf(&b, " %s:%s", m.Member, collScore(m.Score))
			}
		case canon.TypeString:
			fmt.Fprintf(&b, "str %s %s", k.Key, k.String)
		default:
			fmt.Fprintf(&b, "%s %s", k.Type, k.Key)
		}
		if k.ExpireMs >= 0 {
			fmt.Fprintf(&b, " ttl=%d", k.ExpireMs)
		}
		lines = append(lines, b.String())
		return nil
	})
	return strings.Join(lines, "\n")
}

func collJoin(b [][]byte) string {
	s := make([]string, len(b))
	for i, x := range b {
		s[i] = string(x)
	}
	return strings.Join(s, " ")
}

// collErrText is what a test expects from an error: "" for none, "UNSUPPORTED" for an
// *UnsupportedError, else the error reply.
func collErrText(err error) string {
	var ue *UnsupportedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ue):
		return "UNSUPPORTED"
	}
	return err.Error()
}

type collCase struct {
	name  string
	setup []string // must succeed
	cmd   string
	err   string // expected collErrText of cmd
	want  string // collDescribe afterwards
}

func collRunCases(t *testing.T, cases []collCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks := New(1_000_000)
			c := ks.NewClient()
			for _, l := range tc.setup {
				if err := c.Apply(collSplit(l)); err != nil {
					t.Fatalf("setup %q: %v", l, err)
				}
			}
			got := collErrText(c.Apply(collSplit(tc.cmd)))
			if got != tc.err {
				t.Errorf("%s: error %q, want %q", tc.cmd, got, tc.err)
			}
			if d := collDescribe(ks); d != tc.want {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tc.cmd, d, tc.want)
			}
		})
	}
}

const (
	wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
	syntaxErr = "ERR syntax error"
	notInt    = "ERR value is not an integer or out of range"
	notFloat  = "ERR value is not a valid float"
)

func TestCollParseInt(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"-0", 0, false}, {"12", 12, true}, {"-12", -12, true}, {"+1", 0, false},
		{"012", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"", 0, false}, {"-", 0, false},
		{"9223372036854775807", math.MaxInt64, true}, {"9223372036854775808", 0, false},
		{"-9223372036854775808", math.MinInt64, true}, {"-9223372036854775809", 0, false},
		{"1e3", 0, false}, {"00", 0, false}, {"123456789012345678901", 0, false},
	} {
		v, ok := strParseInt([]byte(tc.in))
		if v != tc.v || ok != tc.ok {
			t.Errorf("strParseInt(%q) = %d, %v; want %d, %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
}

func TestCollStrtod(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		in    string
		v     float64
		n     int
		flags int
	}{
		{"1", 1, 1, 0}, {"-2.5", -2.5, 4, 0}, {"+3", 3, 2, 0}, {"  4", 4, 3, 0}, {".5", 0.5, 2, 0},
		{"5.", 5, 2, 0}, {".", 0, 0, 0}, {"", 0, 0, 0}, {"   ", 0, 0, 0}, {"abc", 0, 0, 0},
		{"1e3", 1000, 3, 0}, {"1e", 1, 1, 0}, {"1e+", 1, 1, 0}, {"1E-2", 0.01, 4, 0},
		{"inf", inf, 3, 0}, {"-Inf", -inf, 4, 0}, {"+INFINITY", inf, 9, 0}, {"infin", inf, 3, 0},
		{"nan", math.NaN(), 3, 0}, {"nan(123)", math.NaN(), 8, 0}, {"nan(12", math.NaN(), 3, 0},
		{"0x10", 16, 4, 0}, {"0x1p-2", 0.25, 6, 0}, {"0x.8", 0.5, 4, 0}, {"0x", 0, 1, 0},
		{"0xg", 0, 1, 0}, {"0x1p", 1, 3, 0}, {"1e400", inf, 5, collStrtodOverflow},
		{"-1e400", -inf, 6, collStrtodOverflow}, {"1e-400", 0, 6, collStrtodUnderflow},
		{"0e-400", 0, 6, 0}, {"1e-310", 1e-310, 6, collStrtodDenormal},
		{"0x1p-1074", 5e-324, 9, 0}, {"1\x002", 1, 1, 0}, {"1_000", 1, 1, 0},
		{"12abc", 12, 2, 0}, {"-", 0, 0, 0}, {"+.e1", 0, 0, 0},
	} {
		v, n, flags := collStrtod([]byte(tc.in), false)
		same := v == tc.v || (math.IsNaN(v) && math.IsNaN(tc.v))
		if !same || n != tc.n || flags != tc.flags {
			t.Errorf("collStrtod(%q) = %v, %d, %b; want %v, %d, %b", tc.in, v, n, flags, tc.v, tc.n, tc.flags)
		}
	}
}

func TestCollParseDouble(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1", true}, {"-1.5e3", true}, {"inf", true}, {"-inf", true}, {"+inf", true}, {"nan", false},
		{" 1", false}, {"1 ", false}, {"", false}, {"1e400", false}, {"1e-400", false},
		{"1e-310", true}, {"0x10", true}, {"1\x00", false}, {"infinity", true}, {"abc", false},
	} {
		if _, ok := collParseDouble(New(0).NewClient(), []byte(tc.in)); ok != tc.ok {
			t.Errorf("collParseDouble(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

func TestCollTimeout(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"0", ""}, {"1.5", ""}, {"-0.0001", ""}, {"1e-400", ""}, {"1e5", ""},
		{"-1", "ERR timeout is negative"}, {"inf", "ERR timeout is negative"},
		{"1e400", "ERR timeout is negative"}, {"1e5000", "ERR timeout is not a float or out of range"},
		{"1e-5000", "ERR timeout is not a float or out of range"}, {"abc", "ERR timeout is not a float or out of range"},
		{" 1", "ERR timeout is not a float or out of range"}, {"nan", "ERR timeout is not a float or out of range"},
		{"9223372036854775", "ERR timeout is negative"}, {"9223372036854774", ""},
	} {
		if got := collErrText(collTimeout(New(0).NewClient(), []byte(tc.in))); got != tc.err {
			t.Errorf("collTimeout(%q) = %q, want %q", tc.in, got, tc.err)
		}
	}
}

func TestCollParseRanges(t *testing.T) {
	for _, tc := range []struct {
		min, max string
		ok       bool
		want     zrangeSpec
	}{
		{"1", "2", true, zrangeSpec{min: 1, max: 2}},
		{"(1", "(2", true, zrangeSpec{min: 1, max: 2, minex: true, maxex: true}},
		{"-inf", "+inf", true, zrangeSpec{min: math.Inf(-1), max: math.Inf(1)}},
		{"", "(", true, zrangeSpec{maxex: true}},
		{" 1", "1e400", true, zrangeSpec{min: 1, max: math.Inf(1)}},
		{"1\x00x", "2", true, zrangeSpec{min: 1, max: 2}},
		{"nan", "1", false, zrangeSpec{}},
		{"1 ", "2", false, zrangeSpec{}},
		{"((1", "2", false, zrangeSpec{}},
	} {
		got, ok := zsetParseRange(New(0).NewClient(), []byte(tc.min), []byte(tc.max))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("zsetParseRange(%q, %q) = %+v, %v; want %+v, %v", tc.min, tc.max, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		min, max  string
		ok, empty bool
	}{
		{"-", "+", true, false}, {"[a", "[a", true, false}, {"(a", "[a", true, true},
		{"[b", "[a", true, true}, {"+", "-", true, true}, {"-", "-", true, true},
		{"a", "+", false, false}, {"", "+", false, false}, {"+x", "+", false, false},
		{"+\x00x", "[", true, true}, {"-\x00x", "[", true, false},
	} {
		r, ok := zsetParseLexRange([]byte(tc.min), []byte(tc.max))
		if ok != tc.ok || (ok && r.empty() != tc.empty) {
			t.Errorf("zsetParseLexRange(%q, %q): ok %v empty %v; want %v %v", tc.min, tc.max, ok, r.empty(), tc.ok, tc.empty)
		}
	}
}

// TestCollZtree checks the B+tree against a sorted slice under random inserts and deletes,
// crossing split and merge thresholds, with its invariants after every step.
func TestCollZtree(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var tr ztree
		var model []zentry
		ops := 6000
		for op := 0; op < ops; op++ {
			grow := op < ops/2
			if r.IntN(10) < 7 == grow || len(model) == 0 {
				e := zentry{float64(r.IntN(50)), strconv.Itoa(r.IntN(3000))}
				if seed%2 == 0 {
					e.score = float64(op) // in-order appends take the split-at-the-end path
				}
				i, found := slices.BinarySearchFunc(model, e, zcmp)
				if found {
					continue
				}
				model = slices.Insert(model, i, e)
				tr.insert(e)
			} else {
				i := r.IntN(len(model))
				got, ok := tr.delete(model[i])
				if !ok || got != model[i] {
					t.Fatalf("seed %d op %d: delete(%v) = %v, %v", seed, op, model[i], got, ok)
				}
				model = slices.Delete(model, i, i+1)
			}
			if op%97 == 0 || op == ops-1 {
				collCheckTree(t, &tr, model)
				if len(model) > 0 {
					b := zentry{float64(r.IntN(50)), strconv.Itoa(r.IntN(3000))}
					want, _ := slices.BinarySearchFunc(model, b, zcmp)
					if got := tr.countBefore(func(e zentry) bool { return zcmp(e, b) < 0 }); got != want {
						t.Fatalf("seed %d: countBefore(%v) = %d, want %d", seed, b, got, want)
					}
				}
			}
		}
		built := buildZtree(model)
		collCheckTree(t, &built, model)
	}
}

func collCheckTree(t *testing.T, tr *ztree, model []zentry) {
	t.Helper()
	if tr.len() != len(model) {
		t.Fatalf("len %d, want %d", tr.len(), len(model))
	}
	var walk func(n *znode, lo, hi *zentry) int
	walk = func(n *znode, lo, hi *zentry) int {
		if n.kids == nil {
			for i, e := range n.ents {
				if (lo != nil && zcmp(e, *lo) < 0) || (hi != nil && zcmp(e, *hi) >= 0) || (i > 0 && zcmp(n.ents[i-1], e) >= 0) {
					t.Fatalf("leaf entry %v out of order or bounds", e)
				}
			}
			if n.size != len(n.ents) {
				t.Fatalf("leaf size %d with %d entries", n.size, len(n.ents))
			}
			return n.size
		}
		if len(n.ents) != len(n.kids) {
			t.Fatalf("inner node with %d separators for %d kids", len(n.ents), len(n.kids))
		}
		total := 0
		for i, k := range n.kids {
			klo, khi := lo, hi
			if i > 0 {
				klo = &n.ents[i]
			}
			if i+1 < len(n.kids) {
				khi = &n.ents[i+1]
			}
			total += walk(k, klo, khi)
		}
		if total != n.size {
			t.Fatalf("inner size %d, kids hold %d", n.size, total)
		}
		return total
	}
	if tr.root != nil {
		walk(tr.root, nil, nil)
	}
	i := 0
	for c := tr.seek(0); c.ok(); c.next() {
		if i >= len(model) || c.entry() != model[i] {
			t.Fatalf("forward walk at %d: %v", i, c.entry())
		}
		i++
	}
	if i != len(model) {
		t.Fatalf("forward walk saw %d of %d", i, len(model))
	}
	for c := tr.seek(len(model) - 1); c.ok(); c.prev() {
		i--
		if c.entry() != model[i] {
			t.Fatalf("backward walk at %d", i)
		}
	}
	for k := 0; k < 20 && len(model) > 0; k++ {
		j := (k * 7919) % len(model)
		if c := tr.seek(j); !c.ok() || c.entry() != model[j] {
			t.Fatalf("seek(%d) wrong", j)
		}
	}
}

// TestCollListRing checks the ring-buffer deque against a slice.
func TestCollListRing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	l := &List{}
	var model []string
	for op := 0; op < 20000; op++ {
		v := strconv.Itoa(op)
		switch r.IntN(50) {
		case 0:
			v += strings.Repeat("x", 5000) // a chunk of its own
		case 1:
			v += strings.Repeat("y", 200) // a two-byte length
		}
		switch k := r.IntN(9); {
		case k == 0:
			l.PushFront(v)
			model = slices.Insert(model, 0, v)
		case k == 1 || (op < 10000 && k < 4):
			l.PushBack(v)
			model = append(model, v)
		case k == 2 && len(model) > 0:
			if got := l.PopFront(); got != model[0] {
				t.Fatalf("PopFront = %q, want %q", got, model[0])
			}
			model = model[1:]
		case k == 3 && len(model) > 0:
			if got := l.PopBack(); got != model[len(model)-1] {
				t.Fatalf("PopBack = %q", got)
			}
			model = model[:len(model)-1]
		case k == 4:
			i := r.IntN(len(model) + 1)
			l.insertAt(i, v)
			model = slices.Insert(model, i, v)
		case k == 5 && len(model) > 0:
			i := r.IntN(len(model))
			l.removeAt(i)
			model = slices.Delete(model, i, i+1)
		case k == 6 && len(model) > 2:
			a, b := r.IntN(2), r.IntN(2)
			l.trim(a, b)
			model = model[a : len(model)-b]
		case k == 7:
			l.keepIf(func(i int, s string) bool { return i%5 != 0 })
			var m []string
			for i, s := range model {
				if i%5 != 0 {
					m = append(m, s)
				}
			}
			model = m
		case k == 8 && len(model) > 0:
			i := r.IntN(len(model))
			l.setAt(i, v)
			model[i] = v
		}
		if l.Len() != len(model) {
			t.Fatalf("op %d: len %d, want %d", op, l.Len(), len(model))
		}
		if op%50 == 0 {
			for i, s := range model {
				if l.At(i) != s {
					t.Fatalf("op %d: At(%d) = %q, want %q", op, i, l.At(i), s)
				}
			}
			if len(model) > 0 {
				from := r.IntN(len(model))
				var fwd, back []string
				l.Range(from, false, func(s string) bool { fwd = append(fwd, s); return true })
				l.Range(from, true, func(s string) bool { back = append(back, s); return true })
				wantBack := slices.Clone(model[:from+1])
				slices.Reverse(wantBack)
				if !slices.Equal(fwd, model[from:]) || !slices.Equal(back, wantBack) {
					t.Fatalf("op %d: Range(%d) wrong", op, from)
				}
			}
			c := l.clone()
			var got []string
			c.each(func(_ int, s string) bool { got = append(got, s); return true })
			if !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
				t.Fatalf("op %d: clone differs", op)
			}
		}
	}
}

// TestCollSetRandom checks the packed and map forms of Set against a map.
func TestCollSetRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for round := 0; round < 20; round++ {
		s := &Set{}
		model := map[string]bool{}
		for op := 0; op < 400; op++ {
			m := strconv.Itoa(r.IntN(60))
			if r.IntN(10) == 0 {
				m = strings.Repeat(m, 40) // longer than a packed member may be
			}
			if r.IntN(3) > 0 || op < 40 {
				if got, want := s.add([]byte(m)), !model[m]; got != want {
					t.Fatalf("add(%q) = %v, want %v", m, got, want)
				}
				model[m] = true
			} else {
				if got := s.del(m); got != model[m] {
					t.Fatalf("del(%q) = %v", m, got)
				}
				delete(model, m)
			}
			if s.Len() != len(model) {
				t.Fatalf("len %d, want %d", s.Len(), len(model))
			}
		}
		seen := map[string]bool{}
		s.Each(func(m string) bool { seen[m] = true; return true })
		for m := range model {
			if !seen[m] || !s.Has([]byte(m)) {
				t.Fatalf("member %q lost", m)
			}
		}
		if len(seen) != len(model) {
			t.Fatalf("each saw %d, want %d", len(seen), len(model))
		}
		c := s.clone()
		c.add([]byte("clone-only"))
		if s.Has([]byte("clone-only")) {
			t.Fatal("clone shares changes")
		}
	}
}

// TestCollZsetRandom checks the packed and tree forms of Zset against a map, across the
// conversions (more than 32 members, members longer than 64 bytes).
func TestCollZsetRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for round := 0; round < 30; round++ {
		z := &Zset{}
		model := map[string]float64{}
		limit := 20 + r.IntN(80)
		for op := 0; op < 600; op++ {
			m := strconv.Itoa(r.IntN(limit))
			if r.IntN(30) == 0 {
				m = strings.Repeat(m, 33)
			}
			sc := float64(r.IntN(7))
			switch k := r.IntN(10); {
			case k < 5:
				if !z.zadd([]byte(m), sc, zaddFlags{}) {
					t.Fatal("NaN?")
				}
				model[m] = sc
			case k < 7:
				if !z.zadd([]byte(m), sc, zaddFlags{incr: true}) {
					t.Fatal("NaN?")
				}
				model[m] += sc
			default:
				_, got := z.del(m)
				if _, want := model[m]; got != want {
					t.Fatalf("del(%q) = %v, want %v", m, got, want)
				}
				delete(model, m)
			}
			if z.Len() != len(model) {
				t.Fatalf("round %d op %d: len %d, want %d", round, op, z.Len(), len(model))
			}
			if round%2 == 1 && op == 300 {
				// A command that needs order: a lazy (dict-only) set builds its tree here and
				// keeps it from now on.
				if c := z.seek(0); z.Len() > 0 && !c.ok() {
					t.Fatal("seek(0) on a non-empty set")
				}
				if z.lazy {
					t.Fatal("still lazy after an ordered read")
				}
			}
		}
		if round%2 == 0 && limit > zsetSmall+10 && len(model) > zsetSmall && !z.lazy && !z.ordered {
			t.Errorf("round %d: a large set written only by ZADD/ZREM is not lazy", round)
		}
		want := make([]zentry, 0, len(model))
		for m, sc := range model {
			want = append(want, zentry{sc, m})
			if got, ok := z.Score([]byte(m)); !ok || got != sc {
				t.Fatalf("Score(%q) = %v, %v; want %v", m, got, ok, sc)
			}
		}
		slices.SortFunc(want, zcmp)
		if got := z.entries(); !slices.Equal(got, want) {
			t.Fatalf("round %d: entries %v, want %v", round, got, want)
		}
		for i := range want {
			if c := z.seek(i); !c.ok() || c.entry() != want[i] {
				t.Fatalf("seek(%d) wrong", i)
			}
		}
		rs := zrangeSpec{min: 2, max: 4, maxex: true}
		var inRange []zentry
		for cur := z.firstInRange(&rs); cur.ok() && rs.lteMax(cur.score()); cur.next() {
			inRange = append(inRange, cur.entry())
		}
		var wantRange []zentry
		for _, e := range want {
			if e.score >= 2 && e.score < 4 {
				wantRange = append(wantRange, e)
			}
		}
		if !slices.Equal(inRange, wantRange) {
			t.Fatalf("range [2,4): %v, want %v", inRange, wantRange)
		}
		c := z.clone()
		c.zadd([]byte("clone-only"), 1, zaddFlags{})
		if _, ok := z.Score([]byte("clone-only")); ok {
			t.Fatal("clone shares changes")
		}
	}
}

// TestCollBmSort: whatever the ties, positions lrange..rrange hold what a full sort puts
// there, and a range covering everything sorts everything.
func TestCollBmSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 400; it++ {
		n := 1 + r.IntN(120)
		a := make([]int, n)
		for i := range a {
			a[i] = r.IntN(1 + r.IntN(30))
		}
		want := slices.Clone(a)
		slices.Sort(want)
		lo := r.IntN(n)
		hi := lo + r.IntN(n-lo)
		bmSort(n, func(i, j int) int { return a[i] - a[j] }, func(i, j int) { a[i], a[j] = a[j], a[i] }, lo, hi)
		if !slices.Equal(a[lo:hi+1], want[lo:hi+1]) {
			t.Fatalf("n %d range %d..%d: %v, want %v", n, lo, hi, a[lo:hi+1], want[lo:hi+1])
		}
		bmSort(n, func(i, j int) int { return a[i] - a[j] }, func(i, j int) { a[i], a[j] = a[j], a[i] }, 0, n-1)
		if !slices.Equal(a, want) {
			t.Fatalf("full sort: %v", a)
		}
	}
}

func TestCollListCommands(t *testing.T) {
	collRunCases(t, []collCase{
		{"lpush new", nil, "LPUSH l a b c", "", "L l [c b a]"},
		{"rpush keeps ttl", []string{"RPUSH l a"}, "RPUSH l b", "", "L l [a b]"},
		{"lpush wrongtype", []string{"SADD l a"}, "LPUSH l x", wrongType, "S l {a}"},
		{"lpushx missing", nil, "LPUSHX l a", "", ""},
		{"rpushx existing", []string{"RPUSH l a"}, "RPUSHX l b c", "", "L l [a b c]"},
		{"linsert before", []string{"RPUSH l a b a"}, "LINSERT l BEFORE a x", "", "L l [x a b a]"},
		{"linsert after", []string{"RPUSH l a b"}, "LINSERT l after b x", "", "L l [a b x]"},
		{"linsert no pivot", []string{"RPUSH l a"}, "LINSERT l after z x", "", "L l [a]"},
		{"linsert bad where", []string{"RPUSH l a"}, "LINSERT l middle a x", syntaxErr, "L l [a]"},
		{"linsert missing", nil, "LINSERT l before a x", "", ""},
		{"lset", []string{"RPUSH l a b c"}, "LSET l -1 z", "", "L l [a b z]"},
		{"lset range", []string{"RPUSH l a"}, "LSET l 1 z", "ERR index out of range", "L l [a]"},
		{"lset missing", nil, "LSET l 0 z", "ERR no such key", ""},
		{"lset bad index", []string{"RPUSH l a"}, "LSET l x z", notInt, "L l [a]"},
		{"lrem all", []string{"RPUSH l a b a c a"}, "LREM l 0 a", "", "L l [b c]"},
		{"lrem head", []string{"RPUSH l a b a c a"}, "LREM l 2 a", "", "L l [b c a]"},
		{"lrem tail", []string{"RPUSH l a b a c a"}, "LREM l -2 a", "", "L l [a b c]"},
		{"lrem empties", []string{"RPUSH l a a"}, "LREM l 5 a", "", ""},
		{"lrem bad count", []string{"RPUSH l a"}, "LREM l x a", notInt, "L l [a]"},
		{"ltrim", []string{"RPUSH l a b c d e"}, "LTRIM l 1 -2", "", "L l [b c d]"},
		{"ltrim empty", []string{"RPUSH l a b"}, "LTRIM l 5 10", "", ""},
		{"ltrim reversed", []string{"RPUSH l a b"}, "LTRIM l 1 0", "", ""},
		{"ltrim big end", []string{"RPUSH l a b c"}, "LTRIM l -100 100", "", "L l [a b c]"},
		{"lpop", []string{"RPUSH l a b"}, "LPOP l", "", "L l [b]"},
		{"rpop count", []string{"RPUSH l a b c"}, "RPOP l 2", "", "L l [a]"},
		{"lpop count all", []string{"RPUSH l a b c"}, "LPOP l 10", "", ""},
		{"lpop count 0", []string{"RPUSH l a"}, "LPOP l 0", "", "L l [a]"},
		{"lpop negative", []string{"RPUSH l a"}, "LPOP l -1", "ERR value is out of range, must be positive", "L l [a]"},
		{"lpop arity", []string{"RPUSH l a"}, "LPOP l 1 2", "ERR wrong number of arguments for 'lpop' command", "L l [a]"},
		{"lpop wrongtype", []string{"SADD l a"}, "LPOP l", wrongType, "S l {a}"},
		{"rpoplpush", []string{"RPUSH s a b", "RPUSH d x"}, "RPOPLPUSH s d", "", "L d [b x]\nL s [a]"},
		{"rpoplpush same", []string{"RPUSH s a b c"}, "RPOPLPUSH s s", "", "L s [c a b]"},
		{"rpoplpush last", []string{"RPUSH s a"}, "RPOPLPUSH s d", "", "L d [a]"},
		{"rpoplpush dst wrongtype", []string{"RPUSH s a", "SADD d x"}, "RPOPLPUSH s d", wrongType, "S d {x}\nL s [a]"},
		{"rpoplpush src missing dst wrongtype", []string{"SADD d x"}, "RPOPLPUSH s d", "", "S d {x}"},
		{"lmove", []string{"RPUSH s a b"}, "LMOVE s d LEFT LEFT", "", "L d [a]\nL s [b]"},
		{"lmove right right", []string{"RPUSH s a b", "RPUSH d x"}, "LMOVE s d right right", "", "L d [x b]\nL s [a]"},
		{"lmove bad", []string{"RPUSH s a"}, "LMOVE s d up LEFT", syntaxErr, "L s [a]"},
		{"blpop first nonempty", []string{"RPUSH b x y"}, "BLPOP a b 0", "", "L b [y]"},
		{"brpop empty", nil, "BRPOP a b 0", "", ""},
		{"blpop wrongtype before data", []string{"SADD a m", "RPUSH b x"}, "BLPOP a b 0", wrongType, "S a {m}\nL b [x]"},
		{"blpop bad timeout", []string{"RPUSH a x"}, "BLPOP a -1", "ERR timeout is negative", "L a [x]"},
		{"blpop timeout not float", []string{"RPUSH a x"}, "BLPOP a zz", "ERR timeout is not a float or out of range", "L a [x]"},
		{"brpoplpush", []string{"RPUSH s a b"}, "BRPOPLPUSH s d 0", "", "L d [b]\nL s [a]"},
		{"brpoplpush missing", nil, "BRPOPLPUSH s d 0", "", ""},
		{"blmove", []string{"RPUSH s a b"}, "BLMOVE s d RIGHT LEFT 1.5", "", "L d [b]\nL s [a]"},
		{"blmove src wrongtype", []string{"SADD s a"}, "BLMOVE s d RIGHT LEFT 0", wrongType, "S s {a}"},
		{"lmpop", []string{"RPUSH b 1 2 3"}, "LMPOP 2 a b RIGHT COUNT 2", "", "L b [1]"},
		{"lmpop default count", []string{"RPUSH a 1 2"}, "LMPOP 1 a LEFT", "", "L a [2]"},
		{"lmpop numkeys 0", []string{"RPUSH a 1"}, "LMPOP 0 a LEFT", "ERR numkeys should be greater than 0", "L a [1]"},
		{"lmpop too many keys", []string{"RPUSH a 1"}, "LMPOP 5 a LEFT", syntaxErr, "L a [1]"},
		{"lmpop bad where", []string{"RPUSH a 1"}, "LMPOP 1 a UP", syntaxErr, "L a [1]"},
		{"lmpop count twice", []string{"RPUSH a 1"}, "LMPOP 1 a LEFT COUNT 1 COUNT 1", syntaxErr, "L a [1]"},
		{"lmpop count 0", []string{"RPUSH a 1"}, "LMPOP 1 a LEFT COUNT 0", "ERR count should be greater than 0", "L a [1]"},
		{"blmpop", []string{"RPUSH a 1 2 3"}, "BLMPOP 0 1 a LEFT COUNT 5", "", ""},
		{"blmpop bad timeout", []string{"RPUSH a 1"}, "BLMPOP -2 1 a LEFT", "ERR timeout is negative", "L a [1]"},
	})
}

func TestCollSetCommands(t *testing.T) {
	collRunCases(t, []collCase{
		{"sadd", nil, "SADD s a b a", "", "S s {a b}"},
		{"sadd wrongtype", []string{"RPUSH s a"}, "SADD s x", wrongType, "L s [a]"},
		{"sadd many", []string{"SADD s 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"}, "SADD s 17 18 1", "",
			"S s {1 10 11 12 13 14 15 16 17 18 2 3 4 5 6 7 8 9}"},
		{"srem", []string{"SADD s a b"}, "SREM s a z", "", "S s {b}"},
		{"srem last", []string{"SADD s a b"}, "SREM s a b", "", ""},
		{"srem missing", nil, "SREM s a", "", ""},
		{"smove", []string{"SADD s a b", "SADD d c"}, "SMOVE s d a", "", "S d {a c}\nS s {b}"},
		{"smove last", []string{"SADD s a"}, "SMOVE s d a", "", "S d {a}"},
		{"smove not member", []string{"SADD s a"}, "SMOVE s d z", "", "S s {a}"},
		{"smove same", []string{"SADD s a"}, "SMOVE s s a", "", "S s {a}"},
		{"smove dst wrongtype", []string{"SADD s a", "RPUSH d x"}, "SMOVE s d a", wrongType, "L d [x]\nS s {a}"},
		{"smove src missing", []string{"RPUSH d x"}, "SMOVE s d a", "", "L d [x]"},
		{"spop one member", []string{"SADD s a"}, "SPOP s", "", ""},
		{"spop random", []string{"SADD s a b"}, "SPOP s", "UNSUPPORTED", "S s {a b}"},
		{"spop count all", []string{"SADD s a b"}, "SPOP s 2", "", ""},
		{"spop count some", []string{"SADD s a b c"}, "SPOP s 2", "UNSUPPORTED", "S s {a b c}"},
		{"spop count 0", []string{"SADD s a b c"}, "SPOP s 0", "", "S s {a b c}"},
		{"spop negative", []string{"SADD s a"}, "SPOP s -1", "ERR value is out of range, must be positive", "S s {a}"},
		{"spop missing", nil, "SPOP s 3", "", ""},
		{"spop wrongtype", []string{"RPUSH s a"}, "SPOP s", wrongType, "L s [a]"},
		{"sinterstore", []string{"SADD a 1 2 3", "SADD b 2 3 4", "RPUSH d x"}, "SINTERSTORE d a b", "", "S a {1 2 3}\nS b {2 3 4}\nS d {2 3}"},
		{"sinterstore missing input", []string{"SADD a 1", "SADD d x"}, "SINTERSTORE d a nosuch", "", "S a {1}"},
		{"sinterstore wrongtype after missing", []string{"SADD a 1", "RPUSH l x", "SADD d x"}, "SINTERSTORE d nosuch l", wrongType, "S a {1}\nS d {x}\nL l [x]"},
		{"sinterstore empty result", []string{"SADD a 1", "SADD b 2", "SADD d x"}, "SINTERSTORE d a b", "", "S a {1}\nS b {2}"},
		{"sinterstore self", []string{"SADD a 1 2"}, "SINTERSTORE a a a", "", "S a {1 2}"},
		{"sunionstore", []string{"SADD a 1 2", "SADD b 2 3"}, "SUNIONSTORE d a b nosuch", "", "S a {1 2}\nS b {2 3}\nS d {1 2 3}"},
		{"sdiffstore", []string{"SADD a 1 2 3", "SADD b 2"}, "SDIFFSTORE d a b nosuch", "", "S a {1 2 3}\nS b {2}\nS d {1 3}"},
		{"sdiffstore same set", []string{"SADD a 1 2 3", "SADD d x"}, "SDIFFSTORE d a b a", "", "S a {1 2 3}"},
		{"sdiffstore first missing", []string{"SADD b 1", "SADD d x"}, "SDIFFSTORE d a b", "", "S b {1}"},
	})
}

func TestCollZsetCommands(t *testing.T) {
	collRunCases(t, []collCase{
		{"zadd", nil, "ZADD z 2 b 1 a 2 c", "", "Z z a:1 b:2 c:2"},
		{"zadd update", []string{"ZADD z 1 a 2 b"}, "ZADD z 3 a", "", "Z z b:2 a:3"},
		{"zadd nx", []string{"ZADD z 1 a"}, "ZADD z NX 5 a 2 b", "", "Z z a:1 b:2"},
		{"zadd xx", []string{"ZADD z 1 a"}, "ZADD z XX 5 a 2 b", "", "Z z a:5"},
		{"zadd xx missing key", nil, "ZADD z XX 5 a", "", ""},
		{"zadd gt", []string{"ZADD z 3 a 3 b"}, "ZADD z GT CH 5 a 1 b 1 c", "", "Z z c:1 b:3 a:5"},
		{"zadd lt", []string{"ZADD z 3 a 3 b"}, "ZADD z lt 5 a 1 b", "", "Z z b:1 a:3"},
		{"zadd incr", []string{"ZADD z 3 a"}, "ZADD z INCR 2.5 a", "", "Z z a:5.5"},
		{"zadd incr nan", []string{"ZADD z inf a"}, "ZADD z INCR -inf a", "ERR resulting score is not a number (NaN)", "Z z a:+Inf"},
		{"zadd incr gt blocked", []string{"ZADD z 3 a"}, "ZADD z INCR GT -1 a", "", "Z z a:3"},
		{"zadd nx xx", nil, "ZADD z NX XX 1 a", "ERR XX and NX options at the same time are not compatible", ""},
		{"zadd gt lt", nil, "ZADD z GT LT 1 a", "ERR GT, LT, and/or NX options at the same time are not compatible", ""},
		{"zadd gt nx", nil, "ZADD z GT NX 1 a", "ERR GT, LT, and/or NX options at the same time are not compatible", ""},
		{"zadd incr pairs", nil, "ZADD z INCR 1 a 2 b", "ERR INCR option supports a single increment-element pair", ""},
		{"zadd odd", nil, "ZADD z 1 a 2", syntaxErr, ""},
		{"zadd only options", nil, "ZADD z NX CH", syntaxErr, ""},
		{"zadd nan", nil, "ZADD z nan a", notFloat, ""},
		{"zadd bad score after good", []string{"ZADD z 1 a"}, "ZADD z 2 a x b", notFloat, "Z z a:1"},
		{"zadd inf", nil, "ZADD z +inf a -inf b 0x10 c", "", "Z z b:-Inf c:16 a:+Inf"},
		{"zadd -0 keeps 0", []string{"ZADD z 0 a"}, "ZADD z -0 a", "", "Z z a:0"},
		{"zadd wrongtype", []string{"SADD z a"}, "ZADD z 1 a", wrongType, "S z {a}"},
		{"zincrby", []string{"ZADD z 1 a"}, "ZINCRBY z 2 a", "", "Z z a:3"},
		{"zincrby new", nil, "ZINCRBY z 2 a", "", "Z z a:2"},
		{"zincrby option word", nil, "ZINCRBY z incr a", syntaxErr, ""},
		{"zincrby nan", []string{"ZADD z -inf a"}, "ZINCRBY z +inf a", "ERR resulting score is not a number (NaN)", "Z z a:-Inf"},
		{"zrem", []string{"ZADD z 1 a 2 b"}, "ZREM z a x", "", "Z z b:2"},
		{"zrem last", []string{"ZADD z 1 a"}, "ZREM z a a", "", ""},
		{"zremrangebyrank", []string{"ZADD z 1 a 2 b 3 c 4 d"}, "ZREMRANGEBYRANK z 1 -2", "", "Z z a:1 d:4"},
		{"zremrangebyrank all", []string{"ZADD z 1 a 2 b"}, "ZREMRANGEBYRANK z 0 -1", "", ""},
		{"zremrangebyrank none", []string{"ZADD z 1 a"}, "ZREMRANGEBYRANK z 2 5", "", "Z z a:1"},
		{"zremrangebyrank bad", []string{"ZADD z 1 a"}, "ZREMRANGEBYRANK z a 5", notInt, "Z z a:1"},
		{"zremrangebyscore", []string{"ZADD z 1 a 2 b 3 c"}, "ZREMRANGEBYSCORE z (1 3", "", "Z z a:1"},
		{"zremrangebyscore inf", []string{"ZADD z 1 a -inf b"}, "ZREMRANGEBYSCORE z -inf (1", "", "Z z a:1"},
		{"zremrangebyscore bad", []string{"ZADD z 1 a"}, "ZREMRANGEBYSCORE z x 3", "ERR min or max is not a float", "Z z a:1"},
		{"zremrangebyscore bad missing key", nil, "ZREMRANGEBYSCORE z x 3", "ERR min or max is not a float", ""},
		{"zremrangebylex", []string{"ZADD z 0 a 0 b 0 c 0 d"}, "ZREMRANGEBYLEX z (a [c", "", "Z z a:0 d:0"},
		{"zremrangebylex all", []string{"ZADD z 0 a 0 b"}, "ZREMRANGEBYLEX z - +", "", ""},
		{"zremrangebylex bad", []string{"ZADD z 0 a"}, "ZREMRANGEBYLEX z a +", "ERR min or max not valid string range item", "Z z a:0"},
		{"zremrangebylex mixed scores (listpack scan)", []string{"ZADD z 1 b 2 a 3 c"}, "ZREMRANGEBYLEX z [b [c", "", ""},
		// A skiplist (a member over 64 bytes) deletes from the first member at or above min
		// with no range check (zslDeleteRangeByLex); a listpack checks first (zzlIsInLexRange:
		// the tail "1" is below min, so nothing goes). Found by a 10,000-sequence run.
		{"zremrangebylex mixed scores (skiplist: no range check)", []string{"ZADD z -4 0 -2 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm 3 5 5 1"}, "ZREMRANGEBYLEX z [a [x", "", "Z z 0:-4"},
		{"zremrangebylex mixed scores (listpack: range check)", []string{"ZADD z -4 0 -2 m 3 5 5 1"}, "ZREMRANGEBYLEX z [a [x", "", "Z z 0:-4 m:-2 5:3 1:5"},
		{"zpopmin", []string{"ZADD z 1 a 2 b 3 c"}, "ZPOPMIN z", "", "Z z b:2 c:3"},
		{"zpopmax count", []string{"ZADD z 1 a 2 b 3 c"}, "ZPOPMAX z 2", "", "Z z a:1"},
		{"zpopmin all", []string{"ZADD z 1 a"}, "ZPOPMIN z 5", "", ""},
		{"zpopmin 0", []string{"ZADD z 1 a"}, "ZPOPMIN z 0", "", "Z z a:1"},
		{"zpopmin syntax", []string{"ZADD z 1 a"}, "ZPOPMIN z 1 2", syntaxErr, "Z z a:1"},
		{"bzpopmax", []string{"ZADD y 1 a 2 b"}, "BZPOPMAX x y 0", "", "Z y a:1"},
		{"bzpopmin empty", nil, "BZPOPMIN x y 0", "", ""},
		{"bzpopmin wrongtype first", []string{"SADD x a", "ZADD y 1 a"}, "BZPOPMIN x y 0", wrongType, "S x {a}\nZ y a:1"},
		{"zmpop", []string{"ZADD y 1 a 2 b 3 c"}, "ZMPOP 2 x y MAX COUNT 2", "", "Z y a:1"},
		{"zmpop bad where", []string{"ZADD y 1 a"}, "ZMPOP 1 y LEFT", syntaxErr, "Z y a:1"},
		{"bzmpop", []string{"ZADD y 1 a 2 b"}, "BZMPOP 0 1 y MIN", "", "Z y b:2"},
		{"zunionstore", []string{"ZADD a 1 x 2 y", "ZADD b 3 y 4 z"}, "ZUNIONSTORE d 2 a b", "", "Z a x:1 y:2\nZ b y:3 z:4\nZ d x:1 z:4 y:5"},
		{"zunionstore set input", []string{"ZADD a 5 x", "SADD s x y"}, "ZUNIONSTORE d 2 a s WEIGHTS 2 10", "", "Z a x:5\nZ d y:10 x:20\nS s {x y}"},
		{"zunionstore aggregate", []string{"ZADD a 1 x", "ZADD b 3 x"}, "ZUNIONSTORE d 2 a b AGGREGATE MIN", "", "Z a x:1\nZ b x:3\nZ d x:1"},
		{"zunionstore inf weights", []string{"ZADD a inf x", "ZADD b -inf x"}, "ZUNIONSTORE d 2 a b", "", "Z a x:+Inf\nZ b x:-Inf\nZ d x:0"},
		{"zunionstore zero weight inf", []string{"ZADD a inf x"}, "ZUNIONSTORE d 1 a WEIGHTS 0", "", "Z a x:+Inf\nZ d x:0"},
		{"zunionstore wrongtype", []string{"ZADD a 1 x", "RPUSH l v"}, "ZUNIONSTORE d 2 a l", wrongType, "Z a x:1\nL l [v]"},
		{"zunionstore numkeys 0", nil, "ZUNIONSTORE d 0 a", "ERR at least 1 input key is needed for 'zunionstore' command", ""},
		{"zunionstore numkeys big", nil, "ZUNIONSTORE d 3 a b", syntaxErr, ""},
		{"zunionstore withscores", []string{"ZADD a 1 x"}, "ZUNIONSTORE d 1 a WITHSCORES", syntaxErr, "Z a x:1"},
		{"zunionstore bad weight", []string{"ZADD a 1 x"}, "ZUNIONSTORE d 1 a WEIGHTS x", "ERR weight value is not a float", "Z a x:1"},
		{"zunionstore empty deletes", []string{"ZADD d 1 x"}, "ZUNIONSTORE d 1 nosuch", "", ""},
		{"zinterstore", []string{"ZADD a 1 x 2 y", "ZADD b 3 y 4 z"}, "ZINTERSTORE d 2 a b WEIGHTS 1 2", "", "Z a x:1 y:2\nZ b y:3 z:4\nZ d y:8"},
		{"zinterstore nan sum", []string{"ZADD a inf x", "ZADD b 1 x"}, "ZINTERSTORE d 2 a b WEIGHTS 1 -inf", "", "Z a x:+Inf\nZ b x:1\nZ d x:0"},
		{"zinterstore same key", []string{"ZADD a 2 x"}, "ZINTERSTORE d 2 a a", "", "Z a x:2\nZ d x:4"},
		{"zinterstore ttl dropped", []string{"ZADD a 2 x", "ZADD d 1 q"}, "ZINTERSTORE d 1 a", "", "Z a x:2\nZ d x:2"},
		{"zdiffstore", []string{"ZADD a 1 x 2 y 3 z", "SADD s y"}, "ZDIFFSTORE d 2 a s", "", "Z a x:1 y:2 z:3\nZ d x:1 z:3\nS s {y}"},
		{"zdiffstore weights", []string{"ZADD a 1 x"}, "ZDIFFSTORE d 1 a WEIGHTS 2", syntaxErr, "Z a x:1"},
		{"zrangestore rank", []string{"ZADD a 1 x 2 y 3 z"}, "ZRANGESTORE d a 1 -1", "", "Z a x:1 y:2 z:3\nZ d y:2 z:3"},
		{"zrangestore rank rev", []string{"ZADD a 1 x 2 y 3 z"}, "ZRANGESTORE d a 0 0 REV", "", "Z a x:1 y:2 z:3\nZ d z:3"},
		{"zrangestore byscore limit", []string{"ZADD a 1 x 2 y 3 z 4 w"}, "ZRANGESTORE d a (1 +inf BYSCORE LIMIT 1 2", "", "Z a x:1 y:2 z:3 w:4\nZ d z:3 w:4"},
		{"zrangestore byscore rev", []string{"ZADD a 1 x 2 y 3 z"}, "ZRANGESTORE d a 2 -inf BYSCORE REV", "", "Z a x:1 y:2 z:3\nZ d x:1 y:2"},
		{"zrangestore byscore negative offset", []string{"ZADD a 1 x 2 y"}, "ZRANGESTORE d a -inf +inf BYSCORE LIMIT -1 5", "", "Z a x:1 y:2"},
		{"zrangestore bylex", []string{"ZADD a 0 a 0 b 0 c"}, "ZRANGESTORE d a [b + BYLEX", "", "Z a a:0 b:0 c:0\nZ d b:0 c:0"},
		{"zrangestore bylex rev limit", []string{"ZADD a 0 a 0 b 0 c"}, "ZRANGESTORE d a + - BYLEX REV LIMIT 0 1", "", "Z a a:0 b:0 c:0\nZ d c:0"},
		{"zrangestore limit with rank", []string{"ZADD a 1 x"}, "ZRANGESTORE d a 0 -1 LIMIT 0 1", "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX", "Z a x:1"},
		{"zrangestore withscores", []string{"ZADD a 1 x"}, "ZRANGESTORE d a 0 -1 WITHSCORES", syntaxErr, "Z a x:1"},
		{"zrangestore missing src", []string{"ZADD d 1 x"}, "ZRANGESTORE d a 0 -1", "", ""},
		{"zrangestore empty range", []string{"ZADD a 1 x", "ZADD d 1 q"}, "ZRANGESTORE d a 5 9", "", "Z a x:1"},
		{"zrangestore wrongtype", []string{"SADD a x"}, "ZRANGESTORE d a 0 -1", wrongType, "S a {x}"},
	})
}

func TestCollGeoCommands(t *testing.T) {
	sicily := "GEOADD s 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"
	collRunCases(t, []collCase{
		{"geoadd", nil, sicily, "", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geoadd xx", []string{"GEOADD s 13.361389 38.115556 Palermo"}, "GEOADD s XX CH 15 37 Palermo 15 37 Catania", "", "Z s Palermo:3476504601741708"},
		{"geoadd nx xx", nil, "GEOADD s NX XX 1 2 m", syntaxErr, ""},
		{"geoadd triples", nil, "GEOADD s 1 2 m 3", syntaxErr, ""},
		{"geoadd no triple", nil, "GEOADD s NX CH nx", syntaxErr, ""},
		{"geoadd bad lat", nil, "GEOADD s 1 2 a 10 86 b", "ERR invalid longitude,latitude pair 10.000000,86.000000", ""},
		{"geoadd bad float", nil, "GEOADD s x 2 a", notFloat, ""},
		{"geoadd corners", nil, "GEOADD s 180 85.05112878 ne -180 -85.05112878 sw", "", "Z s sw:0 ne:13510798882111488"},
		{"georadius store", []string{sicily}, "GEORADIUS s 15 37 200 km STORE d", "", "Z d Palermo:3479099956230698 Catania:3479447370796909\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius storedist", []string{sicily}, "GEORADIUS s 15 37 200 km STOREDIST d", "", "Z d Catania:56.4412578701582 Palermo:190.44242984775784\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius count", []string{sicily}, "GEORADIUS s 15 37 200 km COUNT 1 DESC STORE d", "", "Z d Palermo:3479099956230698\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius no store", []string{sicily}, "GEORADIUS s 15 37 200 km WITHDIST", "", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius store withdist", []string{sicily}, "GEORADIUS s 15 37 200 km WITHDIST STORE d", "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius missing src deletes", []string{"SADD d x"}, "GEORADIUS s 15 37 200 km STORE d", "", ""},
		{"georadius empty result deletes", []string{sicily, "SADD d x"}, "GEORADIUS s 0 0 1 m STORE d", "", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius bad unit", []string{sicily}, "GEORADIUS s 15 37 200 parsec STORE d", "ERR unsupported unit provided. please use M, KM, FT, MI", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius negative", []string{sicily}, "GEORADIUS s 15 37 -1 km STORE d", "ERR radius cannot be negative", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius any without count", []string{sicily}, "GEORADIUS s 15 37 1 km ANY STORE d", "ERR the ANY argument requires COUNT argument", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius count 0", []string{sicily}, "GEORADIUS s 15 37 1 km COUNT 0 STORE d", "ERR COUNT must be > 0", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadius wrongtype", []string{"SADD s x"}, "GEORADIUS s 15 37 1 km STORE d", wrongType, "S s {x}"},
		{"georadiusbymember", []string{sicily}, "GEORADIUSBYMEMBER s Palermo 100 km STORE d", "", "Z d Palermo:3479099956230698\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadiusbymember unknown", []string{sicily}, "GEORADIUSBYMEMBER s Rome 100 km STORE d", "ERR could not decode requested zset member", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"georadiusbymember missing key skips radius parse", []string{"SADD d x"}, "GEORADIUSBYMEMBER s Rome x y STORE d", "", ""},
		{"geosearchstore radius", []string{sicily}, "GEOSEARCHSTORE d s FROMLONLAT 15 37 BYRADIUS 200 km ASC COUNT 1 STOREDIST", "", "Z d Catania:56.4412578701582\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore box", []string{sicily}, "GEOSEARCHSTORE d s FROMMEMBER Catania BYBOX 400 400 km", "", "Z d Palermo:3479099956230698 Catania:3479447370796909\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore small box", []string{sicily}, "GEOSEARCHSTORE d s FROMMEMBER Catania BYBOX 100 400 km", "", "Z d Catania:3479447370796909\nZ s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore no from", []string{sicily}, "GEOSEARCHSTORE d s BYBOX 100 400 km ASC", "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCHSTORE", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore no by", []string{sicily}, "geosearchstore d s FROMLONLAT 1 2 ASC DESC", "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearchstore", "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore both from", []string{sicily}, "GEOSEARCHSTORE d s FROMMEMBER Catania FROMLONLAT 1 2 BYRADIUS 1 m", syntaxErr, "Z s Palermo:3479099956230698 Catania:3479447370796909"},
		{"geosearchstore store option", []string{sicily}, "GEOSEARCHSTORE d s FROMLONLAT 1 2 BYRADIUS 1 m STORE x", syntaxErr, "Z s Palermo:3479099956230698 Catania:3479447370796909"},
	})
}

func TestCollSortCommands(t *testing.T) {
	collRunCases(t, []collCase{
		{"numeric", []string{"RPUSH l 3 1 2"}, "SORT l STORE d", "", "L d [1 2 3]\nL l [3 1 2]"},
		{"numeric desc limit", []string{"RPUSH l 3 1 2 5"}, "SORT l DESC LIMIT 1 2 STORE d", "", "L d [3 2]\nL l [3 1 2 5]"},
		{"numeric error", []string{"RPUSH l 3 x", "RPUSH d q"}, "SORT l STORE d", "ERR One or more scores can't be converted into double", "L d [q]\nL l [3 x]"},
		{"numeric ties by bytes", []string{"RPUSH l 1.0 1 01"}, "SORT l STORE d", "", "L d [01 1 1.0]\nL l [1.0 1 01]"},
		{"numeric blanks and empty", []string{"RPUSH l \" 2\" \"\""}, "SORT l STORE d", "", "L d [  2]\nL l [ 2 ]"},
		{"alpha", []string{"SADD s b c a"}, "SORT s ALPHA STORE d", "", "L d [a b c]\nS s {a b c}"},
		{"set nosort forced alpha", []string{"SADD s b 10 a"}, "SORT s BY nosort STORE d", "", "L d [10 a b]\nS s {10 a b}"},
		{"list nosort keeps order", []string{"RPUSH l b a c"}, "SORT l BY nosort DESC LIMIT 0 2 STORE d", "", "L d [c a]\nL l [b a c]"},
		{"zset nosort", []string{"ZADD z 1 b 2 a 3 c"}, "SORT z BY nosort LIMIT 1 5 STORE d", "", "L d [a c]\nZ z b:1 a:2 c:3"},
		{"zset numeric by member", []string{"ZADD z 1 3 2 1 3 2"}, "SORT z STORE d", "", "L d [1 2 3]\nZ z 3:1 1:2 2:3"},
		{"get hash", []string{"RPUSH l 1 2", "HSET h_1 f x", "SET w_2 y"}, "SORT l BY nosort GET # GET h_*->f GET w_* STORE d", "",
			"L d [1 x  2  y]\nhash h_1\nL l [1 2]\nstr w_2 y"},
		{"by weights", []string{"RPUSH l a b c", "SET w_a 3", "SET w_b 1", "SET w_c 2"}, "SORT l BY w_* STORE d", "",
			"L d [b c a]\nL l [a b c]\nstr w_a 3\nstr w_b 1\nstr w_c 2"},
		{"by missing weights", []string{"RPUSH l b a c", "SET w_b 5"}, "SORT l BY w_* STORE d", "", "L d [a c b]\nL l [b a c]\nstr w_b 5"},
		{"by alpha ties stable", []string{"RPUSH l b a c", "SET w_b x"}, "SORT l BY w_* ALPHA STORE d", "", "L d [a c b]\nL l [b a c]\nstr w_b x"},
		{"by hash field", []string{"RPUSH l a b", "HSET h_a f 2", "HSET h_b f 1"}, "SORT l BY h_*->f STORE d", "", "L d [b a]\nhash h_a\nhash h_b\nL l [a b]"},
		{"empty result deletes", []string{"RPUSH d x"}, "SORT nosuch STORE d", "", ""},
		{"limit 0", []string{"RPUSH l 1", "RPUSH d x"}, "SORT l LIMIT 0 0 STORE d", "", "L l [1]"},
		{"wrongtype", []string{"SET l x"}, "SORT l STORE d", wrongType, "str l x"},
		{"syntax", []string{"RPUSH l 1"}, "SORT l FOO STORE d", syntaxErr, "L l [1]"},
		{"no store", []string{"RPUSH l 2 1"}, "SORT l", "", "L l [2 1]"},
		{"errno left by a range", []string{"SADD s 2 1", "ZREMRANGEBYSCORE z 0 1e400"}, "SORT s STORE d",
			"ERR One or more scores can't be converted into double", "S s {1 2}"},
		{"errno left by a denormal", []string{"SADD s 2 1", "ZADD z 1e-310 m"}, "SORT s STORE d",
			"ERR One or more scores can't be converted into double", "S s {1 2}\nZ z m:1e-310"},
		{"errno cleared by string2d", []string{"SADD s 2 1", "ZREMRANGEBYSCORE z 0 1e400", "ZADD z 1 m"}, "SORT s STORE d",
			"", "L d [1 2]\nS s {1 2}\nZ z m:1"},
		{"integer list elements skip strtod", []string{"RPUSH l 2 1", "ZREMRANGEBYSCORE z 0 1e400"}, "SORT l STORE d",
			"", "L d [1 2]\nL l [2 1]"},
		{"other list elements do not", []string{"RPUSH l 2 1.5", "ZREMRANGEBYSCORE z 0 1e400"}, "SORT l STORE d",
			"ERR One or more scores can't be converted into double", "L l [2 1.5]"},
	})
}

// TestCollCodecs: export, load and clone round trips, and what the loader refuses.
func TestCollCodecs(t *testing.T) {
	ks := New(0)
	c := ks.NewClient()
	for _, l := range []string{"RPUSH l a b c", "SADD s x y", "ZADD z 1 a 2 b -inf c"} {
		if err := c.Apply(collSplit(l)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ {
		if err := c.Apply(collSplit(fmt.Sprintf("ZADD big %d m%d", i%7, i))); err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(collSplit(fmt.Sprintf("SADD bigs m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	before := collDescribe(ks)
	ks2 := New(0)
	_ = ks.Each(false, func(k *canon.Key) error {
		if err := ks2.Import(k); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	if got := collDescribe(ks2); got != before {
		t.Fatalf("export/import:\n%s\nwant\n%s", got, before)
	}
	for _, name := range []string{"l", "s", "z", "big", "bigs"} {
		e := ks.Lookup(0, []byte(name))
		cl := CloneValue(ks.DB(0).Value(e))
		ks.Set(1, []byte(name), cl, NoExpiry)
	}
	// Changing the originals leaves the clones alone.
	for _, l := range []string{"RPUSH l d", "SADD s w", "ZADD z 5 a", "ZREM big m1", "SREM bigs m1"} {
		if err := c.Apply(collSplit(l)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(collDescribe(ks), "db1 L l [a b c]") || !strings.Contains(collDescribe(ks), "db1 Z z c:-Inf a:1 b:2") {
		t.Fatalf("clones changed:\n%s", collDescribe(ks))
	}
	if _, err := NewZset([]canon.ZMember{{Member: []byte("a"), Score: math.NaN()}}); err == nil {
		t.Error("NaN score loaded")
	}
	if _, err := NewZset([]canon.ZMember{{Member: []byte("a"), Score: 1}, {Member: []byte("a"), Score: 2}}); err == nil {
		t.Error("repeated member loaded")
	}
	if s := NewSet([][]byte{[]byte("a"), []byte("a")}); s.Len() != 1 {
		t.Error("repeated set member kept twice")
	}
}

// TestCollGeoMath: known scores and distances (redis.io examples), and the correctly
// rounded sin, cos and asin against a 200-bit reference.
func TestCollGeoMath(t *testing.T) {
	h, _ := geoEncode(13.361389, 38.115556, geoStepMax)
	if s := geoAlign52(h); s != 3479099956230698 {
		t.Errorf("Palermo score %d", s)
	}
	lon1, lat1 := geoDecodeScore(3479099956230698)
	lon2, lat2 := geoDecodeScore(3479447370796909)
	if d := fmt.Sprintf("%.4f", geoDistance(lon1, lat1, lon2, lat2)); d != "166274.1516" {
		t.Errorf("GEODIST Palermo Catania = %s, want 166274.1516", d)
	}
	if got := geoDoubleToUint64(-1); got != math.MaxUint64 {
		t.Errorf("(uint64_t)-1.0 = %x", got)
	}
	if got := geoDoubleToUint64(math.Inf(1)); got != 0 {
		t.Errorf("(uint64_t)inf = %x", got)
	}
	if got := geoDoubleToUint64(1 << 63); got != 1<<63 {
		t.Errorf("(uint64_t)2^63 = %x", got)
	}
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 300; i++ {
		x := (r.Float64()*2 - 1) * math.Pi
		if i%10 == 0 {
			x = math.Ldexp(r.Float64(), -r.IntN(40))
		}
		if got, want := geoSinCR(x), collRefSinCos(x, true); got != want {
			t.Errorf("sin(%v) = %v, want %v", x, got, want)
		}
		if got, want := geoCosCR(x), collRefSinCos(x, false); got != want {
			t.Errorf("cos(%v) = %v, want %v", x, got, want)
		}
		y := r.Float64()
		if i%7 == 0 {
			y = 1 - math.Ldexp(r.Float64(), -r.IntN(50))
		}
		if got, want := geoAsinCR(y), collRefAsin(y); got != want {
			t.Errorf("asin(%v) = %v, want %v", y, got, want)
		}
	}
}

// collBigSinCos returns sin and cos of x by 300-bit Taylor series (|x| <= 2).
func collBigSinCos(x *big.Float) (*big.Float, *big.Float) {
	const prec = 300
	x2 := new(big.Float).SetPrec(prec).Mul(x, x)
	st := new(big.Float).SetPrec(prec).Set(x)
	ct := new(big.Float).SetPrec(prec).SetInt64(1)
	sin := new(big.Float).SetPrec(prec).Set(st)
	cos := new(big.Float).SetPrec(prec).Set(ct)
	for k := int64(1); k < 80; k++ {
		st.Mul(st, x2)
		st.Quo(st, new(big.Float).SetInt64(-(2*k)*(2*k+1)))
		sin.Add(sin, st)
		ct.Mul(ct, x2)
		ct.Quo(ct, new(big.Float).SetInt64(-(2*k-1)*(2*k)))
		cos.Add(cos, ct)
	}
	return sin, cos
}

// collRefSinCos is sin or cos of x rounded once from 300 bits.
func collRefSinCos(x float64, sin bool) float64 {
	s, c := collBigSinCos(new(big.Float).SetPrec(300).SetFloat64(x))
	if sin {
		f, _ := s.Float64()
		return f
	}
	f, _ := c.Float64()
	return f
}

// collRefAsin is asin(y) rounded once: Newton's method on the 300-bit sine.
func collRefAsin(y float64) float64 {
	by := new(big.Float).SetPrec(300).SetFloat64(y)
	x := new(big.Float).SetPrec(300).SetFloat64(math.Asin(y))
	for i := 0; i < 8; i++ {
		s, c := collBigSinCos(x)
		s.Sub(s, by)
		s.Quo(s, c)
		x.Sub(x, s)
	}
	f, _ := x.Float64()
	return f
}

// ---------------------------------------------------------------------------------------------
// Differential test against a real redis-server.

// collGen generates random commands over the collection families on a small key space.
type collGen struct {
	r      *rand.Rand
	others map[string]bool // commands of other families available to the engine
	now    int64
}

func (g *collGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }
func (g *collGen) n(k int) int             { return g.r.IntN(k) }
func (g *collGen) key() string             { return g.pick("k0", "k1", "k2", "k3", "k4", "g0", "g1") }
func (g *collGen) geoKey() string          { return g.pick("g0", "g1", "g0", "k0") }
func (g *collGen) elem() string {
	return g.pick("a", "b", "c", "d", "e", "1", "2", "10", "-3", "1.5", "x y", "", "zz", collLong70)
}

// collLong70 is a member too long for Redis's listpack encodings (and the packed Set).
var collLong70 = strings.Repeat("L", 70)

func (g *collGen) int(lo, hi int) string { return strconv.Itoa(lo + g.r.IntN(hi-lo+1)) }
func (g *collGen) score() string {
	if g.n(3) == 0 {
		// Not "1e-310": Redis re-parses the scores of small sorted sets with strtod, which
		// leaves errno at ERANGE for a subnormal score; the engine does not model that.
		return g.pick("inf", "-inf", "+inf", "0", "-0", "1e308", "0x10", "2.5e-3", "nan", "abc", " 1", "1e400", "1e-400")
	}
	return g.int(-5, 5)
}
func (g *collGen) timeout() string { return g.pick("0", "0", "0.5", "1", "-1", "x", "inf") }
func (g *collGen) keys(max int) []string {
	n := 1 + g.n(max)
	out := make([]string, n)
	for i := range out {
		out[i] = g.key()
	}
	return out
}
func (g *collGen) elems(max int) []string {
	n := 1 + g.n(max)
	out := make([]string, n)
	for i := range out {
		out[i] = g.elem()
	}
	return out
}
func (g *collGen) lonlat() []string {
	// A small area, with repeated points so that distances tie.
	if g.n(4) == 0 {
		return []string{g.pick("13.5", "13.6"), g.pick("38.1", "38.2")}
	}
	lon := 13 + g.r.Float64()*2
	lat := 37 + g.r.Float64()*2
	if g.n(20) == 0 {
		return []string{g.pick("181", "x", "-180", "180"), g.pick("85.06", "-85.05112878", "1")}
	}
	return []string{strconv.FormatFloat(lon, 'f', 6, 64), strconv.FormatFloat(lat, 'f', 6, 64)}
}
func (g *collGen) unit() string { return g.pick("km", "m", "mi", "ft", "KM", "pc") }
func (g *collGen) rangeBound() string {
	return g.pick("-inf", "+inf", "(1", "1", "-2", "(0", "3", "x", "(-inf", "2.5", "", "1e400", "( 2")
}
func (g *collGen) lexBound() string {
	return g.pick("-", "+", "[a", "(b", "[c", "(zz", "[", "a", "(1")
}

func (g *collGen) next() []string {
	c := func(a ...string) []string { return a }
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	switch g.n(60) {
	case 0, 1, 2:
		return cat(c(g.pick("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), g.key()), g.elems(3))
	case 3:
		return c("LINSERT", g.key(), g.pick("BEFORE", "AFTER", "after", "x"), g.elem(), g.elem())
	case 4:
		return c("LSET", g.key(), g.int(-3, 3), g.elem())
	case 5:
		return c("LREM", g.key(), g.int(-2, 2), g.elem())
	case 6:
		return c("LTRIM", g.key(), g.int(-3, 3), g.int(-3, 3))
	case 7, 8:
		cmd := c(g.pick("LPOP", "RPOP"), g.key())
		if g.n(2) == 0 {
			cmd = append(cmd, g.pick("0", "1", "2", "5", "-1", "x"))
		}
		return cmd
	case 9:
		return c("RPOPLPUSH", g.key(), g.key())
	case 10:
		return c("LMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT", "up"), g.pick("left", "right"))
	case 11:
		return cat(c(g.pick("BLPOP", "BRPOP")), g.keys(3), c(g.timeout()))
	case 12:
		if g.n(2) == 0 {
			return c("BRPOPLPUSH", g.key(), g.key(), g.timeout())
		}
		return c("BLMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"), g.timeout())
	case 13:
		ks := g.keys(3)
		cmd := cat(c("LMPOP", strconv.Itoa(len(ks)+g.pickInt(0, 0, 0, 1, -1))), ks, c(g.pick("LEFT", "RIGHT", "MIN")))
		if g.n(2) == 0 {
			cmd = append(cmd, "COUNT", g.pick("1", "2", "10", "0"))
		}
		if g.n(4) == 0 {
			cmd = cat(c("BLMPOP", g.timeout()), cmd[1:])
		}
		return cmd
	case 14, 15, 16:
		return cat(c("SADD", g.key()), g.elems(4))
	case 17, 18:
		return cat(c("SREM", g.key()), g.elems(3))
	case 19:
		return c("SMOVE", g.key(), g.key(), g.elem())
	case 20:
		if g.n(2) == 0 {
			return c("SPOP", g.key())
		}
		return c("SPOP", g.key(), g.pick("0", "1", "2", "3", "10", "-1"))
	case 21, 22:
		return cat(c(g.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), g.key()), g.keys(3))
	case 23, 24, 25, 26:
		cmd := c("ZADD", g.key())
		for _, o := range []string{"NX", "XX", "GT", "LT", "CH", "INCR"} {
			if g.n(8) == 0 {
				cmd = append(cmd, o)
			}
		}
		for i := 1 + g.n(3); i > 0; i-- {
			cmd = append(cmd, g.score(), g.elem())
		}
		return cmd
	case 27:
		return c("ZINCRBY", g.key(), g.score(), g.elem())
	case 28:
		return cat(c("ZREM", g.key()), g.elems(3))
	case 29:
		return c("ZREMRANGEBYRANK", g.key(), g.int(-3, 3), g.int(-3, 3))
	case 30:
		return c("ZREMRANGEBYSCORE", g.key(), g.rangeBound(), g.rangeBound())
	case 31:
		return c("ZREMRANGEBYLEX", g.key(), g.lexBound(), g.lexBound())
	case 32, 33:
		cmd := c(g.pick("ZPOPMIN", "ZPOPMAX"), g.key())
		if g.n(2) == 0 {
			cmd = append(cmd, g.pick("0", "1", "2", "-1"))
		}
		return cmd
	case 34:
		return cat(c(g.pick("BZPOPMIN", "BZPOPMAX")), g.keys(3), c(g.timeout()))
	case 35:
		ks := g.keys(3)
		cmd := cat(c("ZMPOP", strconv.Itoa(len(ks))), ks, c(g.pick("MIN", "MAX", "LEFT")))
		if g.n(2) == 0 {
			cmd = append(cmd, "COUNT", g.pick("1", "2", "10", "0"))
		}
		if g.n(4) == 0 {
			cmd = cat(c("BZMPOP", g.timeout()), cmd[1:])
		}
		return cmd
	case 36, 37, 38:
		ks := g.keys(3)
		op := g.pick("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE")
		cmd := cat(c(op, g.key(), strconv.Itoa(len(ks)+g.pickInt(0, 0, 0, -1, 1))), ks)
		if g.n(2) == 0 {
			cmd = append(cmd, "WEIGHTS")
			for range ks {
				cmd = append(cmd, g.pick("1", "2", "-1", "0", "inf", "0.5", "x"))
			}
		}
		if g.n(3) == 0 {
			cmd = append(cmd, "AGGREGATE", g.pick("SUM", "MIN", "MAX", "AVG"))
		}
		return cmd
	case 39, 40:
		cmd := c("ZRANGESTORE", g.key(), g.key())
		switch g.n(3) {
		case 0:
			cmd = append(cmd, g.int(-3, 3), g.int(-3, 3))
		case 1:
			cmd = append(cmd, g.rangeBound(), g.rangeBound(), "BYSCORE")
		default:
			cmd = append(cmd, g.lexBound(), g.lexBound(), "BYLEX")
		}
		if g.n(2) == 0 {
			cmd = append(cmd, "REV")
		}
		if g.n(3) == 0 {
			cmd = append(cmd, "LIMIT", g.int(-1, 2), g.int(-1, 3))
		}
		return cmd
	case 41, 42, 43:
		cmd := c("GEOADD", g.geoKey())
		for _, o := range []string{"NX", "XX", "CH"} {
			if g.n(10) == 0 {
				cmd = append(cmd, o)
			}
		}
		for i := 1 + g.n(3); i > 0; i-- {
			cmd = append(cmd, g.lonlat()...)
			cmd = append(cmd, g.pick("p", "q", "r", "s", "t", "u", "v", "a", "b"))
		}
		return cmd
	case 44, 45, 46:
		var cmd []string
		switch g.n(3) {
		case 0:
			cmd = cat(c("GEORADIUS", g.geoKey()), g.lonlat(), c(g.pick("50", "100", "150", "0", "-1"), g.unit()))
		case 1:
			cmd = c("GEORADIUSBYMEMBER", g.geoKey(), g.pick("p", "q", "r", "a", "nosuch"), g.pick("50", "100", "150", "10"), g.unit())
		default:
			cmd = c("GEOSEARCHSTORE", g.key(), g.geoKey())
			if g.n(2) == 0 {
				cmd = append(cmd, "FROMMEMBER", g.pick("p", "q", "r", "nosuch"))
			} else {
				cmd = cat(cmd, c("FROMLONLAT"), g.lonlat())
			}
			if g.n(2) == 0 {
				cmd = append(cmd, "BYRADIUS", g.pick("50", "100", "150"), g.unit())
			} else {
				cmd = append(cmd, "BYBOX", g.pick("100", "200", "50"), g.pick("100", "300", "20"), g.unit())
			}
		}
		if g.n(2) == 0 {
			cmd = append(cmd, g.pick("ASC", "DESC"))
		}
		if g.n(2) == 0 {
			cmd = append(cmd, "COUNT", g.pick("1", "2", "3", "0"))
			if g.n(3) == 0 {
				cmd = append(cmd, "ANY")
			}
		}
		if cmd[0] == "GEOSEARCHSTORE" {
			if g.n(2) == 0 {
				cmd = append(cmd, "STOREDIST")
			}
		} else if g.n(8) != 0 {
			cmd = append(cmd, g.pick("STORE", "STOREDIST"), g.key())
		}
		return cmd
	case 47, 48, 49:
		cmd := c("SORT", g.key())
		if g.n(2) == 0 {
			cmd = append(cmd, "BY", g.pick("w_*", "nosort", "h_*->f", "w_*", "h_*->"))
		}
		if g.n(3) == 0 {
			cmd = append(cmd, "LIMIT", g.int(-1, 2), g.int(-1, 3))
		}
		for i := g.n(3); i > 0; i-- {
			cmd = append(cmd, "GET", g.pick("#", "w_*", "h_*->f", "nosort"))
		}
		if g.n(2) == 0 {
			cmd = append(cmd, g.pick("ASC", "DESC"))
		}
		if g.n(2) == 0 {
			cmd = append(cmd, "ALPHA")
		}
		if g.n(10) != 0 {
			cmd = append(cmd, "STORE", g.key())
		}
		return cmd
	case 50, 51:
		if g.others["set"] {
			return c("SET", "w_"+g.elem(), g.pick("1", "2", "-1", "3.5", "b", "a", "10"))
		}
	case 52:
		if g.others["hset"] {
			return c("HSET", "h_"+g.elem(), "f", g.pick("1", "2", "-1", "3.5", "b", "a"))
		}
	case 53:
		if g.others["pexpireat"] {
			return c("PEXPIREAT", g.key(), strconv.FormatInt(g.now+int64(1e9)+int64(g.n(1000)), 10))
		}
	case 54:
		if g.others["pexpireat"] {
			return c("PEXPIREAT", g.key(), strconv.FormatInt(g.now-int64(g.n(1e6)), 10))
		}
	case 55:
		if g.others["del"] {
			return c("DEL", g.key())
		}
	}
	return cat(c("SADD", g.key()), g.elems(2))
}

func (g *collGen) pickInt(v ...int) int { return v[g.r.IntN(len(v))] }

// collTwin runs each command on a real server and directly on an engine keyspace (client
// forms), and checks that both agree on errors.
type collTwin struct {
	t    testing.TB
	seed uint64
	srv  *redistest.Server
	rc   *redis.Client // commands go through their own connection (Dump selects databases)
	ks   *Keyspace
	cl   *Client
	log  []string
}

func (w *collTwin) fail(format string, args ...any) {
	w.t.Helper()
	tail := w.log
	if len(tail) > 30 && os.Getenv("AOFKIT_COLL_FULL") == "" {
		tail = tail[len(tail)-30:]
	}
	w.t.Fatalf("seed %d: "+format+"\nlast commands:\n%s", append(append([]any{w.seed}, args...), strings.Join(tail, "\n"))...)
}

// wouldBlock reports whether a blocking command would block on the server: no key holds
// data and none has a wrong type, per the twin keyspace (which mirrors the server).
func (w *collTwin) wouldBlock(cmd []string) bool {
	name := strings.ToUpper(cmd[0])
	var keys []string
	var kind Kind
	switch name {
	case "BLPOP", "BRPOP":
		keys, kind = cmd[1:len(cmd)-1], KindList
	case "BZPOPMIN", "BZPOPMAX":
		keys, kind = cmd[1:len(cmd)-1], KindZset
	case "BRPOPLPUSH", "BLMOVE":
		keys, kind = cmd[1:2], KindList
	case "BLMPOP", "BZMPOP":
		n, err := strconv.Atoi(cmd[2])
		if err != nil || n < 1 || 3+n > len(cmd) {
			return false // an argument error: replies at once
		}
		keys, kind = cmd[3:3+n], KindList
		if name == "BZMPOP" {
			kind = KindZset
		}
	default:
		return false
	}
	for _, k := range keys {
		if e := w.ks.Lookup(w.cl.DB, []byte(k)); e != nil {
			return false // data, or a wrong type: no blocking either way
		}
		_ = kind
	}
	return true
}

// determined rewrites a command whose effect Redis leaves to its hash tables: SORT of a set
// or sorted set with ALPHA and a BY pattern keeps elements of equal weight in hash order.
//
// Lex ranges over a sorted set whose members do not all share one score follow the
// skiplist's random levels once Redis holds the set as a skiplist (after SORT, or with
// long members); such commands are dropped (nil).
func (w *collTwin) determined(cmd []string) []string {
	name := strings.ToUpper(cmd[0])
	lex := name == "ZREMRANGEBYLEX"
	if name == "ZRANGESTORE" {
		for _, a := range cmd {
			lex = lex || strings.EqualFold(a, "BYLEX")
		}
	}
	if lex {
		key := cmd[1]
		if name == "ZRANGESTORE" {
			key = cmd[2]
		}
		if e := w.ks.Lookup(w.cl.DB, []byte(key)); e != nil {
			if z, ok := w.ks.DB(w.cl.DB).Value(e).(*Zset); ok {
				mixed := false
				first := math.NaN()
				z.Each(func(_ string, s float64) bool {
					if math.IsNaN(first) {
						first = s
					}
					mixed = mixed || s != first
					return !mixed
				})
				if mixed {
					enc, err := w.rc.Do(context.Background(), "OBJECT", "ENCODING", key).Text()
					if err != nil || enc != "listpack" {
						return nil
					}
				}
			}
		}
		return cmd
	}
	if name != "SORT" {
		return cmd
	}
	e := w.ks.Lookup(w.cl.DB, []byte(cmd[1]))
	if e == nil || e.Kind() == KindList {
		return cmd
	}
	by := false
	for i := 2; i+1 < len(cmd); i++ {
		if strings.EqualFold(cmd[i], "BY") && strings.Contains(cmd[i+1], "*") {
			by = true
		}
	}
	if !by {
		return cmd
	}
	out := cmd[:0:0]
	for _, a := range cmd {
		if !strings.EqualFold(a, "ALPHA") {
			out = append(out, a)
		}
	}
	return out
}

func (w *collTwin) do(cmd []string) {
	w.t.Helper()
	if cmd = w.determined(cmd); cmd == nil {
		return
	}
	if w.wouldBlock(cmd) {
		// The server would block this client; replayed, it does nothing. Check that here
		// (and keep errno as the server, which never saw the command, has it).
		errno := collErangeOf(w.ks)
		defer collSetErange(w.ks, errno)
		w.log = append(w.log, "# would block: "+strings.Join(collQuote(cmd), " "))
		before := collDescribe(w.ks)
		if err := w.cl.Apply(collArgs(cmd)); err != nil && IsCommandError(err) == false {
			w.fail("%q: %v", cmd, err)
		}
		if collDescribe(w.ks) != before {
			w.fail("%q on empty keys changed the keyspace", cmd)
		}
		return
	}
	w.log = append(w.log, strings.Join(collQuote(cmd), " "))
	args := make([]any, len(cmd))
	for i, a := range cmd {
		args[i] = a
	}
	reply, srvErr := w.rc.Do(context.Background(), args...).Result()
	if srvErr == redis.Nil {
		srvErr = nil
	}
	var rerr redis.Error
	if srvErr != nil && !errors.As(srvErr, &rerr) {
		w.fail("%q: server: %v", cmd, srvErr)
	}
	err := w.cl.Apply(collArgs(cmd))
	var ue *UnsupportedError
	if errors.As(err, &ue) && strings.EqualFold(cmd[0], "SPOP") && srvErr == nil {
		// A random pop: apply what the server chose, as its AOF does.
		var members []string
		switch r := reply.(type) {
		case string:
			members = []string{r}
		case []any:
			for _, m := range r {
				members = append(members, m.(string))
			}
		}
		if len(members) > 0 {
			if err := w.cl.Apply(collArgs(append([]string{"SREM", cmd[1]}, members...))); err != nil {
				w.fail("SREM after SPOP: %v", err)
			}
		}
		return
	}
	if err != nil && !IsCommandError(err) {
		w.fail("%q: engine: %v", cmd, err)
	}
	switch {
	case srvErr == nil && err != nil:
		w.fail("%q: engine error %q, server replied %v", cmd, err, reply)
	case srvErr != nil && err == nil:
		w.fail("%q: server error %q, engine none", cmd, srvErr)
	case srvErr != nil && srvErr.Error() != err.Error():
		w.fail("%q: server error %q, engine %q", cmd, srvErr, err)
	}
	if strings.EqualFold(cmd[0], "PEXPIREAT") {
		// The live server deletes a key whose new TTL is past; the replay keeps it (§3.5).
		now := time.Now().UnixMilli()
		for _, k := range []string{cmd[1]} {
			if e := w.ks.Lookup(w.cl.DB, []byte(k)); e != nil && e.Expire >= 0 && e.Expire <= now {
				w.ks.Delete(w.cl.DB, []byte(k))
			}
		}
	}
}

func collArgs(cmd []string) [][]byte {
	out := make([][]byte, len(cmd))
	for i, a := range cmd {
		out[i] = []byte(a)
	}
	return out
}

func collQuote(cmd []string) []string {
	out := make([]string, len(cmd))
	for i, a := range cmd {
		if a == "" || strings.ContainsAny(a, " \"") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

func collKeys(t testing.TB, ks *Keyspace) []canon.Key {
	t.Helper()
	var out []canon.Key
	if err := ks.Each(true, func(k *canon.Key) error { out = append(out, *k); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// collUlpAlign copies into got the expected score of every sorted-set member whose score
// differs by at most 2 ULP and is not an integer: GEO … STOREDIST distances. The engine's
// sin, cos and asin are correctly rounded; glibc's (the server's) are not in about 0.15% of
// haversine distances, which then differ in the last bit (see t_geo.go).
func collUlpAlign(want, got []canon.Key) []canon.Key {
	type id struct {
		db  int
		key string
	}
	exp := map[id]map[string]float64{}
	for _, k := range want {
		if k.Type == canon.TypeZset {
			m := map[string]float64{}
			for _, z := range k.Zset {
				m[string(z.Member)] = z.Score
			}
			exp[id{k.DB, string(k.Key)}] = m
		}
	}
	for i := range got {
		k := &got[i]
		m := exp[id{k.DB, string(k.Key)}]
		if k.Type != canon.TypeZset || m == nil {
			continue
		}
		k.Zset = slices.Clone(k.Zset)
		for j, z := range k.Zset {
			w, ok := m[string(z.Member)]
			if ok && w != z.Score && w != math.Trunc(w) && collUlps(w, z.Score) <= 2 {
				k.Zset[j].Score = w
			}
		}
	}
	return got
}

func collUlps(a, b float64) uint64 {
	x, y := math.Float64bits(a), math.Float64bits(b)
	if x > y {
		return x - y
	}
	return y - x
}

// collRewrite runs BGREWRITEAOF and waits until it is done, polling INFO persistence.
func collRewrite(t testing.TB, srv *redistest.Server) {
	t.Helper()
	ctx := context.Background()
	if err := srv.Client().Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatalf("BGREWRITEAOF: %v", err)
	}
	for {
		info, err := srv.Client().Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
	}
}

// collSequence runs one random sequence on a fresh server and checks that the replay of its
// AOF, and the direct application of the client commands, both give the server's dataset.
func collSequence(t *testing.T, seed uint64, steps int, preamble bool) {
	args := []string{"--appendonly", "yes"}
	if !preamble {
		args = append(args, "--aof-use-rdb-preamble", "no")
	}
	srv := redistest.Start(t, redistest.Options{Args: args})
	now := time.Now().UnixMilli()
	ks := New(now)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true, PoolSize: 1})
	defer rc.Close()
	w := &collTwin{t: t, seed: seed, srv: srv, rc: rc, ks: ks, cl: ks.NewClient()}
	g := &collGen{r: rand.New(rand.NewPCG(seed, 1)), now: now, others: map[string]bool{}}
	for _, name := range []string{"set", "hset", "pexpireat", "del"} {
		g.others[name] = Implemented(name)
	}
	for i := 0; i < steps; i++ {
		if preamble && i == steps/2 {
			collRewrite(t, srv)
		}
		w.do(g.next())
		if os.Getenv("AOFKIT_COLL_STEPCHECK") == "1" {
			want, _ := srv.Dump(t)
			if diffs := canon.Diff(want, collUlpAlign(want, collKeys(t, ks)), nil, nil, canon.DiffOptions{}); len(diffs) > 0 {
				w.fail("step %d: direct application differs from the server:\n%s", i, strings.Join(diffs, "\n"))
			}
		}
	}
	want, _ := srv.Dump(t)
	if diffs := canon.Diff(want, collUlpAlign(want, collKeys(t, ks)), nil, nil, canon.DiffOptions{}); len(diffs) > 0 {
		w.fail("seed %d: direct application differs from the server:\n%s", seed, strings.Join(diffs, "\n"))
	}
	srv.Stop(t)
	src, err := aof.Open(filepath.Join(srv.Dir, "appendonlydir"))
	if err != nil {
		t.Fatal(err)
	}
	got, st, err := Replay(context.Background(), src, ReplayOptions{NowMs: time.Now().UnixMilli()})
	if err != nil {
		w.fail("seed %d: replay: %v", seed, err)
	}
	if diffs := canon.Diff(want, collUlpAlign(want, collKeys(t, got)), nil, nil, canon.DiffOptions{}); len(diffs) > 0 {
		// Redis's own loader may build another dataset than the live one (a failed or
		// no-op command that is not in the AOF had changed errno, say): then the loaded
		// server is the reference.
		loaded, log, err := redistest.LoadAOF(t, filepath.Join(srv.Dir, "appendonlydir"), redistest.AOFOptions{})
		if err != nil {
			t.Fatalf("the server refuses its own AOF: %v\n%s", err, log)
		}
		lw, _ := loaded.Dump(t)
		if ld := canon.Diff(lw, collUlpAlign(lw, collKeys(t, got)), nil, nil, canon.DiffOptions{}); len(ld) > 0 {
			w.fail("seed %d (preamble %v): replay differs from the server and from the server loading the AOF (%d replay errors, first %v):\n%s\nfrom the loaded server:\n%s",
				seed, preamble, st.Errors, st.FirstErrors, strings.Join(diffs, "\n"), strings.Join(ld, "\n"))
		}
		t.Logf("seed %d: redis-server loads its AOF into another dataset than it had live; the replay matches the load:\n%s", seed, strings.Join(diffs, "\n"))
	}
}

// TestCollDifferential: random sequences over lists, sets, sorted sets, geo and SORT on a
// real redis-server, half with a RESP-only AOF, half with an RDB preamble and a BGREWRITEAOF
// in the middle.
func TestCollDifferential(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	seqs, steps := 24, 300
	if os.Getenv("AOFKIT_LONG") == "1" {
		seqs = 2000
	}
	if n, err := strconv.Atoi(os.Getenv("AOFKIT_COLL_SEQS")); err == nil && n > 0 {
		seqs = n
	}
	if s := os.Getenv("AOFKIT_COLL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		collSequence(t, seed, steps, seed%2 == 1)
		return
	}
	for seed := uint64(1); seed <= uint64(seqs); seed++ {
		collSequence(t, seed, steps, seed%2 == 1)
	}
}

// ---------------------------------------------------------------------------------------------
// Cost: benchmarks of the hot commands (go test -bench Coll -run XXX ./keyspace) and the
// memory held per element, logged by TestCollMemory (go test -v -run TestCollMemory).

func collBench(b *testing.B, gen func(i int) [][]byte) {
	ks := New(0)
	c := ks.NewClient()
	args := make([][][]byte, 4096)
	for i := range args {
		args[i] = gen(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Apply(args[i%len(args)]); err != nil {
			b.Fatal(err)
		}
	}
}

var collValue48 = strings.Repeat("x", 48)

func BenchmarkCollRPush(b *testing.B) {
	collBench(b, func(i int) [][]byte { return collArgs([]string{"RPUSH", "mylist", collValue48}) })
}

func BenchmarkCollLPushLPop(b *testing.B) {
	collBench(b, func(i int) [][]byte {
		if i%3 != 0 {
			return collArgs([]string{"LPUSH", "mylist", collValue48})
		}
		return collArgs([]string{"LPOP", "mylist"})
	})
}

func BenchmarkCollSAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	collBench(b, func(i int) [][]byte {
		return collArgs([]string{"SADD", "myset", "element:" + strconv.Itoa(r.IntN(500000))})
	})
}

func BenchmarkCollZAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	collBench(b, func(i int) [][]byte {
		return collArgs([]string{"ZADD", "myzset", strconv.Itoa(r.IntN(1000)), "element:" + strconv.Itoa(r.IntN(500000))})
	})
}

func BenchmarkCollZAddSmallSets(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	collBench(b, func(i int) [][]byte {
		return collArgs([]string{"ZADD", "z:" + strconv.Itoa(r.IntN(100000)), strconv.Itoa(r.IntN(10)), "m" + strconv.Itoa(r.IntN(8))})
	})
}

// TestCollMemory logs the heap held per element by large values (no assertion: a record
// for BENCHMARKS.md, see the report).
func TestCollMemory(t *testing.T) {
	const n = 200000
	measure := func(name string, fill func(c *Client)) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ks := New(0)
		fill(ks.NewClient())
		runtime.GC()
		runtime.ReadMemStats(&after)
		t.Logf("%-28s %6.1f bytes/element (heap)", name, float64(after.HeapAlloc-before.HeapAlloc)/n)
		runtime.KeepAlive(ks)
	}
	apply := func(c *Client, args ...string) {
		if err := c.Apply(collArgs(args)); err != nil {
			t.Fatal(err)
		}
	}
	measure("list, 48-byte elements", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "RPUSH", "l", collValue48)
		}
	})
	measure("list, 8-byte elements", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "LPUSH", "l", fmt.Sprintf("%08d", i))
		}
	})
	measure("lists of 3 elements", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "RPUSH", "l:"+strconv.Itoa(i/3), "m"+strconv.Itoa(i%3))
		}
	})
	measure("set, element:NNNNNN", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "SADD", "s", fmt.Sprintf("element:%06d", i))
		}
	})
	measure("zset, element:NNNNNN", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "ZADD", "z", strconv.Itoa(i%1000), fmt.Sprintf("element:%06d", i))
		}
	})
	measure("zsets of 3 members", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "ZADD", "z:"+strconv.Itoa(i/3), strconv.Itoa(i%3), "m"+strconv.Itoa(i%3))
		}
	})
	measure("sets of 3 members", func(c *Client) {
		for i := 0; i < n; i++ {
			apply(c, "SADD", "s:"+strconv.Itoa(i/3), "m"+strconv.Itoa(i%3))
		}
	})
}
