package keyspace

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"unsafe"
)

// DB is one database's keys. It replaces a map[string]*Entry, whose cost at millions of
// keys was cache misses (map group, key string, entry, value object, value bytes: five
// dereferences per SET) and garbage-collector work (four pointers per key). Here:
//
//   - an open-addressing index of uint64 slots (32-bit hash tag | entry id + 1), probed
//     linearly, so a lookup touches one slot line, the entry, and the key's bytes;
//   - entries in fixed pages of entryPage, so an *Entry stays valid while its key lives, and
//     freed ids are reused;
//   - each key's bytes, followed by its value when the value is a plain string, in a
//     pointer-free arena of 1 MiB chunks that the collector never scans. A string overwritten
//     by one no longer than the space it has is rewritten in place; dead bytes are counted and
//     the arena is compacted when they outweigh the live ones.
//
// Collection values (and strings that bitmap and HyperLogLog commands edit in place) are Go
// objects in objs, which an entry names by index: entry pages hold no pointers.
type DB struct {
	slots []uint64
	mask  uint64
	used  int // live + tombstone slots
	n     int // live keys
	pages []*[entryPage]Entry
	spare []*[entryPage]Entry // allocated pages not handed out yet
	next  uint32              // ids below next have been handed out
	free  []uint32            // ids to reuse
	arena arena
	sink  uint32   // prefetch's loads land here
	objs  []Value  // object values; Entry.ref names one
	ofree []uint32 // free indexes of objs
	// guard, when not 0, is 1 + the only shard (bit gbit of the key's hash) whose keys this
	// table may be asked about: a parallel replay's check that every command ran on the shard of its keys. A
	// lookup of another shard's key sets misrouted (the replay then starts over serially).
	guard     uint32
	gbit      uint8 // the hash bit that names the shard
	misrouted bool
	// absorbed is the index of a table absorb took in, not merged into slots yet (reindex);
	// its entry ids are absorbShift lower than they are now.
	absorbed    []uint64
	absorbShift uint64
}

const (
	entryPage = 1024
	slotTomb  = 0xffffffff // low half of a deleted slot
)

var tableSeed = maphash.MakeSeed()

// hashKey is the key's 64-bit hash. Its high half is the slot tag and, masked, the home
// slot; its low half is free for other uses (a parallel replay's shard bit).
func hashKey(key []byte) uint64 { return maphash.Bytes(tableSeed, key) }

func newDB() *DB { return &DB{} }

// entry returns the entry with id.
func (t *DB) entry(id uint32) *Entry { return &t.pages[id/entryPage][id%entryPage] }

// Len is the number of keys.
func (t *DB) Len() int { return t.n }

// key returns the key bytes of e (a view into the arena: valid until the next change).
func (t *DB) key(e *Entry) []byte {
	if e.klen <= keyHead {
		return e.head[:e.klen:e.klen]
	}
	return t.arena.bytes(e.rec, int(e.klen))
}

// str returns the plain string value of e (obj == nil): a read-only view.
func (t *DB) str(e *Entry) []byte {
	if e.vlen == 0 {
		return nil
	}
	k := e.koff()
	b := t.arena.bytes(e.rec, k+int(e.vlen))
	return b[k:]
}

// find returns the entry of key, or nil. Cost: one slot probe sequence and one key compare
// per tag match.
func (t *DB) find(key []byte) *Entry {
	t.reindex()
	if t.n == 0 {
		if t.guard != 0 {
			t.check(hashKey(key))
		}
		return nil
	}
	h64 := hashKey(key)
	if t.guard != 0 {
		t.check(h64)
	}
	h := uint32(h64 >> 32)
	tag := uint64(h) << 32
	for i := uint64(h) & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return nil
		}
		if s&0xffffffff00000000 == tag && uint32(s) != slotTomb {
			e := t.entry(uint32(s) - 1)
			if t.same(e, key) {
				return e
			}
		}
	}
}

// check notes a key (of hash h) of another shard than the guard allows (see DB.guard).
func (t *DB) check(h uint64) {
	if uint32(h>>t.gbit)&1 != t.guard-1 {
		t.misrouted = true
	}
}

// put returns the entry of key, creating it (a plain empty string without TTL, key stored)
// when missing. created reports which.
func (t *DB) put(key []byte) (e *Entry, created bool) {
	return t.putHashed(key, hashKey(key))
}

