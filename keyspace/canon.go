package keyspace

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/aofkit/aofkit/internal/canon"
)

// codec converts one kind between the engine's representation and canon.Key. Each type
// family registers its codec from init.
type codec struct {
	// export fills k's value fields (k.Type, k.String/List/Set/Zset/Hash/Stream) from v.
	export func(v Value, k *canon.Key)
	// load builds a value from k (an RDB key, or a RESTORE payload). It must copy what it keeps.
	load func(k *canon.Key) (Value, error)
	// clone returns a deep copy of v (COPY, SORT … STORE of the same key, …).
	clone func(v Value) Value
}

// CloneValue returns a deep copy of v.
func CloneValue(v Value) Value { return codecs[v.Kind()].clone(v) }

var codecs = map[Kind]codec{}

func registerCodec(kind Kind, c codec) {
	if _, dup := codecs[kind]; dup {
		panic("keyspace: codec registered twice: " + kind.String())
	}
	codecs[kind] = c
}

// kindOf maps a canon type name to a Kind.
func kindOf(t string) Kind {
	switch t {
	case canon.TypeString:
		return KindString
	case canon.TypeList:
		return KindList
	case canon.TypeSet:
		return KindSet
	case canon.TypeZset:
		return KindZset
	case canon.TypeHash:
		return KindHash
	case canon.TypeStream:
		return KindStream
	}
	return 0
}

// ValueFromCanon builds an engine value from a canonical key (its value fields only).
func ValueFromCanon(k *canon.Key) (Value, error) {
	c, ok := codecs[kindOf(k.Type)]
	if !ok {
		return nil, fmt.Errorf("keyspace: cannot load a value of type %q", k.Type)
	}
	return c.load(k)
}

// Import stores a canonical key (from an RDB section) in the keyspace, replacing any old one.
func (ks *Keyspace) Import(k *canon.Key) error {
	if k.Type == canon.TypeString {
		ks.SetString(k.DB, k.Key, k.String, k.ExpireMs)
		return nil
	}
	v, err := ValueFromCanon(k)
	if err != nil {
		return err
	}
	ks.Set(k.DB, k.Key, v, k.ExpireMs)
	return nil
}

// Export fills a canonical key from an entry of database n. The result aliases engine
// memory: do not keep it across changes to the keyspace.
func (ks *Keyspace) Export(n int, e *Entry, k *canon.Key) {
	db := ks.DB(n)
	*k = canon.Key{DB: n, Key: db.key(e), ExpireMs: e.Expire}
	if k.ExpireMs < 0 {
		k.ExpireMs = canon.NoExpiry
	}
	obj := db.Value(e)
	if obj == nil {
		k.Type = canon.TypeString
		k.String = db.str(e)
		if k.String == nil {
			k.String = []byte{}
		}
		return
	}
	c, ok := codecs[obj.Kind()]
	if !ok {
		panic("keyspace: no codec for " + obj.Kind().String())
	}
	c.export(obj, k)
}

// Each calls fn for every key, database by database ascending; with sorted, keys within a
// database come in raw byte order (what dump prints), otherwise in the database's order
// (insertion order with reuse of deleted slots; cheaper). The *canon.Key is reused between
// calls and aliases engine memory.
func (ks *Keyspace) Each(sorted bool, fn func(k *canon.Key) error) error {
	var k canon.Key
	for _, n := range ks.DBIndexes() {
		db := ks.dbs[n]
		if !sorted {
			err := db.each(func(e *Entry) error {
				ks.Export(n, e, &k)
				return fn(&k)
			})
			if err != nil {
				return err
			}
			continue
		}
		ents := make([]*Entry, 0, db.Len())
		db.each(func(e *Entry) error {
			ents = append(ents, e)
			return nil
		})
		sort.Slice(ents, func(i, j int) bool { return bytes.Compare(db.key(ents[i]), db.key(ents[j])) < 0 })
		for _, e := range ents {
			ks.Export(n, e, &k)
			if err := fn(&k); err != nil {
				return err
			}
		}
	}
	return nil
}

// Functions returns the libraries as canonical functions, sorted by name.
func (ks *Keyspace) Functions() []canon.Function {
	out := make([]canon.Function, 0, len(ks.Libraries))
	for _, l := range ks.Libraries {
		out = append(out, canon.Function{Name: []byte(l.Name), Engine: []byte(l.Engine), Code: l.Code})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Name, out[j].Name) < 0 })
	return out
}

