package keyspace

// SORT … STORE, as src/sort.c @ 7.0.15 applies it (SORT without STORE only reads). BY and GET
// patterns read other keys: "*" is replaced by the element, "->field" reads a hash field
// (fields whose TTL passed read as missing, as the 7.4 loader does), otherwise a string; "#"
// is the element itself. A BY pattern without "*" means "do not sort"; storing a set that
// way is forced to an ALPHA sort (reference §5.4).
//
// Order: numeric sorts break ties by the element bytes and ALPHA sorts with STORE compare
// bytes, so the result is determined, except for ALPHA with a BY pattern where several
// elements get the same (or no) weight: Redis keeps them in the order it loaded them (list
// order; a set's or sorted set's internal hash order, which no replay can know — sets of
// canonical integers, kept as an intset by Redis, come in numeric order here, others in byte
// order, sorted sets in score order).
//
// bmSort is Redis's pqsort (Bentley & McIlroy's quicksort that only sorts the partitions
// holding a wanted range); SORT … BY … LIMIT and GEO searches with COUNT depend on which of
// several equal elements it leaves in the wanted range.

import (
	"bytes"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// bmSort sorts the n elements reached through cmp and swap (indexes 0..n-1) with the
// algorithm of Redis's pqsort.c (Bentley & McIlroy, "Engineering a Sort Function", 1993):
// partitions entirely outside [lrange, rrange] are left unsorted. Cost: O(n log n) at most.
func bmSort(n int, cmp func(i, j int) int, swap func(i, j int), lrange, rrange int) {
	med3 := func(a, b, c int) int {
		if cmp(a, b) < 0 {
			if cmp(b, c) < 0 {
				return b
			}
			if cmp(a, c) < 0 {
				return c
			}
			return a
		}
		if cmp(b, c) > 0 {
			return b
		}
		if cmp(a, c) < 0 {
			return a
		}
		return c
	}
	vecswap := func(a, b, k int) {
		for i := 0; i < k; i++ {
			swap(a+i, b+i)
		}
	}
	outside := func(base, k int) bool {
		return (lrange < base && rrange < base) || (lrange >= base+k && rrange >= base+k)
	}
	var rec func(base, n int)
	rec = func(base, n int) {
		for {
			if n < 7 {
				for pm := base + 1; pm < base+n; pm++ {
					for pl := pm; pl > base && cmp(pl-1, pl) > 0; pl-- {
						swap(pl, pl-1)
					}
				}
				return
			}
			pm := base + n/2
			if n > 7 {
				pl, pn := base, base+n-1
				if n > 40 {
					d := n / 8
					pl = med3(pl, pl+d, pl+2*d)
					pm = med3(pm-d, pm, pm+d)
					pn = med3(pn-2*d, pn-d, pn)
				}
				pm = med3(pl, pm, pn)
			}
			swap(base, pm)
			pa, pb := base+1, base+1
			pc, pd := base+n-1, base+n-1
			for {
				for pb <= pc {
					r := cmp(pb, base)
					if r > 0 {
						break
					}
					if r == 0 {
						swap(pa, pb)
						pa++
					}
					pb++
				}
				for pb <= pc {
					r := cmp(pc, base)
					if r < 0 {
						break
					}
					if r == 0 {
						swap(pc, pd)
						pd--
					}
					pc--
				}
				if pb > pc {
					break
				}
				swap(pb, pc)
				pb++
				pc--
			}
			pn := base + n
			r := min(pa-base, pb-pa)
			vecswap(base, pb-r, r)
			r = min(pd-pc, pn-pd-1)
			vecswap(pb, pn-r, r)
			if r = pb - pa; r > 1 && !outside(base, r) {
				rec(base, r)
			}
			if r = pd - pc; r > 1 {
				base, n = pn-r, r
				if !outside(base, n) {
					continue
				}
			}
			return
		}
	}
	rec(0, n)
}

func init() {
	register("sort", sortCmd)
}

// sortItem is redisSortObject: an element with its numeric weight or its BY value.
type sortItem struct {
	elem  string
	score float64
	cmp   []byte // ALPHA with BY: the BY value, nil when the pattern found nothing
	hasBy bool
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]
func sortCmd(c *Client, a [][]byte) error {
	desc, alpha, dontsort := false, false, false
	var limitStart int64
	limitCount := int64(-1)
	var storeKey, sortBy []byte
	var gets [][]byte
	for j := 2; j < len(a); j++ {
		left := len(a) - j - 1
		switch {
		case collEqualFold(a[j], "asc"):
			desc = false
		case collEqualFold(a[j], "desc"):
			desc = true
		case collEqualFold(a[j], "alpha"):
			alpha = true
		case collEqualFold(a[j], "limit") && left >= 2:
			var err error
			if limitStart, err = collLong(a[j+1], ""); err != nil {
				return err
			}
			if limitCount, err = collLong(a[j+2], ""); err != nil {
				return err
			}
			j += 2
		case collEqualFold(a[j], "store") && left >= 1:
			storeKey = a[j+1]
			j++
		case collEqualFold(a[j], "by") && left >= 1:
			sortBy = a[j+1]
			if bytes.IndexByte(collCString(sortBy), '*') < 0 {
				dontsort = true
			}
			j++
		case collEqualFold(a[j], "get") && left >= 1:
			gets = append(gets, a[j+1])
			j++
		default:
			return ErrSyntax
		}
	}
	var kind Kind
	var val Value
	if e := c.Lookup(a[1]); e != nil {
		kind = e.Kind()
		if kind != KindSet && kind != KindList && kind != KindZset {
			return ErrWrongType
		}
		val = c.val(e)
	}
	if val == nil {
		kind, val = KindList, &List{}
	}
	if dontsort && kind == KindSet {
		dontsort, alpha, sortBy = false, true, nil
	}
	vlen := sortLen(val)
	start := min(max(limitStart, 0), vlen)
	limitCount = min(max(limitCount, -1), vlen)
	end := vlen - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= vlen {
		start, end = vlen-1, vlen-2
	}
	if end >= vlen {
		end = vlen - 1
	}
	var items []sortItem
	switch v := val.(type) {
	case *List:
		if dontsort {
			if end >= start {
				n := end - start + 1
				from := start
				if desc {
					from = int64(v.Len()) - 1 - start
				}
				v.Range(int(from), desc, func(s string) bool {
					items = append(items, sortItem{elem: s})
					return int64(len(items)) < n
				})
				end -= start
				start = 0
			}
		} else {
			v.each(func(_ int, s string) bool { items = append(items, sortItem{elem: s}); return true })
		}
	case *Set:
		for _, m := range sortSetOrder(v) {
			items = append(items, sortItem{elem: m})
		}
	case *Zset:
		if dontsort {
			n := vlen
			if start != 0 || end != vlen-1 {
				n = end - start + 1
			}
			var cur zcursor
			if desc {
				cur = v.seek(int(vlen - 1 - start))
			} else {
				cur = v.seek(int(start))
			}
			for k := int64(0); k < n; k++ {
				items = append(items, sortItem{elem: cur.member()})
				cur.step(!desc)
			}
			end -= start
			start = 0
		} else {
			v.Each(func(m string, _ float64) bool { items = append(items, sortItem{elem: m}); return true })
		}
	}
	if !dontsort {
		convErr := false
		for i := range items {
			it := &items[i]
			var by []byte
			var packed bool // an object Redis holds integer-encoded
			if sortBy != nil {
				var ok bool
				if by, packed, ok = sortLookupPattern(c, sortBy, it.elem); !ok {
					continue
				}
			} else {
				by = collBytes(it.elem)
				packed = kind == KindList // listpack entries of canonical integers
			}
			if alpha {
				if sortBy != nil {
					it.cmp, it.hasBy = by, true
				}
				continue
			}
			if packed {
				if v, ok := strParseInt(by); ok {
					it.score = float64(v) // an integer-encoded object: (long)ptr, no strtod
					continue
				}
			}
			// strtod(byval) then "eptr[0] != '\0' || errno == ERANGE || isnan": errno is not
			// cleared first, so an ERANGE left by an earlier parse fails any number.
			s := collCString(by)
			v, n, flags := collStrtod(s, false)
			if flags&collStrtodErange != 0 {
				collSetErange(c.KS, true)
			}
			it.score = v
			if n != len(s) || math.IsNaN(v) || collErangeOf(c.KS) {
				convErr = true
			}
		}
		if convErr {
			return collErr("One or more scores can't be converted into double")
		}
		cmp := func(x, y *sortItem) int {
			r := 0
			switch {
			case !alpha:
				switch {
				case x.score > y.score:
					r = 1
				case x.score < y.score:
					r = -1
				default:
					r = strings.Compare(x.elem, y.elem)
				}
			case sortBy != nil:
				switch {
				case !x.hasBy || !y.hasBy:
					switch {
					case x.hasBy == y.hasBy:
						r = 0
					case !x.hasBy:
						r = -1
					default:
						r = 1
					}
				default:
					r = bytes.Compare(x.cmp, y.cmp)
				}
			default:
				r = strings.Compare(x.elem, y.elem)
			}
			if desc {
				r = -r
			}
			return r
		}
		if end >= start {
			if sortBy != nil && (start != 0 || end != int64(len(items))-1) {
				bmSort(len(items), func(i, j int) int { return cmp(&items[i], &items[j]) },
					func(i, j int) { items[i], items[j] = items[j], items[i] }, int(start), int(end))
			} else {
				// qsort: glibc's merge sort, stable for the ties ALPHA BY leaves.
				sort.SliceStable(items, func(i, j int) bool { return cmp(&items[i], &items[j]) < 0 })
			}
		}
	}
	if storeKey == nil {
		return nil // a read (errors above were still checked): no effect on the dataset
	}
	out := &List{}
	for j := start; j <= end; j++ {
		if len(gets) == 0 {
			out.PushBack(items[j].elem)
			continue
		}
		for _, g := range gets {
			v, _, _ := sortLookupPattern(c, g, items[j].elem)
			out.PushBack(string(v))
		}
	}
	if out.Len() > 0 {
		c.Set(storeKey, out, NoExpiry)
	} else {
		c.Delete(storeKey)
	}
	return nil
}

func sortLen(v Value) int64 {
	switch v := v.(type) {
	case *List:
		return int64(v.Len())
	case *Set:
		return int64(v.Len())
	case *Zset:
		return int64(v.Len())
	}
	return 0
}

// sortSetOrder is the order SORT loads a set in: an intset's (ascending integers) when Redis
// would keep the set as one (all members canonical integers, at most 512), else byte order
// (Redis: hash-table order, unknowable).
func sortSetOrder(s *Set) []string {
	ms := s.members()
	ints := len(ms) <= 512
	nums := make([]int64, 0, len(ms))
	for _, m := range ms {
		v, ok := strParseInt([]byte(m))
		if !ok {
			ints = false
			break
		}
		nums = append(nums, v)
	}
	if ints {
		slices.Sort(nums)
		for i, v := range nums {
			ms[i] = strconv.FormatInt(v, 10)
		}
		return ms
	}
	slices.Sort(ms)
	return ms
}

// sortLookupPattern is lookupKeyByPattern: the value pattern names for element subst, and
// whether Redis would hold that value integer-encoded (a canonical integer in a string, as
// SET stores it, or in a listpack-encoded hash; "#" is only used by GET, where it does not
// matter).
func sortLookupPattern(c *Client, pattern []byte, subst string) ([]byte, bool, bool) {
	if len(pattern) > 0 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0) {
		return []byte(subst), false, true
	}
	cs := collCString(pattern)
	p := bytes.IndexByte(cs, '*')
	if p < 0 {
		return nil, false, false
	}
	var field []byte
	fieldLen := 0
	if f := bytes.Index(cs[p+1:], []byte("->")); f >= 0 && p+1+f+2 < len(cs) {
		f += p + 1
		field = pattern[f+2:]
		fieldLen = len(field)
	}
	postEnd := len(pattern)
	if fieldLen > 0 {
		postEnd -= fieldLen + 2
	}
	key := make([]byte, 0, p+len(subst)+postEnd-p-1)
	key = append(key, pattern[:p]...)
	key = append(key, subst...)
	key = append(key, pattern[p+1:postEnd]...)
	e := c.Lookup(key)
	if e == nil {
		return nil, false, false
	}
	if field != nil {
		h, ok := c.val(e).(*Hash)
		if !ok {
			return nil, false, false
		}
		v, ok := h.live(field, c.KS.NowMs) // a field whose TTL passed reads as missing
		return v, h.m == nil, ok
	}
	if e.Kind() != KindString {
		return nil, false, false
	}
	return c.KS.DB(c.DB).String(e), true, true
}
