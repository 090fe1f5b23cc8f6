package rdb

import (
	"hash/maphash"
	"slices"
)

// Duplicate detection for Options.Verify. Members are not kept: the table stores a 64-bit
// fingerprint and a reference from which the member can be read again (its position inside
// the container, or its file offset), so a fingerprint match is confirmed on the real bytes.
// 16 bytes per member; the table is reused from key to key.

var dupSeed = maphash.MakeSeed()

func fingerprint(b []byte) uint64 { return maphash.Bytes(dupSeed, b) | 1 } // 0 marks an empty slot

type fpSlot struct {
	fp  uint64
	ref int64
}

type fpSet struct {
	slots []fpSlot // len is a power of two; only slots[:size] are in use
	size  int
	n     int
	limit int  // most members checked; past it add reports over
	over  bool // the limit was reached for the current key
}

// reset empties the set for a new container of about hint members, at most limit.
func (s *fpSet) reset(hint, limit int) {
	s.limit, s.over, s.n = limit, false, 0
	want := 16
	for want < 2*min(hint, limit) {
		want <<= 1
	}
	if want > len(s.slots) {
		s.slots = make([]fpSlot, want)
	} else {
		clear(s.slots[:want])
	}
	s.size = want
}

// add inserts a member with fingerprint fp and reference ref. same(r) must report whether the
// member with reference r equals the current one. It returns true when the member is a
// duplicate. Once limit members are in, further calls return false and set over.
func (s *fpSet) add(fp uint64, ref int64, same func(r int64) bool) bool {
	if s.n >= s.limit {
		s.over = true
		return false
	}
	if 2*(s.n+1) > s.size {
		s.grow()
	}
	mask := uint64(s.size - 1)
	i := (fp >> 1) & mask // bit 0 is always set
	for {
		sl := &s.slots[i]
		if sl.fp == 0 {
			sl.fp, sl.ref = fp, ref
			s.n++
			return false
		}
		if sl.fp == fp && same(sl.ref) {
			return true
		}
		i = (i + 1) & mask
	}
}

func (s *fpSet) grow() {
	old := s.slots[:s.size]
	size := 2 * s.size
	ns := make([]fpSlot, size)
	mask := uint64(size - 1)
	for _, sl := range old {
		if sl.fp == 0 {
			continue
		}
		i := (sl.fp >> 1) & mask
		for ns[i].fp != 0 {
			i = (i + 1) & mask
		}
		ns[i] = sl
	}
	s.slots, s.size = ns, size
}

// shrink frees a table that one large key made big.
func (s *fpSet) shrink() {
	if len(s.slots) > 1<<16 {
		s.slots, s.size = nil, 0
	}
}

// fpList collects the fingerprints of a hashtable-encoded aggregate's members (8 bytes
// each) and finds repeated ones by sorting at the end of the key: sequential memory traffic
// instead of one cache miss per member in a big hash table. Repeated fingerprints are then
// confirmed on the real bytes by re-reading the value (see decoder.confirmDups).
type fpList struct {
	fps   []uint64
	tmp   []uint64
	limit int
	over  bool
}

func (l *fpList) reset(limit int) {
	l.fps, l.limit, l.over = l.fps[:0], limit, false
}

func (l *fpList) add(b []byte) {
	if len(l.fps) >= l.limit {
		l.over = true
		return
	}
	l.fps = append(l.fps, fingerprint(b))
}

// repeated returns the fingerprints that occur more than once, sorted (usually none).
func (l *fpList) repeated() []uint64 {
	a := l.fps
	if len(a) < 2 {
		return nil
	}
	if len(a) <= 2048 {
		slices.Sort(a)
	} else {
		if cap(l.tmp) < len(a) {
			l.tmp = make([]uint64, len(a))
		}
		a = radixSort64(a, l.tmp[:len(a)])
	}
	var out []uint64
	for i := 1; i < len(a); i++ {
		if a[i] == a[i-1] && (len(out) == 0 || out[len(out)-1] != a[i]) {
			out = append(out, a[i])
		}
	}
	return out
}

func (l *fpList) shrink() {
	if cap(l.fps) > 1<<20 {
		l.fps, l.tmp = nil, nil
	}
}

// radixSort64 sorts a with an LSD radix sort of 11-bit digits, using tmp (same length) as
// scratch, and returns the slice that holds the result (a or tmp).
func radixSort64(a, tmp []uint64) []uint64 {
	const bits, buckets = 11, 1 << 11
	var count [buckets]int
	src, dst := a, tmp
	for shift := uint(0); shift < 64; shift += bits {
		clear(count[:])
		for _, v := range src {
			count[(v>>shift)&(buckets-1)]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range src {
			k := (v >> shift) & (buckets - 1)
			dst[count[k]] = v
			count[k]++
		}
		src, dst = dst, src
	}
	return src
}
