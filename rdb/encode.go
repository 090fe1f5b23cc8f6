package rdb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
)

// The encoder writes RDB files as the server of each version writes them (rdbSaveRio,
// rdbSaveKeyValuePair, rdbSaveObject in src/rdb.c @ 6.2.16 for version 9, 7.0.15 for 10, 7.2.6
// for 11, 7.4.1 for 12): the same opcodes, aux fields and, for collections, the same compact
// encodings a server with default settings holds them in.

// Errors of the encoder. Every error it returns wraps one of these (errors.Is), and errors about
// one key are an *EncodeError naming it.
var (
	// ErrEncodeVersion: the requested RDB version is not one the encoder writes (9..12).
	ErrEncodeVersion = errors.New("rdb: cannot encode this RDB version")
	// ErrNotRepresentable: the data has no form in the requested version (hash field TTLs
	// before 12, functions before 10, stream counters before 10) and dropping was not allowed.
	ErrNotRepresentable = errors.New("rdb: data not representable in this RDB version")
	// ErrEncodeInvalid: the key cannot be written by any version (unknown type, empty
	// collection, duplicate member, NaN score, unordered stream IDs, ...).
	ErrEncodeInvalid = errors.New("rdb: invalid data for encoding")
	// ErrEncoderClosed: the encoder was used after Close or after a write error.
	ErrEncoderClosed = errors.New("rdb: encoder closed")
)

// EncodeError is the error for one key: which key, and why (Err wraps one of the sentinel
// errors above).
type EncodeError struct {
	DB  int
	Key []byte
	Err error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("rdb: encode key %q (db %d): %v", e.Key, e.DB, e.Err)
}

func (e *EncodeError) Unwrap() error { return e.Err }

// encInvalid returns an error wrapping ErrEncodeInvalid with a reason.
func encInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrEncodeInvalid, fmt.Sprintf(format, args...))
}

// encNotRepresentable returns an error wrapping ErrNotRepresentable with a reason.
func encNotRepresentable(version int, what string) error {
	return fmt.Errorf("%w: %s (RDB %d)", ErrNotRepresentable, what, version)
}

// DropReport counts what an encoder left out because the target version cannot hold it (only
// when dropping was allowed).
type DropReport struct {
	HashFieldTTLs int // hash fields written without their TTL (versions < 12)
	Functions     int // function libraries left out (versions < 10)
	StreamMeta    int // streams whose entries_added, max_deleted_id or group entries_read a
	//                   version 9 loader will not reconstruct exactly
}

// Any reports whether anything was dropped.
func (d DropReport) Any() bool { return d.HashFieldTTLs+d.Functions+d.StreamMeta > 0 }

func (d *DropReport) add(o DropReport) {
	d.HashFieldTTLs += o.HashFieldTTLs
	d.Functions += o.Functions
	d.StreamMeta += o.StreamMeta
}

// EncodeLimits are the server settings that decide which encoding a collection gets. The zero
// value of a field means the server default (in parentheses).
type EncodeLimits struct {
	ListMaxListpackSize    int // list-max-listpack-size / list-max-ziplist-size (-2: 8 KB nodes)
	HashMaxListpackEntries int // (128)
	HashMaxListpackValue   int // (64)
	ZsetMaxListpackEntries int // (128)
	ZsetMaxListpackValue   int // (64)
	SetMaxIntsetEntries    int // (512)
	SetMaxListpackEntries  int // (128), versions 11+
	SetMaxListpackValue    int // (64), versions 11+
	StreamNodeMaxBytes     int // (4096)
	StreamNodeMaxEntries   int // (100)
}

func (l EncodeLimits) withDefaults() EncodeLimits {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&l.ListMaxListpackSize, -2)
	def(&l.HashMaxListpackEntries, 128)
	def(&l.HashMaxListpackValue, 64)
	def(&l.ZsetMaxListpackEntries, 128)
	def(&l.ZsetMaxListpackValue, 64)
	def(&l.SetMaxIntsetEntries, 512)
	def(&l.SetMaxListpackEntries, 128)
	def(&l.SetMaxListpackValue, 64)
	def(&l.StreamNodeMaxBytes, 4096)
	def(&l.StreamNodeMaxEntries, 100)
	return l
}

