package rdb

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/cespare/xxhash/v2"
)

// encState is the per-encoder scratch space: the version and settings, and buffers reused from
// key to key so that encoding allocates only when a key is larger than any before it.
type encState struct {
	version int
	limits  EncodeLimits
	nowMs   int64
	lz      *encLZF // nil when compression is off

	body   []byte // container bodies counted before they are written
	lp     encListpack
	zl     encZiplist
	snode  encStreamNode
	text   []byte // score text
	ints   []int64
	order  []int // index permutations for sorting
	hashes []encHashIdx
}

func (st *encState) init(version int, opt EncoderOptions) {
	st.version = version
	st.limits = opt.Limits.withDefaults()
	st.nowMs = opt.Now.UnixMilli()
	switch {
	case opt.NoCompression:
		st.lz = nil
	case st.lz == nil:
		st.lz = new(encLZF)
	}
}

// appendValue appends the value of k as rdbSaveObject writes it and returns the type byte
// (rdbSaveObjectType). With drop, data the version cannot hold is left out and counted in
// dropped; otherwise it is an ErrNotRepresentable error.
func (st *encState) appendValue(dst []byte, k *canon.Key, drop bool, dropped *DropReport) (byte, []byte, error) {
	switch k.Type {
	case canon.TypeString:
		return TypeString, encAppendString(dst, k.String, st.lz), nil
	case canon.TypeList:
		return st.appendList(dst, k.List)
	case canon.TypeSet:
		return st.appendSet(dst, k.Set)
	case canon.TypeZset:
		return st.appendZset(dst, k.Zset)
	case canon.TypeHash:
		return st.appendHash(dst, k.Hash, drop, dropped)
	case canon.TypeStream:
		return st.appendStream(dst, k.Stream, drop, dropped)
	}
	return 0, dst, encInvalid("unknown type %q", k.Type)
}

// --- lists -------------------------------------------------------------------------------

// Quicklist node size classes of a negative fill (optimization_level in quicklist.c).
var encFillBytes = [...]int{4096, 8192, 16384, 32768, 65536}

const encSizeSafetyLimit = 8192

// listNodeLimit is the byte limit of a packed node, and whether the count matters instead.
func (st *encState) listNodeLimit() (maxBytes, maxCount int) {
	fill := st.limits.ListMaxListpackSize
	if fill < 0 {
		i := -fill - 1
		if i >= len(encFillBytes) {
			i = len(encFillBytes) - 1
		}
		return encFillBytes[i], 0
	}
	return encSizeSafetyLimit, fill
}

// appendList writes a quicklist: type 14 (ziplist nodes) for version 9, else type 18 with
// packed listpack nodes, and from version 12 plain nodes for elements over the node limit.
// Nodes are cut where quicklistPushTail would cut them.
func (st *encState) appendList(dst []byte, items [][]byte) (byte, []byte, error) {
	if len(items) == 0 {
		return 0, dst, encInvalid("empty list")
	}
	// The nodes go straight into dst after room for their count (known at the end).
	dst, countAt := encReserveLen(dst)
	nodes := 0
	typ, err := st.listNodes(func(yield func([]byte) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}, func(plain bool, blob []byte) {
		dst = st.appendListNode(dst, plain, blob)
		nodes++
	})
	if err != nil {
		return 0, dst, err
	}
	return typ, encPatchLen(dst, countAt, uint64(nodes)), nil
}

// appendListNode appends one quicklist node as the version writes it.
func (st *encState) appendListNode(dst []byte, plain bool, blob []byte) []byte {
	if st.version >= 10 {
		c := uint64(QuicklistNodePacked)
		if plain {
			c = QuicklistNodePlain
		}
		dst = encAppendLen(dst, c)
	}
	return encAppendString(dst, blob, st.lz)
}

