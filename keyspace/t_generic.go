package keyspace

// Keyspace commands, as the AOF loader applies them (src/db.c, src/expire.c and
// restoreCommand in src/cluster.c @ 7.0.15; 7.4.1 only adds hash field TTL bookkeeping):
// DEL UNLINK EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST RENAME RENAMENX COPY MOVE SWAPDB
// FLUSHALL FLUSHDB RESTORE RESTORE-ASKING, PUBLISH and SPUBLISH (no effect on data), and
// MIGRATE (refused: real files hold its effect as DEL).
//
// Nothing expires while loading: EXPIRE and friends store a time in the past instead of
// deleting the key (checkAlreadyExpired is false while loading), and so does RESTORE.
// Relative times (EXPIRE k 10, RESTORE k 1000 …) count from Keyspace.NowMs.

import (
	"bytes"
	"errors"
	"math"
	"strings"

	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/rdb"
)

// PayloadMaxVersion is the newest DUMP payload RDB version RESTORE and FUNCTION RESTORE
// accept: the engine models the newest Redis (7.4 and 8.0 write RDB 12), so payloads of any
// older server load too, as they would into that server.
const PayloadMaxVersion = 12

func init() {
	register("del", cmdDel)
	register("unlink", cmdDel)
	register("expire", func(c *Client, a [][]byte) error { return genExpire(c, a, "expire", c.KS.NowMs, true) })
	register("pexpire", func(c *Client, a [][]byte) error { return genExpire(c, a, "pexpire", c.KS.NowMs, false) })
	register("expireat", func(c *Client, a [][]byte) error { return genExpire(c, a, "expireat", 0, true) })
	register("pexpireat", func(c *Client, a [][]byte) error { return genExpire(c, a, "pexpireat", 0, false) })
	register("persist", cmdPersist)
	register("rename", func(c *Client, a [][]byte) error { return genRename(c, a, false) })
	register("renamenx", func(c *Client, a [][]byte) error { return genRename(c, a, true) })
	register("copy", cmdCopy)
	register("move", cmdMove)
	register("swapdb", cmdSwapDB)
	register("flushall", cmdFlush)
	register("flushdb", cmdFlush)
	register("restore", cmdRestore)
	register("restore-asking", cmdRestore)
	register("publish", cmdNoEffect)
	register("spublish", cmdNoEffect)
	register("migrate", cmdMigrate)
}

// Error replies of the keyspace family (Redis's texts).
var (
	errGenSameObject = &CommandError{"ERR source and destination objects are the same"}
	errGenBusyKey    = &CommandError{"BUSYKEY Target key name already exists."}
	errGenBadTTL     = &CommandError{"ERR Invalid TTL value, must be >= 0"}
	errGenPayload    = &CommandError{"ERR DUMP payload version or checksum are wrong"}
	errGenBadData    = &CommandError{"ERR Bad data format"}
	errGenIdle       = &CommandError{"ERR Invalid IDLETIME value, must be >= 0"}
	errGenFreq       = &CommandError{"ERR Invalid FREQ value, must be >= 0 and <= 255"}
)

// genArityErr is addReplyErrorArity: "wrong number of arguments for '<fullname>' command".
func genArityErr(args [][]byte) *CommandError {
	name := strings.ToLower(string(args[0]))
	if spec, err := command.Lookup(args); err == nil {
		name = spec.Name
	}
	return &CommandError{"ERR wrong number of arguments for '" + name + "' command"}
}

// genExpireErr is addReplyErrorExpireTime.
func genExpireErr(cmd string) *CommandError {
	return &CommandError{"ERR invalid expire time in '" + cmd + "' command"}
}

// genFmtErr is addReplyErrorFormat(prefix + "%s", arg): the argument as a C string (up to its
// first NUL) with CR and LF turned into spaces.
func genFmtErr(prefix string, arg []byte) *CommandError {
	s := []byte(string(strCString(arg)))
	for i, ch := range s {
		if ch == '\r' || ch == '\n' {
			s[i] = ' '
		}
	}
	return &CommandError{prefix + string(s)}
}

// genInt is getIntFromObjectOrReply: an integer within int32; msg replaces both error texts
// when not empty.
func genInt(arg []byte, msg string) (int, error) {
	v, ok := strParseInt(arg)
	if !ok {
		if msg != "" {
			return 0, &CommandError{"ERR " + msg}
		}
		return 0, ErrNotInt
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		if msg != "" {
			return 0, &CommandError{"ERR " + msg}
		}
		return 0, &CommandError{"ERR value is out of range, value must between -2147483648 and 2147483647"}
	}
	return int(v), nil
}

func cmdNoEffect(*Client, [][]byte) error { return nil }

// DEL / UNLINK key [key ...]
func cmdDel(c *Client, args [][]byte) error {
	for _, k := range args[1:] {
		c.Delete(k)
	}
	return nil
}

