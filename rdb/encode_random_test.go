package rdb

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// Random datasets around every encoding threshold: RDB 9 and 10 files and payloads must load
// into redis-server 7.0 unchanged, RDB 11 and 12 must decode back unchanged. A few datasets
// by default, many with AOFKIT_LONG=1.

type encGen struct{ r *rand.Rand }

func (g encGen) n(max int) int { return g.r.IntN(max + 1) }

func (g encGen) str() []byte {
	switch g.n(9) {
	case 0:
		return []byte(strconv.FormatInt(g.r.Int64N(1<<40)-1<<39, 10))
	case 1:
		return []byte(strconv.Itoa(g.n(300) - 150))
	case 2:
		return []byte([]string{"007", "-0", " 1", "+5", "", "0", "-", "1e3", "9223372036854775808"}[g.n(8)])
	case 3:
		b := make([]byte, 21+g.n(3000))
		for i := range b {
			b[i] = "ab"[g.n(1)]
		}
		return b
	case 4:
		return bytes.Repeat([]byte{byte(g.n(255))}, 8180+g.n(30))
	default:
		b := make([]byte, g.n(70))
		for i := range b {
			b[i] = byte(g.n(255))
		}
		return b
	}
}

// uniq returns n distinct strings made by f.
func (g encGen) uniq(n int, f func() []byte) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for tries := 0; len(out) < n && tries < 10*n+10; tries++ {
		s := f()
		if !seen[string(s)] {
			seen[string(s)] = true
			out = append(out, s)
		}
	}
	return out
}

func (g encGen) size() int {
	switch g.n(3) {
	case 0:
		return 1 + g.n(4)
	case 1:
		return 120 + g.n(16) // around 128
	case 2:
		return 505 + g.n(12) // around 512
	}
	return g.n(1000)
}

func (g encGen) shortStr() []byte {
	if g.n(1) == 0 {
		return []byte(strconv.Itoa(g.n(100000) - 500))
	}
	b := make([]byte, 55+g.n(12)) // around 64
	for i := range b {
		b[i] = byte('a' + g.n(25))
	}
	b[0] = byte(g.n(255))
	return b
}

func (g encGen) key(db int, name []byte) canon.Key {
	const far = 4102444800000
	k := canon.Key{DB: db, Key: name, ExpireMs: canon.NoExpiry}
	if g.n(4) == 0 {
		k.ExpireMs = far + int64(g.n(100000))
	}
	switch g.n(5) {
	case 0:
		k.Type, k.String = canon.TypeString, g.str()
	case 1:
		k.Type = canon.TypeList
		for i, n := 0, 1+g.size(); i < n; i++ {
			if g.n(30) == 0 {
				k.List = append(k.List, g.str())
			} else {
				k.List = append(k.List, g.shortStr())
			}
		}
	case 2:
		k.Type = canon.TypeSet
		if g.n(1) == 0 {
			k.Set = g.uniq(1+g.size(), func() []byte { return []byte(strconv.FormatInt(g.r.Int64()>>g.n(63), 10)) })
		} else {
			k.Set = g.uniq(1+g.size(), g.shortStr)
		}
	case 3:
		k.Type = canon.TypeZset
		for _, m := range g.uniq(1+g.size(), g.shortStr) {
			s := []float64{math.Inf(1), math.Inf(-1), math.Copysign(0, -1), float64(g.n(1000)), g.r.NormFloat64() * 1e6, g.r.Float64()}[g.n(5)]
			k.Zset = append(k.Zset, canon.ZMember{Member: m, Score: s})
		}
	case 4:
		k.Type = canon.TypeHash
		ttls := g.n(2) == 0
		for _, f := range g.uniq(1+g.size(), g.shortStr) {
			e := canon.NoExpiry
			if ttls && g.n(1) == 0 {
				e = far + int64(g.n(1000))
			}
			k.Hash = append(k.Hash, canon.HField{Field: f, Value: g.shortStr(), ExpireMs: e})
		}
	default:
		k.Type = canon.TypeStream
		k.Stream = g.stream()
	}
	return k
}

