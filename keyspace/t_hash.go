package keyspace

// Hash commands, as the AOF loader applies them: HSET HMSET HSETNX HDEL HINCRBY HINCRBYFLOAT
// (src/t_hash.c @ 7.0.15), the field TTL commands HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT
// HPERSIST (t_hash.c @ 7.4.1) and the write effects of Redis 8.0's HGETEX HSETEX HGETDEL.
//
// Field TTLs follow the loader's rules (t_hash.c @ 7.4.1): a TTL in the past is stored, never
// applied (checkAlreadyExpired is false while loading), and a field whose TTL is before
// Keyspace.NowMs reads as absent (hashTypeGetValue answers GETF_EXPIRED without deleting it):
// HSETNX then overwrites it, HINCRBY starts again from 0 keeping the old TTL, HPERSIST and
// HGETDEL leave it alone. HDEL and the HEXPIRE family still see it.

import (
	"bytes"
	"errors"
	"math/big"
	"strconv"

	"github.com/aofkit/aofkit/internal/canon"
)

// Hash is a hash value. Up to hashPackedFields fields whose names and values are at most
// hashPackedLen bytes are held packed in one byte slice (a length byte then the bytes, field
// then value, like Redis's listpack: one allocation per hash, O(n) lookups); larger hashes
// use a field table (ftab: no Go pointers per field). Field TTLs, rare, live in a separate
// map that is nil when no field has one.
type Hash struct {
	lp  []byte           // packed form (when m == nil): {len(f) f len(v) v}*
	n   int              // number of fields in lp
	m   *ftab            // table form, nil while packed
	ttl map[string]int64 // field -> absolute unix ms; nil when no field has a TTL
}

// Thresholds of the packed form (Redis's hash-max-listpack-entries / -value defaults).
const (
	hashPackedFields = 128
	hashPackedLen    = 64
)

// Kind reports KindHash.
func (*Hash) Kind() Kind { return KindHash }

// HasFieldTTLs reports whether any hash field of any database has a TTL (an RDB before
// version 12 cannot hold one). Cost: one pass over the keys, no export.
func (ks *Keyspace) HasFieldTTLs() bool {
	for _, db := range ks.dbs {
		if db == nil {
			continue
		}
		found := db.each(func(e *Entry) error {
			if h, ok := db.Value(e).(*Hash); ok && len(h.ttl) > 0 {
				return errFound
			}
			return nil
		})
		if found != nil {
			return true
		}
	}
	return false
}

var errFound = errors.New("found")

// NewHash returns an empty hash.
func NewHash() *Hash { return &Hash{} }

// Len returns the number of fields, expired ones included. Cost: O(1).
func (h *Hash) Len() int {
	if h.m != nil {
		return h.m.len()
	}
	return h.n
}

// Get returns the value of field, ignoring field TTLs (an expired field is returned). The
// slice aliases the hash: do not modify it or keep it across changes. Cost: O(Len()) when
// packed, O(1) otherwise.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.m != nil {
		return h.m.get(field)
	}
	_, vs, ve, ok := h.find(field)
	if !ok {
		return nil, false
	}
	return h.lp[vs:ve:ve], true
}

// FieldExpire returns the TTL of field (absolute unix ms), or NoExpiry. Cost: O(1).
func (h *Hash) FieldExpire(field []byte) int64 {
	if t, ok := h.ttl[string(field)]; ok {
		return t
	}
	return NoExpiry
}

// Each calls fn for every field in storage order until fn returns false. field and value
// alias the hash (valid until the next change). Cost: O(Len()).
func (h *Hash) Each(fn func(field, value []byte, expireMs int64) bool) {
	exp := func(f []byte) int64 {
		if h.ttl == nil {
			return NoExpiry
		}
		return h.FieldExpire(f)
	}
	if h.m != nil {
		h.m.each(func(f, v []byte) bool { return fn(f, v, exp(f)) })
		return
	}
	p := h.lp
	for i := 0; i < len(p); {
		fs := i + 1
		fe := fs + int(p[i])
		vs := fe + 1
		ve := vs + int(p[fe])
		if !fn(p[fs:fe:fe], p[vs:ve:ve], exp(p[fs:fe])) {
			return
		}
		i = ve
	}
}

