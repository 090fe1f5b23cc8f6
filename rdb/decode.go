package rdb

import (
	"errors"
	"fmt"

	"github.com/aofkit/aofkit/internal/canon"
)

// This file holds the decoder's public surface: options, the handler interface, the summary
// (Info) and the error type. The decoding itself is in decode_*.go; the compact encodings in
// listpack.go, ziplist.go, intset.go, zipmap.go and lzf.go; deep checks in verify*.go.
//
// Layouts follow src/rdb.c, rdb.h, listpack.c, ziplist.c, intset.c, zipmap.c, t_stream.c and
// lzf_d.c of Redis 3.2 through 7.4.1 (8.0-m01 writes the same RDB 12), and Valkey 8.0.1.

// NoExpiry is the ExpireMs of a key or hash field without a TTL (the same value as canon.NoExpiry).
const NoExpiry int64 = canon.NoExpiry

// ebExpireTimeMax is the largest hash field TTL Redis accepts (EB_EXPIRE_TIME_MAX, ebuckets.h).
const ebExpireTimeMax = 1<<48 - 1

// Options tunes Decode and DecodePayload. The zero value decodes leniently (structure only,
// no checksum) with default chunk sizes.
type Options struct {
	// Verify turns on the deep validation that redis-check-rdb / RESTORE perform with
	// sanitize-dump-payload yes, plus consistency checks of our own: listpack, ziplist,
	// intset and zipmap headers, entry counts, back-lengths and terminators; intset order;
	// duplicate members or fields in every encoding; zset scores that are NaN or not numbers;
	// hash field TTL range and order; stream listpack layout, entry ID order, lengths and
	// counters; consumer group PEL / consumer consistency; duplicate keys are NOT detected
	// (that needs memory proportional to the key count). Without Verify the decoder still
	// checks every bound it needs to walk the bytes and never panics, but it trusts counts,
	// back-lengths, orderings and uniqueness.
	Verify bool

	// Checksum computes Redis's CRC-64 over the file (versions ≥ 5) and compares it with the
	// 8-byte trailer; a stored zero means "saved without a checksum" and is not an error.
	// DecodePayload always checks the payload CRC, as RESTORE does.
	Checksum bool

	// ChunkItems caps the number of elements handed to one chunk callback (default 512).
	ChunkItems int

	// Progress, when set, is called with the current file offset each time decoding has
	// advanced by ProgressBytes (default 8 MiB) and once at the end, so that a caller can
	// release the pages of a memory-mapped file (mmapfile.File.Release). It is called
	// between keys and between chunks of one key; bytes before the offset will not be read
	// again except to re-read a member for a duplicate check under Verify.
	Progress      func(offset int64)
	ProgressBytes int64

	// DupCheckLimit bounds, under Verify, the number of members of one hashtable-encoded
	// set, sorted set or hash whose uniqueness is checked (16 bytes of memory each);
	// 0 means 16 Mi members (256 MiB). Members past the limit are not checked and the key is
	// counted in Info.UncheckedKeys. Compact encodings are always checked in full.
	DupCheckLimit int
}

// Handler receives the decoded file as a stream of events. Every []byte and slice argument
// is valid only during the call: it points into the input or into scratch buffers that the
// decoder reuses. A non-nil error from a method stops decoding and is returned unchanged.
// Embed NopHandler to implement only the methods you need.
//
// Order: Aux, SelectDB, ResizeDB, SlotInfo, ModuleAux and Function events in file order;
// each key is BeginKey, then its elements in chunks, then EndKey. Element events by kind:
// string: StringValue once; list: ListItems; set: SetMembers; zset: ZsetMembers; hash:
// HashFields; stream: StreamEntries, then StreamMeta, then per consumer group StreamGroup,
// StreamPending (its PEL), then per consumer StreamConsumer and StreamConsumerPending;
// module: ModuleValue once.
type Handler interface {
	Aux(key, value []byte) error
	SelectDB(db int) error
	ResizeDB(keys, expires uint64) error
	SlotInfo(slot, keys, expires uint64) error
	ModuleAux(moduleID, when uint64, value []byte) error
	Function(code []byte) error

	BeginKey(k *KeyInfo) error
	StringValue(v []byte) error
	ListItems(items [][]byte) error
	SetMembers(members [][]byte) error
	ZsetMembers(members []ZMember) error
	HashFields(fields []HashField) error
	StreamEntries(entries []StreamEntry) error
	StreamMeta(m *StreamMeta) error
	StreamGroup(g *StreamGroup) error
	StreamPending(nacks []StreamNACK) error
	StreamConsumer(c *StreamConsumer) error
	StreamConsumerPending(ids []StreamID) error
	ModuleValue(moduleID uint64, value []byte) error
	EndKey(k *KeyInfo) error
}