// EncoderOptions tune an Encoder. The zero value writes what a server of the version with
// default settings writes.
type EncoderOptions struct {
	// RedisVer is the redis-ver aux field; empty means the newest release writing the version
	// (9: 6.2.16, 10: 7.0.15, 11: 7.2.6, 12: 7.4.1).
	RedisVer string
	// Now is the ctime aux field and the time given to stream consumers (seen and active time)
	// and pending entries (delivery time), which the canonical form does not carry. Zero means
	// time.Now().
	Now time.Time
	// UsedMem is the used-mem aux field (the server's memory use when it saved).
	UsedMem int64
	// AOFBase writes aof-base 1 (aof-preamble 1 for version 9): the file is an AOF base.
	// Otherwise the field is written as 0.
	AOFBase bool
	// NoAux leaves out the standard aux fields.
	NoAux bool
	// NoCompression disables LZF (rdbcompression no).
	NoCompression bool
	// Drop allows leaving out data the version cannot hold (see DropReport) instead of
	// failing with ErrNotRepresentable.
	Drop bool
	// Limits are the encoding thresholds; zero fields mean the defaults.
	Limits EncodeLimits
}

// encDefaultRedisVer is the redis-ver a version's newest writer reports.
func encDefaultRedisVer(version int) string {
	switch version {
	case 9:
		return "6.2.16"
	case 10:
		return "7.0.15"
	case 11:
		return "7.2.6"
	default:
		return "7.4.1"
	}
}

// MinEncodeVersion and MaxEncodeVersion bound the RDB versions the encoder writes.
const (
	MinEncodeVersion = 9
	MaxEncodeVersion = 12
)

// Encoder writes one RDB file. Use: NewEncoder, then any of Aux, Function, SelectDB and Key,
// then Close. It buffers its output; memory is O(size of the largest key). An Encoder is not
// safe for concurrent use. After any error, further calls return that error.
type Encoder struct {
	w       *bufio.Writer
	version int
	opt     EncoderOptions
	crc     uint64
	db      int // currently selected database, -1 before the first SELECTDB
	err     error
	closed  bool
	st      encState
	rec     []byte // record being written
	dropped DropReport
	written int64
}