// find locates field in the packed form: the offset of its entry, and its value's bounds.
func (h *Hash) find(field []byte) (start, vs, ve int, ok bool) {
	p := h.lp
	for i := 0; i < len(p); {
		fs := i + 1
		fe := fs + int(p[i])
		vs = fe + 1
		ve = vs + int(p[fe])
		if fe-fs == len(field) && bytes.Equal(p[fs:fe], field) {
			return i, vs, ve, true
		}
		i = ve
	}
	return 0, 0, 0, false
}

// reserve makes room for n more bytes in the packed form (up to what it may ever hold).
func (h *Hash) reserve(n int) {
	if limit := hashPackedFields * 2 * (1 + hashPackedLen); n > limit {
		n = limit
	}
	if cap(h.lp)-len(h.lp) < n {
		lp := make([]byte, len(h.lp), len(h.lp)+n)
		copy(lp, h.lp)
		h.lp = lp
	}
}

// splice replaces lp[from:to] with ins.
func (h *Hash) splice(from, to int, ins []byte) {
	old := len(h.lp)
	delta := len(ins) - (to - from)
	switch {
	case delta > 0:
		h.lp = append(h.lp, make([]byte, delta)...)
		copy(h.lp[to+delta:], h.lp[to:old])
	case delta < 0:
		copy(h.lp[from+len(ins):], h.lp[to:old])
		h.lp = h.lp[:old+delta]
	}
	copy(h.lp[from:], ins)
}

// toTable converts the packed form to the map form.
func (h *Hash) toTable() {
	if h.m != nil {
		return
	}
	m := newFtab(h.n + 1)
	p := h.lp
	for i := 0; i < len(p); {
		fs := i + 1
		fe := fs + int(p[i])
		vs := fe + 1
		ve := vs + int(p[fe])
		m.set(p[fs:fe], p[vs:ve])
		i = ve
	}
	h.m, h.lp, h.n = m, nil, 0
}

// Set stores value under field (both copied), clearing the field's TTL unless keepTTL
// (hashTypeSet with or without HASH_SET_KEEP_TTL). It reports whether the field is new.
// Cost: O(Len()) when packed, O(1) amortised otherwise.
func (h *Hash) Set(field, value []byte, keepTTL bool) bool {
	if !keepTTL && h.ttl != nil {
		h.clearTTL(field)
	}
	if h.m == nil && (len(field) > hashPackedLen || len(value) > hashPackedLen) {
		h.toTable()
	}
	if h.m != nil {
		return h.m.set(field, value)
	}
	if _, vs, ve, ok := h.find(field); ok {
		var buf [1 + hashPackedLen]byte
		buf[0] = byte(len(value))
		n := copy(buf[1:], value)
		h.splice(vs-1, ve, buf[:1+n])
		return false
	}
	if h.n+1 > hashPackedFields {
		h.toTable()
		h.m.set(field, value)
		return true
	}
	h.lp = append(h.lp, byte(len(field)))
	h.lp = append(h.lp, field...)
	h.lp = append(h.lp, byte(len(value)))
	h.lp = append(h.lp, value...)
	h.n++
	return true
}

// Delete removes field and its TTL and reports whether it existed. Cost: O(Len()) when
// packed, O(1) otherwise.
func (h *Hash) Delete(field []byte) bool {
	if h.m != nil {
		if !h.m.del(field) {
			return false
		}
	} else {
		start, _, ve, ok := h.find(field)
		if !ok {
			return false
		}
		h.splice(start, ve, nil)
		h.n--
		if cap(h.lp) > 2*len(h.lp)+64 { // give memory back after deletions
			h.lp = append([]byte(nil), h.lp...)
		}
	}
	if h.ttl != nil {
		h.clearTTL(field)
	}
	return true
}

// SetFieldExpire sets the TTL of an existing field (absolute unix ms; NoExpiry removes it).
// The caller checks that the field exists. Cost: O(1).
func (h *Hash) SetFieldExpire(field []byte, ms int64) {
	if ms == NoExpiry {
		h.clearTTL(field)
		return
	}
	if h.ttl == nil {
		h.ttl = map[string]int64{}
	}
	h.ttl[string(field)] = ms
}

func (h *Hash) clearTTL(field []byte) {
	if _, ok := h.ttl[string(field)]; !ok {
		return
	}
	delete(h.ttl, string(field))
	if len(h.ttl) == 0 {
		h.ttl = nil
	}
}

// live returns the value of field unless it is missing or its TTL is before now: what
// hashTypeGetValue answers while loading (GETF_OK versus GETF_NOT_FOUND / GETF_EXPIRED).
func (h *Hash) live(field []byte, now int64) ([]byte, bool) {
	v, ok := h.Get(field)
	if !ok {
		return nil, false
	}
	if h.ttl != nil {
		if t, has := h.ttl[string(field)]; has && t < now {
			return nil, false
		}
	}
	return v, true
}

