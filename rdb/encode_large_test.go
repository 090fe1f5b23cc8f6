package rdb

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
)

// elemsOf gives k's value as canon.Elems, the way a streaming source would: a sorted set
// greatest first.
func elemsOf(k *canon.Key) *canon.Elems {
	el := &canon.Elems{}
	switch k.Type {
	case canon.TypeList:
		el.Len = len(k.List)
		el.List = func(y func([]byte) bool) {
			for _, x := range k.List {
				if !y(x) {
					return
				}
			}
		}
	case canon.TypeSet:
		el.Len = len(k.Set)
		el.Set = func(y func([]byte) bool) {
			for _, x := range k.Set {
				if !y(x) {
					return
				}
			}
		}
	case canon.TypeZset:
		el.Len = len(k.Zset)
		zs := slices.Clone(k.Zset)
		slices.SortFunc(zs, func(a, b canon.ZMember) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			return bytes.Compare(b.Member, a.Member)
		})
		el.Zset = func(y func([]byte, float64) bool) {
			for _, m := range zs {
				if !y(m.Member, m.Score) {
					return
				}
			}
		}
	case canon.TypeHash:
		el.Len = len(k.Hash)
		el.Hash = func(y func([]byte, []byte, int64) bool) {
			for _, f := range k.Hash {
				if !y(f.Field, f.Value, f.ExpireMs) {
					return
				}
			}
		}
	}
	return el
}

// TestLargeKeyMatchesKey: LargeKey writes the same bytes as Key for values on both sides of
// the packed encodings' limits, every version, with and without TTLs and field TTLs, and
// with Drop for field TTLs an older version cannot hold.
func TestLargeKeyMatchesKey(t *testing.T) {
	g := encGen{rand.New(rand.NewPCG(7, 11))}
	now := time.UnixMilli(1_700_000_000_000)
	var keys []*canon.Key
	for _, n := range []int{1, 100, 128, 129, 512, 513, 3000} {
		str := func() []byte { return g.str() }
		list := make([][]byte, n)
		for i := range list {
			list[i] = g.str()
		}
		keys = append(keys,
			&canon.Key{Key: []byte("l"), Type: canon.TypeList, ExpireMs: canon.NoExpiry, List: list},
			&canon.Key{DB: 2, Key: []byte("s"), Type: canon.TypeSet, ExpireMs: 1_800_000_000_000, Set: g.uniq(n, str)})
		ints := g.uniq(n, func() []byte { return []byte(strconv.Itoa(g.n(100000))) })
		if len(ints) > 0 {
			keys = append(keys, &canon.Key{Key: []byte("si"), Type: canon.TypeSet, ExpireMs: canon.NoExpiry, Set: ints})
		}
		var zs []canon.ZMember
		for _, m := range g.uniq(n, str) {
			zs = append(zs, canon.ZMember{Member: m, Score: float64(g.n(20)) - 10})
		}
		keys = append(keys, &canon.Key{Key: []byte("z"), Type: canon.TypeZset, ExpireMs: canon.NoExpiry, Zset: zs})
		for _, ttl := range []bool{false, true} {
			var hs []canon.HField
			for i, f := range g.uniq(n, str) {
				exp := canon.NoExpiry
				if ttl && i%3 == 0 {
					exp = 1_800_000_000_000 + int64(g.n(1000))
				}
				hs = append(hs, canon.HField{Field: f, Value: g.str(), ExpireMs: exp})
			}
			keys = append(keys, &canon.Key{Key: []byte("h"), Type: canon.TypeHash, ExpireMs: canon.NoExpiry, Hash: hs})
		}
	}
	for v := MinEncodeVersion; v <= MaxEncodeVersion; v++ {
		for _, drop := range []bool{false, true} {
			for _, k := range keys {
				var a, b bytes.Buffer
				opt := EncoderOptions{Now: now, Drop: drop}
				ea, _ := NewEncoder(&a, v, opt)
				eb, _ := NewEncoder(&b, v, opt)
				errA := ea.Key(k)
				errB := eb.LargeKey(&canon.Key{DB: k.DB, Key: k.Key, Type: k.Type, ExpireMs: k.ExpireMs}, elemsOf(k))
				if (errA == nil) != (errB == nil) {
					t.Fatalf("v%d %s n=%d drop=%v: Key %v, LargeKey %v", v, k.Type, len(k.List)+len(k.Set)+len(k.Zset)+len(k.Hash), drop, errA, errB)
				}
				// A KeyEncoder's pieces, written with Records, make the same file too.
				var c bytes.Buffer
				ec, _ := NewEncoder(&c, v, opt)
				ke := ec.NewKeyEncoder()
				pieces := 0
				errC := ke.AppendLarge(&canon.Key{DB: k.DB, Key: k.Key, Type: k.Type, ExpireMs: k.ExpireMs}, elemsOf(k), func(p []byte) ([]byte, error) {
					pieces++
					return nil, ec.Records(k.DB, p, DropReport{})
				})
				if (errA == nil) != (errC == nil) {
					t.Fatalf("v%d %s: Key %v, AppendLarge %v", v, k.Type, errA, errC)
				}
				ec.Records(k.DB, nil, ke.TakeDropped())
				ea.Close()
				eb.Close()
				ec.Close()
				if !bytes.Equal(a.Bytes(), c.Bytes()) || ea.Dropped() != ec.Dropped() {
					t.Fatalf("v%d %s n=%d drop=%v: AppendLarge (%d pieces) wrote %d bytes, Key %d, different", v, k.Type, len(k.List)+len(k.Set)+len(k.Zset)+len(k.Hash), drop, pieces, c.Len(), a.Len())
				}
				if ea.Dropped() != eb.Dropped() {
					t.Fatalf("v%d %s: dropped %+v vs %+v", v, k.Type, ea.Dropped(), eb.Dropped())
				}
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Fatalf("v%d %s n=%d drop=%v: LargeKey wrote %d bytes, Key %d, different", v, k.Type, len(k.List)+len(k.Set)+len(k.Zset)+len(k.Hash), drop, b.Len(), a.Len())
				}
			}
		}
	}
}

