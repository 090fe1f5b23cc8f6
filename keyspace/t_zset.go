package keyspace

// Sorted-set commands, as src/t_zset.c @ 7.0.15 applies them: ZADD (NX XX GT LT CH INCR),
// ZINCRBY, ZREM, ZREMRANGEBYRANK/SCORE/LEX, ZPOPMIN/ZPOPMAX [count], BZPOPMIN/BZPOPMAX, ZMPOP,
// BZMPOP, ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE (WEIGHTS, AGGREGATE, sets as inputs with score 1)
// and ZRANGESTORE (BYSCORE BYLEX REV LIMIT). Scores are float64 with C double arithmetic; the
// number parsers copy glibc strtod as string2d (util.c) and zslParseRange use it.
//
// A small value (up to zsetSmall members of up to 64 bytes) is one packed immutable string in
// score order, scanned like Redis scans a small listpack; a larger one is a dict (member ->
// score) plus a B+tree ordered by (score, member bytes) whose nodes count their entries, so
// rank and range queries cost O(log n). Lex ranges over sets whose members do not share one
// score are answered as a listpack scan up to zset-max-listpack-entries (128) members, which
// is what Redis does for such sets; above it Redis's answer depends on its skiplist's random
// levels and no replay can know it.
//
// errno: Redis's strtod-based parsers leave errno at ERANGE and SORT's numeric check reads it
// without clearing it (see collErange); the parsers here keep that state per keyspace. Redis
// also re-parses the scores of listpack-encoded sets with strtod internally (zzlGetScore),
// which leaves ERANGE behind for subnormal scores: that is not modelled.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/aofkit/aofkit/internal/canon"
)

// ---------------------------------------------------------------------------------------------
// B+tree of (score, member) with subtree sizes.

const (
	zLeafMax  = 64  // entries per leaf
	zKidsMax  = 64  // children per inner node
	zMinFill  = 16  // a node below this is merged into a neighbour when both fit
	zsetSmall = 32  // members of a packed (small) set
	zsetLPMax = 128 // zset-max-listpack-entries: below it lex ranges scan like a listpack
)

type zentry struct {
	score  float64
	member string
}

// zcmp orders entries by score, then member bytes (zslInsert's order; -0 equals 0).
func zcmp(a, b zentry) int {
	switch {
	case a.score < b.score:
		return -1
	case a.score > b.score:
		return 1
	}
	return strings.Compare(a.member, b.member)
}

// znode is a leaf (kids == nil: ents are the entries, prev/next link the leaves in order) or
// an inner node (ents[i] is a lower bound of everything under kids[i] and an upper bound,
// exclusive, of everything under kids[i-1]; ents[0] is not used for routing).
type znode struct {
	ents       []zentry
	kids       []*znode
	size       int // entries in the subtree
	prev, next *znode
}

type ztree struct{ root *znode }

func (t *ztree) len() int {
	if t.root == nil {
		return 0
	}
	return t.root.size
}

func (n *znode) count() int {
	if n.kids == nil {
		return len(n.ents)
	}
	return len(n.kids)
}