// Conditions of the EXPIRE family.
const (
	genExpireNX = 1 << iota
	genExpireXX
	genExpireGT
	genExpireLT
)

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT ...] (expireGenericCommand):
// the TTL is stored even when it is in the past.
func genExpire(c *Client, args [][]byte, cmd string, base int64, seconds bool) error {
	flags := 0
	for _, a := range args[3:] {
		switch {
		case strOpt(a, "nx"):
			flags |= genExpireNX
		case strOpt(a, "xx"):
			flags |= genExpireXX
		case strOpt(a, "gt"):
			flags |= genExpireGT
		case strOpt(a, "lt"):
			flags |= genExpireLT
		default:
			return genFmtErr("ERR Unsupported option ", a)
		}
	}
	if flags&genExpireNX != 0 && flags&(genExpireXX|genExpireGT|genExpireLT) != 0 {
		return &CommandError{"ERR NX and XX, GT or LT options at the same time are not compatible"}
	}
	if flags&genExpireGT != 0 && flags&genExpireLT != 0 {
		return &CommandError{"ERR GT and LT options at the same time are not compatible"}
	}
	when, ok := strParseInt(args[2])
	if !ok {
		return ErrNotInt
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return genExpireErr(cmd)
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return genExpireErr(cmd)
	}
	when += base
	e := c.Lookup(args[1])
	if e == nil {
		return nil
	}
	cur := e.Expire
	switch {
	case flags&genExpireNX != 0 && cur != NoExpiry,
		flags&genExpireXX != 0 && cur == NoExpiry,
		flags&genExpireGT != 0 && (when <= cur || cur == NoExpiry),
		flags&genExpireLT != 0 && cur != NoExpiry && when >= cur:
		return nil
	}
	e.Expire = when
	return nil
}

// PERSIST key
func cmdPersist(c *Client, args [][]byte) error {
	if e := c.Lookup(args[1]); e != nil {
		e.Expire = NoExpiry
	}
	return nil
}

// RENAME / RENAMENX key newkey: the value and its TTL move; the old newkey is replaced
// (RENAME) or left alone (RENAMENX).
func genRename(c *Client, args [][]byte, nx bool) error {
	src, dst := args[1], args[2]
	e := c.Lookup(src)
	if e == nil {
		return ErrNoSuchKey
	}
	if bytes.Equal(src, dst) {
		return nil
	}
	if nx && c.Lookup(dst) != nil {
		return nil
	}
	db := c.KS.DB(c.DB)
	c.KS.place(db, e, db, dst, false)
	db.remove(src)
	return nil
}

// MOVE key db
func cmdMove(c *Client, args [][]byte) error {
	dbid, err := genInt(args[2], "")
	if err != nil {
		return err
	}
	if dbid < 0 || dbid >= c.KS.MaxDBs {
		return ErrDBIndex
	}
	if dbid == c.DB {
		return errGenSameObject
	}
	e := c.Lookup(args[1])
	if e == nil || c.KS.Lookup(dbid, args[1]) != nil {
		return nil
	}
	c.KS.place(c.KS.DB(c.DB), e, c.KS.DB(dbid), args[1], false)
	c.Delete(args[1])
	return nil
}

// COPY source destination [DB n] [REPLACE]: a deep copy with the source's TTL.
func cmdCopy(c *Client, args [][]byte) error {
	dst, replace := c.DB, false
	for j := 3; j < len(args); j++ {
		switch {
		case strOpt(args[j], "replace"):
			replace = true
		case strOpt(args[j], "db") && j+1 < len(args):
			n, err := genInt(args[j+1], "")
			if err != nil {
				return err
			}
			if n < 0 || n >= c.KS.MaxDBs {
				return ErrDBIndex
			}
			dst = n
			j++
		default:
			return ErrSyntax
		}
	}
	if dst == c.DB && bytes.Equal(args[1], args[2]) {
		return errGenSameObject
	}
	e := c.Lookup(args[1])
	if e == nil {
		return nil
	}
	if c.KS.Lookup(dst, args[2]) != nil && !replace {
		return nil
	}
	c.KS.place(c.KS.DB(c.DB), e, c.KS.DB(dst), args[2], true)
	return nil
}

// SWAPDB index1 index2
func cmdSwapDB(c *Client, args [][]byte) error {
	a, err := genInt(args[1], "invalid first DB index")
	if err != nil {
		return err
	}
	b, err := genInt(args[2], "invalid second DB index")
	if err != nil {
		return err
	}
	if a < 0 || a >= c.KS.MaxDBs || b < 0 || b >= c.KS.MaxDBs {
		return ErrDBIndex
	}
	if a != b {
		c.KS.SwapDB(a, b)
	}
	return nil
}

// FLUSHALL / FLUSHDB [ASYNC|SYNC]: functions stay.
func cmdFlush(c *Client, args [][]byte) error {
	if len(args) > 2 || len(args) == 2 && !strOpt(args[1], "sync") && !strOpt(args[1], "async") {
		return ErrSyntax
	}
	if strOpt(args[0], "flushall") {
		c.KS.FlushAll()
	} else {
		c.KS.FlushDB(c.DB)
	}
	return nil
}

