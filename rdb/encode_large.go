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
	if err := checkElems(k, el); err != nil {
		return err
	}
	if e.st.small(k, el) {
		return e.Key(collect(k, el))
	}
	started := false
	buf, err := largeRecord(&e.st, e.rec[:0], k, el, e.opt.Drop, &e.dropped, func(b []byte) []byte {
		if !started {
			e.selectDB(k.DB)
			started = true
		}
		e.emit(b)
		return b[:0]
	})
	if cap(buf) <= 4*largeSpill {
		e.rec = buf
	}
	if err != nil && started {
		e.err = err // the record is incomplete: nothing more may follow it
	}
	if e.err != nil {
		return e.err
	}
	return err
}

// AppendLarge is LargeKey for a KeyEncoder: the record (without SELECTDB: see Records) goes
// to out in pieces of about 256 KiB, in order; out returns the buffer to go on with (the
// piece's own, emptied, unless it keeps it) or an error, which stops the encoding and is
// returned. A value not larger than the packed limits is one piece, as Append makes it.
// Errors: as LargeKey's; after an error, pieces already given to out are an incomplete record.
func (ke *KeyEncoder) AppendLarge(k *canon.Key, el *canon.Elems, out func(piece []byte) ([]byte, error)) error {
	var outErr error
	emit := func(b []byte) []byte {
		if outErr != nil {
			return b[:0]
		}
		nb, err := out(b)
		if err != nil {
			outErr = err
			return b[:0]
		}
		return nb
	}
	if err := checkElems(k, el); err != nil {
		return err
	}
	if ke.st.small(k, el) {
		rec, err := ke.Append(nil, collect(k, el))
		if err != nil {
			return err
		}
		emit(rec)
		return outErr
	}
	_, err := largeRecord(&ke.st, nil, k, el, ke.drop, &ke.dropped, emit)
	if outErr != nil {
		return outErr
	}
	return err
}

// checkElems refuses an empty value and Elems without the function k's type needs.
func checkElems(k *canon.Key, el *canon.Elems) error {
	ok := false
	switch k.Type {
	case canon.TypeList:
		ok = el.List != nil
	case canon.TypeSet:
		ok = el.Set != nil
	case canon.TypeZset:
		ok = el.Zset != nil
	case canon.TypeHash:
		ok = el.Hash != nil
	default:
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("type %q cannot be streamed", k.Type)}
	}
	if el.Len == 0 || !ok {
		return &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("empty %s", k.Type)}
	}
	return nil
}

// small reports whether a value is within the packed encodings' limits, so that it is
// written from slices (the encodings are chosen from the whole value).
func (st *encState) small(k *canon.Key, el *canon.Elems) bool {
	lim := &st.limits
	switch k.Type {
	case canon.TypeSet:
		return el.Len <= max(lim.SetMaxIntsetEntries, lim.SetMaxListpackEntries)
	case canon.TypeZset:
		return el.Len <= lim.ZsetMaxListpackEntries
	case canon.TypeHash:
		return el.Len <= lim.HashMaxListpackEntries
	}
	return false
}

// largeRecord encodes k's record from el into b, handing b to spill whenever it holds
// largeSpill bytes or more (spill returns the buffer to go on with), and returns the rest.
// Nothing is spilled before the checks that can refuse the key have passed.
func largeRecord(st *encState, b []byte, k *canon.Key, el *canon.Elems, drop bool, dropped *DropReport, spill func([]byte) []byte) ([]byte, error) {
	switch {
	case el.Len == 0:
		return b, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("empty %s", k.Type)}
	case k.DB < 0:
		return b, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative database")}
	case k.ExpireMs < 0 && k.ExpireMs != canon.NoExpiry:
		return b, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative expire time %d", k.ExpireMs)}
	}
	var typ byte
	var ttls int
	minTTL := int64(math.MaxInt64)
	switch k.Type {
	case canon.TypeList:
		typ = TypeListQuicklist2
		if st.version < 10 {
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
			return b, &EncodeError{DB: k.DB, Key: k.Key, Err: bad}
		}
		if ttls > 0 && st.version < 12 {
			if !drop {
				return b, &EncodeError{DB: k.DB, Key: k.Key, Err: encNotRepresentable(st.version, "hash field TTLs")}
			}
			dropped.HashFieldTTLs += ttls
			ttls = 0
		}
		typ = TypeHash
		if ttls > 0 {
			typ = TypeHashMetadata
		}
	default:
		return b, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("type %q cannot be streamed", k.Type)}
	}
	if k.Type == canon.TypeList {
		nodes := 0
		if _, err := st.listNodes(el.List, func(bool, []byte) { nodes++ }); err != nil {
			return b, &EncodeError{DB: k.DB, Key: k.Key, Err: err}
		}
		b = largeHeader(st, b, k, typ)
		b = encAppendLen(b, uint64(nodes))
	} else {
		b = largeHeader(st, b, k, typ)
	}
	more := func() {
		if len(b) >= largeSpill {
			b = spill(b)
		}
	}
	var bad error
	switch k.Type {
	case canon.TypeList:
		_, bad = st.listNodes(el.List, func(plain bool, blob []byte) {
			b = st.appendListNode(b, plain, blob)
			more()
		})
	case canon.TypeSet:
		b = encAppendLen(b, uint64(el.Len))
		el.Set(func(m []byte) bool {
			b = encAppendString(b, m, st.lz)
			more()
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
			more()
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
			more()
			return true
		})
	}
	if bad != nil {
		return b, &EncodeError{DB: k.DB, Key: k.Key, Err: bad}
	}
	return spill(b), nil
}

// largeHeader appends EXPIRETIME_MS (when k has a TTL), the type byte and the key name.
func largeHeader(st *encState, b []byte, k *canon.Key, typ byte) []byte {
	if k.ExpireMs != canon.NoExpiry {
		b = append(b, OpExpireTimeMs)
		b = encAppendMillis(b, k.ExpireMs)
	}
	b = append(b, typ)
	return encAppendString(b, k.Key, st.lz)
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