// NopHandler implements Handler by ignoring every event. Embed it and override what you need.
type NopHandler struct{}

func (NopHandler) Aux(key, value []byte) error                         { return nil }
func (NopHandler) SelectDB(db int) error                               { return nil }
func (NopHandler) ResizeDB(keys, expires uint64) error                 { return nil }
func (NopHandler) SlotInfo(slot, keys, expires uint64) error           { return nil }
func (NopHandler) ModuleAux(moduleID, when uint64, value []byte) error { return nil }
func (NopHandler) Function(code []byte) error                          { return nil }
func (NopHandler) BeginKey(k *KeyInfo) error                           { return nil }
func (NopHandler) StringValue(v []byte) error                          { return nil }
func (NopHandler) ListItems(items [][]byte) error                      { return nil }
func (NopHandler) SetMembers(members [][]byte) error                   { return nil }
func (NopHandler) ZsetMembers(members []ZMember) error                 { return nil }
func (NopHandler) HashFields(fields []HashField) error                 { return nil }
func (NopHandler) StreamEntries(entries []StreamEntry) error           { return nil }
func (NopHandler) StreamMeta(m *StreamMeta) error                      { return nil }
func (NopHandler) StreamGroup(g *StreamGroup) error                    { return nil }
func (NopHandler) StreamPending(nacks []StreamNACK) error              { return nil }
func (NopHandler) StreamConsumer(c *StreamConsumer) error              { return nil }
func (NopHandler) StreamConsumerPending(ids []StreamID) error          { return nil }
func (NopHandler) ModuleValue(moduleID uint64, value []byte) error     { return nil }
func (NopHandler) EndKey(k *KeyInfo) error                             { return nil }

// KeyInfo describes the key being decoded. The decoder reuses one KeyInfo for every key.
type KeyInfo struct {
	DB       int
	Key      []byte // nil inside a DUMP payload
	Type     int    // RDB type code (TypeString ... TypeHashListpackEx)
	Kind     string // canon.TypeString ... canon.TypeStream, or "module"
	Encoding string // the RDB encoding: "string", "linkedlist", "quicklist", "quicklist2", "ziplist", "listpack", "listpack-ex", "intset", "zipmap", "hashtable", "metadata", "stream", "module"
	ExpireMs int64  // absolute unix ms, or NoExpiry
	Idle     int64  // LRU idle seconds (opcode IDLE), or -1
	Freq     int    // LFU counter (opcode FREQ), or -1
	Count    int64  // element count announced by the file (entries of a compact encoding, pairs of a hash, entries of a stream ...), or -1 when unknown
	Offset   int64  // file offset of the key's first byte (its expire/idle/freq opcode or its type byte)

	// Set at EndKey:
	Elements int64  // elements delivered (list items, members, fields, stream entries)
	Value    []byte // the serialized value (after the key name) as it is in the input: with the type byte, the body of a DUMP payload
	ValueOff int64  // file offset of Value[0]
}

// ZMember is a sorted-set member and its score.
type ZMember struct {
	Member []byte
	Score  float64
}

// HashField is a hash field, its value and its TTL (absolute unix ms, or NoExpiry).
type HashField struct {
	Field, Value []byte
	ExpireMs     int64
}

// StreamID is a stream entry ID.
type StreamID = canon.StreamID

// StreamEntry is one live stream entry: its ID and its fields and values (f1, v1, f2, v2 ...).
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// StreamMeta is the stream metadata that follows the entries.
type StreamMeta struct {
	Length       uint64
	LastID       StreamID
	FirstID      StreamID // v2+ (types 19, 21); zero for v1
	MaxDeletedID StreamID // v2+
	EntriesAdded uint64   // v2+
	V2           bool     // the fields marked v2+ were in the file
	Groups       uint64   // number of consumer groups that follow
}

// StreamGroup is a consumer group header; its PEL and consumers follow.
type StreamGroup struct {
	Name          []byte
	LastDelivered StreamID
	EntriesRead   int64 // v2+; -1 when unknown (not in the file, or stored as invalid)
	PELSize       uint64
}

// StreamNACK is one entry of a group's pending entries list.
type StreamNACK struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms
	DeliveryCount uint64
}