// listNodes cuts the elements of seq into quicklist nodes and calls node for each (plain: an
// element over the node limit on its own, version 12; blob is valid during the call). It
// returns the list's type byte.
func (st *encState) listNodes(seq func(yield func([]byte) bool), node func(plain bool, blob []byte)) (byte, error) {
	maxBytes, maxCount := st.listNodeLimit()
	var err error
	if st.version < 10 {
		zl := &st.zl
		zl.reset()
		flush := func() bool {
			blob, e := zl.finish()
			if e != nil {
				err = e
				return false
			}
			node(false, blob)
			zl.reset()
			return true
		}
		seq(func(it []byte) bool {
			if zl.n > 0 && !encZiplistAllows(zl, len(it), maxBytes, maxCount) && !flush() {
				return false
			}
			zl.appendString(it)
			return true
		})
		if err == nil {
			flush()
		}
		return TypeListQuicklist, err
	}
	lp := &st.lp
	lp.reset()
	flush := func() bool {
		if lp.n == 0 {
			return true
		}
		blob, e := lp.finish()
		if e != nil {
			err = e
			return false
		}
		node(false, blob)
		lp.reset()
		return true
	}
	seq(func(it []byte) bool {
		if st.version >= 12 && encListLarge(len(it), maxBytes, maxCount) {
			if !flush() {
				return false
			}
			node(true, it)
			return true
		}
		if lp.n > 0 && !encListpackAllows(lp, len(it), maxBytes, maxCount) && !flush() {
			return false
		}
		lp.appendString(it)
		return true
	})
	if err == nil {
		flush()
	}
	return TypeListQuicklist2, err
}

// encReserveLen appends room for the longest length encoding (9 bytes) and returns where it
// starts; encPatchLen writes the length there and closes the gap (a short memmove).
func encReserveLen(dst []byte) ([]byte, int) {
	at := len(dst)
	return append(dst, 0, 0, 0, 0, 0, 0, 0, 0, 0), at
}

func encPatchLen(dst []byte, at int, n uint64) []byte {
	var tmp [9]byte
	l := encAppendLen(tmp[:0], n)
	copy(dst[at:], l)
	copy(dst[at+len(l):], dst[at+9:])
	return dst[:len(dst)-(9-len(l))]
}

// encZiplistAllows is _quicklistNodeAllowInsert @ 5.0.14: the node's size plus the element's
// raw length plus an overhead estimate must stay within the limit.
func encZiplistAllows(zl *encZiplist, sz, maxBytes, maxCount int) bool {
	over := 1
	if sz >= 254 {
		over = 5
	}
	switch {
	case sz < 64:
		over++
	case sz < 16384:
		over += 2
	default:
		over += 5
	}
	newSz := zl.bytes() + sz + over
	if maxCount == 0 {
		return newSz <= maxBytes
	}
	return newSz <= encSizeSafetyLimit && zl.n < maxCount
}

// encListpackAllows is _quicklistNodeAllowInsert @ 7.0.15/7.4.1 (overhead estimate 8 bytes).
func encListpackAllows(lp *encListpack, sz, maxBytes, maxCount int) bool {
	newSz := lp.bytes() + sz + 8
	if maxCount == 0 {
		return newSz <= maxBytes
	}
	return newSz <= encSizeSafetyLimit && lp.n < maxCount
}

// encListLarge is isLargeElement @ 7.4.1: elements that get a plain node of their own.
func encListLarge(sz, maxBytes, maxCount int) bool {
	if maxCount == 0 {
		return sz > maxBytes
	}
	return sz > encSizeSafetyLimit
}

// --- sets --------------------------------------------------------------------------------

// appendSet writes an intset (11) when every member is a canonical integer and there are at
// most set-max-intset-entries, else from version 11 a listpack (20) when small, else a plain
// set (2).
func (st *encState) appendSet(dst []byte, members [][]byte) (byte, []byte, error) {
	if len(members) == 0 {
		return 0, dst, encInvalid("empty set")
	}
	if err := st.checkUnique(len(members), func(i int) []byte { return members[i] }, "set member"); err != nil {
		return 0, dst, err
	}
	if len(members) <= st.limits.SetMaxIntsetEntries {
		ints := st.ints[:0]
		for _, m := range members {
			v, ok := encParseInt(m)
			if !ok {
				ints = nil
				break
			}
			ints = append(ints, v)
		}
		if ints != nil {
			st.ints = ints
			body := encAppendIntset(st.body[:0], ints)
			st.body = body
			return TypeSetIntset, encAppendString(dst, body, st.lz), nil
		}
	}
	if st.version >= 11 && len(members) <= st.limits.SetMaxListpackEntries &&
		encMaxLen(members) <= st.limits.SetMaxListpackValue {
		lp := &st.lp
		lp.reset()
		for _, m := range members {
			lp.appendString(m)
		}
		blob, err := lp.finish()
		if err != nil {
			return 0, dst, err
		}
		return TypeSetListpack, encAppendString(dst, blob, st.lz), nil
	}
	dst = encAppendLen(dst, uint64(len(members)))
	for _, m := range members {
		dst = encAppendString(dst, m, st.lz)
	}
	return TypeSet, dst, nil
}

