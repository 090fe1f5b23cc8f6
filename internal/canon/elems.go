package canon

// Elems is a large collection handed over element by element instead of as one of Key's
// slices, so that writing it costs no memory in proportion to its size. A Key whose value
// travels as Elems has its header fields (DB, Key, Type, ExpireMs) set and its value slices
// nil. The function matching the key's Type is set; each calls yield for every element until
// yield returns false. The byte slices passed to yield are views, valid only during the call.
// The source guarantees what a Key's slices may not: members and fields are unique, and a
// sorted set's members come greatest first (score, then member bytes, descending).
type Elems struct {
	Len  int                                                        // elements, members or fields that the function yields
	List func(yield func(elem []byte) bool)                         // TypeList: head to tail
	Set  func(yield func(member []byte) bool)                       // TypeSet: any order
	Zset func(yield func(member []byte, score float64) bool)        // TypeZset: greatest first
	Hash func(yield func(field, value []byte, expireMs int64) bool) // TypeHash: any order; expireMs or NoExpiry
}
