// Package keyspace is an in-memory model of a Redis server's databases that applies every
// write command an AOF of Redis 3.2–8.0 or Valkey 8 can contain, with the AOF loader's
// semantics (reference §3.2, §3.4, §3.5, §5 of shared/reference/aof-format.md; src/aof.c,
// src/t_*.c, src/db.c, src/expire.c @ 7.0.15–7.4.1):
//
//   - a command that errors has no effect (its error is returned, the replay goes on);
//   - blocking forms do not block;
//   - MULTI queues, EXEC applies (SELECT inside MULTI takes effect at EXEC);
//   - each file starts in DB 0 (a new Client per file);
//   - nothing expires during replay: past TTLs are stored, never applied.
//
// Replay applies a file's records on two goroutines when it can, each owning the keys of one
// shard (parallel.go); the result is the same keyspace as a serial replay, which
// TestParallelMatchesSerial checks on random command sequences.
//
// Memory: each database is an open-addressing table of 48-byte entries whose keys and plain
// string values live in a pointer-free arena (table.go): no Go object per string key.
// Collections are compact per-type structures (one object per key, none per element). Every
// byte slice a command passes in may alias a memory-mapped file that is released later:
// handlers copy what they store.
package keyspace

import (
	"errors"
	"fmt"
)

// Kind is a value's type, as TYPE names it.
type Kind uint8

const (
	KindString Kind = iota + 1
	KindList
	KindSet
	KindZset
	KindHash
	KindStream
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZset:
		return "zset"
	case KindHash:
		return "hash"
	case KindStream:
		return "stream"
	}
	return "none"
}

// Value is a key's value: *String, *List, *Set, *Zset, *Hash or *Stream.
type Value interface {
	Kind() Kind
}

// NoExpiry is Entry.Expire for a key without a TTL.
const NoExpiry int64 = -1

// Entry is one key: its value and TTL (absolute unix ms, or NoExpiry). A plain string value
// lives in the database's arena; any other value, and a string that bitmap or HyperLogLog
// commands edit in place, is an object the database keeps for the entry (DB.Value). An
// *Entry is valid until its key is removed. Entries hold no Go pointers: the collector never
// scans them, and 48 bytes of entry plus the arena record are all a key costs.
type Entry struct {
	rec    uint64 // arena record: key bytes (when longer than keyHead), then a plain string's value bytes
	Expire int64
	klen   uint32
	vlen   uint32        // plain string length (no object)
	vcap   uint32        // room for the value in the record
	ref    uint32        // object index + 1 << 3 | Kind; 0: a free entry; KindString alone: a plain string
	head   [keyHead]byte // the key's first bytes: short keys live here only
}

// live reports whether the entry holds a key.
func (e *Entry) live() bool { return e.ref != 0 }

// objIdx is the index + 1 of the entry's object, 0 for a plain string.
func (e *Entry) objIdx() uint32 { return e.ref >> 3 }

// Kind is the type of the entry's value.
func (e *Entry) Kind() Kind { return Kind(e.ref & 7) }

// Value returns the object value of an entry of this database, nil for a plain string (see
// DB.String). Cost: O(1).
func (t *DB) Value(e *Entry) Value {
	if i := e.objIdx(); i != 0 {
		return t.objs[i-1]
	}
	return nil
}

// Library is a function library (FUNCTION LOAD).
type Library struct {
	Name, Engine string
	Code         []byte
}

// Keyspace is every database plus the function libraries.
type Keyspace struct {
	dbs       []*DB // by index; nil: empty
	Libraries map[string]*Library
	// NowMs is the time relative TTLs (EXPIRE k 10, SET k v EX 10, RESTORE k 1000 …) are
	// counted from; the loader uses its own clock at load time. Options.Now sets it.
	NowMs int64
	// MaxDBs is the number of databases SELECT accepts (the server's `databases`; 16).
	MaxDBs int
	// guard is DB.guard for every database of this keyspace, and misrouted notes a lookup
	// of another shard's key in a database that does not exist yet (parallel.go).
	guard     uint32
	gbit      uint8
	misrouted bool
}

// New returns an empty keyspace whose relative TTLs count from nowMs.
func New(nowMs int64) *Keyspace {
	return &Keyspace{Libraries: map[string]*Library{}, NowMs: nowMs, MaxDBs: 16}
}

// DB returns database n, creating it.
func (ks *Keyspace) DB(n int) *DB {
	if n < len(ks.dbs) {
		if db := ks.dbs[n]; db != nil {
			return db
		}
	}
	if n < 0 {
		panic("keyspace: negative database index")
	}
	for len(ks.dbs) <= n {
		ks.dbs = append(ks.dbs, nil)
	}
	db := newDB()
	db.guard, db.gbit = ks.guard, ks.gbit
	ks.dbs[n] = db
	return db
}

// db returns database n, or nil when it has never held a key.
func (ks *Keyspace) db(n int) *DB {
	if n < 0 || n >= len(ks.dbs) {
		return nil
	}
	return ks.dbs[n]
}

