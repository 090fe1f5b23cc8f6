package canon

import (
	"bytes"
	"cmp"
	"slices"
)

// Normalize puts k's unordered parts into canonical order, in place: set members by raw bytes,
// sorted-set members in ZRANGE order (score, then member bytes), hash fields by (field, value),
// stream groups by name, each group's consumers by raw bytes and its pending entries by ID
// (then consumer). Lists and stream entries keep their order. Cost: O(n log n) in the key's size.
func Normalize(k *Key) {
	slices.SortFunc(k.Set, bytes.Compare)
	slices.SortStableFunc(k.Zset, cmpZMember)
	slices.SortFunc(k.Hash, cmpHField)
	if k.Stream != nil {
		slices.SortFunc(k.Stream.Groups, func(a, b Group) int { return bytes.Compare(a.Name, b.Name) })
		for i := range k.Stream.Groups {
			g := &k.Stream.Groups[i]
			slices.SortFunc(g.Consumers, bytes.Compare)
			slices.SortFunc(g.Pending, cmpPending)
		}
	}
}

// Sort orders keys by db, then raw key bytes (the order keyspace_dump.py prints). Cost:
// O(n log n) comparisons; values are not touched.
func Sort(keys []Key) {
	slices.SortFunc(keys, cmpKey)
}

func cmpKey(a, b Key) int {
	if c := cmp.Compare(a.DB, b.DB); c != 0 {
		return c
	}
	return bytes.Compare(a.Key, b.Key)
}

// cmpZMember is ZRANGE order: score, then member bytes (Redis compares members with memcmp
// when scores are equal; -0 and 0 are equal scores).
func cmpZMember(a, b ZMember) int {
	switch {
	case a.Score < b.Score:
		return -1
	case a.Score > b.Score:
		return 1
	}
	return bytes.Compare(a.Member, b.Member)
}

func cmpHField(a, b HField) int {
	if c := bytes.Compare(a.Field, b.Field); c != 0 {
		return c
	}
	if c := bytes.Compare(a.Value, b.Value); c != 0 {
		return c
	}
	return cmp.Compare(a.ExpireMs, b.ExpireMs)
}

func cmpPending(a, b Pending) int {
	if c := a.ID.Compare(b.ID); c != 0 {
		return c
	}
	if c := bytes.Compare(a.Consumer, b.Consumer); c != 0 {
		return c
	}
	return cmp.Compare(a.DeliveryCount, b.DeliveryCount)
}

// normalized returns k when its unordered parts are already in canonical order, else a copy
// (sharing the byte slices) that Normalize has sorted. Cost: one O(n) pass when sorted.
func normalized(k *Key) *Key {
	ok := slices.IsSortedFunc(k.Set, bytes.Compare) &&
		slices.IsSortedFunc(k.Zset, cmpZMember) &&
		slices.IsSortedFunc(k.Hash, cmpHField)
	if ok && k.Stream != nil {
		ok = slices.IsSortedFunc(k.Stream.Groups, func(a, b Group) int { return bytes.Compare(a.Name, b.Name) })
		for i := 0; ok && i < len(k.Stream.Groups); i++ {
			g := &k.Stream.Groups[i]
			ok = slices.IsSortedFunc(g.Consumers, bytes.Compare) && slices.IsSortedFunc(g.Pending, cmpPending)
		}
	}
	if ok {
		return k
	}
	c := cloneShallow(k)
	Normalize(c)
	return c
}

// cloneShallow copies the slices and structs of k that Normalize reorders; byte strings are
// shared.
func cloneShallow(k *Key) *Key {
	c := *k
	c.Set = slices.Clone(k.Set)
	c.Zset = slices.Clone(k.Zset)
	c.Hash = slices.Clone(k.Hash)
	if k.Stream != nil {
		s := *k.Stream
		s.Groups = slices.Clone(k.Stream.Groups)
		for i := range s.Groups {
			s.Groups[i].Consumers = slices.Clone(s.Groups[i].Consumers)
			s.Groups[i].Pending = slices.Clone(s.Groups[i].Pending)
		}
		c.Stream = &s
	}
	return &c
}