func encMaxLen(ss [][]byte) int {
	m := 0
	for _, s := range ss {
		m = max(m, len(s))
	}
	return m
}

// checkUnique fails with ErrEncodeInvalid when two of the n strings get(0..n-1) are equal.
// It sorts 64-bit hashes (xxhash) and compares bytes only where hashes collide.
// Cost: O(total bytes + n log n) on machine words, one reused slice.
func (st *encState) checkUnique(n int, get func(int) []byte, what string) error {
	if n < 2 {
		return nil
	}
	hs := st.hashes[:0]
	for i := 0; i < n; i++ {
		hs = append(hs, encHashIdx{xxhash.Sum64(get(i)), i})
	}
	st.hashes = hs
	slices.SortFunc(hs, func(a, b encHashIdx) int { return cmp.Compare(a.h, b.h) })
	for i := 1; i < n; i++ {
		if hs[i].h != hs[i-1].h {
			continue
		}
		// A run of equal hashes: compare its members pairwise.
		j := i - 1
		for i+1 < n && hs[i+1].h == hs[j].h {
			i++
		}
		for a := j; a <= i; a++ {
			for b := a + 1; b <= i; b++ {
				if bytes.Equal(get(hs[a].i), get(hs[b].i)) {
					return encInvalid("duplicate %s %q", what, get(hs[a].i))
				}
			}
		}
	}
	return nil
}

type encHashIdx struct {
	h uint64
	i int
}

func (st *encState) orderN(n int) []int {
	o := st.order[:0]
	for i := 0; i < n; i++ {
		o = append(o, i)
	}
	st.order = o
	return o
}

// --- sorted sets -------------------------------------------------------------------------

// appendZset writes a ziplist (12, version 9) or listpack (17) of member/score pairs ordered by
// score then member when small, else a skiplist dump (5): members from the greatest to the
// smallest with binary scores.
func (st *encState) appendZset(dst []byte, zs []canon.ZMember) (byte, []byte, error) {
	n := len(zs)
	if n == 0 {
		return 0, dst, encInvalid("empty sorted set")
	}
	maxLen := 0
	for _, m := range zs {
		if math.IsNaN(m.Score) {
			return 0, dst, encInvalid("NaN score for member %q", m.Member)
		}
		maxLen = max(maxLen, len(m.Member))
	}
	if err := st.checkUnique(n, func(i int) []byte { return zs[i].Member }, "sorted set member"); err != nil {
		return 0, dst, err
	}
	order := st.orderN(n)
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(zs[a].Score, zs[b].Score); c != 0 {
			return c
		}
		return bytes.Compare(zs[a].Member, zs[b].Member)
	})
	if n <= st.limits.ZsetMaxListpackEntries && maxLen <= st.limits.ZsetMaxListpackValue {
		var blob []byte
		var err error
		if st.version < 10 {
			zl := &st.zl
			zl.reset()
			for _, i := range order {
				zl.appendString(zs[i].Member)
				st.text = encFormatScore(st.text[:0], zs[i].Score, st.version)
				zl.appendString(st.text)
			}
			blob, err = zl.finish()
		} else {
			lp := &st.lp
			lp.reset()
			for _, i := range order {
				lp.appendString(zs[i].Member)
				st.text = encFormatScore(st.text[:0], zs[i].Score, st.version)
				lp.appendString(st.text)
			}
			blob, err = lp.finish()
		}
		if err != nil {
			return 0, dst, err
		}
		typ := byte(TypeZsetListpack)
		if st.version < 10 {
			typ = TypeZsetZiplist
		}
		return typ, encAppendString(dst, blob, st.lz), nil
	}
	dst = encAppendLen(dst, uint64(n))
	for j := n - 1; j >= 0; j-- {
		m := zs[order[j]]
		dst = encAppendString(dst, m.Member, st.lz)
		dst = encAppendBinaryDouble(dst, m.Score)
	}
	return TypeZset2, dst, nil
}

// --- hashes ------------------------------------------------------------------------------

