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
	"strconv"
	"unsafe"

	"github.com/aofkit/aofkit/internal/canon"
)

// List is a list value: a deque held in a ring buffer, so pushes and pops at either end cost
// O(1) amortised and reading element i costs O(1); inserting or removing in the middle moves
// the shorter side. Elements are immutable strings copied from the input, so clones share
// them.
type List struct {
	ring []string // len(ring) is 0 or a power of two
	head int      // index in ring of element 0
	n    int      // number of elements
}

// Kind reports KindList.
func (l *List) Kind() Kind { return KindList }

// Len returns the number of elements. Cost: O(1).
func (l *List) Len() int { return l.n }

// At returns element i (0 is the head); i must be in [0, Len()). Cost: O(1).
func (l *List) At(i int) string { return l.ring[(l.head+i)&(len(l.ring)-1)] }

func (l *List) setAt(i int, s string) { l.ring[(l.head+i)&(len(l.ring)-1)] = s }

// NewList returns a list holding copies of elems, head first. Cost: O(total size).
func NewList(elems [][]byte) *List {
	l := &List{}
	l.resize(len(elems))
	for _, e := range elems {
		l.PushBack(string(e))
	}
	return l
}

// resize reallocates the ring to the smallest power of two >= max(need, 4), keeping order.
func (l *List) resize(need int) {
	c := 4
	for c < need {
		c <<= 1
	}
	if c == len(l.ring) {
		return
	}
	r := make([]string, c)
	for i := 0; i < l.n; i++ {
		r[i] = l.At(i)
	}
	l.ring, l.head = r, 0
}

func (l *List) grow() {
	if l.n == len(l.ring) {
		l.resize(l.n + 1)
	}
}

// shrink gives memory back once the list uses a quarter of its ring.
func (l *List) shrink() {
	if len(l.ring) > 16 && l.n < len(l.ring)/4 {
		l.resize(l.n * 2)
	}
}

// PushFront adds s at the head. Cost: O(1) amortised.
func (l *List) PushFront(s string) {
	l.grow()
	l.head = (l.head - 1) & (len(l.ring) - 1)
	l.ring[l.head] = s
	l.n++
}

// PushBack adds s at the tail. Cost: O(1) amortised.
func (l *List) PushBack(s string) {
	l.grow()
	l.ring[(l.head+l.n)&(len(l.ring)-1)] = s
	l.n++
}

// PopFront removes and returns the head; the list must not be empty. Cost: O(1) amortised.
func (l *List) PopFront() string {
	s := l.ring[l.head]
	l.ring[l.head] = ""
	l.head = (l.head + 1) & (len(l.ring) - 1)
	l.n--
	l.shrink()
	return s
}

// PopBack removes and returns the tail; the list must not be empty. Cost: O(1) amortised.
func (l *List) PopBack() string {
	i := (l.head + l.n - 1) & (len(l.ring) - 1)
	s := l.ring[i]
	l.ring[i] = ""
	l.n--
	l.shrink()
	return s
}

// insertAt inserts s so that it becomes element i (0 <= i <= n), moving the shorter side.
func (l *List) insertAt(i int, s string) {
	if i == 0 {
		l.PushFront(s)
		return
	}
	if i == l.n {
		l.PushBack(s)
		return
	}
	l.grow()
	if i < l.n/2 {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		l.n++
		for j := 0; j < i; j++ {
			l.setAt(j, l.At(j+1))
		}
	} else {
		l.n++
		for j := l.n - 1; j > i; j-- {
			l.setAt(j, l.At(j-1))
		}
	}
	l.setAt(i, s)
}

// removeAt removes element i, moving the shorter side.
func (l *List) removeAt(i int) {
	if i < l.n/2 {
		for j := i; j > 0; j-- {
			l.setAt(j, l.At(j-1))
		}
		l.PopFront()
		return
	}
	for j := i; j < l.n-1; j++ {
		l.setAt(j, l.At(j+1))
	}
	l.PopBack()
}