func (g encGen) stream() *canon.Stream {
	s := &canon.Stream{}
	id := canon.StreamID{Ms: 1700000000000}
	for i, n := 0, g.n(3)*g.size()/2; i < n; i++ {
		if g.n(2) == 0 {
			id.Ms += uint64(1 + g.n(1000))
			id.Seq = uint64(g.n(3))
		} else {
			id.Seq++
		}
		var fields [][]byte
		for j, nf := 0, 1+g.n(3); j < nf; j++ {
			fields = append(fields, []byte("f"+strconv.Itoa(g.n(4))), g.shortStr())
		}
		s.Entries = append(s.Entries, canon.StreamEntry{ID: id, Fields: fields})
	}
	s.LastID = id
	if g.n(2) == 0 {
		s.LastID.Seq += uint64(g.n(5))
	}
	added := int64(len(s.Entries) + g.n(5))
	s.EntriesAdded = &added
	if added > int64(len(s.Entries)) {
		s.MaxDeletedID = &canon.StreamID{Ms: 1600000000000, Seq: 1}
	} else {
		s.MaxDeletedID = &canon.StreamID{}
	}
	for gi, ng := 0, g.n(3); gi < ng; gi++ {
		grp := canon.Group{Name: []byte("g" + strconv.Itoa(gi))}
		if len(s.Entries) > 0 {
			grp.LastDelivered = s.Entries[g.n(len(s.Entries)-1)].ID
		}
		if g.n(2) > 0 {
			read := int64(g.n(len(s.Entries)))
			grp.EntriesRead = &read
		}
		consumers := [][]byte{[]byte("alice"), []byte("bob"), []byte("carol")}[:1+g.n(2)]
		grp.Consumers = consumers
		for _, e := range s.Entries {
			if g.n(3) == 0 {
				grp.Pending = append(grp.Pending, canon.Pending{ID: e.ID, Consumer: consumers[g.n(len(consumers)-1)], DeliveryCount: int64(1 + g.n(4))})
			}
		}
		if g.n(3) == 0 { // a pending entry whose message was deleted
			grp.Pending = append(grp.Pending, canon.Pending{ID: canon.StreamID{Ms: 1, Seq: 1}, Consumer: consumers[0], DeliveryCount: 1})
		}
		s.Groups = append(s.Groups, grp)
	}
	return s
}

func (g encGen) dataset(n int) []canon.Key {
	names := g.uniq(n, func() []byte {
		if g.n(3) == 0 {
			return []byte(strconv.Itoa(g.n(1000)))
		}
		return []byte(fmt.Sprintf("k:%d", g.n(1000000)))
	})
	var keys []canon.Key
	for _, name := range names {
		keys = append(keys, g.key(g.n(3), name))
	}
	slices.SortFunc(keys, func(a, b canon.Key) int {
		if a.DB != b.DB {
			return a.DB - b.DB
		}
		return bytes.Compare(a.Key, b.Key)
	})
	return keys
}

func TestEncodeRandomDatasets(t *testing.T) {
	rounds := 3
	if os.Getenv("AOFKIT_LONG") == "1" {
		rounds = 200
	}
	srv := encMaybeServer(t)
	ctx := context.Background()
	keysTotal := 0
	for round := 0; round < rounds; round++ {
		g := encGen{rand.New(rand.NewPCG(uint64(round), 0xE1C0DE))}
		keys := g.dataset(40)
		keysTotal += len(keys)
		for version := MinEncodeVersion; version <= MaxEncodeVersion; version++ {
			var buf bytes.Buffer
			e, err := NewEncoder(&buf, version, EncoderOptions{Drop: true})
			if err != nil {
				t.Fatal(err)
			}
			for i := range keys {
				if err := e.Key(&keys[i]); err != nil {
					t.Fatalf("round %d v%d: %v", round, version, err)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			got, _, _, err := Collect(buf.Bytes(), 0, Options{Verify: true, Checksum: true})
			if err != nil {
				t.Fatalf("round %d v%d: decode: %v", round, version, err)
			}
			want, _ := encWhatVersionHolds(keys, nil, version)
			for _, d := range canon.Diff(want, got, nil, nil, canon.DiffOptions{}) {
				t.Errorf("round %d v%d decoder: %s", round, version, d)
			}
			if version > 10 || srv == nil {
				continue
			}
			// Load the file in a fresh server.
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "r.rdb"), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			fs := redistest.Start(t, redistest.Options{Dir: dir, Args: encStrictArgs("--dbfilename", "r.rdb")})
			live, _ := fs.Dump(t)
			fs.Stop(t)
			want7, _ := encWhat7Holds(keys, nil, version)
			for _, d := range canon.Diff(want7, live, nil, nil, canon.DiffOptions{}) {
				t.Errorf("round %d v%d file: %s", round, version, d)
			}
			// And every key as a payload.
			conn := srv.Client().Conn()
			if err := conn.Do(ctx, "FLUSHALL").Err(); err != nil {
				t.Fatal(err)
			}
			for i := range keys {
				k := &keys[i]
				p, _, err := DumpPayloadLossy(k, version)
				if err != nil {
					t.Fatal(err)
				}
				conn.Do(ctx, "SELECT", k.DB)
				ttl := int64(0)
				if k.ExpireMs != canon.NoExpiry {
					ttl = k.ExpireMs
				}
				if err := conn.Do(ctx, "RESTORE", k.Key, ttl, p, "ABSTTL").Err(); err != nil {
					t.Fatalf("round %d v%d: RESTORE %q (type %d): %v", round, version, k.Key, p[0], err)
				}
			}
			conn.Close()
			live, _ = srv.Dump(t)
			for _, d := range canon.Diff(want7, live, nil, nil, canon.DiffOptions{}) {
				t.Errorf("round %d v%d payloads: %s", round, version, d)
			}
		}
	}
	t.Logf("%d rounds, %d keys, each encoded as RDB 9-12", rounds, keysTotal)
}