// clone returns a deep copy.
func (h *Hash) clone() *Hash {
	out := &Hash{n: h.n}
	if h.m != nil {
		out.m = h.m.clone()
	} else if h.lp != nil {
		out.lp = Clone(h.lp)
	}
	if h.ttl != nil {
		out.ttl = make(map[string]int64, len(h.ttl))
		for f, t := range h.ttl {
			out.ttl[f] = t
		}
	}
	return out
}

func hashExport(v Value, k *canon.Key) {
	h := v.(*Hash)
	k.Type = canon.TypeHash
	k.Hash = make([]canon.HField, 0, h.Len())
	if h.m != nil && h.ttl == nil {
		h.m.each(func(f, val []byte) bool { // views: export results alias engine memory
			k.Hash = append(k.Hash, canon.HField{Field: f, Value: val, ExpireMs: canon.NoExpiry})
			return true
		})
		return
	}
	h.Each(func(f, val []byte, exp int64) bool {
		if exp < 0 {
			exp = canon.NoExpiry
		}
		k.Hash = append(k.Hash, canon.HField{Field: f, Value: val, ExpireMs: exp})
		return true
	})
}

// hashLoad builds a hash from a canonical key. Like Redis loading a listpack, it does not
// look for duplicate fields in the packed form (the RDB decoder's Verify does).
func hashLoad(k *canon.Key) (Value, error) {
	h := &Hash{}
	packed := len(k.Hash) <= hashPackedFields
	size := 0
	for i := range k.Hash {
		f := &k.Hash[i]
		if len(f.Field) > hashPackedLen || len(f.Value) > hashPackedLen {
			packed = false
			break
		}
		size += 2 + len(f.Field) + len(f.Value)
	}
	if packed {
		h.lp = make([]byte, 0, size)
		for i := range k.Hash {
			f := &k.Hash[i]
			h.lp = append(h.lp, byte(len(f.Field)))
			h.lp = append(h.lp, f.Field...)
			h.lp = append(h.lp, byte(len(f.Value)))
			h.lp = append(h.lp, f.Value...)
		}
		h.n = len(k.Hash)
	} else {
		h.m = newFtab(len(k.Hash))
		for i := range k.Hash {
			h.m.set(k.Hash[i].Field, k.Hash[i].Value)
		}
	}
	for i := range k.Hash {
		if e := k.Hash[i].ExpireMs; e != canon.NoExpiry {
			h.SetFieldExpire(k.Hash[i].Field, e)
		}
	}
	return h, nil
}

func init() {
	registerCodec(KindHash, codec{
		export: hashExport,
		load:   hashLoad,
		clone:  func(v Value) Value { return v.(*Hash).clone() },
	})
	register("hset", cmdHSet)
	register("hmset", cmdHSet)
	register("hsetnx", cmdHSetNX)
	register("hdel", cmdHDel)
	register("hincrby", cmdHIncrBy)
	register("hincrbyfloat", cmdHIncrByFloat)
	register("hexpire", func(c *Client, a [][]byte) error { return hashExpire(c, a, "hexpire", c.KS.NowMs, true) })
	register("hpexpire", func(c *Client, a [][]byte) error { return hashExpire(c, a, "hpexpire", c.KS.NowMs, false) })
	register("hexpireat", func(c *Client, a [][]byte) error { return hashExpire(c, a, "hexpireat", 0, true) })
	register("hpexpireat", func(c *Client, a [][]byte) error { return hashExpire(c, a, "hpexpireat", 0, false) })
	register("hpersist", cmdHPersist)
	register("hgetdel", cmdHGetDel)
	register("hgetex", cmdHGetEx)
	register("hsetex", cmdHSetEx)
}

// hashMaxAbsMs is HFE_MAX_ABS_TIME_MSEC (EB_EXPIRE_TIME_MAX >> 2, t_hash.c @ 7.4.1): the
// largest field TTL the commands accept.
const hashMaxAbsMs = (1<<48 - 1) >> 2