// MIGRATE: a server logs the effect of a MIGRATE (DEL of the keys the target acknowledged),
// never the command; a MIGRATE record would have the loader open a connection to another
// server.
func cmdMigrate(c *Client, args [][]byte) error {
	key := ""
	if len(args) > 3 {
		key = string(args[3])
	}
	return &UnsupportedError{Command: "migrate", Key: key,
		Reason: "MIGRATE is never written to an AOF (the server logs DEL of the migrated keys); replaying it would need the target server"}
}

// RESTORE / RESTORE-ASKING key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]
// (restoreCommand): the payload is decoded by the rdb package (versions up to
// PayloadMaxVersion, CRC checked); LRU/LFU hints are validated and dropped.
func cmdRestore(c *Client, args [][]byte) error {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := j+1 < len(args)
		switch a := args[j]; {
		case strOpt(a, "replace"):
			replace = true
		case strOpt(a, "absttl"):
			absTTL = true
		case strOpt(a, "idletime") && more && freq == -1:
			v, ok := strParseInt(args[j+1])
			if !ok {
				return ErrNotInt
			}
			if v < 0 {
				return errGenIdle
			}
			idle = v
			j++
		case strOpt(a, "freq") && more && idle == -1:
			v, ok := strParseInt(args[j+1])
			if !ok {
				return ErrNotInt
			}
			if v < 0 || v > 255 {
				return errGenFreq
			}
			freq = v
			j++
		default:
			return ErrSyntax
		}
	}
	key := args[1]
	if !replace && c.Lookup(key) != nil {
		return errGenBusyKey
	}
	ttl, ok := strParseInt(args[2])
	if !ok {
		return ErrNotInt
	}
	if ttl < 0 {
		return errGenBadTTL
	}
	v, err := genPayloadValue(args[3], string(key))
	if err != nil {
		return err
	}
	if replace {
		c.Delete(key)
	}
	expire := NoExpiry
	if ttl != 0 {
		if !absTTL {
			ttl += c.KS.NowMs
		}
		expire = ttl
	}
	c.Set(key, v, expire)
	return nil
}

// genPayloadValue checks and decodes a DUMP payload into a value (verifyDumpPayload, then
// rdbLoadObject: "Bad data format" for anything the decoder refuses). A module value, or a
// type no codec handles, is an UnsupportedError.
func genPayloadValue(p []byte, key string) (Value, error) {
	if err := genCheckPayload(p); err != nil {
		return nil, err
	}
	k, funcs, _, err := rdb.CollectPayload(p, rdb.Options{})
	if err != nil {
		var re *rdb.Error
		if errors.As(err, &re) && re.Kind == rdb.KindUnsupported {
			return nil, &UnsupportedError{Command: "restore", Key: key, Reason: "DUMP payload: " + err.Error()}
		}
		return nil, errGenBadData
	}
	if k == nil {
		if len(funcs) > 0 || len(p) > 0 && p[0] == rdb.OpFunction2 {
			return nil, errGenBadData // a FUNCTION DUMP payload: not an object type
		}
		return nil, &UnsupportedError{Command: "restore", Key: key, Reason: "the DUMP payload holds a module value (needs the module)"}
	}
	if _, ok := codecs[kindOf(k.Type)]; !ok {
		return nil, &UnsupportedError{Command: "restore", Key: key, Reason: "no codec for values of type " + k.Type}
	}
	v, err := ValueFromCanon(k)
	if err != nil {
		return nil, errGenBadData
	}
	return v, nil
}

// genCheckPayload is verifyDumpPayload: at least the 10-byte footer, an RDB version this
// engine models, and a matching CRC-64.
func genCheckPayload(p []byte) error {
	if len(p) < 10 {
		return errGenPayload
	}
	foot := p[len(p)-10:]
	if ver := int(foot[0]) | int(foot[1])<<8; ver > PayloadMaxVersion {
		return errGenPayload
	}
	var sum uint64
	for i := 7; i >= 0; i-- {
		sum = sum<<8 | uint64(foot[2+i])
	}
	if rdb.CRC64(0, p[:len(p)-8]) != sum {
		return errGenPayload
	}
	return nil
}

// place stores src's value and TTL (src is an entry of sdb) under key in ddb, replacing what
// was there. With deep the value is copied (COPY); otherwise an object value is shared, for
// a caller that removes src next (RENAME, MOVE).
func (ks *Keyspace) place(sdb *DB, src *Entry, ddb *DB, key []byte, deep bool) {
	e, _ := ddb.put(key)
	if e == src {
		return
	}
	switch {
	case sdb.Value(src) == nil:
		ddb.setStr(e, sdb.str(src))
	case deep:
		ddb.setObj(e, CloneValue(sdb.Value(src)))
	default:
		ddb.setObj(e, sdb.Value(src))
	}
	e.Expire = src.Expire
}
