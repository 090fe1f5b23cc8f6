package rdb

import (
	"math"

	"github.com/aofkit/aofkit/internal/canon"
)

// largeSpill is how much of a large value the encoder buffers before writing it out.
const largeSpill = 256 << 10

// LargeKey writes one key whose value comes element by element (canon.Elems) rather than in
// k's slices: SELECTDB when needed, EXPIRETIME_MS, type, name, then the value, written out in
// pieces as it is encoded. Memory: one quicklist node or one element at a time, not the
// value's size. A list is walked twice (its node count precedes the nodes), a hash twice (its
// field TTLs decide the encoding first), other types once. A value that is not larger than the
// packed encodings' limits is collected into k's slices and written as Key writes it; the
// output is the same either way.
//
// Errors: as Key's when found before anything is written (an empty value; field TTLs the
// version cannot hold, without EncoderOptions.Drop). A NaN score found part way is an
// *EncodeError that also stops the encoder (the record is incomplete), as does a write error.
func (e *Encoder) LargeKey(k *canon.Key, el *canon.Elems) error {
	if err := e.check(); err != nil {
		return err
	}
	lim := &e.st.limits
	switch {
	case el.Len == 0:
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("empty %s", k.Type)}
	case k.DB < 0:
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative database")}
	case k.ExpireMs < 0 && k.ExpireMs != canon.NoExpiry:
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative expire time %d", k.ExpireMs)}
	case k.Type == canon.TypeSet && el.Len <= max(lim.SetMaxIntsetEntries, lim.SetMaxListpackEntries),
		k.Type == canon.TypeZset && el.Len <= lim.ZsetMaxListpackEntries,
		k.Type == canon.TypeHash && el.Len <= lim.HashMaxListpackEntries:
		return e.Key(collect(k, el))
	}
	var typ byte
	var ttls int
	minTTL := int64(math.MaxInt64)
	switch k.Type {
	case canon.TypeList:
		typ = TypeListQuicklist2
		if e.version < 10 {
			typ = TypeListQuicklist
		}
	case canon.TypeSet:
		typ = TypeSet
	case canon.TypeZset:
		typ = TypeZset2
	case canon.TypeHash:
		var bad error
		el.Hash(func(f, _ []byte, exp int64) bool {
			if exp == canon.NoExpiry {
				return true
			}
			if exp <= 0 || exp > encMaxFieldTTL {
				bad = encInvalid("hash field %q TTL %d outside 1..2^48-1", f, exp)
				return false
			}
			ttls++
			minTTL = min(minTTL, exp)
			return true
		})
		if bad != nil {
			return &EncodeError{DB: k.DB, Key: k.Key, Err: bad}
		}
		if ttls > 0 && e.version < 12 {
			if !e.opt.Drop {
				return &EncodeError{DB: k.DB, Key: k.Key, Err: encNotRepresentable(e.version, "hash field TTLs")}
			}
			e.dropped.HashFieldTTLs += ttls
			ttls = 0
		}
		typ = TypeHash
		if ttls > 0 {
			typ = TypeHashMetadata
		}
	default:
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("type %q cannot be streamed", k.Type)}
	}

	e.selectDB(k.DB)
	st := &e.st
	b := e.rec[:0]
	if k.ExpireMs != canon.NoExpiry {
		b = append(b, OpExpireTimeMs)
		b = encAppendMillis(b, k.ExpireMs)
	}
	b = append(b, typ)
	b = encAppendString(b, k.Key, st.lz)
	spill := func() {
		if len(b) >= largeSpill {
			e.emit(b)
			b = b[:0]
		}
	}
	var bad error
	switch k.Type {
	case canon.TypeList:
		nodes := 0
		if _, err := st.listNodes(el.List, func(bool, []byte) { nodes++ }); err != nil {
			return &EncodeError{DB: k.DB, Key: k.Key, Err: err}
		}
		b = encAppendLen(b, uint64(nodes))
		_, bad = st.listNodes(el.List, func(plain bool, blob []byte) {
			b = st.appendListNode(b, plain, blob)
			spill()
		})
	case canon.TypeSet:
		b = encAppendLen(b, uint64(el.Len))
		el.Set(func(m []byte) bool {
			b = encAppendString(b, m, st.lz)
			spill()
			return true
		})
	case canon.TypeZset:
		b = encAppendLen(b, uint64(el.Len))
		el.Zset(func(m []byte, score float64) bool {
			if math.IsNaN(score) {
				bad = encInvalid("NaN score for member %q", m)
				return false
			}
			b = encAppendString(b, m, st.lz)
			b = encAppendBinaryDouble(b, score)
			spill()
			return true
		})
	case canon.TypeHash:
		if ttls > 0 {
			b = encAppendMillis(b, minTTL)
		}
		b = encAppendLen(b, uint64(el.Len))
		el.Hash(func(f, v []byte, exp int64) bool {
			if ttls > 0 {
				if exp == canon.NoExpiry {
					b = encAppendLen(b, 0)
				} else {
					b = encAppendLen(b, uint64(exp-minTTL+1))
				}
			}
			b = encAppendString(b, f, st.lz)
			b = encAppendString(b, v, st.lz)
			spill()
			return true
		})
	}
	if bad != nil {
		e.err = &EncodeError{DB: k.DB, Key: k.Key, Err: bad}
		return e.err
	}
	e.emit(b)
	if cap(b) > 4*largeSpill {
		b = nil
	}
	e.rec = b
	return e.err
}

// collect returns a copy of k holding el's elements in its slices (views, as el gives them,
// copied: yield's slices are valid only during the call).
func collect(k *canon.Key, el *canon.Elems) *canon.Key {
	c := *k
	switch k.Type {
	case canon.TypeList:
		el.List(func(x []byte) bool { c.List = append(c.List, append([]byte(nil), x...)); return true })
	case canon.TypeSet:
		el.Set(func(x []byte) bool { c.Set = append(c.Set, append([]byte(nil), x...)); return true })
	case canon.TypeZset:
		el.Zset(func(m []byte, s float64) bool {
			c.Zset = append(c.Zset, canon.ZMember{Member: append([]byte(nil), m...), Score: s})
			return true
		})
	case canon.TypeHash:
		el.Hash(func(f, v []byte, exp int64) bool {
			c.Hash = append(c.Hash, canon.HField{Field: append([]byte(nil), f...), Value: append([]byte(nil), v...), ExpireMs: exp})
			return true
		})
	}
	return &c
}
