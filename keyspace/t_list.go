package keyspace

// List commands, as src/t_list.c @ 7.0.15 applies them: LPUSH RPUSH LPUSHX RPUSHX LINSERT LSET
// LREM LTRIM LPOP RPOP [count] RPOPLPUSH LMOVE LMPOP and the blocking forms BLPOP BRPOP
// BRPOPLPUSH BLMOVE BLMPOP, which never block here (the AOF client may not block: with data
// they act like their non-blocking form, without data they do nothing).
//
// The integer and timeout parsers shared by the collection families live here too: they copy
// string2ll (util.c), getLongFromObjectOrReply / getRangeLongFromObjectOrReply (object.c) and
// getTimeoutFromObjectOrReply (timeout.c) @ 7.0.15.

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/aofkit/aofkit/internal/canon"
)

// List is a list value, held like Redis's quicklist: a deque of chunks of up to
// listChunkCap bytes, each packing its elements as (length varint, bytes, reversed length
// varint) so that either end can be read, with free room at the end a chunk grows towards.
// Pushes and pops at either end cost O(1) amortised; reaching element i costs O(i/elements
// per chunk); inserting, replacing or removing in the middle rewrites one chunk. An element
// costs its bytes plus 2 to 6 bytes.
//
// Strings returned by At, PopFront, PopBack and Range view the list's memory: they are valid
// until the list next changes (copy them to keep them).
type List struct {
	c lring
	n int
}

// listChunkCap is the size a chunk fills to (elements larger than that get a chunk each).
const listChunkCap = 4096

type lchunk struct {
	b      []byte // elements in b[lo:hi]
	lo, hi int
	n      int
}

// lring is a ring-buffer deque of chunks.
type lring struct {
	buf  []*lchunk // len is 0 or a power of two
	head int
	n    int
}

func (r *lring) at(i int) *lchunk { return r.buf[(r.head+i)&(len(r.buf)-1)] }

func (r *lring) set(i int, c *lchunk) { r.buf[(r.head+i)&(len(r.buf)-1)] = c }

func (r *lring) resize(need int) {
	c := 1
	for c < need {
		c <<= 1
	}
	nb := make([]*lchunk, c)
	for i := 0; i < r.n; i++ {
		nb[i] = r.at(i)
	}
	r.buf, r.head = nb, 0
}

func (r *lring) pushBack(c *lchunk) {
	if r.n == len(r.buf) {
		r.resize(r.n + 1)
	}
	r.set(r.n, c)
	r.n++
}

func (r *lring) pushFront(c *lchunk) {
	if r.n == len(r.buf) {
		r.resize(r.n + 1)
	}
	r.head = (r.head - 1) & (len(r.buf) - 1)
	r.buf[r.head] = c
	r.n++
}

// remove drops chunk i; replace puts cs in place of chunk i.
func (r *lring) remove(i int) { r.replace(i, nil) }

func (r *lring) replace(i int, cs []*lchunk) {
	if len(cs) == 1 {
		r.set(i, cs[0])
		return
	}
	all := make([]*lchunk, 0, r.n-1+len(cs))
	for j := 0; j < r.n; j++ {
		if j == i {
			all = append(all, cs...)
		} else {
			all = append(all, r.at(j))
		}
	}
	*r = lring{}
	if len(all) > 0 {
		r.resize(len(all))
		copy(r.buf, all)
		r.n = len(all)
	}
}

func (r *lring) popFront() {
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	r.shrink()
}

func (r *lring) popBack() {
	r.set(r.n-1, nil)
	r.n--
	r.shrink()
}

func (r *lring) shrink() {
	if len(r.buf) > 16 && r.n < len(r.buf)/4 {
		r.resize(r.n * 2)
	}
}

// Element encoding.

// listVarLen is the length of x as a uvarint (list elements and field table records).
func listVarLen(x int) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func listEncLen(l int) int { return 2*listVarLen(l) + l }

// listEncode writes element s into dst, which has exactly listEncLen(len(s)) bytes.
func listEncode(dst []byte, s string) {
	k := listVarLen(len(s))
	x := len(s)
	for i := 0; i < k; i++ {
		c := byte(x & 0x7f)
		if i < k-1 {
			c |= 0x80
		}
		dst[i] = c
		dst[len(dst)-1-i] = c
		x >>= 7
	}
	copy(dst[k:], s)
}