// route is the index of the child of inner node n whose range holds e.
func (n *znode) route(e zentry) int {
	lo, hi := 1, len(n.kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if zcmp(e, n.ents[m]) < 0 {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// lowerBound is the index of the first entry of leaf n that is >= e.
func (n *znode) lowerBound(e zentry) int {
	lo, hi := 0, len(n.ents)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if zcmp(n.ents[m], e) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (t *ztree) insert(e zentry) {
	if t.root == nil {
		t.root = &znode{}
	}
	if r := t.root.insert(e); r != nil {
		l := t.root
		t.root = &znode{ents: []zentry{l.ents[0], r.ents[0]}, kids: []*znode{l, r}, size: l.size + r.size}
	}
}

// insert adds e (not present) under n and returns n's new right sibling when n split.
func (n *znode) insert(e zentry) *znode {
	n.size++
	if n.kids == nil {
		i := n.lowerBound(e)
		n.ents = slices.Insert(n.ents, i, e)
		if len(n.ents) <= zLeafMax {
			return nil
		}
		at := len(n.ents) / 2
		switch { // appending in order (time series) keeps the leaves full
		case i == len(n.ents)-1 && n.next == nil:
			at = len(n.ents) - 1
		case i == 0 && n.prev == nil:
			at = 1
		}
		return n.splitLeaf(at)
	}
	i := n.route(e)
	r := n.kids[i].insert(e)
	if r == nil {
		return nil
	}
	n.kids = slices.Insert(n.kids, i+1, r)
	n.ents = slices.Insert(n.ents, i+1, r.ents[0])
	if len(n.kids) <= zKidsMax {
		return nil
	}
	at := len(n.kids) / 2
	switch {
	case i+1 == len(n.kids)-1 && r.next == nil && r.kids == nil:
		at = len(n.kids) - 1
	case i == len(n.kids)-2 && r.kids != nil:
		at = len(n.kids) - 1
	}
	return n.splitInner(at)
}

func (n *znode) splitLeaf(at int) *znode {
	r := &znode{ents: make([]zentry, len(n.ents)-at, zLeafMax+1)}
	copy(r.ents, n.ents[at:])
	clear(n.ents[at:])
	n.ents = n.ents[:at]
	r.size, n.size = len(r.ents), at
	r.prev, r.next = n, n.next
	if n.next != nil {
		n.next.prev = r
	}
	n.next = r
	return r
}

func (n *znode) splitInner(at int) *znode {
	r := &znode{ents: make([]zentry, len(n.ents)-at, zKidsMax+1), kids: make([]*znode, len(n.kids)-at, zKidsMax+1)}
	copy(r.ents, n.ents[at:])
	copy(r.kids, n.kids[at:])
	clear(n.ents[at:])
	clear(n.kids[at:])
	n.ents, n.kids = n.ents[:at], n.kids[:at]
	for _, k := range r.kids {
		r.size += k.size
	}
	n.size -= r.size
	return r
}

// delete removes the entry equal to e and returns the stored one.
func (t *ztree) delete(e zentry) (zentry, bool) {
	if t.root == nil {
		return zentry{}, false
	}
	got, ok := t.root.delete(e)
	if !ok {
		return zentry{}, false
	}
	for t.root.kids != nil && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	return got, true
}

func (n *znode) delete(e zentry) (zentry, bool) {
	if n.kids == nil {
		i := n.lowerBound(e)
		if i == len(n.ents) || zcmp(n.ents[i], e) != 0 {
			return zentry{}, false
		}
		got := n.ents[i]
		n.ents = slices.Delete(n.ents, i, i+1)
		n.size--
		return got, true
	}
	i := n.route(e)
	got, ok := n.kids[i].delete(e)
	if !ok {
		return got, false
	}
	n.size--
	k := n.kids[i]
	if k.count() >= zMinFill {
		return got, true
	}
	max := zLeafMax
	if k.kids != nil {
		max = zKidsMax
	}
	switch {
	case i > 0 && n.kids[i-1].count()+k.count() <= max:
		n.merge(i - 1)
	case i+1 < len(n.kids) && n.kids[i+1].count()+k.count() <= max:
		n.merge(i)
	}
	return got, true
}

// merge moves kids[i+1] into kids[i].
func (n *znode) merge(i int) {
	l, r := n.kids[i], n.kids[i+1]
	if l.kids == nil {
		l.ents = append(l.ents, r.ents...)
		l.next = r.next
		if r.next != nil {
			r.next.prev = l
		}
	} else {
		r.ents[0] = n.ents[i+1]
		l.ents = append(l.ents, r.ents...)
		l.kids = append(l.kids, r.kids...)
	}
	l.size += r.size
	n.kids = slices.Delete(n.kids, i+1, i+2)
	n.ents = slices.Delete(n.ents, i+1, i+2)
}

// countBefore returns how many entries satisfy before, which must hold for a prefix of the
// order (true, ..., true, false, ...). Cost: O(log n).
func (t *ztree) countBefore(before func(zentry) bool) int {
	n := t.root
	if n == nil {
		return 0
	}
	r := 0
	for n.kids != nil {
		lo, hi := 1, len(n.kids)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(n.ents[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		for j := 0; j < lo-1; j++ {
			r += n.kids[j].size
		}
		n = n.kids[lo-1]
	}
	lo, hi := 0, len(n.ents)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if before(n.ents[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return r + lo
}

// zcursor walks the entries in order; the zero value is past the end.
type zcursor struct {
	leaf *znode
	i    int
}

// seek returns a cursor on the entry of rank r (0-based), or an invalid one.
func (t *ztree) seek(r int) zcursor {
	n := t.root
	if n == nil || r < 0 || r >= n.size {
		return zcursor{}
	}
	for n.kids != nil {
		i := 0
		for r >= n.kids[i].size {
			r -= n.kids[i].size
			i++
		}
		n = n.kids[i]
	}
	return zcursor{n, r}
}

func (c *zcursor) ok() bool       { return c.leaf != nil }
func (c *zcursor) entry() zentry  { return c.leaf.ents[c.i] }
func (c *zcursor) score() float64 { return c.leaf.ents[c.i].score }
func (c *zcursor) member() string { return c.leaf.ents[c.i].member }
func (c *zcursor) step(fwd bool) {
	if fwd {
		c.next()
	} else {
		c.prev()
	}
}

func (c *zcursor) next() {
	c.i++
	for c.leaf != nil && c.i >= len(c.leaf.ents) {
		c.leaf, c.i = c.leaf.next, 0
	}
}

func (c *zcursor) prev() {
	c.i--
	for c.leaf != nil && c.i < 0 {
		c.leaf = c.leaf.prev
		if c.leaf != nil {
			c.i = len(c.leaf.ents) - 1
		}
	}
}

// buildZtree builds a tree from entries sorted by zcmp, leaves three quarters full.
func buildZtree(ents []zentry) ztree {
	if len(ents) == 0 {
		return ztree{}
	}
	const leafFill, kidsFill = zLeafMax * 3 / 4, zKidsMax * 3 / 4
	var level []*znode
	var prev *znode
	for i := 0; i < len(ents); i += leafFill {
		j := min(i+leafFill, len(ents))
		leaf := &znode{ents: slices.Clone(ents[i:j]), size: j - i, prev: prev}
		if prev != nil {
			prev.next = leaf
		}
		prev = leaf
		level = append(level, leaf)
	}
	for len(level) > 1 {
		var up []*znode
		for i := 0; i < len(level); i += kidsFill {
			j := min(i+kidsFill, len(level))
			n := &znode{kids: slices.Clone(level[i:j]), ents: make([]zentry, j-i)}
			for k, kid := range n.kids {
				n.ents[k] = kid.ents[0]
				n.size += kid.size
			}
			up = append(up, n)
		}
		level = up
	}
	return ztree{root: level[0]}
}

// ---------------------------------------------------------------------------------------------
// Zset

// Zset is a sorted-set value: members (immutable strings copied from the input) with float64
// scores, ordered by (score, member bytes). A small set (at most zsetSmall members of at most
// zsetPackedLen bytes) is one packed immutable string in that order, each entry the score's
// 8 bytes, a length byte and the member; a larger one is a B+tree plus a dict. Membership
// costs O(1) (small sets: a scan), rank and range queries O(log n) (small sets: O(n)).
type Zset struct {
	pk   string // packed entries while t.root == nil
	n    int    // entries in pk
	dict *ftab  // member → score (8 bytes), in the tree form with more than zsetSmall members
	t    ztree
	// lazy: the dict alone holds the members, the tree is not built. A large set starts so,
	// because AOFs are mostly ZADD/ZINCRBY/ZREM, which need only scores; the first command that
	// needs order builds the tree (O(n log n)) and from then on it is kept (ordered).
	lazy    bool
	ordered bool
}

// dget, dset and deach read and write the member → score dict (scores as their 8 bytes, so
// -0 stays -0). Members are copied in; deach's member strings view the table (valid until it
// changes).
func (z *Zset) dget(m string) (float64, bool) {
	v, ok := z.dict.get(collBytes(m))
	if !ok {
		return 0, false
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v)), true
}

func (z *Zset) dset(m string, s float64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(s))
	z.dict.set(collBytes(m), b[:])
}

func (z *Zset) deach(fn func(m string, s float64) bool) {
	z.dict.each(func(f, v []byte) bool {
		return fn(collStr(f), math.Float64frombits(binary.LittleEndian.Uint64(v)))
	})
}

// zsetPackedLen is the longest member a packed sorted set holds (zset-max-listpack-value).
const zsetPackedLen = 64

// Kind reports KindZset.
func (z *Zset) Kind() Kind { return KindZset }

func (z *Zset) packed() bool { return z.t.root == nil && !z.lazy }

// build turns a lazy set into a tree set for good.
func (z *Zset) build() {
	if !z.lazy {
		return
	}
	ents := make([]zentry, 0, z.dict.len())
	z.deach(func(m string, s float64) bool {
		ents = append(ents, zentry{s, strings.Clone(m)}) // the tree keeps its own members
		return true
	})
	slices.SortFunc(ents, zcmp)
	z.t = buildZtree(ents)
	if z.t.root == nil {
		z.t.root = &znode{}
	}
	z.lazy, z.ordered = false, true
}

// Len returns the number of members. Cost: O(1).
func (z *Zset) Len() int {
	if z.packed() {
		return z.n
	}
	if z.lazy {
		return z.dict.len()
	}
	return z.t.len()
}

// Score returns the score of member and whether it is present. Cost: O(1) (small sets: a scan
// of at most 32 entries).
func (z *Zset) Score(member []byte) (float64, bool) { return z.get(collStr(member)) }

// zpackAt decodes the packed entry at offset i and returns it with the next offset.
func zpackAt(pk string, i int) (zentry, int) {
	var bits uint64
	for k := 7; k >= 0; k-- {
		bits = bits<<8 | uint64(pk[i+k])
	}
	l := int(pk[i+8])
	return zentry{math.Float64frombits(bits), pk[i+9 : i+9+l]}, i + 9 + l
}

func zpackAppend(b []byte, e zentry) []byte {
	bits := math.Float64bits(e.score)
	for k := 0; k < 8; k++ {
		b = append(b, byte(bits>>(8*k)))
	}
	b = append(b, byte(len(e.member)))
	return append(b, e.member...)
}

// Each calls fn for every member in order until fn returns false. The member strings are
// immutable and may be kept. Cost: O(n).
func (z *Zset) Each(fn func(member string, score float64) bool) {
	if z.packed() {
		for i := 0; i < len(z.pk); {
			var e zentry
			e, i = zpackAt(z.pk, i)
			if !fn(e.member, e.score) {
				return
			}
		}
		return
	}
	z.build()
	for c := z.t.seek(0); c.ok(); c.next() {
		if !fn(c.member(), c.score()) {
			return
		}
	}
}

// entries returns every entry in order.
func (z *Zset) entries() []zentry {
	out := make([]zentry, 0, z.Len())
	z.Each(func(m string, s float64) bool { out = append(out, zentry{s, m}); return true })
	return out
}

// view is the B+tree to read ranges from: a packed set gets a temporary one.
func (z *Zset) view() *ztree {
	if z.packed() {
		t := buildZtree(z.entries())
		return &t
	}
	z.build()
	return &z.t
}

// get returns the score of member m.
func (z *Zset) get(m string) (float64, bool) {
	switch {
	case z.packed():
		if len(m) > zsetPackedLen {
			return 0, false
		}
		for i := 0; i < len(z.pk); {
			var e zentry
			e, i = zpackAt(z.pk, i)
			if e.member == m {
				return e.score, true
			}
		}
		return 0, false
	case z.dict != nil:
		return z.dget(m)
	}
	for _, e := range z.t.root.ents { // a small tree (long members): one leaf
		if e.member == m {
			return e.score, true
		}
	}
	return 0, false
}

// add inserts member m, which is not present; its bytes are copied.
func (z *Zset) add(m string, score float64) {
	e := zentry{score, m}
	if z.packed() {
		if z.n < zsetSmall && len(m) <= zsetPackedLen {
			i := 0
			for i < len(z.pk) {
				cur, next := zpackAt(z.pk, i)
				if zcmp(cur, e) > 0 {
					break
				}
				i = next
			}
			b := make([]byte, 0, len(z.pk)+9+len(m))
			b = append(b, z.pk[:i]...)
			b = zpackAppend(b, e)
			b = append(b, z.pk[i:]...)
			z.pk, z.n = string(b), z.n+1
			return
		}
		ents := z.entries()
		z.pk, z.n = "", 0
		if len(ents)+1 > zsetSmall {
			z.dict = newFtab(len(ents) + 1)
			for _, x := range ents {
				z.dset(x.member, x.score)
			}
		}
		if z.dict != nil && !z.ordered {
			z.lazy = true
		} else {
			z.t = buildZtree(ents)
			if z.t.root == nil {
				z.t.root = &znode{}
			}
		}
	}
	if z.lazy {
		z.dset(m, score)
		return
	}
	e.member = strings.Clone(m)
	z.t.insert(e)
	if z.dict != nil {
		z.dset(m, score)
	} else if z.t.len() > zsetSmall {
		z.dict = newFtab(z.t.len())
		z.Each(func(m string, s float64) bool { z.dset(m, s); return true })
		if !z.ordered {
			z.t, z.lazy = ztree{}, true
		}
	}
}

// del removes member m (any string with its bytes) and returns the stored entry.
func (z *Zset) del(m string) (zentry, bool) {
	if z.packed() {
		if len(m) > zsetPackedLen {
			return zentry{}, false
		}
		for i := 0; i < len(z.pk); {
			e, next := zpackAt(z.pk, i)
			if e.member == m {
				z.pk, z.n = z.pk[:i]+z.pk[next:], z.n-1
				return e, true
			}
			i = next
		}
		return zentry{}, false
	}
	s, ok := z.get(m)
	if !ok {
		return zentry{}, false
	}
	if z.lazy {
		z.dict.del(collBytes(m))
		return zentry{s, m}, true
	}
	if z.dict != nil {
		z.dict.del(collBytes(m))
	}
	return z.t.delete(zentry{s, m})
}

// rescore moves member m from score old to score new.
func (z *Zset) rescore(m string, old, new float64) {
	if z.packed() {
		z.del(m)
		z.add(m, new)
		return
	}
	if z.lazy {
		z.dset(m, new)
		return
	}
	e, _ := z.t.delete(zentry{old, m})
	z.t.insert(zentry{new, e.member})
	if z.dict != nil {
		z.dset(m, new)
	}
}

// seek returns a cursor on the member of rank r.
func (z *Zset) seek(r int) zcursor { return z.view().seek(r) }

func (z *Zset) clone() *Zset {
	if z.packed() {
		return &Zset{pk: z.pk, n: z.n} // immutable: shared
	}
	return zsetFromSorted(z.entries())
}

// zsetFromSorted builds a zset from entries sorted by zcmp with distinct members.
func zsetFromSorted(ents []zentry) *Zset {
	if len(ents) <= zsetSmall {
		fits := true
		size := 0
		for _, e := range ents {
			fits = fits && len(e.member) <= zsetPackedLen
			size += 9 + len(e.member)
		}
		if fits {
			b := make([]byte, 0, size)
			for _, e := range ents {
				b = zpackAppend(b, e)
			}
			return &Zset{pk: string(b), n: len(ents)}
		}
	}
	z := &Zset{t: buildZtree(ents)}
	if z.t.root == nil {
		z.t.root = &znode{}
	}
	if len(ents) > zsetSmall {
		z.dict = newFtab(len(ents))
		for _, e := range ents {
			z.dset(e.member, e.score)
		}
	}
	return z
}

// NewZset returns a sorted set holding copies of members. It fails on a NaN score or a
// repeated member (the RDB loader refuses both). Cost: O(n log n).
func NewZset(members []canon.ZMember) (*Zset, error) {
	ents := make([]zentry, len(members))
	for i, m := range members {
		if math.IsNaN(m.Score) {
			return nil, errors.New("keyspace: sorted set with a NaN score")
		}
		ents[i] = zentry{m.Score, string(m.Member)}
	}
	slices.SortFunc(ents, zcmp)
	z := zsetFromSorted(ents)
	dup := false
	if z.dict != nil {
		dup = z.dict.len() != len(ents)
	} else {
		seen := make(map[string]struct{}, len(ents))
		for _, e := range ents {
			if _, ok := seen[e.member]; ok {
				dup = true
			}
			seen[e.member] = struct{}{}
		}
	}
	if dup {
		return nil, errors.New("keyspace: sorted set with a repeated member")
	}
	return z, nil
}

func init() {
	registerCodec(KindZset, codec{
		export: func(v Value, k *canon.Key) {
			z := v.(*Zset)
			k.Type = canon.TypeZset
			k.Zset = make([]canon.ZMember, 0, z.Len())
			if z.lazy {
				// Read-only (exports may run concurrently): sort a copy, leave the set lazy.
				z.deach(func(m string, s float64) bool {
					k.Zset = append(k.Zset, canon.ZMember{Member: collBytes(m), Score: s})
					return true
				})
				slices.SortFunc(k.Zset, func(a, b canon.ZMember) int {
					return zcmp(zentry{a.Score, collStr(a.Member)}, zentry{b.Score, collStr(b.Member)})
				})
				return
			}
			z.Each(func(m string, s float64) bool {
				k.Zset = append(k.Zset, canon.ZMember{Member: collBytes(m), Score: s})
				return true
			})
		},
		load:  func(k *canon.Key) (Value, error) { return NewZset(k.Zset) },
		clone: func(v Value) Value { return v.(*Zset).clone() },
	})
	register("zadd", func(c *Client, a [][]byte) error { return zsetAddCmd(c, a, false) })
	register("zincrby", func(c *Client, a [][]byte) error { return zsetAddCmd(c, a, true) })
	register("zrem", zsetRem)
	register("zremrangebyrank", func(c *Client, a [][]byte) error { return zsetRemRange(c, a, zrangeRank) })
	register("zremrangebyscore", func(c *Client, a [][]byte) error { return zsetRemRange(c, a, zrangeScore) })
	register("zremrangebylex", func(c *Client, a [][]byte) error { return zsetRemRange(c, a, zrangeLex) })
	register("zpopmin", func(c *Client, a [][]byte) error { return zsetPopCmd(c, a, true) })
	register("zpopmax", func(c *Client, a [][]byte) error { return zsetPopCmd(c, a, false) })
	register("bzpopmin", func(c *Client, a [][]byte) error { return zsetBpop(c, a, true) })
	register("bzpopmax", func(c *Client, a [][]byte) error { return zsetBpop(c, a, false) })
	register("zmpop", func(c *Client, a [][]byte) error { return zsetMpop(c, a, 1, false) })
	register("bzmpop", func(c *Client, a [][]byte) error { return zsetMpop(c, a, 2, true) })
	register("zunionstore", func(c *Client, a [][]byte) error { return zsetStoreOp(c, a, zopUnion) })
	register("zinterstore", func(c *Client, a [][]byte) error { return zsetStoreOp(c, a, zopInter) })
	register("zdiffstore", func(c *Client, a [][]byte) error { return zsetStoreOp(c, a, zopDiff) })
	register("zrangestore", zsetRangeStore)
}

// ---------------------------------------------------------------------------------------------
// Number parsing (glibc strtod in the C locale).

const (
	collStrtodOverflow    = 1 << iota // finite input beyond the double range: ±HUGE_VAL, ERANGE
	collStrtodUnderflow               // non-zero input that became 0: ERANGE
	collStrtodDenormal                // inexact subnormal result: glibc sets ERANGE too
	collStrtodLDOverflow              // also beyond the x87 long double range
	collStrtodLDUnderflow             // also below the x87 long double range
	collStrtodLDDenormal              // a long double subnormal: strtold sets ERANGE

	collStrtodErange   = collStrtodOverflow | collStrtodUnderflow | collStrtodDenormal       // strtod set ERANGE
	collStrtodLDErange = collStrtodLDOverflow | collStrtodLDUnderflow | collStrtodLDDenormal // strtold set ERANGE
)

// errno. The server's strtod-based parsers leave errno == ERANGE behind them (string2d and
// string2ld clear it first, zslParseRange and SORT do not), and SORT's numeric conversion
// fails while it is set — even for a valid number, even when an earlier command set it. The
// flag is kept per keyspace, outside the core structures, in a table keyed by weak pointers
// (an entry goes away with its keyspace); the fast path costs one atomic load while no
// keyspace has it set.
var (
	collErangeSet atomic.Int64 // keyspaces whose flag is set
	collErange    sync.Map     // weak.Pointer[Keyspace] -> bool
)

// collErangeOf reports whether errno would be ERANGE in ks's server.
func collErangeOf(ks *Keyspace) bool {
	if collErangeSet.Load() == 0 {
		return false
	}
	v, ok := collErange.Load(weak.Make(ks))
	return ok && v.(bool)
}

// collSetErange records errno == ERANGE (on) or anything else.
func collSetErange(ks *Keyspace, on bool) {
	if !on && collErangeSet.Load() == 0 {
		return
	}
	wp := weak.Make(ks)
	old, loaded := collErange.Load(wp)
	if loaded && old.(bool) == on || !loaded && !on {
		return
	}
	if !loaded {
		runtime.AddCleanup(ks, func(wp weak.Pointer[Keyspace]) {
			if v, ok := collErange.LoadAndDelete(wp); ok && v.(bool) {
				collErangeSet.Add(-1)
			}
		}, wp)
	}
	collErange.Store(wp, on)
	if on {
		collErangeSet.Add(1)
	} else {
		collErangeSet.Add(-1)
	}
}

// collIsSpace is isspace in the C locale.
func collIsSpace(ch byte) bool { return ch == ' ' || (ch >= '\t' && ch <= '\r') }

func collHasPrefixFold(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

func collIsHex(ch byte) bool {
	return ('0' <= ch && ch <= '9') || ('a' <= ch|0x20 && ch|0x20 <= 'f')
}

// collStrtod parses the longest prefix of b that glibc's strtod accepts (leading blanks, sign,
// decimal or hexadecimal mantissa and exponent, inf, infinity, nan, nan(chars)) and returns
// its value (rounded to nearest, as glibc does), the number of bytes used (0 when there is no
// number: blanks are then not used either) and strtod* range flags. b is read as a C string: a
// NUL byte ends it. withLongDouble also computes the long double range flags (strtold).
func collStrtod(b []byte, withLongDouble bool) (float64, int, int) {
	i := 0
	for i < len(b) && collIsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case collHasPrefixFold(b[i:], "infinity"):
		return math.Inf(int(sign)), i + 8, 0
	case collHasPrefixFold(b[i:], "inf"):
		return math.Inf(int(sign)), i + 3, 0
	case collHasPrefixFold(b[i:], "nan"):
		j := i + 3
		if j < len(b) && b[j] == '(' {
			k := j + 1
			for k < len(b) && (collIsHex(b[k]) || ('g' <= b[k]|0x20 && b[k]|0x20 <= 'z') || b[k] == '_') { // isalnum or _
				k++
			}
			if k < len(b) && b[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), j, 0
	}
	mantStart := i
	hex := false
	if i+1 < len(b) && b[i] == '0' && b[i+1]|0x20 == 'x' {
		j := i + 2
		digits := 0
		for j < len(b) && collIsHex(b[j]) {
			j++
			digits++
		}
		if j < len(b) && b[j] == '.' {
			j++
			for j < len(b) && collIsHex(b[j]) {
				j++
				digits++
			}
		}
		if digits > 0 {
			hex = true
			i = j
		}
	}
	nonzero := false
	if !hex {
		digits := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			nonzero = nonzero || b[i] != '0'
			i++
			digits++
		}
		if i < len(b) && b[i] == '.' {
			j := i + 1
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				nonzero = nonzero || b[j] != '0'
				j++
				digits++
			}
			if digits > 0 {
				i = j
			}
		}
		if digits == 0 {
			return 0, 0, 0
		}
	} else {
		for _, ch := range b[mantStart+2 : i] {
			if ch != '0' && ch != '.' {
				nonzero = true
			}
		}
	}
	mantEnd := i
	expChar := byte('e')
	if hex {
		expChar = 'p'
	}
	expText := ""
	if i < len(b) && b[i]|0x20 == expChar {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && b[j] >= '0' && b[j] <= '9' {
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			expText = string(b[i+1 : j])
			i = j
		}
	}
	// A view of the input in the common case (no allocation per score); the text is only
	// read, during this call.
	text := collStr(b[mantStart:mantEnd])
	if hex || expText != "" {
		text = string(b[mantStart:mantEnd])
	}
	if hex {
		if expText == "" {
			expText = "0"
		}
		text += "p" + expText
	} else if expText != "" {
		text += "e" + expText
	}
	v, err := strconv.ParseFloat(text, 64)
	flags := 0
	switch {
	case err != nil && math.IsInf(v, 0):
		flags = collStrtodOverflow
	case err != nil:
		return 0, 0, 0 // not reached: the text is well formed
	case v == 0 && nonzero:
		flags = collStrtodUnderflow
	case v != 0 && math.Abs(v) < 0x1p-1022:
		if r, ok := new(big.Rat).SetString(text); !ok || r.Cmp(new(big.Rat).SetFloat64(v)) != 0 {
			flags = collStrtodDenormal
		}
	}
	if withLongDouble && flags&(collStrtodOverflow|collStrtodUnderflow) != 0 {
		flags |= collLongDoubleRange(text, flags&collStrtodOverflow != 0)
	}
	return sign * v, i, flags
}

// collLongDoubleRange says whether a value outside the double range is also outside the x87
// long double range (max about 1.19e4932, smallest subnormal about 3.65e-4951).
func collLongDoubleRange(text string, over bool) int {
	f, _, err := big.ParseFloat(text, 0, 64, big.ToNearestEven)
	if err != nil { // exponent beyond any float: as far out as the double said
		if over {
			return collStrtodLDOverflow
		}
		return collStrtodLDUnderflow
	}
	f.Abs(f)
	if over {
		if f.MantExp(nil) > 16384 {
			return collStrtodLDOverflow
		}
		return 0
	}
	switch e := f.MantExp(nil); {
	case e < -16445: // below half the smallest subnormal (2^-16445): rounds to 0
		return collStrtodLDUnderflow
	case e <= -16382: // below the smallest normal (2^-16382)
		return collStrtodLDDenormal
	}
	return 0
}

// collParseDouble is string2d (getDoubleFromObject): the whole argument must be a number
// strtod reads, without leading blanks, not NaN, not out of range.
func collParseDouble(c *Client, b []byte) (float64, bool) {
	v, n, flags := collStrtod(b, false)
	collSetErange(c.KS, flags&collStrtodErange != 0) // errno = 0, then strtod
	if len(b) == 0 || collIsSpace(b[0]) {
		return 0, false
	}
	if n != len(b) || math.IsNaN(v) || flags&(collStrtodOverflow|collStrtodUnderflow) != 0 {
		return 0, false
	}
	return v, true
}

// collCString is b up to its first NUL byte, as C string functions see it.
func collCString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// ---------------------------------------------------------------------------------------------
// Ranges

type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zrangeSpec) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// zsetParseRange is zslParseRange: "(" makes a bound exclusive; the rest goes to strtod,
// which must use every byte up to the C string's end (blanks before the number are fine,
// an empty bound is 0); NaN is refused.
func zsetParseRange(c *Client, min, max []byte) (zrangeSpec, bool) {
	var r zrangeSpec
	var ok bool
	if r.min, r.minex, ok = zsetParseBound(c, min); !ok {
		return r, false
	}
	if r.max, r.maxex, ok = zsetParseBound(c, max); !ok {
		return r, false
	}
	return r, true
}

func zsetParseBound(c *Client, b []byte) (float64, bool, bool) {
	s := collCString(b)
	ex := false
	if len(s) > 0 && s[0] == '(' {
		ex = true
		s = s[1:]
	}
	v, n, flags := collStrtod(s, false)
	if flags&collStrtodErange != 0 { // strtod without resetting errno first
		collSetErange(c.KS, true)
	}
	if n != len(s) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// zlexBound is one end of a lex range: kind -1 is "-" (below everything), +1 is "+" (above
// everything), 0 a string.
type zlexBound struct {
	kind int
	s    string
}

type zlexSpec struct {
	min, max     zlexBound
	minex, maxex bool
}

func zlexParseItem(b []byte) (zlexBound, bool, bool) {
	if len(b) == 0 {
		return zlexBound{}, false, false
	}
	switch b[0] {
	case '+':
		if len(b) > 1 && b[1] != 0 {
			return zlexBound{}, false, false
		}
		return zlexBound{kind: 1}, true, true
	case '-':
		if len(b) > 1 && b[1] != 0 {
			return zlexBound{}, false, false
		}
		return zlexBound{kind: -1}, true, true
	case '(':
		return zlexBound{s: string(b[1:])}, true, true
	case '[':
		return zlexBound{s: string(b[1:])}, false, true
	}
	return zlexBound{}, false, false
}

// zsetParseLexRange is zslParseLexRange.
func zsetParseLexRange(min, max []byte) (zlexSpec, bool) {
	var r zlexSpec
	var ok bool
	if r.min, r.minex, ok = zlexParseItem(min); !ok {
		return r, false
	}
	if r.max, r.maxex, ok = zlexParseItem(max); !ok {
		return r, false
	}
	return r, true
}

// zlexCmp is sdscmplex(value, bound) for a plain value.
func zlexCmp(v string, b zlexBound) int {
	switch b.kind {
	case 1:
		return -1
	case -1:
		return 1
	}
	return strings.Compare(v, b.s)
}

func (r *zlexSpec) gteMin(v string) bool {
	if r.minex {
		return zlexCmp(v, r.min) > 0
	}
	return zlexCmp(v, r.min) >= 0
}

func (r *zlexSpec) lteMax(v string) bool {
	if r.maxex {
		return zlexCmp(v, r.max) < 0
	}
	return zlexCmp(v, r.max) <= 0
}

// empty is the "ranges that will always be empty" test of zslIsInLexRange.
func (r *zlexSpec) empty() bool {
	var cmp int
	switch {
	case r.min.kind == r.max.kind && r.min.kind != 0:
		cmp = 0
	case r.min.kind == -1 || r.max.kind == 1:
		cmp = -1
	case r.min.kind == 1 || r.max.kind == -1:
		cmp = 1
	default:
		cmp = strings.Compare(r.min.s, r.max.s)
	}
	return cmp > 0 || (cmp == 0 && (r.minex || r.maxex))
}

func (z *Zset) last() zcursor { return z.seek(z.Len() - 1) }

// firstInRange is zslFirstInRange: the first member with a score >= min, if it is <= max.
func (z *Zset) firstInRange(r *zrangeSpec) zcursor {
	if r.min > r.max || (r.min == r.max && (r.minex || r.maxex)) || z.Len() == 0 {
		return zcursor{}
	}
	t := z.view()
	c := t.seek(t.countBefore(func(e zentry) bool { return !r.gteMin(e.score) }))
	if !c.ok() || !r.lteMax(c.score()) {
		return zcursor{}
	}
	return c
}

// lastInRange is zslLastInRange.
func (z *Zset) lastInRange(r *zrangeSpec) zcursor {
	if r.min > r.max || (r.min == r.max && (r.minex || r.maxex)) || z.Len() == 0 {
		return zcursor{}
	}
	t := z.view()
	c := t.seek(t.countBefore(func(e zentry) bool { return r.lteMax(e.score) }) - 1)
	if !c.ok() || !r.gteMin(c.score()) {
		return zcursor{}
	}
	return c
}

// inLexRange is zzlIsInLexRange / zslIsInLexRange.
func (z *Zset) inLexRange(r *zlexSpec) bool {
	if r.empty() || z.Len() == 0 {
		return false
	}
	last, first := z.last(), z.seek(0)
	return r.gteMin(last.member()) && r.lteMax(first.member())
}

// firstInLex is zzlFirstInLexRange for sets of listpack size (a scan from the head, which is
// what Redis does when members do not all share one score) and zslFirstInLexRange's search
// above.
func (z *Zset) firstInLex(r *zlexSpec) zcursor {
	if !z.inLexRange(r) {
		return zcursor{}
	}
	c := z.firstGteMin(r)
	if !c.ok() || !r.lteMax(c.member()) {
		return zcursor{}
	}
	return c
}

// firstGteMin is the first member (in set order) at or above the range's minimum: where
// zslDeleteRangeByLex starts deleting, without zslIsInLexRange's check (a skiplist
// ZREMRANGEBYLEX has none; on a set whose members do not all share one score the check
// matters: t_zset.c @ 7.0.15).
func (z *Zset) firstGteMin(r *zlexSpec) zcursor {
	if z.Len() == 0 {
		return zcursor{}
	}
	var c zcursor
	if z.Len() <= zsetLPMax {
		for c = z.seek(0); c.ok() && !r.gteMin(c.member()); c.next() {
		}
	} else {
		t := z.view() // > zsetLPMax: a tree
		c = t.seek(t.countBefore(func(e zentry) bool { return !r.gteMin(e.member) }))
	}
	return c
}

// lastInLex is zzlLastInLexRange / zslLastInLexRange.
func (z *Zset) lastInLex(r *zlexSpec) zcursor {
	if !z.inLexRange(r) {
		return zcursor{}
	}
	var c zcursor
	if z.Len() <= zsetLPMax {
		for c = z.last(); c.ok() && !r.lteMax(c.member()); c.prev() {
		}
	} else {
		t := z.view() // a tree
		c = t.seek(t.countBefore(func(e zentry) bool { return r.lteMax(e.member) }) - 1)
	}
	if !c.ok() || !r.gteMin(c.member()) {
		return zcursor{}
	}
	return c
}

// ---------------------------------------------------------------------------------------------
// Commands

var errZsetNaN = collErr("resulting score is not a number (NaN)")

type zaddFlags struct{ incr, nx, xx, gt, lt bool }

// zadd is zsetAdd: it reports false when the resulting score would be NaN (no change then).
func (z *Zset) zadd(member []byte, score float64, f zaddFlags) bool {
	if math.IsNaN(score) {
		return false
	}
	cur, ok := z.get(collStr(member))
	if ok {
		if f.nx {
			return true
		}
		if f.incr {
			score += cur
			if math.IsNaN(score) {
				return false
			}
		}
		if (f.lt && score >= cur) || (f.gt && score <= cur) {
			return true
		}
		if score != cur {
			z.rescore(collStr(member), cur, score)
		}
		return true
	}
	if !f.xx {
		z.add(collStr(member), score) // add copies
	}
	return true
}

// zsetLookup is lookupKeyWrite + checkType for a sorted set.
func zsetLookup(c *Client, key []byte) (*Zset, error) {
	e, err := c.LookupKind(key, KindZset)
	if err != nil || e == nil {
		return nil, err
	}
	return c.val(e).(*Zset), nil
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY key incr member
func zsetAddCmd(c *Client, a [][]byte, incr bool) error {
	f := zaddFlags{incr: incr}
	idx := 2
opts:
	for ; idx < len(a); idx++ {
		switch {
		case collEqualFold(a[idx], "nx"):
			f.nx = true
		case collEqualFold(a[idx], "xx"):
			f.xx = true
		case collEqualFold(a[idx], "ch"):
		case collEqualFold(a[idx], "incr"):
			f.incr = true
		case collEqualFold(a[idx], "gt"):
			f.gt = true
		case collEqualFold(a[idx], "lt"):
			f.lt = true
		default:
			break opts
		}
	}
	n := len(a) - idx
	if n%2 != 0 || n == 0 {
		return ErrSyntax
	}
	n /= 2
	if f.nx && f.xx {
		return collErr("XX and NX options at the same time are not compatible")
	}
	if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
		return collErr("GT, LT, and/or NX options at the same time are not compatible")
	}
	if f.incr && n > 1 {
		return collErr("INCR option supports a single increment-element pair")
	}
	scores := make([]float64, n)
	for j := range scores {
		v, ok := collParseDouble(c, a[idx+2*j])
		if !ok {
			return ErrNotFloat
		}
		scores[j] = v
	}
	return zsetAddScores(c, a[1], scores, func(j int) []byte { return a[idx+2*j+1] }, f)
}

// zsetAddScores is the part of zaddGenericCommand after parsing (GEOADD joins here).
func zsetAddScores(c *Client, key []byte, scores []float64, member func(int) []byte, f zaddFlags) error {
	z, err := zsetLookup(c, key)
	if err != nil {
		return err
	}
	if z == nil {
		if f.xx {
			return nil
		}
		z = &Zset{}
		c.Set(key, z, NoExpiry)
	}
	for j, s := range scores {
		if !z.zadd(member(j), s, f) {
			if z.Len() == 0 { // cannot happen (NaN needs an existing member), kept for safety
				c.Delete(key)
			}
			return errZsetNaN
		}
	}
	return nil
}

// ZREM key member [member ...]
func zsetRem(c *Client, a [][]byte) error {
	z, err := zsetLookup(c, a[1])
	if err != nil || z == nil {
		return err
	}
	for _, m := range a[2:] {
		z.del(collStr(m))
		if z.Len() == 0 {
			c.Delete(a[1])
			break
		}
	}
	return nil
}

type zrangeType int

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// ZREMRANGEBYRANK key start stop, ZREMRANGEBYSCORE key min max, ZREMRANGEBYLEX key min max
func zsetRemRange(c *Client, a [][]byte, typ zrangeType) error {
	var start, end int64
	var rs zrangeSpec
	var lr zlexSpec
	var err error
	switch typ {
	case zrangeRank:
		if start, err = collLong(a[2], ""); err != nil {
			return err
		}
		if end, err = collLong(a[3], ""); err != nil {
			return err
		}
	case zrangeScore:
		var ok bool
		if rs, ok = zsetParseRange(c, a[2], a[3]); !ok {
			return collErr("min or max is not a float")
		}
	case zrangeLex:
		var ok bool
		if lr, ok = zsetParseLexRange(a[2], a[3]); !ok {
			return collErr("min or max not valid string range item")
		}
	}
	z, err := zsetLookup(c, a[1])
	if err != nil || z == nil {
		return err
	}
	var victims []zentry
	switch typ {
	case zrangeRank:
		n := int64(z.Len())
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		if start < 0 {
			start = 0
		}
		if start > end || start >= n {
			return nil
		}
		if end >= n {
			end = n - 1
		}
		for cur, k := z.seek(int(start)), start; k <= end; k++ {
			victims = append(victims, cur.entry())
			cur.next()
		}
	case zrangeScore:
		for cur := z.firstInRange(&rs); cur.ok() && rs.lteMax(cur.score()); cur.next() {
			victims = append(victims, cur.entry())
		}
	case zrangeLex:
		// A listpack set deletes from zzlFirstInLexRange (range checks first); a skiplist
		// set from the first member at or above min, with no checks (zslDeleteRangeByLex).
		cur := z.firstGteMin(&lr)
		if z.packed() {
			cur = z.firstInLex(&lr)
		}
		for ; cur.ok() && lr.lteMax(cur.member()); cur.next() {
			victims = append(victims, cur.entry())
		}
	}
	for _, e := range victims {
		z.del(e.member)
	}
	if z.Len() == 0 {
		c.Delete(a[1])
	}
	return nil
}

// zsetPopN removes up to count members from the low (min) or high end of the sorted set at
// key, deleting the key when it becomes empty.
func zsetPopN(c *Client, key []byte, z *Zset, min bool, count int64) {
	for ; count > 0 && z.Len() > 0; count-- {
		var m string
		switch {
		case z.packed() && min:
			e, _ := zpackAt(z.pk, 0)
			m = e.member
		case z.packed():
			ents := z.entries()
			m = ents[len(ents)-1].member
		case min:
			cur := z.view().seek(0)
			m = cur.member()
		default:
			cur := z.view().seek(z.Len() - 1)
			m = cur.member()
		}
		z.del(m)
	}
	if z.Len() == 0 {
		c.Delete(key)
	}
}

// ZPOPMIN/ZPOPMAX key [count]
func zsetPopCmd(c *Client, a [][]byte, min bool) error {
	if len(a) > 3 {
		return ErrSyntax
	}
	count := int64(1)
	if len(a) == 3 {
		var err error
		if count, err = collPositiveLong(a[2], ""); err != nil {
			return err
		}
	}
	z, err := zsetLookup(c, a[1])
	if err != nil || z == nil {
		return err
	}
	zsetPopN(c, a[1], z, min, count)
	return nil
}

// zsetPopFirst pops from the first sorted set among keys (a key of another type met first is
// a WRONGTYPE error).
func zsetPopFirst(c *Client, keys [][]byte, min bool, count int64) error {
	for _, k := range keys {
		z, err := zsetLookup(c, k)
		if err != nil {
			return err
		}
		if z == nil || z.Len() == 0 {
			continue
		}
		zsetPopN(c, k, z, min, count)
		return nil
	}
	return nil
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout
func zsetBpop(c *Client, a [][]byte, min bool) error {
	if err := collTimeout(c, a[len(a)-1]); err != nil {
		return err
	}
	return zsetPopFirst(c, a[1:len(a)-1], min, 1)
}

func zsetWhere(b []byte) (bool, error) {
	switch {
	case collEqualFold(b, "min"):
		return true, nil
	case collEqualFold(b, "max"):
		return false, nil
	}
	return false, ErrSyntax
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
func zsetMpop(c *Client, a [][]byte, numkeysIdx int, block bool) error {
	keys, min, count, err := collMpopArgs(a, numkeysIdx, zsetWhere)
	if err != nil {
		return err
	}
	if block {
		if err := collTimeout(c, a[1]); err != nil {
			return err
		}
	}
	return zsetPopFirst(c, keys, min, count)
}

// ---------------------------------------------------------------------------------------------
// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE

type zsetOp int

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

const (
	zaggrSum = iota
	zaggrMin
	zaggrMax
)

// zsrc is one input of a set operation: a sorted set, a set (every score 1) or nothing.
type zsrc struct {
	z      *Zset
	s      *Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

func (s *zsrc) same(o *zsrc) bool {
	return (s.z != nil && s.z == o.z) || (s.s != nil && s.s == o.s)
}

// each calls fn for every member and its score.
func (s *zsrc) each(fn func(m string, score float64)) {
	switch {
	case s.z != nil:
		s.z.Each(func(m string, sc float64) bool { fn(m, sc); return true })
	case s.s != nil:
		s.s.each(func(m string) bool { fn(m, 1); return true })
	}
}

func (s *zsrc) find(m string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.get(m)
	case s.s != nil:
		return 1, s.s.has(m)
	}
	return 0, false
}

func zaggregate(target *float64, v float64, aggr int) {
	switch aggr {
	case zaggrSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggrMin:
		if v < *target {
			*target = v
		}
	case zaggrMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetStoreOp is zunionInterDiffGenericCommand with a destination key.
func zsetStoreOp(c *Client, a [][]byte, op zsetOp) error {
	const numkeysIdx = 2
	setnum, err := collLong(a[numkeysIdx], "")
	if err != nil {
		return err
	}
	if setnum < 1 {
		return collErr("at least 1 input key is needed for '" + collLower(a[0]) + "' command")
	}
	if setnum > int64(len(a)-(numkeysIdx+1)) {
		return ErrSyntax
	}
	src := make([]zsrc, setnum)
	j := numkeysIdx + 1
	for i := range src {
		if e := c.Lookup(a[j]); e != nil {
			switch v := c.val(e).(type) {
			case *Zset:
				src[i].z = v
			case *Set:
				src[i].s = v
			default:
				return ErrWrongType
			}
		}
		src[i].weight = 1
		j++
	}
	aggr := zaggrSum
	for remaining := len(a) - j; remaining > 0; remaining = len(a) - j {
		switch {
		case op != zopDiff && remaining >= int(setnum)+1 && collEqualFold(a[j], "weights"):
			j++
			for i := range src {
				w, ok := collParseDouble(c, a[j])
				if !ok {
					return collErr("weight value is not a float")
				}
				src[i].weight = w
				j++
			}
		case op != zopDiff && remaining >= 2 && collEqualFold(a[j], "aggregate"):
			j++
			switch {
			case collEqualFold(a[j], "sum"):
				aggr = zaggrSum
			case collEqualFold(a[j], "min"):
				aggr = zaggrMin
			case collEqualFold(a[j], "max"):
				aggr = zaggrMax
			default:
				return ErrSyntax
			}
			j++
		default:
			return ErrSyntax
		}
	}
	if op != zopDiff {
		// qsort by cardinality; glibc's qsort is a merge sort: stable.
		sort.SliceStable(src, func(x, y int) bool { return src[x].len() < src[y].len() })
	}
	var res []zentry
	switch op {
	case zopInter:
		if src[0].len() > 0 {
			src[0].each(func(m string, s0 float64) {
				score := src[0].weight * s0
				if math.IsNaN(score) {
					score = 0
				}
				for k := 1; k < len(src); k++ {
					var v float64
					if src[k].same(&src[0]) {
						v = s0 * src[k].weight
					} else if f, ok := src[k].find(m); ok {
						v = f * src[k].weight
					} else {
						return
					}
					zaggregate(&score, v, aggr)
				}
				res = append(res, zentry{score, m})
			})
		}
	case zopUnion:
		acc := map[string]int{} // member -> index in res
		for k := range src {
			src[k].each(func(m string, s float64) {
				score := src[k].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if at, ok := acc[m]; ok {
					zaggregate(&res[at].score, score, aggr)
					return
				}
				acc[m] = len(res)
				res = append(res, zentry{score, m})
			})
		}
	case zopDiff:
		if src[0].len() > 0 {
			src[0].each(func(m string, s0 float64) {
				for k := 1; k < len(src); k++ {
					if src[k].same(&src[0]) {
						return
					}
					if _, ok := src[k].find(m); ok {
						return
					}
				}
				res = append(res, zentry{s0, m})
			})
		}
	}
	return zsetStoreResult(c, a[1], res)
}

// zsetStoreResult stores entries (distinct members, any order) as a new sorted set at key,
// without TTL (setKey), or deletes key when there are none.
func zsetStoreResult(c *Client, key []byte, res []zentry) error {
	if len(res) == 0 {
		c.Delete(key)
		return nil
	}
	slices.SortFunc(res, zcmp)
	c.Set(key, zsetFromSorted(res), NoExpiry)
	return nil
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
func zsetRangeStore(c *Client, a [][]byte) error {
	const argcStart = 2
	minIdx, maxIdx := argcStart+1, argcStart+2
	var offset int64
	limit := int64(-1)
	rev := false
	typ := zrangeAuto
	for j := argcStart + 3; j < len(a); j++ {
		left := len(a) - j - 1
		switch {
		case collEqualFold(a[j], "limit") && left >= 2:
			var err error
			if offset, err = collLong(a[j+1], ""); err != nil {
				return err
			}
			if limit, err = collLong(a[j+2], ""); err != nil {
				return err
			}
			j += 2
		case !rev && collEqualFold(a[j], "rev"):
			rev = true
		case typ == zrangeAuto && collEqualFold(a[j], "bylex"):
			typ = zrangeLex
		case typ == zrangeAuto && collEqualFold(a[j], "byscore"):
			typ = zrangeScore
		default:
			return ErrSyntax
		}
	}
	if typ == zrangeAuto {
		typ = zrangeRank
	}
	if limit != -1 && typ == zrangeRank {
		return collErr("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	}
	if rev && typ != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var rs zrangeSpec
	var lr zlexSpec
	switch typ {
	case zrangeRank:
		var err error
		if start, err = collLong(a[minIdx], ""); err != nil {
			return err
		}
		if end, err = collLong(a[maxIdx], ""); err != nil {
			return err
		}
	case zrangeScore:
		var ok bool
		if rs, ok = zsetParseRange(c, a[minIdx], a[maxIdx]); !ok {
			return collErr("min or max is not a float")
		}
	case zrangeLex:
		var ok bool
		if lr, ok = zsetParseLexRange(a[minIdx], a[maxIdx]); !ok {
			return collErr("min or max not valid string range item")
		}
	}
	e := c.Lookup(a[argcStart])
	if e == nil {
		c.Delete(a[1])
		return nil
	}
	z, ok := c.val(e).(*Zset)
	if !ok {
		return ErrWrongType
	}
	var res []zentry
	switch typ {
	case zrangeRank:
		n := int64(z.Len())
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		if start < 0 {
			start = 0
		}
		if start <= end && start < n {
			if end >= n {
				end = n - 1
			}
			var cur zcursor
			if rev {
				cur = z.seek(int(n - 1 - start))
			} else {
				cur = z.seek(int(start))
			}
			for k := start; k <= end; k++ {
				res = append(res, cur.entry())
				cur.step(!rev)
			}
		}
	case zrangeScore:
		if offset > 0 && offset >= int64(z.Len()) {
			break
		}
		var cur zcursor
		if rev {
			cur = z.lastInRange(&rs)
		} else {
			cur = z.firstInRange(&rs)
		}
		for ; cur.ok() && offset != 0; offset-- {
			cur.step(!rev)
		}
		for ; cur.ok() && limit != 0; limit-- {
			if rev && !rs.gteMin(cur.score()) || !rev && !rs.lteMax(cur.score()) {
				break
			}
			res = append(res, cur.entry())
			cur.step(!rev)
		}
	case zrangeLex:
		var cur zcursor
		if rev {
			cur = z.lastInLex(&lr)
		} else {
			cur = z.firstInLex(&lr)
		}
		for ; cur.ok() && offset != 0; offset-- {
			cur.step(!rev)
		}
		for ; cur.ok() && limit != 0; limit-- {
			if rev && !lr.gteMin(cur.member()) || !rev && !lr.lteMax(cur.member()) {
				break
			}
			res = append(res, cur.entry())
			cur.step(!rev)
		}
	}
	return zsetStoreResult(c, a[1], res)
}