// NewEncoder starts an RDB file of the given version (9..12) on w: it writes the magic
// ("REDIS0009".."REDIS0012") and, unless opt.NoAux, the aux fields a server writes (redis-ver,
// redis-bits, ctime, used-mem, aof-base). Errors: ErrEncodeVersion, or the write error of w.
func NewEncoder(w io.Writer, version int, opt EncoderOptions) (*Encoder, error) {
	if version < MinEncodeVersion || version > MaxEncodeVersion {
		return nil, fmt.Errorf("%w: %d (writes %d..%d)", ErrEncodeVersion, version, MinEncodeVersion, MaxEncodeVersion)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Limits = opt.Limits.withDefaults()
	e := &Encoder{w: bufio.NewWriterSize(w, 64<<10), version: version, opt: opt, db: -1}
	e.st.init(version, opt)
	e.emit([]byte(fmt.Sprintf("REDIS%04d", version)))
	if !opt.NoAux {
		ver := opt.RedisVer
		if ver == "" {
			ver = encDefaultRedisVer(version)
		}
		base := "0"
		if opt.AOFBase {
			base = "1"
		}
		baseKey := "aof-base"
		if version < 10 {
			baseKey = "aof-preamble"
		}
		for _, kv := range [][2]string{
			{"redis-ver", ver},
			{"redis-bits", "64"},
			{"ctime", strconv.FormatInt(opt.Now.Unix(), 10)},
			{"used-mem", strconv.FormatInt(opt.UsedMem, 10)},
			{baseKey, base},
		} {
			e.aux(kv[0], kv[1])
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	return e, nil
}

// emit writes p to the output and the checksum.
func (e *Encoder) emit(p []byte) {
	if e.err != nil {
		return
	}
	e.crc = CRC64(e.crc, p)
	n, err := e.w.Write(p)
	e.written += int64(n)
	if err != nil {
		e.err = fmt.Errorf("rdb: write: %w", err)
	}
}

func (e *Encoder) check() error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrEncoderClosed
	}
	return nil
}

func (e *Encoder) aux(key, val string) {
	b := append(e.rec[:0], OpAux)
	b = encAppendString(b, []byte(key), e.st.lz)
	b = encAppendString(b, []byte(val), e.st.lz)
	e.rec = b
	e.emit(b)
}

// Aux writes an AUX field (opcode 0xFA, key, value). Errors: the write error of the output.
func (e *Encoder) Aux(key, val string) error {
	if err := e.check(); err != nil {
		return err
	}
	e.aux(key, val)
	return e.err
}

// SelectDB writes SELECTDB db and RESIZEDB dbSize expiresSize (size hints for the loader; 0 is
// allowed). Key also selects the key's database by itself when needed (without RESIZEDB).
// Errors: ErrEncodeInvalid for a negative db, or the write error of the output.
func (e *Encoder) SelectDB(db int, dbSize, expiresSize uint64) error {
	if err := e.check(); err != nil {
		return err
	}
	if db < 0 {
		return encInvalid("negative database %d", db)
	}
	b := append(e.rec[:0], OpSelectDB)
	b = encAppendLen(b, uint64(db))
	b = append(b, OpResizeDB)
	b = encAppendLen(b, dbSize)
	b = encAppendLen(b, expiresSize)
	e.rec = b
	e.emit(b)
	e.db = db
	return e.err
}

// Function writes one function library (opcode FUNCTION2 and the library source, as FUNCTION
// LIST WITHCODE prints it). Versions before 10 cannot hold functions: the call fails with
// ErrNotRepresentable, or with EncoderOptions.Drop counts it in Dropped and returns nil.
func (e *Encoder) Function(code []byte) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.version < 10 {
		if e.opt.Drop {
			e.dropped.Functions++
			return nil
		}
		return encNotRepresentable(e.version, "functions")
	}
	b := append(e.rec[:0], OpFunction2)
	b = encAppendString(b, code, e.st.lz)
	e.rec = b
	e.emit(b)
	return e.err
}

// Key writes one key: SELECTDB when k.DB is not the current database, EXPIRETIME_MS when it
// has a TTL, then type, name and value in the encoding the version's server would use.
// Cost: O(size of the key) time and memory. Errors: *EncodeError wrapping ErrEncodeInvalid or
// ErrNotRepresentable (nothing is written for that key and the encoder stays usable), or the
// write error of the output.
func (e *Encoder) Key(k *canon.Key) error {
	if err := e.check(); err != nil {
		return err
	}
	var dropped DropReport
	rec, err := appendRecord(&e.st, e.rec[:0], k, e.opt.Drop, &dropped)
	if err != nil {
		return err
	}
	e.rec = rec
	e.dropped.add(dropped)
	e.selectDB(k.DB)
	e.emit(rec)
	return e.err
}

// selectDB emits a SELECTDB opcode when db is not the selected database.
func (e *Encoder) selectDB(db int) {
	if db == e.db {
		return
	}
	var buf [10]byte
	b := append(buf[:0], OpSelectDB)
	b = encAppendLen(b, uint64(db))
	e.emit(b)
	e.db = db
}

// appendRecord appends k's key record (expire, type, name, value; no SELECTDB) to dst. On an
// error dst is returned unchanged.
func appendRecord(st *encState, dst []byte, k *canon.Key, drop bool, dropped *DropReport) ([]byte, error) {
	if k.DB < 0 {
		return dst, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative database")}
	}
	if k.ExpireMs < 0 && k.ExpireMs != canon.NoExpiry {
		return dst, &EncodeError{DB: k.DB, Key: k.Key, Err: encInvalid("negative expire time %d", k.ExpireMs)}
	}
	// The value is encoded straight after the header, whose type byte is filled in once the
	// value has chosen its encoding: no copy of a large value.
	start := len(dst)
	if k.ExpireMs != canon.NoExpiry {
		dst = append(dst, OpExpireTimeMs)
		dst = encAppendMillis(dst, k.ExpireMs)
	}
	typeAt := len(dst)
	dst = append(dst, 0)
	dst = encAppendString(dst, k.Key, st.lz)
	if n := encSizeHint(k); n > 1<<16 && cap(dst)-len(dst) < n {
		dst = slices.Grow(dst, n) // one allocation for a large value, not a chain of doublings
	}
	var d DropReport
	typ, out, err := st.appendValue(dst, k, drop, &d)
	if err != nil {
		return dst[:start], &EncodeError{DB: k.DB, Key: k.Key, Err: err}
	}
	dropped.add(d)
	out[typeAt] = typ
	dst = out
	if cap(st.body) > 4<<20 {
		st.body = nil // a huge value's scratch is not kept for the next key
	}
	return dst, nil
}

