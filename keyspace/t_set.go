package keyspace

// Set commands, as src/t_set.c @ 7.0.15 applies them: SADD SREM SMOVE SPOP SINTERSTORE
// SUNIONSTORE SDIFFSTORE. SPOP chooses at random: real AOFs hold the SREM (or DEL) it became
// (reference §5.2); a bare SPOP in a hand-made file is replayed only when its result is
// determined (the whole set goes), otherwise it is refused with an *UnsupportedError.

import (
	"strings"

	"github.com/aofkit/aofkit/internal/canon"
)

// A small set (at most setPackedMax members of at most setPackedLen bytes) is packed into one
// immutable string, each member as a length byte and its bytes; larger sets use a map.
const (
	setPackedMax = 32
	setPackedLen = 64
)

// Set is a set value: distinct members, immutable strings copied from the input. Small sets
// are one packed string scanned linearly (one allocation per change), larger ones a map.
// Membership costs O(1) (small sets: a scan of at most 32 members).
type Set struct {
	pk string              // packed members while m == nil
	n  int                 // members in pk
	m  map[string]struct{} // nil while packed
}

// Kind reports KindSet.
func (s *Set) Kind() Kind { return KindSet }

// Len returns the number of members. Cost: O(1).
func (s *Set) Len() int {
	if s.m != nil {
		return len(s.m)
	}
	return s.n
}

// Has reports whether member is in the set. Cost: O(1).
func (s *Set) Has(member []byte) bool { return s.has(collStr(member)) }

func (s *Set) has(m string) bool {
	if s.m != nil {
		_, ok := s.m[m]
		return ok
	}
	return s.find(m) >= 0
}

// find is the offset of m's length byte in pk, or -1.
func (s *Set) find(m string) int {
	if len(m) > setPackedLen {
		return -1
	}
	for i := 0; i < len(s.pk); {
		l := int(s.pk[i])
		if l == len(m) && s.pk[i+1:i+1+l] == m {
			return i
		}
		i += 1 + l
	}
	return -1
}

// Each calls fn for every member, in no particular order, until fn returns false. The
// strings are immutable and may be kept.
func (s *Set) Each(fn func(member string) bool) { s.each(fn) }

func (s *Set) each(fn func(string) bool) {
	if s.m != nil {
		for m := range s.m {
			if !fn(m) {
				return
			}
		}
		return
	}
	for i := 0; i < len(s.pk); {
		l := int(s.pk[i])
		if !fn(s.pk[i+1 : i+1+l]) {
			return
		}
		i += 1 + l
	}
}

// add inserts member (copied) and reports whether it was new.
func (s *Set) add(member []byte) bool {
	if s.has(collStr(member)) {
		return false
	}
	s.insert(collStr(member))
	return true
}

// insert adds m, which is not present; its bytes are copied unless m is already immutable
// set memory (a member handed out by each).
func (s *Set) insert(m string) {
	if s.m == nil && s.n < setPackedMax && len(m) <= setPackedLen {
		s.pk = s.pk + string([]byte{byte(len(m))}) + m
		s.n++
		return
	}
	if s.m == nil {
		m := make(map[string]struct{}, 2*setPackedMax)
		s.each(func(x string) bool { m[x] = struct{}{}; return true })
		s.m, s.pk, s.n = m, "", 0
	}
	s.m[strings.Clone(m)] = struct{}{}
}

// del removes m and reports whether it was there.
func (s *Set) del(m string) bool {
	if s.m != nil {
		if _, ok := s.m[m]; !ok {
			return false
		}
		delete(s.m, m)
		return true
	}
	i := s.find(m)
	if i < 0 {
		return false
	}
	s.pk = s.pk[:i] + s.pk[i+1+len(m):]
	s.n--
	return true
}

func (s *Set) members() []string {
	out := make([]string, 0, s.Len())
	s.each(func(m string) bool { out = append(out, m); return true })
	return out
}

// NewSet returns a set holding copies of members (repeats are kept once). Cost: O(n).
func NewSet(members [][]byte) *Set {
	s := &Set{}
	if len(members) > setPackedMax {
		s.m = make(map[string]struct{}, len(members))
	}
	for _, m := range members {
		s.add(m)
	}
	return s
}

func (s *Set) clone() *Set {
	if s.m == nil {
		return &Set{pk: s.pk, n: s.n} // immutable: shared
	}
	c := &Set{m: make(map[string]struct{}, len(s.m))}
	for m := range s.m {
		c.m[m] = struct{}{}
	}
	return c
}