// prefetchMax is how many keys prefetch warms at once.
const prefetchMax = 16

// prefetch loads the index slots, entries and value bytes that lookups of keys[0], keys[step],
// keys[2*step] … (at most prefetchMax) will touch, and returns their hashes in hs. The loads
// are independent, so the processor overlaps their cache misses instead of taking them one
// after another in the lookups: a multi-key command (MSET) pays about one miss latency instead
// of one per key and level. Only a hint: the lookups are correct without it.
func (t *DB) prefetch(keys [][]byte, step int, hs *[prefetchMax]uint64) int {
	n := 0
	for i := 0; i < len(keys) && n < prefetchMax; i += step {
		hs[n] = hashKey(keys[i])
		n++
	}
	if t.n == 0 || t.absorbed != nil {
		return n
	}
	var slots [prefetchMax]uint64
	for i := 0; i < n; i++ {
		slots[i] = t.slots[hs[i]>>32&t.mask]
	}
	var sink uint32
	var ents [prefetchMax]*Entry
	for i := 0; i < n; i++ {
		// The home slot's line is loaded (or on its way): follow the probe sequence a few
		// slots to the key's own slot, so collided keys are warmed too.
		s := slots[i]
		home := hs[i] >> 32 & t.mask
		for j := home; s != 0 && j-home < 8; {
			if uint32(s) != slotTomb && s>>32 == hs[i]>>32 {
				ents[i] = t.entry(uint32(s) - 1)
				sink += ents[i].vlen
				break
			}
			j = (j + 1) & t.mask
			s = t.slots[j]
		}
	}
	for i := 0; i < n; i++ {
		if e := ents[i]; e != nil && e.live() && e.vlen > 0 {
			c := t.arena.chunks[e.rec>>32]
			if off := int(uint32(e.rec)) + e.koff(); off < len(c) {
				sink += uint32(c[off])
			}
		}
	}
	t.sink = sink // keeps the loads
	return n
}

// putHashed is put for a key whose hashKey is h64.
func (t *DB) putHashed(key []byte, h64 uint64) (e *Entry, created bool) {
	if t.guard != 0 {
		t.check(h64)
	}
	t.reindex()
	h := uint32(h64 >> 32)
	if (t.used+1)*4 > len(t.slots)*3 {
		t.rehash()
	}
	tag := uint64(h) << 32
	tomb := int64(-1)
	i := uint64(h) & t.mask
	for ; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			break
		}
		if uint32(s) == slotTomb {
			if tomb < 0 {
				tomb = int64(i)
			}
			continue
		}
		if s&0xffffffff00000000 == tag {
			e := t.entry(uint32(s) - 1)
			if t.same(e, key) {
				return e, false
			}
		}
	}
	if tomb >= 0 {
		i = uint64(tomb)
	} else {
		t.used++
	}
	id := t.newID()
	t.slots[i] = tag | uint64(id+1)
	t.n++
	e = t.entry(id)
	*e = Entry{Expire: NoExpiry, ref: uint32(KindString), klen: uint32(len(key))}
	copy(e.head[:], key)
	if len(key) > keyHead {
		rec, buf := t.arena.alloc(len(key))
		copy(buf, key)
		e.rec = rec
	}
	return e, true
}

// koff is where the value starts in e's record: keys of up to keyHead bytes live only in the
// entry, longer ones at the start of the record.
func (e *Entry) koff() int {
	if e.klen <= keyHead {
		return 0
	}
	return int(e.klen)
}

// keyHead is how many leading key bytes an Entry holds.
const keyHead = 16

// same reports whether e's key is key; keys of up to keyHead bytes compare in the entry.
func (t *DB) same(e *Entry, key []byte) bool {
	if int(e.klen) != len(key) {
		return false
	}
	if l := len(key); l >= 8 && l <= keyHead {
		// Two overlapping 8-byte words cover the whole key: no call to memequal.
		return binary.LittleEndian.Uint64(key) == binary.LittleEndian.Uint64(e.head[:]) &&
			binary.LittleEndian.Uint64(key[l-8:]) == binary.LittleEndian.Uint64(e.head[l-8:])
	}
	n := min(len(key), keyHead)
	if string(e.head[:n]) != string(key[:n]) {
		return false
	}
	return n == len(key) || bytes.Equal(t.key(e)[n:], key[n:])
}