// Error replies of the hash family (Redis's texts).
var (
	errHashNotInt        = &CommandError{"ERR hash value is not an integer"}
	errHashNotFloat      = &CommandError{"ERR hash value is not a float"}
	errHashIncrNaN       = &CommandError{"ERR value is NaN or Infinity"}
	errHashFloatOverflow = &CommandError{"ERR increment would produce NaN or Infinity"}
	errHashNegExpire     = &CommandError{"ERR invalid expire time, must be >= 0"}
	errHashFields        = &CommandError{"ERR Mandatory argument FIELDS is missing or not at the right position"}
	errHashNumFields     = &CommandError{"ERR The `numfields` parameter must match the number of arguments"}
	errHashFieldsCount   = &CommandError{"ERR Number of fields must be a positive integer"}
)

// lookupHash returns the hash under key, nil when the key is missing, ErrWrongType for
// another type.
func (c *Client) lookupHash(key []byte) (*Hash, error) {
	e, err := c.LookupKind(key, KindHash)
	if err != nil || e == nil {
		return nil, err
	}
	return c.val(e).(*Hash), nil
}

// hashCreate returns the hash under key, creating an empty one (the caller adds a field
// before returning: an empty hash never stays).
func (c *Client) hashCreate(key []byte) (*Hash, error) {
	h, err := c.lookupHash(key)
	if err != nil || h != nil {
		return h, err
	}
	h = &Hash{}
	c.Set(key, h, NoExpiry)
	return h, nil
}

// hashDropIfEmpty deletes key when its hash has no field left.
func (c *Client) hashDropIfEmpty(key []byte, h *Hash) {
	if h.Len() == 0 {
		c.Delete(key)
	}
}

// HSET / HMSET key field value [field value ...]
func cmdHSet(c *Client, args [][]byte) error {
	if len(args)%2 == 1 {
		return genArityErr(args)
	}
	h, err := c.hashCreate(args[1])
	if err != nil {
		return err
	}
	if h.m == nil && len(h.lp) == 0 { // a new hash: allocate its packed form once
		need := 0
		for _, a := range args[2:] {
			need += 1 + len(a)
		}
		h.reserve(need)
	}
	for i := 2; i < len(args); i += 2 {
		h.Set(args[i], args[i+1], false)
	}
	return nil
}

// HSETNX key field value
func cmdHSetNX(c *Client, args [][]byte) error {
	h, err := c.hashCreate(args[1])
	if err != nil {
		return err
	}
	if _, ok := h.live(args[2], c.KS.NowMs); ok {
		return nil
	}
	h.Set(args[2], args[3], false)
	return nil
}

// HDEL key field [field ...]
func cmdHDel(c *Client, args [][]byte) error {
	h, err := c.lookupHash(args[1])
	if err != nil || h == nil {
		return err
	}
	for _, f := range args[2:] {
		if h.Delete(f) && h.Len() == 0 {
			c.Delete(args[1])
			break
		}
	}
	return nil
}

// HINCRBY key field increment
func cmdHIncrBy(c *Client, args [][]byte) error {
	incr, ok := strParseInt(args[3])
	if !ok {
		return ErrNotInt
	}
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	var value int64
	if h != nil {
		if v, ok := h.live(args[2], c.KS.NowMs); ok {
			if value, ok = strParseInt(v); !ok {
				return errHashNotInt
			}
		}
	}
	if incr < 0 && value < 0 && incr < -1<<63-value || incr > 0 && value > 0 && incr > 1<<63-1-value {
		return ErrOverflow
	}
	value += incr
	if h == nil {
		h, _ = c.hashCreate(args[1])
	}
	var buf [20]byte
	h.Set(args[2], strconv.AppendInt(buf[:0], value, 10), true)
	return nil
}

// HINCRBYFLOAT key field increment: x87 long double arithmetic and "%.17Lf" formatting, as
// Redis on amd64 (the ld* helpers of t_string.go).
func cmdHIncrByFloat(c *Client, args [][]byte) error {
	incr, ok := ldParse(args[3])
	if !ok {
		return ErrNotFloat
	}
	if incr.IsInf() {
		return errHashIncrNaN
	}
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	value := new(big.Float).SetPrec(64)
	if h != nil {
		if v, ok := h.live(args[2], c.KS.NowMs); ok {
			if value, ok = ldParse(v); !ok {
				return errHashNotFloat
			}
		}
	}
	sum, ok := ldAdd(value, incr)
	if !ok {
		return errHashFloatOverflow
	}
	if h == nil {
		h, _ = c.hashCreate(args[1])
	}
	h.Set(args[2], ldFormat(sum), true)
	return nil
}

// hashExpireCond is the NX / XX / GT / LT condition of the HEXPIRE family.
type hashExpireCond uint8