func init() {
	registerCodec(KindSet, codec{
		export: func(v Value, k *canon.Key) {
			s := v.(*Set)
			k.Type = canon.TypeSet
			k.Set = make([][]byte, 0, s.Len())
			s.each(func(m string) bool { k.Set = append(k.Set, collBytes(m)); return true })
		},
		load:  func(k *canon.Key) (Value, error) { return NewSet(k.Set), nil },
		clone: func(v Value) Value { return v.(*Set).clone() },
	})
	register("sadd", setsAdd)
	register("srem", setsRem)
	register("smove", setsMove)
	register("spop", setsPop)
	register("sinterstore", setsInterStore)
	register("sunionstore", func(c *Client, a [][]byte) error { return setsUnionDiffStore(c, a, false) })
	register("sdiffstore", func(c *Client, a [][]byte) error { return setsUnionDiffStore(c, a, true) })
}

// setsLookup is lookupKeyWrite + checkType for a set.
func setsLookup(c *Client, key []byte) (*Set, error) {
	e, err := c.LookupKind(key, KindSet)
	if err != nil || e == nil {
		return nil, err
	}
	return c.val(e).(*Set), nil
}

// SADD key member [member ...]
func setsAdd(c *Client, a [][]byte) error {
	s, err := setsLookup(c, a[1])
	if err != nil {
		return err
	}
	if s == nil {
		s = &Set{}
		c.Set(a[1], s, NoExpiry)
	}
	for _, m := range a[2:] {
		s.add(m)
	}
	return nil
}

// SREM key member [member ...]
func setsRem(c *Client, a [][]byte) error {
	s, err := setsLookup(c, a[1])
	if err != nil || s == nil {
		return err
	}
	for _, m := range a[2:] {
		if s.del(collStr(m)) && s.Len() == 0 {
			c.Delete(a[1])
			break
		}
	}
	return nil
}

// SMOVE source destination member
func setsMove(c *Client, a [][]byte) error {
	se, de := c.Lookup(a[1]), c.Lookup(a[2])
	if se == nil {
		return nil
	}
	if se.Kind() != KindSet || (de != nil && de.Kind() != KindSet) {
		return ErrWrongType
	}
	src := c.val(se).(*Set)
	if de == se {
		return nil
	}
	if !src.del(collStr(a[3])) {
		return nil
	}
	if src.Len() == 0 {
		c.Delete(a[1])
	}
	var dst *Set
	if de == nil {
		dst = &Set{}
		c.Set(a[2], dst, NoExpiry)
	} else {
		dst = c.val(de).(*Set)
	}
	dst.add(a[3])
	return nil
}

// SPOP key [count]
func setsPop(c *Client, a [][]byte) error {
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
	s, err := setsLookup(c, a[1])
	if err != nil || s == nil || count == 0 {
		return err
	}
	if count >= int64(s.Len()) {
		c.Delete(a[1]) // the whole set is popped
		return nil
	}
	return &UnsupportedError{Command: "spop", Key: string(a[1]),
		Reason: "SPOP removes members chosen at random (the AOF of a real server holds the SREM it became); which ones cannot be known"}
}

// setsSources looks up the input keys of a set operation: nil for a missing key, WRONGTYPE
// for another kind.
func setsSources(c *Client, keys [][]byte) ([]*Set, error) {
	out := make([]*Set, len(keys))
	for i, k := range keys {
		s, err := setsLookup(c, k)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// setsStore stores members as a new set at key, without TTL (setKey), or deletes key when
// there are none.
func setsStore(c *Client, key []byte, res *Set) {
	if res.Len() == 0 {
		c.Delete(key)
		return
	}
	c.Set(key, res, NoExpiry)
}

// SINTERSTORE destination key [key ...]
func setsInterStore(c *Client, a [][]byte) error {
	sets, err := setsSources(c, a[2:])
	if err != nil {
		return err
	}
	res := &Set{}
	smallest := -1
	for i, s := range sets {
		if s == nil {
			setsStore(c, a[1], res)
			return nil
		}
		if smallest < 0 || s.Len() < sets[smallest].Len() {
			smallest = i
		}
	}
	sets[smallest].each(func(m string) bool {
		for _, o := range sets {
			if o != sets[smallest] && !o.has(m) {
				return true
			}
		}
		res.insert(m)
		return true
	})
	setsStore(c, a[1], res)
	return nil
}

// SUNIONSTORE / SDIFFSTORE destination key [key ...]
func setsUnionDiffStore(c *Client, a [][]byte, diff bool) error {
	sets, err := setsSources(c, a[2:])
	if err != nil {
		return err
	}
	res := &Set{}
	if !diff {
		for _, s := range sets {
			if s != nil {
				s.each(func(m string) bool {
					if !res.has(m) {
						res.insert(m)
					}
					return true
				})
			}
		}
	} else if sets[0] != nil {
		same := false
		for _, s := range sets[1:] {
			same = same || s == sets[0]
		}
		if !same {
			sets[0].each(func(m string) bool {
				for _, o := range sets[1:] {
					if o != nil && o.has(m) {
						return true
					}
				}
				res.insert(m)
				return true
			})
		}
	}
	setsStore(c, a[1], res)
	return nil
}
