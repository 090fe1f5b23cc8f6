package keyspace

import (
	"encoding/binary"
	"hash/maphash"
)

// ftab is the table form of a large hash: field → value, with no Go pointers per field. A
// map[string]string costs two string headers, two allocations and the map's own slot per
// field, all of which the collector tracks; here a field costs its bytes, a two-byte header
// (for short fields and values) and an 8-byte slot at a load of at most 3/4:
//
//   - slots: open addressing, linear probing; a slot is slotUsed | 23-bit hash tag << 40 |
//     chunk << 22 | offset of the field's record, 0 when empty, ftabTomb when deleted;
//   - records in a pointer-free arena whose chunks grow from 4 KiB to 4 MiB: uvarint field
//     length, uvarint value length, field bytes, value bytes. A value overwritten by one of
//     the same length is rewritten in place; otherwise the record moves and the old one is
//     garbage, reclaimed by compaction when it outweighs the live records.
//
// Iteration order is slot order: arbitrary, like a dict's.
type ftab struct {
	slots []uint64
	mask  uint64
	used  int // live + tombstone slots
	n     int
	a     arena
}

const (
	slotUsed = 1 << 63
	ftabTomb = 1 // never a live slot (those have slotUsed)
)

func newFtab(hint int) *ftab {
	t := &ftab{a: arena{small: true}}
	t.resize(hint)
	return t
}

func ftabHash(b []byte) uint64 { return maphash.Bytes(tableSeed, b) }

// ref is the arena address of a slot's record.
func ftabRef(s uint64) uint64 { return (s>>22&0x3ffff)<<32 | s&0x3fffff }

// ftabAddr is the slot bits (without tag) of the arena address ref.
func ftabAddr(ref uint64) uint64 {
	chunk, off := ref>>32, ref&0xffffffff
	if chunk > 0x3ffff || off > 0x3fffff {
		panic("keyspace: field table arena address out of range")
	}
	return chunk<<22 | off
}

// rec returns the field and value of the record at ref.
func (t *ftab) rec(ref uint64) (f, v []byte) {
	c := t.a.chunks[ref>>32]
	off := int(uint32(ref))
	fl, k1 := binary.Uvarint(c[off:])
	vl, k2 := binary.Uvarint(c[off+k1:])
	p := off + k1 + k2
	return c[p : p+int(fl) : p+int(fl)], c[p+int(fl) : p+int(fl)+int(vl) : p+int(fl)+int(vl)]
}

// recSize is the size of a record for a field and value of these lengths.
func recSize(fl, vl int) int { return listVarLen(fl) + listVarLen(vl) + fl + vl }

// put writes a new record and returns its slot bits (without the tag).
func (t *ftab) put(f, v []byte) uint64 {
	size := recSize(len(f), len(v))
	ref, b := t.a.alloc(size)
	k := binary.PutUvarint(b, uint64(len(f)))
	k += binary.PutUvarint(b[k:], uint64(len(v)))
	k += copy(b[k:], f)
	copy(b[k:], v)
	return ftabAddr(ref)
}

// lookup returns the slot index of f, or -1.
func (t *ftab) lookup(f []byte, h uint64) int {
	tag := slotUsed | (h>>41)<<40
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s&^(1<<40-1) == tag {
			if g, _ := t.rec(ftabRef(s)); string(g) == string(f) {
				return int(i)
			}
		}
	}
}

func (t *ftab) len() int { return t.n }

// get returns the value of f (a view, valid until the table changes).
func (t *ftab) get(f []byte) ([]byte, bool) {
	i := t.lookup(f, ftabHash(f))
	if i < 0 {
		return nil, false
	}
	_, v := t.rec(ftabRef(t.slots[i]))
	return v, true
}

// set stores v under f (both copied) and reports whether f is new.
func (t *ftab) set(f, v []byte) bool {
	h := ftabHash(f)
	if i := t.lookup(f, h); i >= 0 {
		s := t.slots[i]
		ref := ftabRef(s)
		_, old := t.rec(ref)
		if len(old) == len(v) {
			copy(old, v)
			return false
		}
		t.a.release(ref, recSize(len(f), len(old)))
		t.slots[i] = s&^(1<<40-1) | t.put(f, v)
		t.maybeCompact()
		return false
	}
	if (t.used+1)*4 > len(t.slots)*3 {
		t.resize(t.n + 1)
	}
	tag := slotUsed | (h>>41)<<40
	i := h & t.mask
	for t.slots[i] != 0 && t.slots[i] != ftabTomb {
		i = (i + 1) & t.mask
	}
	if t.slots[i] == 0 {
		t.used++
	}
	t.slots[i] = tag | t.put(f, v)
	t.n++
	return true
}

// del removes f and reports whether it was present.
func (t *ftab) del(f []byte) bool {
	i := t.lookup(f, ftabHash(f))
	if i < 0 {
		return false
	}
	ref := ftabRef(t.slots[i])
	g, v := t.rec(ref)
	t.a.release(ref, recSize(len(g), len(v)))
	if t.slots[(uint64(i)+1)&t.mask] == 0 {
		t.slots[i] = 0
		t.used--
	} else {
		t.slots[i] = ftabTomb
	}
	t.n--
	t.maybeCompact()
	return true
}

// each calls fn for every field until fn returns false; f and v are views.
func (t *ftab) each(fn func(f, v []byte) bool) {
	for _, s := range t.slots {
		if s&slotUsed == 0 {
			continue
		}
		if f, v := t.rec(ftabRef(s)); !fn(f, v) {
			return
		}
	}
}

// resize rebuilds the slots for n fields at a load of at most one half, dropping tombstones.
// Records do not move; each field is hashed again for its home slot (the tag holds only the
// hash's top bits).
func (t *ftab) resize(n int) {
	size := 8
	for size < n*2 {
		size <<= 1
	}
	old := t.slots
	t.slots = make([]uint64, size)
	adviseHuge(u64Bytes(t.slots))
	t.mask = uint64(size - 1)
	t.used = 0
	for _, s := range old {
		if s&slotUsed == 0 {
			continue
		}
		f, _ := t.rec(ftabRef(s))
		i := ftabHash(f) & t.mask
		for t.slots[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = s
		t.used++
	}
}

// maybeCompact copies the live records into a fresh arena when dead bytes outweigh live
// ones: O(live bytes), amortised over the changes that made the garbage.
func (t *ftab) maybeCompact() {
	a := &t.a
	if a.garbage < 64<<10 || a.garbage < a.used-a.garbage {
		return
	}
	na := arena{small: true}
	for i, s := range t.slots {
		if s&slotUsed == 0 {
			continue
		}
		f, v := t.rec(ftabRef(s))
		size := recSize(len(f), len(v))
		ref, b := na.alloc(size)
		copy(b, t.a.bytes(ftabRef(s), size))
		t.slots[i] = s&^(1<<40-1) | ftabAddr(ref)
	}
	t.a = na
}

// clone returns a deep copy (compacted).
func (t *ftab) clone() *ftab {
	c := newFtab(t.n)
	t.each(func(f, v []byte) bool { c.set(f, v); return true })
	return c
}