// encSizeHint is about the encoded size of k's value (uncompressed): its bytes plus a few
// bytes of framing per element.
func encSizeHint(k *canon.Key) int {
	n := len(k.String)
	for _, it := range k.List {
		n += len(it) + 2
	}
	for _, m := range k.Set {
		n += len(m) + 2
	}
	for _, m := range k.Zset {
		n += len(m.Member) + 10
	}
	for _, f := range k.Hash {
		n += len(f.Field) + len(f.Value) + 4
	}
	return n
}

// KeyEncoder turns keys into RDB key records without writing them, so that several
// goroutines can encode the keys of one file; Encoder.Records writes the records in order.
// A KeyEncoder is not safe for concurrent use: make one per goroutine. Memory: O(size of the
// largest key).
type KeyEncoder struct {
	st      encState
	drop    bool
	dropped DropReport
}

// NewKeyEncoder returns a KeyEncoder with e's version and options.
func (e *Encoder) NewKeyEncoder() *KeyEncoder {
	ke := &KeyEncoder{drop: e.opt.Drop}
	ke.st.init(e.version, e.opt)
	return ke
}

// Append appends k's record (without SELECTDB: see Records) to dst. Cost and errors as
// Encoder.Key's; on an error dst is returned unchanged and the KeyEncoder stays usable.
func (ke *KeyEncoder) Append(dst []byte, k *canon.Key) ([]byte, error) {
	return appendRecord(&ke.st, dst, k, ke.drop, &ke.dropped)
}

// TakeDropped returns what was left out since the last call and resets it.
func (ke *KeyEncoder) TakeDropped() DropReport {
	d := ke.dropped
	ke.dropped = DropReport{}
	return d
}

// Records writes key records made by KeyEncoder.Append for keys of database db, after a
// SELECTDB when db is not the selected one, and counts dropped into Dropped. Errors: the
// write error of the output.
func (e *Encoder) Records(db int, recs []byte, dropped DropReport) error {
	if err := e.check(); err != nil {
		return err
	}
	if db < 0 {
		return &EncodeError{DB: db, Err: encInvalid("negative database")}
	}
	e.dropped.add(dropped)
	if len(recs) == 0 {
		return e.err
	}
	e.selectDB(db)
	e.emit(recs)
	return e.err
}

// Dropped reports what was left out so far (only non-zero with EncoderOptions.Drop).
func (e *Encoder) Dropped() DropReport { return e.dropped }

// Written is the number of bytes the encoder has produced so far. Some may still sit in its
// buffer; after a successful Close all of them are in the writer.
func (e *Encoder) Written() int64 { return e.written }

// Close writes the EOF opcode and the CRC-64 trailer and flushes the buffer. It does not close
// the underlying writer. Errors: the write error of the output, or ErrEncoderClosed when
// called twice.
func (e *Encoder) Close() error {
	if err := e.check(); err != nil {
		return err
	}
	e.emit([]byte{OpEOF})
	var trailer [8]byte
	crc := e.crc
	for i := range trailer {
		trailer[i] = byte(crc >> (8 * i))
	}
	if e.err == nil {
		n, err := e.w.Write(trailer[:])
		e.written += int64(n)
		if err != nil {
			e.err = fmt.Errorf("rdb: write: %w", err)
		}
	}
	if e.err == nil {
		if err := e.w.Flush(); err != nil {
			e.err = fmt.Errorf("rdb: write: %w", err)
		}
	}
	e.closed = true
	return e.err
}
