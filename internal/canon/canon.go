// Package canon is the canonical in-memory form of a dataset and its JSON-lines encoding, in
// the schema of shared/tools/keyspace_dump.py: one object per key, sorted by db then raw key
// bytes, then one {"functions": [...]} line when libraries exist.
//
// Every source that aofkit can read (an RDB, a replayed AOF, a live server) is turned into
// []Key and compared or printed through this package, so "same dataset" has one meaning.
package canon

// Types of a key, as TYPE prints them.
const (
	TypeString = "string"
	TypeList   = "list"
	TypeSet    = "set"
	TypeZset   = "zset"
	TypeHash   = "hash"
	TypeStream = "stream"
)

// NoExpiry is the ExpireMs of a key or hash field without a TTL.
const NoExpiry int64 = -1

// Key is one key with its whole value. Exactly one of the value fields is set, chosen by Type.
type Key struct {
	DB       int
	Key      []byte
	Type     string
	ExpireMs int64 // absolute unix ms, or NoExpiry

	String []byte    // TypeString
	List   [][]byte  // TypeList, head to tail
	Set    [][]byte  // TypeSet, any order (Normalize sorts)
	Zset   []ZMember // TypeZset, any order (Normalize sorts by score then member)
	Hash   []HField  // TypeHash, any order (Normalize sorts by field, value)
	Stream *Stream   // TypeStream
}

// ZMember is a sorted-set member and its score.
type ZMember struct {
	Member []byte
	Score  float64
}

// HField is a hash field, its value and its field TTL (absolute unix ms, or NoExpiry).
type HField struct {
	Field, Value []byte
	ExpireMs     int64
}

// StreamID is a stream entry ID.
type StreamID struct{ Ms, Seq uint64 }

// Stream is a stream's entries and metadata. Pointer fields are nil where the source does not
// know the value (RDB stream v1 has no entries_added, max_deleted_id or entries_read); they
// print as null.
type Stream struct {
	Entries      []StreamEntry
	LastID       StreamID
	MaxDeletedID *StreamID
	EntriesAdded *int64
	Groups       []Group
}

// StreamEntry is one entry: its ID and its field/value list (f1, v1, f2, v2, ...).
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// Group is a consumer group.
type Group struct {
	Name          []byte
	LastDelivered StreamID
	EntriesRead   *int64
	Consumers     [][]byte  // names
	Pending       []Pending // group PEL
}

// Pending is one entry of a group's PEL.
type Pending struct {
	ID            StreamID
	Consumer      []byte
	DeliveryCount int64
}

// Function is a function library (FUNCTION LIST WITHCODE).
type Function struct {
	Name, Engine, Code []byte
}