// TestLargeKeyErrors: an empty value is refused before anything is written; a NaN score
// found part way stops the encoder.
func TestLargeKeyErrors(t *testing.T) {
	var buf bytes.Buffer
	e, _ := NewEncoder(&buf, 10, EncoderOptions{})
	k := &canon.Key{Key: []byte("z"), Type: canon.TypeZset, ExpireMs: canon.NoExpiry}
	if err := e.LargeKey(k, &canon.Elems{}); err == nil {
		t.Fatal("empty value accepted")
	}
	n := buf.Len()
	if err := e.Aux("x", "y"); err != nil || buf.Len() != n {
		// still usable (buffered: nothing flushed yet either way)
		if err != nil {
			t.Fatalf("encoder unusable after a refused key: %v", err)
		}
	}
	// A NaN found before anything was written out: refused, nothing written, still usable.
	nanAt := func(at int) *canon.Elems {
		return &canon.Elems{Len: 200, Zset: func(y func([]byte, float64) bool) {
			for i := 0; i < 200; i++ {
				s := float64(i)
				if i == at {
					s = math.NaN()
				}
				m := make([]byte, 3000) // 200 x 3000 incompressible bytes: pieces go out
				x := uint32(i + 1)
				for j := range m {
					x = x*1664525 + 1013904223
					m[j] = byte(x >> 24)
				}
				if !y(m, s) {
					return
				}
			}
		}}
	}
	if err := e.LargeKey(k, nanAt(3)); err == nil {
		t.Fatal("NaN score accepted")
	}
	if err := e.Aux("still", "usable"); err != nil {
		t.Fatalf("encoder unusable after a key refused before writing: %v", err)
	}
	// Found after part of the record was written: the encoder stops.
	if err := e.LargeKey(k, nanAt(190)); err == nil {
		t.Fatal("NaN score accepted")
	}
	if err := e.Close(); err == nil {
		t.Fatal("encoder usable after a half-written record")
	}
}