func (t *DB) newID() uint32 {
	if n := len(t.free); n > 0 {
		id := t.free[n-1]
		t.free = t.free[:n-1]
		return id
	}
	id := t.next
	if id%entryPage == 0 {
		if len(t.spare) == 0 {
			// Pages come in groups that grow with the table (one allocation, and large
			// groups get huge pages), up to pageGroupMax pages.
			g := min(pageGroupMax, max(1, len(t.pages)/2))
			group := make([][entryPage]Entry, g)
			adviseHuge(unsafe.Slice((*byte)(unsafe.Pointer(&group[0])), g*int(unsafe.Sizeof(group[0]))))
			for i := range group {
				t.spare = append(t.spare, &group[i])
			}
		}
		t.pages = append(t.pages, t.spare[0])
		t.spare = t.spare[1:]
	}
	t.next++
	return id
}

// rehash rebuilds the index for the live keys at a load of at most one half, from the
// current index and the one absorb left pending, if any. Tags carry the hash, so no key is
// read.
func (t *DB) rehash() {
	size := 16
	for size < (t.n+1)*2 {
		size <<= 1
	}
	old := [2][]uint64{t.slots, t.absorbed}
	shift := t.absorbShift
	t.absorbed, t.absorbShift = nil, 0
	t.slots = make([]uint64, size)
	adviseHuge(u64Bytes(t.slots))
	t.mask = uint64(size - 1)
	t.used = 0
	for k, slots := range old {
		for _, s := range slots {
			if s == 0 || uint32(s) == slotTomb {
				continue
			}
			if k == 1 {
				s += shift
			}
			i := (s >> 32) & t.mask
			for t.slots[i] != 0 {
				i = (i + 1) & t.mask
			}
			t.slots[i] = s
			t.used++
		}
	}
}

// remove deletes key and reports whether it existed.
func (t *DB) remove(key []byte) bool {
	e := t.find(key)
	if e == nil {
		return false
	}
	t.removeEntry(e, key)
	return true
}

// removeEntry deletes e, whose key is key.
func (t *DB) removeEntry(e *Entry, key []byte) {
	h := uint32(hashKey(key) >> 32)
	tag := uint64(h) << 32
	for i := uint64(h) & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			panic("keyspace: removing an entry that is not indexed")
		}
		if s&0xffffffff00000000 == tag && uint32(s) != slotTomb && t.entry(uint32(s)-1) == e {
			id := uint32(s) - 1
			// A tombstone only where a probe sequence may pass through.
			if t.slots[(i+1)&t.mask] == 0 {
				t.slots[i] = 0
				t.used--
			} else {
				t.slots[i] = tag | slotTomb
			}
			t.arena.release(e.rec, e.koff()+int(e.vcap))
			t.dropObj(e)
			*e = Entry{}
			t.free = append(t.free, id)
			t.n--
			t.maybeCompact()
			return
		}
	}
}

// setStr makes e's value the plain string val (copied), dropping any object value. The
// space is reused when it fits; otherwise the record moves to room of exactly len(val).
func (t *DB) setStr(e *Entry, val []byte) {
	t.dropObj(e)
	e.ref = uint32(KindString)
	if len(val) <= int(e.vcap) {
		if len(val) > 0 {
			k := e.koff()
			b := t.arena.bytes(e.rec, k+len(val))
			copy(b[k:], val)
		}
		e.vlen = uint32(len(val))
		return
	}
	c := len(val)
	k := e.koff()
	rec, buf := t.arena.alloc(k + c)
	if k > 0 {
		copy(buf, t.key(e))
	}
	copy(buf[k:], val)
	t.arena.release(e.rec, k+int(e.vcap))
	e.rec, e.vlen, e.vcap = rec, uint32(len(val)), uint32(c)
	t.maybeCompact()
}