// DBIndexes returns the indexes of databases that hold keys, ascending.
func (ks *Keyspace) DBIndexes() []int {
	var out []int
	for n, db := range ks.dbs {
		if db != nil && db.Len() > 0 {
			out = append(out, n)
		}
	}
	return out
}

// Len is the number of keys in all databases.
func (ks *Keyspace) Len() int {
	n := 0
	for _, db := range ks.dbs {
		if db != nil {
			n += db.Len()
		}
	}
	return n
}

// Lookup returns the entry of key in db n, or nil. No expiry is applied (replay semantics).
func (ks *Keyspace) Lookup(n int, key []byte) *Entry {
	db := ks.db(n)
	if db == nil {
		ks.checkKey(key)
		return nil
	}
	return db.find(key)
}

// Set stores the object v under key in db n with the given TTL, replacing any old value.
// The object is kept as given (a *String too: its caller may go on editing it); SetString is
// the compact path for plain strings.
func (ks *Keyspace) Set(n int, key []byte, v Value, expire int64) {
	db := ks.DB(n)
	e, _ := db.put(key)
	db.setObj(e, v)
	e.Expire = expire
}

// SetString stores the plain string val (copied) under key in db n with the given TTL,
// replacing any old value. It is the cheap path: no allocation when the key exists and the
// new value fits the old one's room.
func (ks *Keyspace) SetString(n int, key, val []byte, expire int64) {
	db := ks.DB(n)
	e, _ := db.put(key)
	db.setStr(e, val)
	e.Expire = expire
}

// Delete removes key from db n and reports whether it existed.
func (ks *Keyspace) Delete(n int, key []byte) bool {
	db := ks.db(n)
	if db == nil {
		ks.checkKey(key)
		return false
	}
	return db.remove(key)
}

// String returns the bytes of a string entry of this database, plain or object: a read-only
// view, valid until the next change to the database.
func (t *DB) String(e *Entry) []byte {
	if v := t.Value(e); v != nil {
		return v.(*String).B
	}
	return t.str(e)
}

// Key returns the name of an entry of this database (a read-only view, valid until the next
// change to the database).
func (t *DB) Key(e *Entry) []byte { return t.key(e) }

// stringObj turns a string entry into an object value that commands may edit in place
// (bitmaps, HyperLogLog) and returns it.
func (t *DB) stringObj(e *Entry) *String {
	if v := t.Value(e); v != nil {
		return v.(*String)
	}
	s := &String{B: Clone(t.str(e))}
	t.setObj(e, s)
	return s
}

// FlushDB empties db n; FlushAll empties every database. Functions stay (FLUSHALL does not
// flush functions).
func (ks *Keyspace) FlushDB(n int) {
	if n >= 0 && n < len(ks.dbs) {
		ks.dbs[n] = nil
	}
}

// FlushAll empties every database.
func (ks *Keyspace) FlushAll() { ks.dbs = nil }

// SwapDB swaps two databases, data and TTLs.
func (ks *Keyspace) SwapDB(a, b int) {
	ks.DB(a)
	ks.DB(b)
	ks.dbs[a], ks.dbs[b] = ks.dbs[b], ks.dbs[a]
}

// Errors a command returns. A *CommandError is a Redis error reply: the command had no effect
// and the replay goes on (the loader logs it). An *UnsupportedError stops the replay: the
// command cannot be replayed faithfully (module commands, verbatim scripts).
type CommandError struct {
	Msg string // as Redis replies it, e.g. "WRONGTYPE Operation against a key holding the wrong kind of value"
}

func (e *CommandError) Error() string { return e.Msg }

// UnsupportedError is a record this engine refuses to guess about.
type UnsupportedError struct {
	Command string
	Key     string
	Reason  string
}

func (e *UnsupportedError) Error() string {
	s := fmt.Sprintf("cannot replay %s", e.Command)
	if e.Key != "" {
		s += fmt.Sprintf(" (key %q)", e.Key)
	}
	return s + ": " + e.Reason
}

// Common error replies.
var (
	ErrWrongType   = &CommandError{"WRONGTYPE Operation against a key holding the wrong kind of value"}
	ErrSyntax      = &CommandError{"ERR syntax error"}
	ErrNotInt      = &CommandError{"ERR value is not an integer or out of range"}
	ErrNotFloat    = &CommandError{"ERR value is not a valid float"}
	ErrNoSuchKey   = &CommandError{"ERR no such key"}
	ErrOverflow    = &CommandError{"ERR increment or decrement would overflow"}
	ErrOutOfRange  = &CommandError{"ERR index out of range"}
	ErrDBIndex     = &CommandError{"ERR DB index is out of range"}
	ErrWrongArgs   = &CommandError{"ERR wrong number of arguments"}
	ErrNestedMulti = &CommandError{"ERR MULTI calls can not be nested"}
	ErrExecNoMulti = &CommandError{"ERR EXEC without MULTI"}
)

// IsCommandError reports whether err is a Redis error reply (no effect, replay goes on).
func IsCommandError(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce)
}