// encMaxFieldTTL is EB_EXPIRE_TIME_MAX: field TTLs are 48-bit unix milliseconds.
const encMaxFieldTTL = 1<<48 - 1

// appendHash writes a ziplist (13, version 9) or listpack (16) of field/value pairs when small,
// else a plain hash (4). In version 12 a hash with field TTLs is a listpack-ex (25: min TTL, then
// field/value/TTL triplets ordered by TTL, fields without TTL last) or a metadata hash (24: min
// TTL, then TTL relative to it + 1 or 0, field, value). Earlier versions cannot hold field TTLs.
func (st *encState) appendHash(dst []byte, fs []canon.HField, drop bool, dropped *DropReport) (byte, []byte, error) {
	n := len(fs)
	if n == 0 {
		return 0, dst, encInvalid("empty hash")
	}
	if err := st.checkUnique(n, func(i int) []byte { return fs[i].Field }, "hash field"); err != nil {
		return 0, dst, err
	}
	ttls, maxLen := 0, 0
	minTTL := int64(math.MaxInt64)
	for _, f := range fs {
		maxLen = max(maxLen, len(f.Field), len(f.Value))
		if f.ExpireMs == canon.NoExpiry {
			continue
		}
		if f.ExpireMs <= 0 || f.ExpireMs > encMaxFieldTTL {
			return 0, dst, encInvalid("hash field %q TTL %d outside 1..2^48-1", f.Field, f.ExpireMs)
		}
		ttls++
		minTTL = min(minTTL, f.ExpireMs)
	}
	if ttls > 0 && st.version < 12 {
		if !drop {
			return 0, dst, encNotRepresentable(st.version, "hash field TTLs")
		}
		dropped.HashFieldTTLs += ttls
		ttls = 0
	}
	small := n <= st.limits.HashMaxListpackEntries && maxLen <= st.limits.HashMaxListpackValue
	switch {
	case small && ttls == 0:
		var blob []byte
		var err error
		if st.version < 10 {
			zl := &st.zl
			zl.reset()
			for _, f := range fs {
				zl.appendString(f.Field)
				zl.appendString(f.Value)
			}
			blob, err = zl.finish()
		} else {
			lp := &st.lp
			lp.reset()
			for _, f := range fs {
				lp.appendString(f.Field)
				lp.appendString(f.Value)
			}
			blob, err = lp.finish()
		}
		if err != nil {
			return 0, dst, err
		}
		typ := byte(TypeHashListpack)
		if st.version < 10 {
			typ = TypeHashZiplist
		}
		return typ, encAppendString(dst, blob, st.lz), nil
	case small:
		// Fields with a TTL first, by TTL (ties keep their order), then the others.
		order := st.orderN(n)
		slices.SortStableFunc(order, func(a, b int) int {
			ta, tb := fs[a].ExpireMs, fs[b].ExpireMs
			if ta == canon.NoExpiry {
				ta = math.MaxInt64
			}
			if tb == canon.NoExpiry {
				tb = math.MaxInt64
			}
			return cmp.Compare(ta, tb)
		})
		lp := &st.lp
		lp.reset()
		for _, i := range order {
			lp.appendString(fs[i].Field)
			lp.appendString(fs[i].Value)
			if fs[i].ExpireMs == canon.NoExpiry {
				lp.appendInt(0)
			} else {
				lp.appendInt(fs[i].ExpireMs)
			}
		}
		blob, err := lp.finish()
		if err != nil {
			return 0, dst, err
		}
		dst = encAppendMillis(dst, minTTL)
		return TypeHashListpackEx, encAppendString(dst, blob, st.lz), nil
	case ttls == 0:
		dst = encAppendLen(dst, uint64(n))
		for _, f := range fs {
			dst = encAppendString(dst, f.Field, st.lz)
			dst = encAppendString(dst, f.Value, st.lz)
		}
		return TypeHash, dst, nil
	default:
		dst = encAppendMillis(dst, minTTL)
		dst = encAppendLen(dst, uint64(n))
		for _, f := range fs {
			if f.ExpireMs == canon.NoExpiry {
				dst = encAppendLen(dst, 0)
			} else {
				dst = encAppendLen(dst, uint64(f.ExpireMs-minTTL+1))
			}
			dst = encAppendString(dst, f.Field, st.lz)
			dst = encAppendString(dst, f.Value, st.lz)
		}
		return TypeHashMetadata, dst, nil
	}
}