// strSpace makes e's plain string n bytes long, zero-filling what it adds (sdsgrowzero) and
// keeping existing bytes, and returns the writable value bytes. e must hold a plain string.
func (t *DB) strSpace(e *Entry, n int) []byte {
	k := e.koff()
	if n > int(e.vcap) {
		c := growCap(n)
		rec, buf := t.arena.alloc(k + c)
		copy(buf, t.arena.bytes(e.rec, k+int(e.vlen)))
		clear(buf[k+int(e.vlen):])
		t.arena.release(e.rec, k+int(e.vcap))
		e.rec, e.vcap = rec, uint32(c)
	} else if n > int(e.vlen) {
		b := t.arena.bytes(e.rec, k+n)
		clear(b[k+int(e.vlen):])
	}
	if n > int(e.vlen) {
		e.vlen = uint32(n)
	}
	return t.arena.bytes(e.rec, k+int(e.vlen))[k:]
}

// setObj makes e's value the object v, releasing plain string space.
func (t *DB) setObj(e *Entry, v Value) {
	if i := e.objIdx(); i != 0 {
		t.objs[i-1] = v
	} else {
		idx := reuseSlot(&t.objs, &t.ofree, v)
		if idx >= 1<<29-1 {
			panic("keyspace: more than 2^29 objects in one database")
		}
		e.ref = (idx + 1) << 3
	}
	e.ref = e.ref&^7 | uint32(v.Kind())
	e.vlen = 0
}

// reuseSlot stores v at an index of *items taken from *free, or appended, and returns the
// index.
func reuseSlot[T any](items *[]T, free *[]uint32, v T) uint32 {
	if n := len(*free); n > 0 {
		i := (*free)[n-1]
		*free = (*free)[:n-1]
		(*items)[i] = v
		return i
	}
	*items = append(*items, v)
	return uint32(len(*items) - 1)
}

// dropObj forgets e's object, if any (e's kind bits are left for the caller to set).
func (t *DB) dropObj(e *Entry) {
	if i := e.objIdx(); i != 0 {
		t.objs[i-1] = nil
		t.ofree = append(t.ofree, i-1)
		e.ref &= 7
	}
}

// u64Bytes views a []uint64 as bytes (for adviseHuge).
func u64Bytes(s []uint64) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*8)
}

// growCap is the room a growing string gets: double below 1 MiB, +1 MiB above (sds).
func growCap(n int) int {
	if n < 1<<20 {
		return n * 2
	}
	return n + 1<<20
}