// listFwd decodes the element starting at p: its bytes and where the next one starts.
func listFwd(b []byte, p int) (string, int) {
	x, k := 0, 0
	for shift := 0; ; shift += 7 {
		c := b[p+k]
		k++
		x |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return collStr(b[p+k : p+k+x]), p + 2*k + x
}

// listBack decodes the element ending at e: its bytes and where it starts.
func listBack(b []byte, e int) (string, int) {
	x, k := 0, 0
	for shift := 0; ; shift += 7 {
		k++
		c := b[e-k]
		x |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return collStr(b[e-k-x : e-k]), e - 2*k - x
}

// Kind reports KindList.
func (l *List) Kind() Kind { return KindList }

// Len returns the number of elements. Cost: O(1).
func (l *List) Len() int { return l.n }

// chunkCapFor is the buffer size for a chunk that must hold used bytes: doubling, up to
// listChunkCap (or exactly used, for an element larger than that).
func chunkCapFor(cur, used int) int {
	c := max(2*cur, 16)
	for c < used {
		c *= 2
	}
	return max(min(c, listChunkCap), used)
}

// newChunkCap is the buffer size of a new end chunk: small for a list's first chunk (most
// lists are short), full size once the list spans chunks (no regrowth garbage).
func (l *List) newChunkCap(need int) int {
	if l.c.n > 0 {
		return max(listChunkCap, need)
	}
	return chunkCapFor(0, need)
}

// PushBack adds s (copied) at the tail. Cost: O(1) amortised.
func (l *List) PushBack(s string) {
	need := listEncLen(len(s))
	var ch *lchunk
	if l.c.n > 0 {
		ch = l.c.at(l.c.n - 1)
		if ch.hi+need > len(ch.b) {
			if used := ch.hi - ch.lo + need; used <= listChunkCap {
				nb := make([]byte, chunkCapFor(len(ch.b), used))
				copy(nb, ch.b[ch.lo:ch.hi])
				ch.b, ch.hi, ch.lo = nb, ch.hi-ch.lo, 0
			} else {
				ch = nil
			}
		}
	}
	if ch == nil {
		ch = &lchunk{b: make([]byte, l.newChunkCap(need))}
		l.c.pushBack(ch)
	}
	listEncode(ch.b[ch.hi:ch.hi+need], s)
	ch.hi += need
	ch.n++
	l.n++
}

// PushFront adds s (copied) at the head. Cost: O(1) amortised.
func (l *List) PushFront(s string) {
	need := listEncLen(len(s))
	var ch *lchunk
	if l.c.n > 0 {
		ch = l.c.at(0)
		if ch.lo < need {
			if used := ch.hi - ch.lo + need; used <= listChunkCap {
				nb := make([]byte, chunkCapFor(len(ch.b), used))
				live := ch.hi - ch.lo
				copy(nb[len(nb)-live:], ch.b[ch.lo:ch.hi])
				ch.b, ch.lo, ch.hi = nb, len(nb)-live, len(nb)
			} else {
				ch = nil
			}
		}
	}
	if ch == nil {
		nb := make([]byte, l.newChunkCap(need))
		ch = &lchunk{b: nb, lo: len(nb), hi: len(nb)}
		l.c.pushFront(ch)
	}
	listEncode(ch.b[ch.lo-need:ch.lo], s)
	ch.lo -= need
	ch.n++
	l.n++
}

// PopFront removes and returns the head; the list must not be empty. Cost: O(1).
func (l *List) PopFront() string {
	ch := l.c.at(0)
	s, next := listFwd(ch.b, ch.lo)
	ch.lo = next
	ch.n--
	l.n--
	if ch.n == 0 {
		l.c.popFront()
	}
	return s
}

// PopBack removes and returns the tail; the list must not be empty. Cost: O(1).
func (l *List) PopBack() string {
	ch := l.c.at(l.c.n - 1)
	s, start := listBack(ch.b, ch.hi)
	ch.hi = start
	ch.n--
	l.n--
	if ch.n == 0 {
		l.c.popBack()
	}
	return s
}

// locate returns the chunk holding element i (0 <= i < n) and i's index in it.
func (l *List) locate(i int) (int, int) {
	if i < l.n/2 {
		for ci := 0; ; ci++ {
			ch := l.c.at(ci)
			if i < ch.n {
				return ci, i
			}
			i -= ch.n
		}
	}
	i = l.n - 1 - i // from the tail
	for ci := l.c.n - 1; ; ci-- {
		ch := l.c.at(ci)
		if i < ch.n {
			return ci, ch.n - 1 - i
		}
		i -= ch.n
	}
}

// elems returns views of a chunk's elements.
func (ch *lchunk) elems() []string {
	out := make([]string, 0, ch.n)
	for p := ch.lo; p < ch.hi; {
		var s string
		s, p = listFwd(ch.b, p)
		out = append(out, s)
	}
	return out
}

// At returns element i (0 is the head); i must be in [0, Len()). Cost: O(i/chunk size +
// chunk size).
func (l *List) At(i int) string {
	ci, j := l.locate(i)
	ch := l.c.at(ci)
	if j < ch.n/2 {
		p := ch.lo
		var s string
		for ; j >= 0; j-- {
			s, p = listFwd(ch.b, p)
		}
		return s
	}
	e := ch.hi
	var s string
	for k := ch.n - 1 - j; k >= 0; k-- {
		s, e = listBack(ch.b, e)
	}
	return s
}

// Range calls fn for the elements from index start towards the tail (or the head when
// reverse) until fn returns false or the list ends. Cost: O(start/chunk size + visited).
func (l *List) Range(start int, reverse bool, fn func(s string) bool) {
	if start < 0 || start >= l.n {
		return
	}
	step := 1
	if reverse {
		step = -1
	}
	ci, j := l.locate(start)
	for first := true; ci >= 0 && ci < l.c.n; ci += step {
		es := l.c.at(ci).elems()
		if !first {
			j = 0
			if reverse {
				j = len(es) - 1
			}
		}
		first = false
		for ; j >= 0 && j < len(es); j += step {
			if !fn(es[j]) {
				return
			}
		}
	}
}

// each calls fn for every element, head first, with its index.
func (l *List) each(fn func(i int, s string) bool) {
	i := 0
	for ci := 0; ci < l.c.n; ci++ {
		ch := l.c.at(ci)
		for p := ch.lo; p < ch.hi; i++ {
			var s string
			s, p = listFwd(ch.b, p)
			if !fn(i, s) {
				return
			}
		}
	}
}

// listBuilder packs elements into full chunks.
type listBuilder struct {
	r   lring
	cur *lchunk
	n   int
}

func (b *listBuilder) add(s string) {
	need := listEncLen(len(s))
	if b.cur == nil || b.cur.hi+need > len(b.cur.b) {
		b.seal()
		b.cur = &lchunk{b: make([]byte, max(listChunkCap, need))}
		b.r.pushBack(b.cur)
	}
	listEncode(b.cur.b[b.cur.hi:b.cur.hi+need], s)
	b.cur.hi += need
	b.cur.n++
	b.n++
}

// seal trims the spare room of the chunk being filled.
func (b *listBuilder) seal() {
	if b.cur != nil && b.cur.hi < len(b.cur.b) {
		b.cur.b = append([]byte(nil), b.cur.b[:b.cur.hi]...)
	}
}

func (b *listBuilder) chunks() []*lchunk {
	b.seal()
	out := make([]*lchunk, b.r.n)
	for i := range out {
		out[i] = b.r.at(i)
	}
	return out
}

func (b *listBuilder) list() *List {
	b.seal()
	return &List{c: b.r, n: b.n}
}

// rebuild replaces chunk ci by the chunks packing elems.
func (l *List) rebuild(ci int, elems []string) {
	var b listBuilder
	for _, s := range elems {
		b.add(s)
	}
	l.c.replace(ci, b.chunks())
}

func (l *List) setAt(i int, s string) {
	ci, j := l.locate(i)
	es := l.c.at(ci).elems()
	es[j] = s
	l.rebuild(ci, es)
}

// insertAt inserts s so that it becomes element i (0 <= i <= n).
func (l *List) insertAt(i int, s string) {
	switch i {
	case 0:
		l.PushFront(s)
		return
	case l.n:
		l.PushBack(s)
		return
	}
	ci, j := l.locate(i)
	es := l.c.at(ci).elems()
	l.rebuild(ci, slices.Insert(es, j, s))
	l.n++
}

// removeAt removes element i.
func (l *List) removeAt(i int) {
	ci, j := l.locate(i)
	es := l.c.at(ci).elems()
	l.rebuild(ci, slices.Delete(es, j, j+1))
	l.n--
}

// keepIf removes, in one pass, the elements for which keep returns false; order is kept.
func (l *List) keepIf(keep func(i int, s string) bool) {
	var b listBuilder
	l.each(func(i int, s string) bool {
		if keep(i, s) {
			b.add(s)
		}
		return true
	})
	*l = *b.list()
}

// trim removes left elements from the head and right from the tail.
func (l *List) trim(left, right int) {
	if left+right >= l.n {
		*l = List{}
		return
	}
	for left > 0 {
		if ch := l.c.at(0); ch.n <= left {
			left -= ch.n
			l.n -= ch.n
			l.c.popFront()
			continue
		}
		l.PopFront()
		left--
	}
	for right > 0 {
		if ch := l.c.at(l.c.n - 1); ch.n <= right {
			right -= ch.n
			l.n -= ch.n
			l.c.popBack()
			continue
		}
		l.PopBack()
		right--
	}
}

// NewList returns a list holding copies of elems, head first. Cost: O(total size).
func NewList(elems [][]byte) *List {
	var b listBuilder
	for _, e := range elems {
		b.add(collStr(e))
	}
	return b.list()
}

func (l *List) clone() *List {
	var b listBuilder
	l.each(func(_ int, s string) bool { b.add(s); return true })
	return b.list()
}

func init() {
	registerCodec(KindList, codec{
		export: func(v Value, k *canon.Key) {
			l := v.(*List)
			k.Type = canon.TypeList
			// Views of the engine's bytes (export results alias engine memory).
			k.List = make([][]byte, 0, l.n)
			l.each(func(_ int, s string) bool { k.List = append(k.List, collBytes(s)); return true })
		},
		load:  func(k *canon.Key) (Value, error) { return NewList(k.List), nil },
		clone: func(v Value) Value { return v.(*List).clone() },
	})
	register("lpush", func(c *Client, a [][]byte) error { return listPush(c, a, true, false) })
	register("rpush", func(c *Client, a [][]byte) error { return listPush(c, a, false, false) })
	register("lpushx", func(c *Client, a [][]byte) error { return listPush(c, a, true, true) })
	register("rpushx", func(c *Client, a [][]byte) error { return listPush(c, a, false, true) })
	register("linsert", listInsert)
	register("lset", listSet)
	register("lrem", listRem)
	register("ltrim", listTrim)
	register("lpop", func(c *Client, a [][]byte) error { return listPop(c, a, true) })
	register("rpop", func(c *Client, a [][]byte) error { return listPop(c, a, false) })
	register("rpoplpush", func(c *Client, a [][]byte) error { return listMove(c, a[1], a[2], false, true) })
	register("lmove", listLmove)
	register("brpoplpush", listBrpoplpush)
	register("blmove", listBlmove)
	register("blpop", func(c *Client, a [][]byte) error { return listBpop(c, a, true) })
	register("brpop", func(c *Client, a [][]byte) error { return listBpop(c, a, false) })
	register("lmpop", func(c *Client, a [][]byte) error { return listMpop(c, a, 1, false) })
	register("blmpop", func(c *Client, a [][]byte) error { return listMpop(c, a, 2, true) })
}

// collErr is an error reply "ERR msg" (addReplyError adds the ERR prefix).
func collErr(msg string) *CommandError { return &CommandError{"ERR " + msg} }

// collArityErr is addReplyErrorArity's reply.
func collArityErr(name string) *CommandError {
	return collErr("wrong number of arguments for '" + name + "' command")
}

// collLong is getLongFromObjectOrReply: msg replaces the default error text when not empty.
func collLong(b []byte, msg string) (int64, error) {
	v, ok := strParseInt(b)
	if !ok {
		if msg != "" {
			return 0, collErr(msg)
		}
		return 0, ErrNotInt
	}
	return v, nil
}

// collRangeLong is getRangeLongFromObjectOrReply.
func collRangeLong(b []byte, min, max int64, msg string) (int64, error) {
	v, err := collLong(b, msg)
	if err != nil {
		return 0, err
	}
	if v < min || v > max {
		if msg != "" {
			return 0, collErr(msg)
		}
		return 0, collErr("value is out of range, value must between " + strconv.FormatInt(min, 10) + " and " + strconv.FormatInt(max, 10))
	}
	return v, nil
}

// collPositiveLong is getPositiveLongFromObjectOrReply.
func collPositiveLong(b []byte, msg string) (int64, error) {
	if msg == "" {
		msg = "value is out of range, must be positive"
	}
	return collRangeLong(b, 0, math.MaxInt64, msg)
}

// collTimeout checks a blocking command's timeout in seconds as getTimeoutFromObjectOrReply
// does (string2ld, then ceil(t*1000) converted to long long, which must not be negative). The
// value itself is of no use: nothing blocks during a replay.
func collTimeout(c *Client, b []byte) error {
	v, n, flags := collStrtod(b, true)
	collSetErange(c.KS, flags&collStrtodLDErange != 0) // string2ld: errno = 0, then strtold
	if len(b) == 0 || collIsSpace(b[0]) || n != len(b) || math.IsNaN(v) {
		return collErr("timeout is not a float or out of range")
	}
	if flags&collStrtodUnderflow != 0 {
		// Too small for a double; a long double holds down to about 3.6e-4951, and the
		// timeout then rounds to 1 ms (positive) or 0 (negative: ceil gives -0).
		if flags&collStrtodLDUnderflow != 0 {
			return collErr("timeout is not a float or out of range")
		}
		return nil
	}
	if flags&collStrtodOverflow != 0 {
		if flags&collStrtodLDOverflow != 0 {
			return collErr("timeout is not a float or out of range")
		}
		return collErr("timeout is negative") // finite long double too big for long long
	}
	ms := math.Ceil(v * 1000)
	if ms < 0 || ms >= 1<<63 || math.IsInf(ms, 0) {
		// (long long) of an out-of-range value is LLONG_MIN on x86-64: negative.
		return collErr("timeout is negative")
	}
	return nil
}

// listLookup is lookupKeyWrite + checkType for a list.
func listLookup(c *Client, key []byte) (*Entry, *List, error) {
	e, err := c.LookupKind(key, KindList)
	if err != nil || e == nil {
		return nil, nil, err
	}
	return e, c.val(e).(*List), nil
}

// LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]
func listPush(c *Client, a [][]byte, front, xx bool) error {
	_, l, err := listLookup(c, a[1])
	if err != nil {
		return err
	}
	if l == nil {
		if xx {
			return nil
		}
		l = &List{}
		c.Set(a[1], l, NoExpiry)
	}
	for _, el := range a[2:] {
		if front {
			l.PushFront(collStr(el)) // the bytes are copied into the list
		} else {
			l.PushBack(collStr(el))
		}
	}
	return nil
}

// LINSERT key BEFORE|AFTER pivot element
func listInsert(c *Client, a [][]byte) error {
	var after bool
	switch {
	case collEqualFold(a[2], "after"):
		after = true
	case collEqualFold(a[2], "before"):
	default:
		return ErrSyntax
	}
	_, l, err := listLookup(c, a[1])
	if err != nil || l == nil {
		return err
	}
	at := -1
	l.each(func(i int, s string) bool {
		if s == collStr(a[3]) {
			at = i
			return false
		}
		return true
	})
	if at >= 0 {
		if after {
			at++
		}
		l.insertAt(at, collStr(a[4]))
	}
	return nil
}

// LSET key index element
func listSet(c *Client, a [][]byte) error {
	_, l, err := listLookup(c, a[1])
	if err != nil {
		return err
	}
	if l == nil {
		return ErrNoSuchKey
	}
	idx, err := collLong(a[2], "")
	if err != nil {
		return err
	}
	if idx < 0 {
		idx += int64(l.n)
	}
	if idx < 0 || idx >= int64(l.n) {
		return ErrOutOfRange
	}
	l.setAt(int(idx), collStr(a[3]))
	return nil
}

// LREM key count element
func listRem(c *Client, a [][]byte) error {
	count, err := collLong(a[2], "")
	if err != nil {
		return err
	}
	_, l, err := listLookup(c, a[1])
	if err != nil || l == nil {
		return err
	}
	el := collStr(a[3])
	// Which matches go: all (count 0), the first count from the head, or the last -count.
	var matches []int
	l.each(func(i int, s string) bool {
		if s == el {
			matches = append(matches, i)
		}
		return true
	})
	switch {
	case len(matches) == 0:
		return nil
	case count > 0 && int64(len(matches)) > count:
		matches = matches[:count]
	case count < 0 && count != math.MinInt64 && int64(len(matches)) > -count:
		matches = matches[int64(len(matches))+count:]
	}
	k := 0
	l.keepIf(func(i int, _ string) bool {
		if k < len(matches) && matches[k] == i {
			k++
			return false
		}
		return true
	})
	if l.n == 0 {
		c.Delete(a[1])
	}
	return nil
}

// LTRIM key start stop
func listTrim(c *Client, a [][]byte) error {
	start, err := collLong(a[2], "")
	if err != nil {
		return err
	}
	end, err := collLong(a[3], "")
	if err != nil {
		return err
	}
	_, l, err := listLookup(c, a[1])
	if err != nil || l == nil {
		return err
	}
	n := int64(l.n)
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	var left, right int64
	if start > end || start >= n {
		left, right = n, 0
	} else {
		if end >= n {
			end = n - 1
		}
		left, right = start, n-end-1
	}
	l.trim(int(left), int(right))
	if l.n == 0 {
		c.Delete(a[1])
	}
	return nil
}

// listPopN removes up to count elements from one end of the list at key, deleting the key
// when it becomes empty.
func listPopN(c *Client, key []byte, l *List, front bool, count int64) {
	if count >= int64(l.n) {
		c.Delete(key)
		return
	}
	for ; count > 0; count-- {
		if front {
			l.PopFront()
		} else {
			l.PopBack()
		}
	}
}

// LPOP/RPOP key [count]
func listPop(c *Client, a [][]byte, front bool) error {
	if len(a) > 3 {
		return collArityErr(collLower(a[0]))
	}
	count := int64(1)
	if len(a) == 3 {
		var err error
		if count, err = collPositiveLong(a[2], ""); err != nil {
			return err
		}
	}
	_, l, err := listLookup(c, a[1])
	if err != nil || l == nil {
		return err
	}
	listPopN(c, a[1], l, front, count)
	return nil
}

// listWhere parses LEFT|RIGHT (getListPositionFromObjectOrReply); true is LEFT (the head).
func listWhere(b []byte) (bool, error) {
	switch {
	case collEqualFold(b, "left"):
		return true, nil
	case collEqualFold(b, "right"):
		return false, nil
	}
	return false, ErrSyntax
}

// listMove is lmoveGenericCommand: pop from src (head if fromFront) and push to dst.
func listMove(c *Client, src, dst []byte, fromFront, toFront bool) error {
	_, sl, err := listLookup(c, src)
	if err != nil || sl == nil {
		return err
	}
	if sl.n == 0 {
		return nil
	}
	_, dl, err := listLookup(c, dst)
	if err != nil {
		return err
	}
	var v string
	if fromFront {
		v = sl.PopFront()
	} else {
		v = sl.PopBack()
	}
	if dl == sl {
		v = strings.Clone(v) // the popped bytes' room may take the push
	}
	if dl == nil {
		dl = &List{}
		c.Set(dst, dl, NoExpiry)
	}
	if toFront {
		dl.PushFront(v)
	} else {
		dl.PushBack(v)
	}
	if sl.n == 0 {
		c.Delete(src)
	}
	return nil
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
func listLmove(c *Client, a [][]byte) error {
	from, err := listWhere(a[3])
	if err != nil {
		return err
	}
	to, err := listWhere(a[4])
	if err != nil {
		return err
	}
	return listMove(c, a[1], a[2], from, to)
}

// BRPOPLPUSH source destination timeout
func listBrpoplpush(c *Client, a [][]byte) error {
	if err := collTimeout(c, a[3]); err != nil {
		return err
	}
	return listBmove(c, a[1], a[2], false, true)
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
func listBlmove(c *Client, a [][]byte) error {
	from, err := listWhere(a[3])
	if err != nil {
		return err
	}
	to, err := listWhere(a[4])
	if err != nil {
		return err
	}
	if err := collTimeout(c, a[5]); err != nil {
		return err
	}
	return listBmove(c, a[1], a[2], from, to)
}

// listBmove is blmoveGenericCommand for a client that may not block.
func listBmove(c *Client, src, dst []byte, from, to bool) error {
	_, sl, err := listLookup(c, src)
	if err != nil || sl == nil {
		return err
	}
	return listMove(c, src, dst, from, to)
}

// BLPOP/BRPOP key [key ...] timeout
func listBpop(c *Client, a [][]byte, front bool) error {
	if err := collTimeout(c, a[len(a)-1]); err != nil {
		return err
	}
	return listPopFirst(c, a[1:len(a)-1], front, 1)
}

// listPopFirst pops up to count elements from the first non-empty list among keys; a key of
// another type met first is a WRONGTYPE error.
func listPopFirst(c *Client, keys [][]byte, front bool, count int64) error {
	for _, k := range keys {
		_, l, err := listLookup(c, k)
		if err != nil {
			return err
		}
		if l == nil || l.n == 0 {
			continue
		}
		listPopN(c, k, l, front, count)
		return nil
	}
	return nil
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
func listMpop(c *Client, a [][]byte, numkeysIdx int, block bool) error {
	keys, front, count, err := collMpopArgs(a, numkeysIdx, listWhere)
	if err != nil {
		return err
	}
	if block {
		if err := collTimeout(c, a[1]); err != nil {
			return err
		}
	}
	return listPopFirst(c, keys, front, count)
}

// collMpopArgs parses "numkeys key... WHERE [COUNT n]" from a[numkeysIdx] on, as
// lmpopGenericCommand and zmpopGenericCommand do.
func collMpopArgs(a [][]byte, numkeysIdx int, where func([]byte) (bool, error)) ([][]byte, bool, int64, error) {
	numkeys, err := collRangeLong(a[numkeysIdx], 1, math.MaxInt64, "numkeys should be greater than 0")
	if err != nil {
		return nil, false, 0, err
	}
	if numkeys >= int64(len(a)) { // where_idx >= argc (also guards the C overflow)
		return nil, false, 0, ErrSyntax
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	if whereIdx >= len(a) {
		return nil, false, 0, ErrSyntax
	}
	w, err := where(a[whereIdx])
	if err != nil {
		return nil, false, 0, err
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(a); j++ {
		more := len(a) - 1 - j
		if count == -1 && collEqualFold(a[j], "count") && more > 0 {
			j++
			if count, err = collRangeLong(a[j], 1, math.MaxInt64, "count should be greater than 0"); err != nil {
				return nil, false, 0, err
			}
			continue
		}
		return nil, false, 0, ErrSyntax
	}
	if count == -1 {
		count = 1
	}
	return a[numkeysIdx+1 : whereIdx], w, count, nil
}

// collEqualFold is strcasecmp(b, lower) == 0 for an ASCII lower-case word; like the C
// function it stops at a NUL byte in b.
func collEqualFold(b []byte, lower string) bool {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
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

// collLower is the command name in lower case, for error texts.
func collLower(b []byte) string { return string(bytes.ToLower(b)) }

// collStr views b as a string without copying, for lookups and comparisons only: the result
// must not be stored (b may alias a memory-mapped file that is released later).
func collStr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// collBytes views s as a byte slice without copying, for reading only.
func collBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