// Batches hands out every key in batches of at most size entries, database by database
// ascending, in the order Each(false, …) uses. Each batch is a new slice, so batches may be
// exported on other goroutines (Export only reads) while fn goes on, provided nothing changes
// the keyspace meanwhile.
func (ks *Keyspace) Batches(size int, fn func(db int, ents []*Entry) error) error {
	for _, n := range ks.DBIndexes() {
		var batch []*Entry
		err := ks.dbs[n].each(func(e *Entry) error {
			if batch == nil {
				batch = make([]*Entry, 0, size)
			}
			batch = append(batch, e)
			if len(batch) == size {
				b := batch
				batch = nil
				return fn(n, b)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := fn(n, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

// Sizes returns the number of keys of database n and how many of them have a TTL (what an RDB's
// RESIZEDB opcode announces, so that a loading server sizes its tables once). Cost: one pass
// over the database's entries.
func (ks *Keyspace) Sizes(n int) (keys, expires int) {
	db := ks.db(n)
	if db == nil {
		return 0, 0
	}
	db.each(func(e *Entry) error {
		if e.Expire >= 0 {
			expires++
		}
		return nil
	})
	return db.Len(), expires
}

// zref is a sorted-set member's score and its record in the member table.
type zref struct {
	score float64
	ref   uint64
}

// ExportLarge is Export for a list, set, sorted set or hash of more than min elements: it
// fills k's header (DB, Key, Type, ExpireMs; value slices nil) and el, whose functions walk
// the engine's memory, instead of building slices as large as the value. It reports false,
// filling nothing, for anything else. Like Export it only reads, and el is valid until the
// keyspace next changes. Cost: O(1); walking a sorted set whose order is not built first sorts
// (score, record) pairs of its members (16 bytes each).
func (ks *Keyspace) ExportLarge(n int, e *Entry, min int, k *canon.Key, el *canon.Elems) bool {
	db := ks.db(n) // e's database exists; db (unlike DB) never creates one, so this only reads
	obj := db.Value(e)
	if obj == nil {
		return false
	}
	*el = canon.Elems{}
	switch v := obj.(type) {
	case *List:
		if el.Len = v.Len(); el.Len <= min {
			return false
		}
		k.Type = canon.TypeList
		el.List = func(yield func([]byte) bool) {
			v.each(func(_ int, s string) bool { return yield(collBytes(s)) })
		}
	case *Set:
		if el.Len = v.Len(); el.Len <= min {
			return false
		}
		k.Type = canon.TypeSet
		el.Set = func(yield func([]byte) bool) {
			v.each(func(m string) bool { return yield(collBytes(m)) })
		}
	case *Zset:
		if el.Len = v.Len(); el.Len <= min || v.packed() {
			return false
		}
		k.Type = canon.TypeZset
		el.Zset = func(yield func([]byte, float64) bool) {
			if v.lazy {
				// Sort (score, record) pairs: 16 bytes a member; members are read only to
				// break ties.
				t := v.dict
				refs := make([]zref, 0, t.len())
				for _, s := range t.slots {
					if s&slotUsed != 0 {
						_, val := t.rec(ftabRef(s))
						refs = append(refs, zref{math.Float64frombits(binary.LittleEndian.Uint64(val)), ftabRef(s)})
					}
				}
				slices.SortFunc(refs, func(a, b zref) int {
					switch {
					case a.score < b.score:
						return -1
					case a.score > b.score:
						return 1
					}
					ma, _ := t.rec(a.ref)
					mb, _ := t.rec(b.ref)
					return bytes.Compare(ma, mb)
				})
				for i := len(refs) - 1; i >= 0; i-- {
					m, _ := t.rec(refs[i].ref)
					if !yield(m, refs[i].score) {
						return
					}
				}
				return
			}
			for c := v.t.seek(v.t.len() - 1); c.ok(); c.prev() {
				if !yield(collBytes(c.member()), c.score()) {
					return
				}
			}
		}
	case *Hash:
		if el.Len = v.Len(); el.Len <= min {
			return false
		}
		k.Type = canon.TypeHash
		el.Hash = func(yield func([]byte, []byte, int64) bool) {
			v.Each(func(f, val []byte, exp int64) bool {
				if exp < 0 {
					exp = canon.NoExpiry
				}
				return yield(f, val, exp)
			})
		}
	default:
		return false
	}
	k.DB, k.Key, k.ExpireMs = n, db.key(e), e.Expire
	if k.ExpireMs < 0 {
		k.ExpireMs = canon.NoExpiry
	}
	k.String, k.List, k.Set, k.Zset, k.Hash, k.Stream = nil, nil, nil, nil, nil, nil
	return true
}