const (
	hashCondNone hashExpireCond = iota
	hashCondNX
	hashCondXX
	hashCondGT
	hashCondLT
)

// hashCondOK reports whether a field whose TTL is prev (NoExpiry: none) may get the TTL at
// (hashTypeSetExpiryListpack / hashTypeSetExpiryHT @ 7.4.1: for a field without TTL, XX and
// GT fail, NX and LT pass).
func hashCondOK(cond hashExpireCond, prev, at int64) bool {
	if prev == NoExpiry {
		return cond != hashCondXX && cond != hashCondGT
	}
	switch cond {
	case hashCondNX:
		return false
	case hashCondGT:
		return prev < at
	case hashCondLT:
		return prev > at
	}
	return true
}

// hashNumFields parses the numfields argument at args[at] ("FIELDS" must precede it) and
// checks that exactly that many arguments follow (getRangeLongFromObjectOrReply(1,
// LONG_MAX, msg)).
func hashNumFields(args [][]byte, at int, msg *CommandError) error {
	if !strOpt(args[at-1], "fields") {
		return errHashFields
	}
	n, ok := strParseInt(args[at])
	if !ok || n < 1 {
		return msg
	}
	if n != int64(len(args)-at-1) {
		return errHashNumFields
	}
	return nil
}

// hashParseTime is parseExpireTime (t_hash.c): a non-negative integer, in seconds or
// milliseconds, plus base, at most hashMaxAbsMs.
func hashParseTime(arg []byte, seconds bool, base int64, cmd string) (int64, error) {
	v, ok := strParseInt(arg)
	if !ok {
		return 0, ErrNotInt
	}
	if v < 0 {
		return 0, errHashNegExpire
	}
	if seconds {
		if v > hashMaxAbsMs/1000 {
			return 0, genExpireErr(cmd)
		}
		v *= 1000
	}
	if v > hashMaxAbsMs-base {
		return 0, genExpireErr(cmd)
	}
	return v + base, nil
}

// HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time [NX|XX|GT|LT] FIELDS numfields field ...
// (hexpireGenericCommand @ 7.4.1). A time in the past is stored: the loader never deletes.
func hashExpire(c *Client, args [][]byte, cmd string, base int64, seconds bool) error {
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	at, err := hashParseTime(args[2], seconds, base, cmd)
	if err != nil {
		return err
	}
	cond, numAt := hashCondNone, 4
	switch {
	case strOpt(args[3], "nx"):
		cond = hashCondNX
	case strOpt(args[3], "xx"):
		cond = hashCondXX
	case strOpt(args[3], "gt"):
		cond = hashCondGT
	case strOpt(args[3], "lt"):
		cond = hashCondLT
	}
	if cond != hashCondNone {
		numAt++
	}
	if err := hashNumFields(args, numAt, &CommandError{"ERR Parameter `numFields` should be greater than 0"}); err != nil {
		return err
	}
	if h == nil {
		return nil
	}
	for _, f := range args[numAt+1:] {
		if _, ok := h.Get(f); !ok {
			continue
		}
		if hashCondOK(cond, h.FieldExpire(f), at) {
			h.SetFieldExpire(f, at)
		}
	}
	return nil
}

// HPERSIST key FIELDS numfields field ... (hpersistCommand @ 7.4.1): a field whose TTL is
// already before now counts as missing and keeps its TTL.
func cmdHPersist(c *Client, args [][]byte) error {
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	if err := hashNumFields(args, 3, errHashFieldsCount); err != nil {
		return err
	}
	if h == nil || h.ttl == nil {
		return nil
	}
	for _, f := range args[4:] {
		if t := h.FieldExpire(f); t != NoExpiry && t >= c.KS.NowMs {
			h.clearTTL(f)
		}
	}
	return nil
}

// HGETDEL key FIELDS numfields field ... (Redis 8.0): deletes the live fields it returns; a
// field whose TTL is before now is neither returned nor deleted while loading.
func cmdHGetDel(c *Client, args [][]byte) error {
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	if err := hashNumFields(args, 3, errHashFieldsCount); err != nil {
		return err
	}
	if h == nil {
		return nil
	}
	for _, f := range args[4:] {
		if _, ok := h.live(f, c.KS.NowMs); ok {
			h.Delete(f)
		}
	}
	c.hashDropIfEmpty(args[1], h)
	return nil
}

// HGETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST] FIELDS numfields field ... (Redis 8.0): sets or
// removes the TTL of the live fields it returns (no NX/XX/GT/LT; a past time is stored).
func cmdHGetEx(c *Client, args [][]byte) error {
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	numAt := 3
	var at int64
	persist, set := false, false
	opt := args[2]
	switch {
	case strOpt(opt, "ex"), strOpt(opt, "px"), strOpt(opt, "exat"), strOpt(opt, "pxat"):
		seconds := strOpt(opt, "ex") || strOpt(opt, "exat")
		base := int64(0)
		if strOpt(opt, "ex") || strOpt(opt, "px") {
			base = c.KS.NowMs
		}
		numAt += 2
		if at, err = hashParseTime(args[3], seconds, base, "hgetex"); err != nil {
			return err
		}
		set = true
	case strOpt(opt, "persist"):
		numAt++
		persist = true
	}
	if numAt >= len(args) {
		return genArityErr(args)
	}
	if err := hashNumFields(args, numAt, errHashFieldsCount); err != nil {
		return err
	}
	if h == nil || !set && !persist {
		return nil
	}
	for _, f := range args[numAt+1:] {
		if _, ok := h.live(f, c.KS.NowMs); !ok {
			continue
		}
		if persist {
			h.clearTTL(f)
		} else {
			h.SetFieldExpire(f, at)
		}
	}
	return nil
}

// HSETEX key [FNX|FXX] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL] FIELDS numfields field value ...
// (Redis 8.0): FNX sets only when none of the fields is live, FXX only when all are; without
// a TTL option or KEEPTTL the fields lose their TTL.
func cmdHSetEx(c *Client, args [][]byte) error {
	const (
		fnx = 1 << iota
		fxx
		keepTTL
		withTime
	)
	flags, first, count := 0, -1, 0
	var at int64
	errExpiry := &CommandError{"ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"}
	errCond := &CommandError{"ERR Only one of FXX or FNX arguments can be specified"}
	for i := 2; i < len(args) && first < 0; i++ {
		a := args[i]
		switch {
		case strOpt(a, "fields"):
			if i >= len(args)-3 {
				return genArityErr(args)
			}
			n, ok := strParseInt(args[i+1])
			if !ok || n < 1 || n > 1<<31-1 {
				return &CommandError{"ERR invalid number of fields"}
			}
			rest := len(args) - i - 2
			if rest%2 != 0 || n != int64(rest/2) {
				return genArityErr(args)
			}
			first, count = i+2, int(n)
		case strOpt(a, "ex"), strOpt(a, "px"), strOpt(a, "exat"), strOpt(a, "pxat"):
			if flags&(keepTTL|withTime) != 0 {
				return errExpiry
			}
			if i >= len(args)-1 {
				return &CommandError{"ERR missing expire time"}
			}
			base := int64(0)
			if strOpt(a, "ex") || strOpt(a, "px") {
				base = c.KS.NowMs
			}
			seconds := strOpt(a, "ex") || strOpt(a, "exat")
			i++
			var err error
			if at, err = hashParseTime(args[i], seconds, base, "hsetex"); err != nil {
				return err
			}
			flags |= withTime
		case strOpt(a, "keepttl"):
			if flags&(keepTTL|withTime) != 0 {
				return errExpiry
			}
			flags |= keepTTL
		case strOpt(a, "fxx"), strOpt(a, "fnx"):
			if flags&(fnx|fxx) != 0 {
				return errCond
			}
			if strOpt(a, "fxx") {
				flags |= fxx
			} else {
				flags |= fnx
			}
		default:
			return genFmtErr("ERR unknown argument: ", a)
		}
	}
	if first < 0 {
		return ErrSyntax
	}
	h, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	if h == nil && flags&fxx != 0 {
		return nil
	}
	if h != nil && flags&(fnx|fxx) != 0 {
		found := 0
		for i := 0; i < count; i++ {
			_, ok := h.live(args[first+2*i], c.KS.NowMs)
			if ok {
				found++
			}
			if flags&fxx != 0 && !ok || flags&fnx != 0 && ok {
				break
			}
		}
		if flags&fnx != 0 && found != 0 || flags&fxx != 0 && found != count {
			return nil
		}
	}
	if h == nil {
		h, _ = c.hashCreate(args[1])
	}
	for i := 0; i < count; i++ {
		f := args[first+2*i]
		h.Set(f, args[first+2*i+1], flags&(keepTTL|withTime) != 0)
		if flags&withTime != 0 {
			h.SetFieldExpire(f, at)
		}
	}
	return nil
}