// keepIf removes, in one pass, the elements for which keep returns false; order is kept.
func (l *List) keepIf(keep func(i int, s string) bool) {
	w := 0
	for i := 0; i < l.n; i++ {
		s := l.At(i)
		if keep(i, s) {
			l.setAt(w, s)
			w++
		}
	}
	for i := w; i < l.n; i++ {
		l.setAt(i, "")
	}
	l.n = w
	l.shrink()
}

// trim removes left elements from the head and right from the tail.
func (l *List) trim(left, right int) {
	if left+right >= l.n {
		l.keepIf(func(int, string) bool { return false })
		return
	}
	for ; left > 0; left-- {
		l.ring[l.head] = ""
		l.head = (l.head + 1) & (len(l.ring) - 1)
		l.n--
	}
	for ; right > 0; right-- {
		l.ring[(l.head+l.n-1)&(len(l.ring)-1)] = ""
		l.n--
	}
	l.shrink()
}

func (l *List) clone() *List {
	c := &List{}
	c.resize(l.n)
	for i := 0; i < l.n; i++ {
		c.PushBack(l.At(i))
	}
	return c
}

func init() {
	registerCodec(KindList, codec{
		export: func(v Value, k *canon.Key) {
			l := v.(*List)
			k.Type = canon.TypeList
			k.List = collArena(l.n, l.At)
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

// collArena returns n byte slices copied from get(0..n-1), all carved from one allocation.
func collArena(n int, get func(i int) string) [][]byte {
	total := 0
	for i := 0; i < n; i++ {
		total += len(get(i))
	}
	buf := make([]byte, 0, total)
	out := make([][]byte, n)
	for i := 0; i < n; i++ {
		s := get(i)
		buf = append(buf, s...)
		out[i] = buf[len(buf)-len(s) : len(buf) : len(buf)]
	}
	return out
}

// collErr is an error reply "ERR msg" (addReplyError adds the ERR prefix).
func collErr(msg string) *CommandError { return &CommandError{"ERR " + msg} }

// collArityErr is addReplyErrorArity's reply.
func collArityErr(name string) *CommandError {
	return collErr("wrong number of arguments for '" + name + "' command")
}

// collParseInt parses b as string2ll does: optional '-', no '+', no spaces, no leading zeros,
// at most 20 characters, within int64.
func collParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	p := b
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range p {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(ch - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // wraps correctly for 1<<63
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// collLong is getLongFromObjectOrReply: msg replaces the default error text when not empty.
func collLong(b []byte, msg string) (int64, error) {
	v, ok := collParseInt(b)
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
	return e, e.V.(*List), nil
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
			l.PushFront(string(el))
		} else {
			l.PushBack(string(el))
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
	for i := 0; i < l.n; i++ {
		if l.At(i) == string(a[3]) {
			if after {
				i++
			}
			l.insertAt(i, string(a[4]))
			return nil
		}
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
	l.setAt(int(idx), string(a[3]))
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
	el := string(a[3])
	if count == 0 {
		l.keepIf(func(_ int, s string) bool { return s != el })
	} else {
		// Find the index range the first |count| matches (from the chosen end) span.
		limit := count
		fromTail := count < 0
		if fromTail {
			limit = -count // count = LLONG_MIN cannot be reached: |count| is capped by n anyway
			if limit < 0 {
				limit = math.MaxInt64
			}
		}
		cut := -1 // matches at or beyond cut (head side) / at or before cut (tail side) are removed
		var found int64
		if fromTail {
			for i := l.n - 1; i >= 0 && found < limit; i-- {
				if l.At(i) == el {
					found++
					cut = i
				}
			}
			if cut >= 0 {
				l.keepIf(func(i int, s string) bool { return i < cut || s != el })
			}
		} else {
			for i := 0; i < l.n && found < limit; i++ {
				if l.At(i) == el {
					found++
					cut = i
				}
			}
			if cut >= 0 {
				l.keepIf(func(i int, s string) bool { return i > cut || s != el })
			}
		}
	}
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