// StreamConsumer is one consumer of the current group; its pending IDs follow.
type StreamConsumer struct {
	Name       []byte
	SeenTime   int64 // unix ms
	ActiveTime int64 // unix ms (type 21), or -1
	PELSize    uint64
}

// AuxField is one AUX field of the header.
type AuxField struct {
	Key, Value []byte
}

// DBStats counts the keys decoded in one database.
type DBStats struct {
	DB            int
	Keys          int64 // keys whose value was decoded (empty aggregates included)
	Expires       int64 // of which with a TTL
	ResizeKeys    int64 // RESIZEDB hint, or -1
	ResizeExpires int64 // RESIZEDB hint, or -1
}

// ChecksumStatus says what became of the CRC-64 trailer.
type ChecksumStatus int

const (
	ChecksumNotChecked ChecksumStatus = iota // Options.Checksum was off
	ChecksumAbsent                           // RDB version < 5 has no trailer
	ChecksumDisabled                         // the trailer is zero: saved with rdbchecksum no
	ChecksumOK                               // computed and equal
	ChecksumMismatch                         // computed and different (Decode also returns an error)
)

func (s ChecksumStatus) String() string {
	switch s {
	case ChecksumAbsent:
		return "absent"
	case ChecksumDisabled:
		return "disabled"
	case ChecksumOK:
		return "ok"
	case ChecksumMismatch:
		return "mismatch"
	}
	return "not checked"
}

// Info summarises a decoded file. Decode returns it also on error, holding what was read
// before the error (End is then 0).
type Info struct {
	Magic   string // "REDIS" or "VALKEY"
	Version int
	Start   int64 // file offset of the magic (the base passed to Decode)
	End     int64 // file offset right after the RDB: after the checksum (version ≥ 5) or the EOF opcode

	Aux       []AuxField // copies of the AUX fields, in file order
	DBs       []DBStats  // per database, in order of first appearance
	Keys      int64      // keys decoded
	EmptyKeys int64      // keys with an empty aggregate value, which the server skips on load
	// ModuleKeys counts keys holding module values (type 7), passed to ModuleValue only.
	ModuleKeys    int64
	UncheckedKeys int64 // keys whose duplicate check was cut short by DupCheckLimit
	Functions     int
	SlotInfos     int64 // SLOT_INFO opcodes (Redis ≥ 7.4 cluster mode)

	Checksum       uint64 // the stored trailer (versions ≥ 5)
	Computed       uint64 // the CRC we computed, when checked
	ChecksumStatus ChecksumStatus
}

// ErrorKind classifies an *Error.
type ErrorKind int

const (
	KindCorrupt     ErrorKind = iota // the bytes are not what Redis writes
	KindTruncated                    // the input ends inside the RDB or payload
	KindUnsupported                  // a format this decoder does not handle (newer version, Valkey 9 types, pre-GA module or function formats)
	KindChecksum                     // the CRC-64 does not match
)

// Sentinel errors matched by errors.Is on an *Error: ErrCorrupt matches every damaged input
// (corrupt, truncated, checksum); the others match their kind only.
var (
	ErrCorrupt     = errors.New("rdb: corrupt")
	ErrTruncated   = errors.New("rdb: truncated")
	ErrUnsupported = errors.New("rdb: unsupported")
	ErrChecksum    = errors.New("rdb: checksum mismatch")
)

// Error is a decoding failure at an exact file offset.
type Error struct {
	Offset int64     // file offset (base + position) where the problem was found
	Reason string    // what is wrong, in words
	Key    []byte    // the key being decoded (a copy), or nil outside a key
	Type   int       // the key's RDB type code, or -1 outside a key
	Kind   ErrorKind // corrupt, truncated, unsupported, checksum
}

// Error returns "offset N: reason".
func (e *Error) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Reason) }

// Is matches the sentinel of e's kind, and ErrCorrupt for every kind but KindUnsupported.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrCorrupt:
		return e.Kind != KindUnsupported
	case ErrTruncated:
		return e.Kind == KindTruncated
	case ErrUnsupported:
		return e.Kind == KindUnsupported
	case ErrChecksum:
		return e.Kind == KindChecksum
	}
	return false
}

// ModuleName returns the 9-character module type name encoded in the top 54 bits of a
// module ID (moduleTypeNameByID, src/module.c); the low 10 bits are the encoding version.
func ModuleName(id uint64) string {
	const cset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for j := 0; j < 9; j++ {
		name[8-j] = cset[id&63]
		id >>= 6
	}
	return string(name[:])
}
