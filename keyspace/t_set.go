package keyspace

// Set commands, as src/t_set.c @ 7.0.15 applies them: SADD SREM SMOVE SPOP SINTERSTORE
// SUNIONSTORE SDIFFSTORE. SPOP chooses at random: real AOFs hold the SREM (or DEL) it became
// (reference §5.2); a bare SPOP in a hand-made file is replayed only when its result is
// determined (the whole set goes), otherwise it is refused with an *UnsupportedError.

import (
	"github.com/aofkit/aofkit/internal/canon"
)

// setSmall is how many members a set holds in a plain slice before it gets a map.
const setSmall = 16

// Set is a set value: distinct members, immutable strings copied from the input. Small sets
// are a slice scanned linearly, larger ones a map. Membership costs O(1) (O(16) while small).
type Set struct {
	small []string
	m     map[string]struct{}
}

// Kind reports KindSet.
func (s *Set) Kind() Kind { return KindSet }

// Len returns the number of members. Cost: O(1).
func (s *Set) Len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.small)
}

// Has reports whether member is in the set. Cost: O(1).
func (s *Set) Has(member []byte) bool { return s.has(collStr(member)) }

func (s *Set) has(m string) bool {
	if s.m != nil {
		_, ok := s.m[m]
		return ok
	}
	for _, x := range s.small {
		if x == m {
			return true
		}
	}
	return false
}

// Each calls fn for every member, in no particular order, until fn returns false.
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
	for _, m := range s.small {
		if !fn(m) {
			return
		}
	}
}

// add inserts member (copied) and reports whether it was new.
func (s *Set) add(member []byte) bool {
	if s.has(collStr(member)) {
		return false
	}
	s.insert(string(member))
	return true
}

// insert adds m, which is not present and is kept as is.
func (s *Set) insert(m string) {
	if s.m != nil {
		s.m[m] = struct{}{}
		return
	}
	if len(s.small) < setSmall {
		s.small = append(s.small, m)
		return
	}
	s.m = make(map[string]struct{}, 2*setSmall)
	for _, x := range s.small {
		s.m[x] = struct{}{}
	}
	s.small = nil
	s.m[m] = struct{}{}
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
	for i, x := range s.small {
		if x == m {
			last := len(s.small) - 1
			s.small[i] = s.small[last]
			s.small[last] = ""
			s.small = s.small[:last]
			return true
		}
	}
	return false
}

func (s *Set) members() []string {
	out := make([]string, 0, s.Len())
	s.each(func(m string) bool { out = append(out, m); return true })
	return out
}

// NewSet returns a set holding copies of members (repeats are kept once). Cost: O(n).
func NewSet(members [][]byte) *Set {
	s := &Set{}
	if len(members) > setSmall {
		s.m = make(map[string]struct{}, len(members))
	}
	for _, m := range members {
		s.add(m)
	}
	return s
}

func (s *Set) clone() *Set {
	c := &Set{}
	if s.m != nil {
		c.m = make(map[string]struct{}, len(s.m))
		for m := range s.m {
			c.m[m] = struct{}{}
		}
		return c
	}
	c.small = append([]string(nil), s.small...)
	return c
}

func init() {
	registerCodec(KindSet, codec{
		export: func(v Value, k *canon.Key) {
			ms := v.(*Set).members()
			k.Type = canon.TypeSet
			k.Set = collArena(len(ms), func(i int) string { return ms[i] })
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
	return e.V.(*Set), nil
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
	if se.V.Kind() != KindSet || (de != nil && de.V.Kind() != KindSet) {
		return ErrWrongType
	}
	src := se.V.(*Set)
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
		dst = de.V.(*Set)
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