// each calls fn for every live entry in id order (insertion order, with reuse of freed ids).
// fn must not add or remove keys.
func (t *DB) each(fn func(e *Entry) error) error {
	for p, page := range t.pages {
		last := entryPage
		if rest := int(t.next) - p*entryPage; rest < last {
			last = rest
		}
		for i := 0; i < last; i++ {
			if e := &page[i]; e.live() {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// maybeCompact copies the live records into a fresh arena when dead bytes outweigh live ones
// (and are at least 64 MiB): O(live bytes), amortised over the frees that made the garbage.
func (t *DB) maybeCompact() {
	a := &t.arena
	if a.garbage < 64<<20 || a.garbage < a.used-a.garbage {
		return
	}
	var na arena
	for p, page := range t.pages {
		last := min(entryPage, int(t.next)-p*entryPage)
		for i := 0; i < last; i++ {
			e := &page[i]
			if !e.live() {
				continue
			}
			keep := e.koff() + int(e.vlen)
			rec, buf := na.alloc(keep)
			copy(buf, a.bytes(e.rec, keep))
			e.rec, e.vcap = rec, e.vlen
		}
	}
	*a = na
}

// arena holds key and string bytes in chunks the collector does not scan. A record is
// addressed by chunk<<32 | offset. Records larger than bigRecord get a chunk of their own,
// freed with them.
type arena struct {
	// small: chunks start at minChunk bytes and double up to bigChunk (a field table of a
	// few hundred fields does not take a megabyte); otherwise they double from chunkSize.
	small    bool
	chunks   [][]byte
	cur      int // chunk being filled (when haveCurr)
	off      int
	freeIdx  []uint32
	used     int64 // bytes handed out from shared chunks, live or dead
	garbage  int64 // dead bytes in shared chunks
	haveCurr bool
}

const (
	chunkSize = 1 << 20
	bigRecord = chunkSize / 4
	minChunk  = 4 << 10
	bigChunk  = 2 << 20 // largest shared chunk (a huge page); offsets fit 22 bits (field table slots)
)

// alloc returns a record of n bytes (contents undefined).
func (a *arena) alloc(n int) (uint64, []byte) {
	if n > bigRecord {
		b := make([]byte, n)
		return uint64(reuseSlot(&a.chunks, &a.freeIdx, b)) << 32, b
	}
	if !a.haveCurr || a.off+n > len(a.chunks[a.cur]) {
		size := chunkSize
		if a.small {
			size = max(minChunk, n)
			if a.haveCurr {
				size = max(size, min(bigChunk, 2*len(a.chunks[a.cur])))
			}
		} else if a.haveCurr {
			// A key table's arena: chunks double up to bigChunk, which gets huge pages.
			size = min(bigChunk, 2*len(a.chunks[a.cur]))
		}
		a.chunks = append(a.chunks, make([]byte, size))
		adviseHuge(a.chunks[len(a.chunks)-1])
		a.cur, a.off, a.haveCurr = len(a.chunks)-1, 0, true
	}
	rec := uint64(a.cur)<<32 | uint64(a.off)
	b := a.chunks[a.cur][a.off : a.off+n : a.off+n]
	a.off += n
	a.used += int64(n)
	return rec, b
}

// bytes returns n bytes of the record at rec.
func (a *arena) bytes(rec uint64, n int) []byte {
	if n == 0 {
		return nil // also for an entry that never had a record (short key, empty value)
	}
	off := int(uint32(rec))
	return a.chunks[rec>>32][off : off+n : off+n]
}

// release marks the n-byte record at rec dead.
func (a *arena) release(rec uint64, n int) {
	if n > bigRecord && uint32(rec) == 0 && len(a.chunks[rec>>32]) == n {
		a.chunks[rec>>32] = nil
		a.freeIdx = append(a.freeIdx, uint32(rec>>32))
		return
	}
	a.garbage += int64(n)
}

// absorb moves every key of b into t, which must not hold any of them, and leaves b empty.
// Nothing is copied: b's entry pages, arena chunks and objects are appended to t's and b's
// entries renumbered in place. The index is rebuilt from both tables' slots (their tags carry
// the hashes, so no key is read), but only when a lookup first needs it. Cost: one pass over
// b's entries; the index later costs one pass over both old ones and the memory of the new.
func (t *DB) absorb(b *DB) {
	if b.n == 0 {
		return
	}
	t.reindex() // (a table absorbed twice: merge the first pending index now)
	b.reindex()
	idShift := uint32(len(t.pages) * entryPage)
	chunkShift := uint64(len(t.arena.chunks))
	objShift := uint32(len(t.objs))
	for p, page := range b.pages {
		last := min(entryPage, int(b.next)-p*entryPage)
		for i := 0; i < last; i++ {
			e := &page[i]
			if !e.live() {
				continue
			}
			e.rec += chunkShift << 32
			if e.objIdx() != 0 {
				e.ref += objShift << 3
			}
		}
	}
	// t's ids past its next (the rest of its last page) are never handed out: new ids start
	// after b's pages.
	t.pages = append(t.pages, b.pages...)
	t.spare = append(t.spare, b.spare...)
	for _, id := range b.free {
		t.free = append(t.free, id+idShift)
	}
	t.next = idShift + b.next
	t.objs = append(t.objs, b.objs...)
	for _, i := range b.ofree {
		t.ofree = append(t.ofree, i+objShift)
	}
	a, ba := &t.arena, &b.arena
	a.chunks = append(a.chunks, ba.chunks...)
	for _, i := range ba.freeIdx {
		a.freeIdx = append(a.freeIdx, i+uint32(chunkShift))
	}
	a.used += ba.used
	a.garbage += ba.garbage
	if !a.haveCurr && ba.haveCurr {
		a.cur, a.off, a.haveCurr = ba.cur+int(chunkShift), ba.off, true
	}

	// The index is rebuilt when a lookup first needs it (reindex): a keyspace merged at
	// the end of a replay is only iterated, and never pays for a second index.
	t.n += b.n
	t.absorbed, t.absorbShift = b.slots, uint64(idShift)
	*b = DB{}
}

// reindex merges the index absorb left pending, if any, into the table's own (rehash).
func (t *DB) reindex() {
	if t.absorbed != nil {
		t.rehash()
	}
}

// pageGroupMax is the most entry pages allocated at once (48 KiB each): 3 MiB, enough for huge
// pages, and the most a table holds unused.
const pageGroupMax = 64
