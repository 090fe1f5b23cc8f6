package keyspace_test

// Done-when 2 of issue 5: differential tests of the whole replay engine against a real
// redis-server 7.0. Random command sequences over every write command a 7.0 server has (a
// small key space, so types clash and commands fail; TTLs far in the future or already past)
// run on a server with appendonly yes — some with a BGREWRITEAOF in the middle, some with
// --aof-use-rdb-preamble no. Then:
//
//   - `aofkit dump` of its appendonlydir equals the live dump of the server;
//   - `aofkit compact` of that directory, in both formats (RESP, and RDB 10 for the 7.0
//     server), loaded into a fresh real server, gives the same live dump and the same
//     DEBUG DIGEST (and `aofkit dump` of the compacted set gives the same dataset too).
//
// Environment:
//
//	AOFKIT_LONG=1          10,000 sequences (default: diffDefaultSeqs)
//	AOFKIT_DIFF_SEQS=N     N sequences
//	AOFKIT_DIFF_SEED=S     only the sequence of seed S (reproduce a failure)
//	AOFKIT_DIFF_NOMIN=1    do not minimise a failing sequence
//
// A failure prints the seed, the variant and the command sequence as redis-cli lines,
// minimised (delta debugging against fresh servers) unless AOFKIT_DIFF_NOMIN=1; failures are
// grouped by kind and the first of each kind is minimised.
//
// The generator avoids what Redis itself does not replay the same way (each case says why
// where it is generated): SORT BY patterns whose weights tie over a hash-table set, a history
// XREADGROUP creating a consumer without NOACK (its creation is not propagated), and history
// XREADGROUPs that return pending entries (their delivery counts grow unlogged). After a PFADD
// on a corrupt HyperLogLog (partly applied, not logged) the runner has the server log its
// strings again (resyncStrings).
//
// One allowance: with --aof-use-rdb-preamble no, Redis's own RESP rewrite drops pending
// entries whose stream entry is gone (reference §4.3), so before that variant's BGREWRITEAOF
// the runner removes them on the live server with the XCLAIM the server itself propagates
// (dropDanglingPEL); otherwise the server's AOF would not hold its own dataset. Our compact
// keeps such entries, which the other variants check.
//
// TestDifferentialRedisCases runs hand-written sequences the same way (regressions and rare
// corners); TestDifferentialCoverage says which write commands the generator covers and which
// generated steps the engine cannot replay yet (those are left out of the random runs).

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/compact"
	"github.com/aofkit/aofkit/dump"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
	"github.com/aofkit/aofkit/keyspace"
)

const (
	diffDefaultSeqs = 200
	diffLongSeqs    = 10000
	diffMinSteps    = 20
	diffMaxSteps    = 200
	diffDBs         = 3 // databases the generator uses (SELECT, MOVE, COPY DB, SWAPDB)
)

// ---- the generator ----

// dop is one step of a sequence: one command, or a MULTI … EXEC (or DISCARD) block sent as
// a unit. Arguments "$DUMP:<key>" and "$FUNCDUMP" are replaced at run time by the reply of
// DUMP <key> / FUNCTION DUMP on the server (a nil reply becomes an invalid payload).
type dop struct {
	cmds [][]string
}

const (
	argDump     = "$DUMP:"
	argFuncDump = "$FUNCDUMP"
	opRewrite   = "BGREWRITEAOF"
)

type gen struct {
	r *rand.Rand
}

func (g *gen) n(k int) int             { return g.r.IntN(k) }
func (g *gen) chance(p float64) bool   { return g.r.Float64() < p }
func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }
func (g *gen) between(lo, hi int) int  { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) itoa(lo, hi int) string  { return strconv.Itoa(g.between(lo, hi)) }
func (g *gen) key() string {
	if g.chance(0.05) { // weight/GET keys for SORT … BY w_* / GET w_*
		return g.pick("w_1", "w_x", "w_-3")
	}
	return g.pick("a", "b", "c", "d", "e", "a", "b")
}
func (g *gen) db() string                  { return strconv.Itoa(g.n(diffDBs)) }
func (g *gen) group() string               { return g.pick("g1", "g2") }
func (g *gen) consumer() string            { return g.pick("c1", "c2", "c3") }
func (g *gen) field() string               { return g.pick("f1", "f2", "f3", "f4", "1", "") }
func (g *gen) keys(lo, hi int) []string    { return g.several(lo, hi, g.key) }
func (g *gen) members(lo, hi int) []string { return g.several(lo, hi, g.member) }

func (g *gen) several(lo, hi int, f func() string) []string {
	out := make([]string, g.between(lo, hi))
	for i := range out {
		out[i] = f()
	}
	return out
}

// member: set/list/zset elements, small integers (intset) and strings, sometimes long.
func (g *gen) member() string {
	switch g.n(12) {
	case 0:
		return strings.Repeat("m", g.between(20, 80))
	case 1:
		return g.itoa(-1000000000000, 1000000000000)
	case 2, 3, 4, 5:
		return g.itoa(-3, 12)
	}
	return g.pick("x", "y", "z", "w", "hello", "", "a b", "\x00\xff")
}

// value: string values that are integers, floats, text, binary, sometimes long.
func (g *gen) value() string {
	switch g.n(14) {
	case 0:
		return strings.Repeat("v", g.between(1, 200))
	case 1:
		return g.pick("9223372036854775807", "-9223372036854775808", "9223372036854775808")
	case 2:
		return g.pick("1.5", "-0.25", "3e2", "inf", "1e308", "0x10", " 1")
	case 3, 4, 5, 6:
		return g.itoa(-20, 100)
	}
	return g.pick("", "v", "abc", "hello world", "\x00\x01\xfe\xff", "007", "-0")
}

// count: a COUNT/LIMIT argument, sometimes invalid.
func (g *gen) count() string {
	if g.chance(0.05) {
		return g.pick("-1", "0", "x")
	}
	return g.itoa(1, 5)
}

// score: sorted-set scores, with infinities, and sometimes invalid.
func (g *gen) score() string {
	switch g.n(10) {
	case 0:
		return g.pick("inf", "-inf", "+inf", "1e308", "-1e308")
	case 1:
		return g.pick("nan", "x", "")
	case 2:
		// Not "-0": Redis 7.0 turns a -0 score into 0 while a sorted set is a listpack and keeps
		// it in a skiplist, so the live value depends on the encoding history, which the engine
		// does not track yet (only DEBUG DIGEST sees it; canonical dumps compare 0 == -0). The
		// zset-negative-zero case below keeps the deterministic part covered. Known gap, issue 5.
		return g.pick("0.1", "-2.5", "3.14159", "1e-5", "0.0")
	}
	return g.itoa(-5, 10)
}

// futureSec / futureMs: absolute times far ahead (year 2100 and after). pastSec / pastMs: long
// gone (before 2002).
func (g *gen) futureSec() string { return strconv.FormatInt(4102444800+int64(g.n(1000000)), 10) }
func (g *gen) futureMs() string {
	return strconv.FormatInt(4102444800000+int64(g.n(1000000000)), 10)
}
func (g *gen) pastSec() string { return strconv.FormatInt(1+int64(g.n(1000000000)), 10) }
func (g *gen) pastMs() string  { return strconv.FormatInt(1+int64(g.n(1000000000000)), 10) }

// relSec / relMs: relative TTLs of years (nothing expires during a test).
func (g *gen) relSec() string { return strconv.Itoa(100000000 + g.n(100000000)) }
func (g *gen) relMs() string  { return strconv.FormatInt(100000000000+int64(g.n(100000000)), 10) }

// expireArgs: EXPIRE-family arguments (command name, time) in the future or the past.
func (g *gen) expireArgs() []string {
	switch g.n(8) {
	case 0:
		return []string{"EXPIRE", g.relSec()}
	case 1:
		return []string{"PEXPIRE", g.relMs()}
	case 2:
		return []string{"EXPIREAT", g.futureSec()}
	case 3:
		return []string{"PEXPIREAT", g.futureMs()}
	case 4:
		return []string{"EXPIREAT", g.pastSec()}
	case 5:
		return []string{"PEXPIREAT", g.pastMs()}
	case 6:
		return []string{"EXPIRE", g.pick("-1", "0", "x", "9223372036854775807")}
	}
	return []string{"PEXPIRE", g.pick("-5", "9223372036854775807")}
}

// streamID: IDs to write (XADD), small explicit ones, partial ones, or "*".
func (g *gen) streamID() string {
	switch g.n(10) {
	case 0, 1, 2:
		return "*"
	case 3:
		return g.itoa(1, 9) + "-*"
	case 4:
		return g.pick("0-0", "0-1", "x", "18446744073709551615-18446744073709551615")
	}
	return g.itoa(1, 9) + "-" + g.itoa(0, 3)
}

// readID: IDs to refer to (XDEL, XACK, XCLAIM, XGROUP …): mostly small, sometimes "$"-like.
func (g *gen) readID() string {
	switch g.n(8) {
	case 0:
		return "0"
	case 1:
		return g.pick("0-0", "18446744073709551615-0", "bad")
	}
	return g.itoa(1, 9) + "-" + g.itoa(0, 3)
}

func cmd(args ...string) dop { return dop{cmds: [][]string{args}} }

func cat(head []string, tail ...[]string) []string {
	out := slices.Clone(head)
	for _, t := range tail {
		out = append(out, t...)
	}
	return out
}

func (g *gen) setOpts() []string {
	var o []string
	if g.chance(0.3) {
		o = append(o, g.pick("NX", "XX"))
	}
	if g.chance(0.2) {
		o = append(o, "GET")
	}
	switch g.n(10) {
	case 0:
		o = append(o, "EX", g.relSec())
	case 1:
		o = append(o, "PX", g.relMs())
	case 2:
		o = append(o, "EXAT", g.futureSec())
	case 3:
		o = append(o, "PXAT", g.futureMs())
	case 4:
		o = append(o, "KEEPTTL")
	case 5:
		o = append(o, g.pick("EXAT", "PXAT"), g.pastSec())
	case 6:
		if g.chance(0.3) {
			o = append(o, g.pick("EX", "PX"), g.pick("0", "-1", "x"))
		}
	}
	return o
}

func (g *gen) bitfieldType() string {
	return g.pick("i1", "i5", "u4", "i8", "u8", "i16", "u15", "i32", "i63", "i64", "u63", "u64", "x8")
}

func (g *gen) bitfieldOps(write bool) (o []string) {
	fail := false
	defer func() {
		// Redis 7.0 grows (or creates) the string for a BITFIELD whose writes all fail under
		// OVERFLOW FAIL, but logs nothing, so the live dataset is not what its own AOF loads to
		// (the loader, replaying the same record, would grow it too). A trailing write that
		// cannot fail makes the server log the command.
		if write && fail {
			o = append(o, "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "0")
		}
	}()
	for i, n := 0, g.between(1, 4); i < n; i++ {
		if g.chance(0.3) {
			ow := g.pick("WRAP", "SAT", "FAIL")
			fail = fail || ow == "FAIL"
			o = append(o, "OVERFLOW", ow)
		}
		off := g.itoa(0, 100)
		if g.chance(0.2) {
			off = "#" + g.itoa(0, 10)
		}
		switch {
		case !write || g.chance(0.2):
			o = append(o, "GET", g.bitfieldType(), off)
		case g.chance(0.5):
			o = append(o, "SET", g.bitfieldType(), off, g.itoa(-300, 300))
		default:
			o = append(o, "INCRBY", g.bitfieldType(), off, g.pick(g.itoa(-300, 300), "9223372036854775807"))
		}
	}
	return o
}

func (g *gen) zaddPairs() []string {
	var o []string
	for i, n := 0, g.between(1, 4); i < n; i++ {
		o = append(o, g.score(), g.member())
	}
	return o
}

func (g *gen) lexRange() (string, string) {
	b := func() string {
		return g.pick("-", "+", "[a", "(a", "[x", "(z", "[1", "[", "a")
	}
	return b(), b()
}

func (g *gen) scoreRange() (string, string) {
	b := func() string {
		return g.pick("-inf", "+inf", "0", "(1", "5", "(10", "2.5", "x")
	}
	return b(), b()
}

func (g *gen) weightsAgg(numkeys int) []string {
	var o []string
	if g.chance(0.3) {
		o = append(o, "WEIGHTS")
		for i := 0; i < numkeys; i++ {
			o = append(o, g.pick("1", "2", "-1", "0.5", "inf", "0"))
		}
	}
	if g.chance(0.3) {
		o = append(o, "AGGREGATE", g.pick("SUM", "MIN", "MAX"))
	}
	return o
}

func (g *gen) geoPoint() []string {
	if g.chance(0.05) {
		return []string{g.pick("181", "-200", "x"), g.pick("86", "0")}
	}
	return []string{fmt.Sprintf("%.6f", -180+360*g.r.Float64()), fmt.Sprintf("%.6f", -85+170*g.r.Float64())}
}

func (g *gen) streamTrim() []string {
	o := []string{g.pick("MAXLEN", "MINID")}
	approx := false
	switch g.n(3) {
	case 0:
		o = append(o, "=")
	case 1:
		o = append(o, "~")
		approx = true
	}
	if o[0] == "MAXLEN" {
		o = append(o, g.itoa(0, 6))
	} else {
		o = append(o, g.readID())
	}
	if approx && g.chance(0.3) {
		o = append(o, "LIMIT", g.itoa(0, 3))
	}
	return o
}

// libCode is a function library whose functions write: lib<n> with function f<n>.
func libCode(n int, variant int) string {
	body := []string{
		"redis.call('SET', keys[1], args[1]) return redis.call('RPUSH', keys[2], args[1])",
		"return redis.call('INCR', keys[1])",
		"redis.call('SADD', keys[1], args[1]) redis.call('DEL', keys[2]) return 1",
		"return redis.call('HSET', keys[1], 'f', args[1])",
	}[variant%4]
	return fmt.Sprintf("#!lua name=lib%d\nredis.register_function('f%d', function(keys, args) %s end)", n, n, body)
}

// scripts for EVAL: several writes (wrapped in MULTI/EXEC in the AOF), some that fail midway.
var evalScripts = []string{
	"return redis.call('SET', KEYS[1], ARGV[1])",
	"redis.call('INCR', KEYS[1]) return redis.call('LPUSH', KEYS[2], ARGV[1])",
	"redis.call('DEL', KEYS[1]) redis.call('SADD', KEYS[2], ARGV[1]) return 1",
	"redis.call('EXPIRE', KEYS[1], 100000000) return redis.call('ZADD', KEYS[2], 1, ARGV[1])",
	"redis.call('SPOP', KEYS[1]) return redis.call('HSET', KEYS[2], ARGV[1], ARGV[1])",
	"redis.call('XADD', KEYS[1], '*', 'f', ARGV[1]) return redis.call('APPEND', KEYS[2], ARGV[1])",
	"redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1], 'PXAT', 1) return 1",
}

// genEntry generates one kind of step. needs are the handler names (command.Spec.Name) that
// the step's AOF forms — and its client form, which the engine must accept too — require.
type genEntry struct {
	name   string
	weight int
	needs  []string
	fn     func(g *gen) dop
}

func (e genEntry) implemented() bool {
	for _, n := range e.needs {
		if !keyspace.Implemented(n) {
			return false
		}
	}
	return true
}

func genTable() []genEntry {
	k := func(g *gen) string { return g.key() }
	return []genEntry{
		// ---- strings ----
		{"set", 6, []string{"set", "del"}, func(g *gen) dop { return cmd(cat([]string{"SET", k(g), g.value()}, g.setOpts())...) }},
		{"setnx", 1, []string{"setnx"}, func(g *gen) dop { return cmd("SETNX", k(g), g.value()) }},
		{"setex", 1, []string{"setex", "set"}, func(g *gen) dop { return cmd("SETEX", k(g), g.pick(g.relSec(), "0", "-1"), g.value()) }},
		{"psetex", 1, []string{"psetex", "set"}, func(g *gen) dop { return cmd("PSETEX", k(g), g.pick(g.relMs(), "0"), g.value()) }},
		{"mset", 2, []string{"mset"}, func(g *gen) dop {
			a := []string{"MSET"}
			for i, n := 0, g.between(1, 3); i < n; i++ {
				a = append(a, g.key(), g.value())
			}
			return cmd(a...)
		}},
		{"msetnx", 1, []string{"msetnx"}, func(g *gen) dop {
			a := []string{"MSETNX"}
			for i, n := 0, g.between(1, 3); i < n; i++ {
				a = append(a, g.key(), g.value())
			}
			return cmd(a...)
		}},
		{"append", 2, []string{"append"}, func(g *gen) dop { return cmd("APPEND", k(g), g.value()) }},
		{"setrange", 1, []string{"setrange"}, func(g *gen) dop {
			return cmd("SETRANGE", k(g), g.pick(g.itoa(0, 40), "-1", "536870912"), g.value())
		}},
		{"incr", 2, []string{"incr"}, func(g *gen) dop { return cmd("INCR", k(g)) }},
		{"decr", 1, []string{"decr"}, func(g *gen) dop { return cmd("DECR", k(g)) }},
		{"incrby", 2, []string{"incrby"}, func(g *gen) dop {
			return cmd("INCRBY", k(g), g.pick(g.itoa(-100, 100), "9223372036854775807", "x"))
		}},
		{"decrby", 1, []string{"decrby"}, func(g *gen) dop {
			return cmd("DECRBY", k(g), g.pick(g.itoa(-100, 100), "-9223372036854775808"))
		}},
		{"incrbyfloat", 2, []string{"incrbyfloat", "set"}, func(g *gen) dop {
			return cmd("INCRBYFLOAT", k(g), g.pick("1.5", "-0.1", "3", "1e3", "5.0e3", "inf", "x", "0.1"))
		}},
		{"getset", 1, []string{"getset", "set"}, func(g *gen) dop { return cmd("GETSET", k(g), g.value()) }},
		{"getdel", 1, []string{"getdel", "del"}, func(g *gen) dop { return cmd("GETDEL", k(g)) }},
		{"getex", 1, []string{"getex", "pexpireat", "persist", "del"}, func(g *gen) dop {
			switch g.n(6) {
			case 0:
				return cmd("GETEX", k(g), "EX", g.relSec())
			case 1:
				return cmd("GETEX", k(g), "PXAT", g.futureMs())
			case 2:
				return cmd("GETEX", k(g), "EXAT", g.pastSec())
			case 3:
				return cmd("GETEX", k(g), "PERSIST")
			case 4:
				return cmd("GETEX", k(g), "PX", g.relMs())
			}
			return cmd("GETEX", k(g))
		}},
		// ---- bitmaps ----
		{"setbit", 2, []string{"setbit"}, func(g *gen) dop {
			off := g.itoa(0, 64)
			if g.chance(0.1) {
				off = g.pick("4000", "-1", "4294967296")
			}
			return cmd("SETBIT", k(g), off, g.pick("0", "1", "1", "2"))
		}},
		{"bitop", 1, []string{"bitop"}, func(g *gen) dop {
			op := g.pick("AND", "OR", "XOR", "NOT")
			if op == "NOT" {
				return cmd("BITOP", "NOT", g.key(), g.key())
			}
			return cmd(cat([]string{"BITOP", op, g.key()}, g.keys(1, 3))...)
		}},
		{"bitfield", 2, []string{"bitfield"}, func(g *gen) dop { return cmd(cat([]string{"BITFIELD", k(g)}, g.bitfieldOps(true))...) }},
		// ---- HyperLogLog ----
		{"pfadd", 2, []string{"pfadd"}, func(g *gen) dop {
			if g.chance(0.05) { // enough elements to go dense (sparse over 3000 bytes)
				a := []string{"PFADD", g.key()}
				for i := 0; i < 1500; i++ {
					a = append(a, "e"+strconv.Itoa(g.n(5000)))
				}
				return cmd(a...)
			}
			return cmd(cat([]string{"PFADD", g.key()}, g.members(0, 4))...)
		}},
		{"pfmerge", 1, []string{"pfmerge"}, func(g *gen) dop { return cmd(cat([]string{"PFMERGE", g.key()}, g.keys(0, 3))...) }},
		{"pfcount", 1, []string{"pfcount"}, func(g *gen) dop { return cmd(cat([]string{"PFCOUNT"}, g.keys(1, 2))...) }},
		{"pfdebug", 1, []string{"pfdebug"}, func(g *gen) dop { return cmd("PFDEBUG", g.pick("TODENSE", "GETREG", "ENCODING"), k(g)) }},
		// ---- generic ----
		{"del", 2, []string{"del"}, func(g *gen) dop { return cmd(cat([]string{"DEL"}, g.keys(1, 2))...) }},
		{"unlink", 1, []string{"unlink"}, func(g *gen) dop { return cmd(cat([]string{"UNLINK"}, g.keys(1, 2))...) }},
		{"expire", 3, []string{"expire", "pexpire", "expireat", "pexpireat", "del"}, func(g *gen) dop {
			a := g.expireArgs()
			o := []string{a[0], g.key(), a[1]}
			if g.chance(0.3) {
				o = append(o, g.pick("NX", "XX", "GT", "LT"))
			}
			return cmd(o...)
		}},
		{"persist", 1, []string{"persist"}, func(g *gen) dop { return cmd("PERSIST", k(g)) }},
		{"rename", 1, []string{"rename"}, func(g *gen) dop { return cmd("RENAME", g.key(), g.key()) }},
		{"renamenx", 1, []string{"renamenx"}, func(g *gen) dop { return cmd("RENAMENX", g.key(), g.key()) }},
		{"copy", 1, []string{"copy"}, func(g *gen) dop {
			a := []string{"COPY", g.key(), g.key()}
			if g.chance(0.5) {
				a = append(a, "DB", g.pick(g.db(), g.db(), "16"))
			}
			if g.chance(0.5) {
				a = append(a, "REPLACE")
			}
			return cmd(a...)
		}},
		{"move", 1, []string{"move"}, func(g *gen) dop { return cmd("MOVE", k(g), g.pick(g.db(), "16")) }},
		{"sort-store", 1, []string{"sort"}, func(g *gen) dop {
			// A BY pattern whose weights tie (missing weight keys) leaves the order of a
			// hash-table set to its dict iteration order, which differs between the server
			// that ran the SORT and any server loading it (the dict hash is seeded per
			// process): BY patterns only sort the list "sl" (deterministic pqsort input).
			key := g.key()
			var pre []string
			by := ""
			if g.chance(0.4) {
				by = g.pick("nosort", "w_*", "*", "w_*->f1")
				if by != "nosort" {
					key = "sl"
					pre = cat([]string{"RPUSH", "sl"}, g.members(0, 4))
				}
			}
			a := []string{"SORT", key}
			if by != "" {
				a = append(a, "BY", by)
			}
			if g.chance(0.3) {
				a = append(a, "LIMIT", g.itoa(0, 2), g.itoa(-1, 4))
			}
			for i, n := 0, g.n(3); i < n; i++ {
				a = append(a, "GET", g.pick("#", "w_*", "*", "w_*->f1"))
			}
			if g.chance(0.4) {
				a = append(a, g.pick("ASC", "DESC"))
			}
			if g.chance(0.5) {
				a = append(a, "ALPHA")
			}
			a = append(a, "STORE", g.key())
			if len(pre) > 2 {
				return dop{cmds: [][]string{pre, a}}
			}
			return cmd(a...)
		}},
		{"restore", 2, []string{"restore", "del"}, func(g *gen) dop {
			ttl := "0"
			var tail []string
			switch g.n(5) {
			case 0:
				ttl = g.relMs()
			case 1:
				ttl, tail = g.futureMs(), []string{"ABSTTL"}
			case 2:
				ttl, tail = g.pastMs(), []string{"ABSTTL"}
			}
			if g.chance(0.5) {
				tail = append(tail, "REPLACE")
			}
			if g.chance(0.1) {
				tail = append(tail, "IDLETIME", g.itoa(0, 1000))
			}
			name := g.pick("RESTORE", "RESTORE", "RESTORE-ASKING")
			return cmd(cat([]string{name, g.key(), ttl, argDump + g.key()}, tail)...)
		}},
		// ---- server ----
		{"select", 3, nil, func(g *gen) dop { return cmd("SELECT", g.pick(g.db(), g.db(), g.db(), "16")) }},
		{"swapdb", 1, []string{"swapdb"}, func(g *gen) dop { return cmd("SWAPDB", g.db(), g.pick(g.db(), "16")) }},
		{"flushdb", 1, []string{"flushdb"}, func(g *gen) dop {
			if !g.chance(0.1) {
				return cmd("DEL", g.key())
			}
			return cmd("FLUSHDB", g.pick("ASYNC", "SYNC", "SYNC"))
		}},
		{"flushall", 1, []string{"flushall"}, func(g *gen) dop {
			if !g.chance(0.05) {
				return cmd("DEL", g.key())
			}
			return cmd("FLUSHALL")
		}},
		// ---- lists ----
		{"lpush", 4, []string{"lpush"}, func(g *gen) dop { return cmd(cat([]string{"LPUSH", k(g)}, g.members(1, 4))...) }},
		{"rpush", 4, []string{"rpush"}, func(g *gen) dop {
			if g.chance(0.05) {
				return cmd(cat([]string{"RPUSH", k(g)}, g.members(130, 200))...)
			}
			return cmd(cat([]string{"RPUSH", k(g)}, g.members(1, 4))...)
		}},
		{"lpushx", 1, []string{"lpushx"}, func(g *gen) dop { return cmd(cat([]string{"LPUSHX", k(g)}, g.members(1, 2))...) }},
		{"rpushx", 1, []string{"rpushx"}, func(g *gen) dop { return cmd(cat([]string{"RPUSHX", k(g)}, g.members(1, 2))...) }},
		{"linsert", 1, []string{"linsert"}, func(g *gen) dop {
			return cmd("LINSERT", k(g), g.pick("BEFORE", "AFTER", "x"), g.member(), g.member())
		}},
		{"lset", 1, []string{"lset"}, func(g *gen) dop { return cmd("LSET", k(g), g.itoa(-4, 4), g.member()) }},
		{"lrem", 1, []string{"lrem"}, func(g *gen) dop { return cmd("LREM", k(g), g.itoa(-2, 2), g.member()) }},
		{"ltrim", 1, []string{"ltrim"}, func(g *gen) dop { return cmd("LTRIM", k(g), g.itoa(-5, 3), g.itoa(-5, 5)) }},
		{"lpop", 2, []string{"lpop", "rpop"}, func(g *gen) dop {
			a := []string{g.pick("LPOP", "RPOP"), k(g)}
			if g.chance(0.4) {
				a = append(a, g.count())
			}
			return cmd(a...)
		}},
		{"rpoplpush", 1, []string{"rpoplpush"}, func(g *gen) dop { return cmd("RPOPLPUSH", g.key(), g.key()) }},
		{"lmove", 1, []string{"lmove"}, func(g *gen) dop {
			return cmd("LMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"))
		}},
		{"lmpop", 1, []string{"lmpop", "lpop", "rpop"}, func(g *gen) dop {
			ks := g.keys(1, 3)
			a := cat([]string{"LMPOP", strconv.Itoa(len(ks))}, ks, []string{g.pick("LEFT", "RIGHT")})
			if g.chance(0.5) {
				a = append(a, "COUNT", g.count())
			}
			return cmd(a...)
		}},
		// Blocking forms inside MULTI: they behave as the non-blocking form (or do nothing).
		{"blpop", 1, []string{"blpop", "brpop", "lpop", "rpop"}, func(g *gen) dop {
			return multi(cat([]string{g.pick("BLPOP", "BRPOP")}, g.keys(1, 2), []string{"0.01"}))
		}},
		{"brpoplpush", 1, []string{"brpoplpush", "rpoplpush"}, func(g *gen) dop {
			return multi([]string{"BRPOPLPUSH", g.key(), g.key(), "0.01"})
		}},
		{"blmove", 1, []string{"blmove", "lmove"}, func(g *gen) dop {
			return multi([]string{"BLMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"), "0.01"})
		}},
		{"blmpop", 1, []string{"blmpop", "lpop", "rpop"}, func(g *gen) dop {
			ks := g.keys(1, 2)
			return multi(cat([]string{"BLMPOP", "0.01", strconv.Itoa(len(ks))}, ks, []string{g.pick("LEFT", "RIGHT"), "COUNT", g.count()}))
		}},
		// ---- sets ----
		{"sadd", 4, []string{"sadd"}, func(g *gen) dop {
			if g.chance(0.05) {
				a := []string{"SADD", g.key()}
				for i := 0; i < 140; i++ {
					a = append(a, strconv.Itoa(g.n(1000)))
				}
				return cmd(a...)
			}
			return cmd(cat([]string{"SADD", k(g)}, g.members(1, 4))...)
		}},
		{"srem", 2, []string{"srem"}, func(g *gen) dop { return cmd(cat([]string{"SREM", k(g)}, g.members(1, 3))...) }},
		{"smove", 1, []string{"smove"}, func(g *gen) dop { return cmd("SMOVE", g.key(), g.key(), g.member()) }},
		{"spop", 1, []string{"spop", "srem", "del"}, func(g *gen) dop {
			if g.chance(0.5) {
				return cmd("SPOP", k(g), g.pick("1", "2", "5", "0", "-1"))
			}
			return cmd("SPOP", k(g))
		}},
		{"setstore", 2, []string{"sinterstore", "sunionstore", "sdiffstore"}, func(g *gen) dop {
			return cmd(cat([]string{g.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), g.key()}, g.keys(1, 3))...)
		}},
		// ---- sorted sets ----
		{"zadd", 4, []string{"zadd"}, func(g *gen) dop {
			a := []string{"ZADD", k(g)}
			if g.chance(0.2) {
				a = append(a, g.pick("NX", "XX"))
			}
			if g.chance(0.2) {
				a = append(a, g.pick("GT", "LT"))
			}
			if g.chance(0.2) {
				a = append(a, "CH")
			}
			if g.chance(0.15) {
				return cmd(append(a, "INCR", g.score(), g.member())...)
			}
			if g.chance(0.03) {
				for i := 0; i < 140; i++ {
					a = append(a, g.itoa(0, 100), "z"+strconv.Itoa(i))
				}
				return cmd(a...)
			}
			return cmd(append(a, g.zaddPairs()...)...)
		}},
		{"zincrby", 2, []string{"zincrby"}, func(g *gen) dop { return cmd("ZINCRBY", k(g), g.score(), g.member()) }},
		{"zrem", 2, []string{"zrem"}, func(g *gen) dop { return cmd(cat([]string{"ZREM", k(g)}, g.members(1, 3))...) }},
		{"zremrangebylex", 1, []string{"zremrangebylex"}, func(g *gen) dop {
			lo, hi := g.lexRange()
			return cmd("ZREMRANGEBYLEX", k(g), lo, hi)
		}},
		{"zremrangebyrank", 1, []string{"zremrangebyrank"}, func(g *gen) dop {
			return cmd("ZREMRANGEBYRANK", k(g), g.itoa(-4, 2), g.itoa(-3, 3))
		}},
		{"zremrangebyscore", 1, []string{"zremrangebyscore"}, func(g *gen) dop {
			lo, hi := g.scoreRange()
			return cmd("ZREMRANGEBYSCORE", k(g), lo, hi)
		}},
		{"zpop", 1, []string{"zpopmin", "zpopmax"}, func(g *gen) dop {
			a := []string{g.pick("ZPOPMIN", "ZPOPMAX"), k(g)}
			if g.chance(0.4) {
				a = append(a, g.count())
			}
			return cmd(a...)
		}},
		{"zmpop", 1, []string{"zmpop", "zpopmin", "zpopmax"}, func(g *gen) dop {
			ks := g.keys(1, 3)
			a := cat([]string{"ZMPOP", strconv.Itoa(len(ks))}, ks, []string{g.pick("MIN", "MAX")})
			if g.chance(0.5) {
				a = append(a, "COUNT", g.count())
			}
			return cmd(a...)
		}},
		{"bzpop", 1, []string{"bzpopmin", "bzpopmax", "zpopmin", "zpopmax"}, func(g *gen) dop {
			return multi(cat([]string{g.pick("BZPOPMIN", "BZPOPMAX")}, g.keys(1, 2), []string{"0.01"}))
		}},
		{"bzmpop", 1, []string{"bzmpop", "zpopmin", "zpopmax"}, func(g *gen) dop {
			ks := g.keys(1, 2)
			return multi(cat([]string{"BZMPOP", "0.01", strconv.Itoa(len(ks))}, ks, []string{g.pick("MIN", "MAX"), "COUNT", g.count()}))
		}},
		{"zstore", 2, []string{"zunionstore", "zinterstore", "zdiffstore"}, func(g *gen) dop {
			ks := g.keys(1, 3)
			name := g.pick("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE")
			a := cat([]string{name, g.key(), strconv.Itoa(len(ks))}, ks)
			if name != "ZDIFFSTORE" {
				a = append(a, g.weightsAgg(len(ks))...)
			}
			return cmd(a...)
		}},
		{"zrangestore", 1, []string{"zrangestore"}, func(g *gen) dop {
			a := []string{"ZRANGESTORE", g.key(), g.key()}
			byRank := false
			switch g.n(3) {
			case 0:
				a = append(a, g.itoa(-3, 2), g.itoa(-2, 4))
				byRank = true
			case 1:
				lo, hi := g.scoreRange()
				a = append(a, lo, hi, "BYSCORE")
			default:
				lo, hi := g.lexRange()
				a = append(a, lo, hi, "BYLEX")
			}
			if g.chance(0.3) {
				a = append(a, "REV")
			}
			if g.chance(0.3) && (!byRank || g.chance(0.1)) {
				a = append(a, "LIMIT", g.itoa(0, 2), g.itoa(-1, 3))
			}
			return cmd(a...)
		}},
		// ---- geo ----
		{"geoadd", 2, []string{"zadd"}, func(g *gen) dop {
			a := []string{"GEOADD", k(g)}
			if g.chance(0.2) {
				a = append(a, g.pick("NX", "XX"))
			}
			if g.chance(0.2) {
				a = append(a, "CH")
			}
			for i, n := 0, g.between(1, 3); i < n; i++ {
				a = append(a, g.geoPoint()...)
				a = append(a, g.member())
			}
			return cmd(a...)
		}},
		{"georadius", 1, []string{"georadius", "georadiusbymember"}, func(g *gen) dop {
			var a []string
			if g.chance(0.5) {
				a = cat([]string{"GEORADIUS", g.key()}, g.geoPoint())
			} else {
				a = []string{"GEORADIUSBYMEMBER", g.key(), g.member()}
			}
			a = append(a, g.pick("100", "5000", "20000"), "km")
			if g.chance(0.3) {
				a = append(a, "COUNT", g.itoa(1, 3))
			}
			if g.chance(0.3) {
				a = append(a, g.pick("ASC", "DESC"))
			}
			return cmd(append(a, g.pick("STORE", "STOREDIST"), g.key())...)
		}},
		{"geosearchstore", 1, []string{"geosearchstore"}, func(g *gen) dop {
			a := []string{"GEOSEARCHSTORE", g.key(), g.key()}
			if g.chance(0.5) {
				a = cat(a, []string{"FROMLONLAT"}, g.geoPoint())
			} else {
				a = append(a, "FROMMEMBER", g.member())
			}
			if g.chance(0.5) {
				a = append(a, "BYRADIUS", g.pick("1000", "20000"), "km")
			} else {
				a = append(a, "BYBOX", "4000", "4000", "km")
			}
			if g.chance(0.3) {
				a = append(a, "COUNT", g.itoa(1, 3))
			}
			if g.chance(0.3) {
				a = append(a, "ASC")
			}
			if g.chance(0.4) {
				a = append(a, "STOREDIST")
			}
			return cmd(a...)
		}},
		// ---- hashes ----
		{"hset", 4, []string{"hset"}, func(g *gen) dop {
			a := []string{"HSET", k(g)}
			n := g.between(1, 3)
			if g.chance(0.03) {
				n = 140
			}
			for i := 0; i < n; i++ {
				f := g.field()
				if n > 3 {
					f = "f" + strconv.Itoa(i)
				}
				a = append(a, f, g.value())
			}
			return cmd(a...)
		}},
		{"hmset", 1, []string{"hmset"}, func(g *gen) dop { return cmd("HMSET", k(g), g.field(), g.value(), g.field(), g.value()) }},
		{"hsetnx", 1, []string{"hsetnx"}, func(g *gen) dop { return cmd("HSETNX", k(g), g.field(), g.value()) }},
		{"hdel", 2, []string{"hdel"}, func(g *gen) dop {
			return cmd(cat([]string{"HDEL", k(g)}, g.several(1, 3, g.field))...)
		}},
		{"hincrby", 1, []string{"hincrby"}, func(g *gen) dop {
			return cmd("HINCRBY", k(g), g.field(), g.pick(g.itoa(-10, 10), "9223372036854775807", "x"))
		}},
		{"hincrbyfloat", 1, []string{"hincrbyfloat", "hset"}, func(g *gen) dop {
			return cmd("HINCRBYFLOAT", k(g), g.field(), g.pick("1.5", "-2", "1e2", "0.1", "inf", "x"))
		}},
		// ---- streams ----
		{"xadd", 5, []string{"xadd"}, func(g *gen) dop {
			a := []string{"XADD", k(g)}
			if g.chance(0.1) {
				a = append(a, "NOMKSTREAM")
			}
			if g.chance(0.25) {
				a = append(a, g.streamTrim()...)
			}
			a = append(a, g.streamID())
			for i, n := 0, g.between(1, 2); i < n; i++ {
				a = append(a, g.field(), g.value())
			}
			return cmd(a...)
		}},
		{"xtrim", 1, []string{"xtrim"}, func(g *gen) dop { return cmd(cat([]string{"XTRIM", k(g)}, g.streamTrim())...) }},
		{"xdel", 2, []string{"xdel"}, func(g *gen) dop { return cmd(cat([]string{"XDEL", k(g)}, g.several(1, 3, g.readID))...) }},
		{"xack", 1, []string{"xack"}, func(g *gen) dop {
			return cmd(cat([]string{"XACK", k(g), g.group()}, g.several(1, 3, g.readID))...)
		}},
		{"xclaim", 2, []string{"xclaim", "xgroup|setid"}, func(g *gen) dop {
			a := cat([]string{"XCLAIM", k(g), g.group(), g.consumer(), g.pick("0", "0", "100000")}, g.several(1, 3, g.readID))
			if g.chance(0.2) {
				a = append(a, "IDLE", g.itoa(0, 5000))
			}
			if g.chance(0.2) {
				a = append(a, "TIME", g.futureMs())
			}
			if g.chance(0.3) {
				a = append(a, "RETRYCOUNT", g.itoa(0, 9))
			}
			if g.chance(0.4) {
				a = append(a, "FORCE")
			}
			if g.chance(0.4) {
				a = append(a, "JUSTID")
			}
			if g.chance(0.2) {
				a = append(a, "LASTID", g.readID())
			}
			return cmd(a...)
		}},
		{"xautoclaim", 1, []string{"xautoclaim", "xclaim", "xgroup|setid"}, func(g *gen) dop {
			a := []string{"XAUTOCLAIM", k(g), g.group(), g.consumer(), "0", g.pick("0", "0-0", g.readID())}
			if g.chance(0.5) {
				a = append(a, "COUNT", g.count())
			}
			if g.chance(0.3) {
				a = append(a, "JUSTID")
			}
			return cmd(a...)
		}},
		{"xsetid", 1, []string{"xsetid"}, func(g *gen) dop {
			a := []string{"XSETID", k(g), g.pick(g.readID(), "9-9", "99999999999999-0")}
			if g.chance(0.4) {
				a = append(a, "ENTRIESADDED", g.itoa(0, 30))
			}
			if g.chance(0.4) {
				a = append(a, "MAXDELETEDID", g.readID())
			}
			return cmd(a...)
		}},
		{"xgroup-create", 2, []string{"xgroup|create"}, func(g *gen) dop {
			a := []string{"XGROUP", "CREATE", k(g), g.group(), g.pick("$", "0", g.readID())}
			if g.chance(0.5) {
				a = append(a, "MKSTREAM")
			}
			if g.chance(0.3) {
				a = append(a, "ENTRIESREAD", g.itoa(-1, 10))
			}
			return cmd(a...)
		}},
		{"xgroup-setid", 1, []string{"xgroup|setid"}, func(g *gen) dop {
			a := []string{"XGROUP", "SETID", k(g), g.group(), g.pick("$", "0", g.readID())}
			if g.chance(0.3) {
				a = append(a, "ENTRIESREAD", g.itoa(-1, 10))
			}
			return cmd(a...)
		}},
		{"xgroup-destroy", 1, []string{"xgroup|destroy"}, func(g *gen) dop {
			if !g.chance(0.3) {
				return cmd("XGROUP", "CREATECONSUMER", g.key(), g.group(), g.consumer())
			}
			return cmd("XGROUP", "DESTROY", k(g), g.group())
		}},
		{"xgroup-createconsumer", 1, []string{"xgroup|createconsumer"}, func(g *gen) dop {
			return cmd("XGROUP", "CREATECONSUMER", k(g), g.group(), g.consumer())
		}},
		{"xgroup-delconsumer", 1, []string{"xgroup|delconsumer"}, func(g *gen) dop {
			return cmd("XGROUP", "DELCONSUMER", k(g), g.group(), g.consumer())
		}},
		{"xreadgroup", 3, []string{"xreadgroup", "xclaim", "xgroup|setid", "xgroup|createconsumer"}, func(g *gen) dop {
			a := []string{"XREADGROUP", "GROUP", g.group(), g.consumer()}
			if g.chance(0.6) {
				a = append(a, "COUNT", g.itoa(1, 3))
			}
			noack := g.chance(0.3)
			if noack {
				a = append(a, "NOACK")
			}
			ks := g.keys(1, 2)
			a = append(a, "STREAMS")
			a = append(a, ks...)
			history := false
			for range ks {
				// A history read (an ID other than ">") increments the delivery counts of the
				// pending entries it returns without propagating anything (t_stream.c @ 7.0.15
				// streamReplyWithRangeFromConsumerPEL), so the live counts would differ from
				// the server's own AOF: history reads start past every ID and return nothing.
				id := g.pick(">", ">", ">", "18446744073709551615-0")
				history = history || id != ">"
				a = append(a, id)
			}
			if !history || noack {
				return cmd(a...)
			}
			// Redis 7.0 creates the consumer of a history read (ID other than ">") but
			// propagates that only with NOACK (t_stream.c @ 7.0.15 xreadCommand): a new
			// consumer that gets nothing would be missing from the AOF. Create it first.
			d := dop{}
			for _, k := range ks {
				d.cmds = append(d.cmds, []string{"XGROUP", "CREATECONSUMER", k, a[2], a[3]})
			}
			d.cmds = append(d.cmds, a)
			return d
		}},
		// ---- functions and scripts (effects replication on 7.0) ----
		{"function-load", 1, []string{"function|load"}, func(g *gen) dop {
			a := []string{"FUNCTION", "LOAD"}
			if g.chance(0.5) {
				a = append(a, "REPLACE")
			}
			return cmd(append(a, libCode(g.between(1, 3), g.n(4)))...)
		}},
		{"function-delete", 1, []string{"function|delete"}, func(g *gen) dop {
			return cmd("FUNCTION", "DELETE", "lib"+g.itoa(1, 4))
		}},
		{"function-flush", 1, []string{"function|flush"}, func(g *gen) dop {
			if !g.chance(0.2) {
				return cmd("FUNCTION", "LOAD", libCode(g.between(1, 3), g.n(4)))
			}
			return cmd("FUNCTION", "FLUSH", g.pick("SYNC", "ASYNC"))
		}},
		{"function-restore", 1, []string{"function|restore"}, func(g *gen) dop {
			a := []string{"FUNCTION", "RESTORE", argFuncDump}
			if g.chance(0.7) {
				a = append(a, g.pick("FLUSH", "APPEND", "REPLACE"))
			}
			return cmd(a...)
		}},
		{"fcall", 2, []string{"set", "rpush", "incr", "sadd", "del", "hset"}, func(g *gen) dop {
			return cmd("FCALL", "f"+g.itoa(1, 3), "2", g.key(), g.key(), g.value())
		}},
		{"eval", 2, []string{"set", "incr", "lpush", "rpush", "del", "sadd", "srem", "pexpireat", "zadd", "hset", "xadd", "append"}, func(g *gen) dop {
			s := evalScripts[g.n(len(evalScripts))]
			if g.chance(0.3) {
				return dop{cmds: [][]string{{"SCRIPT", "LOAD", s}, {"EVALSHA", sha1hex(s), "2", g.key(), g.key(), g.value()}}}
			}
			return cmd("EVAL", s, "2", g.key(), g.key(), g.value())
		}},
		// ---- transactions ----
		{"multi", 2, nil, nil}, // filled in by (*gen).step
	}
}

// hasPlaceholder reports whether c needs a DUMP / FUNCTION DUMP reply (not inside MULTI,
// where that DUMP would only be queued).
func hasPlaceholder(c []string) bool {
	for _, a := range c {
		if strings.HasPrefix(a, argDump) || a == argFuncDump {
			return true
		}
	}
	return false
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func multi(c []string) dop { return dop{cmds: [][]string{{"MULTI"}, c, {"EXEC"}}} }

// genSteps generates a sequence of n steps from the table's implemented entries.
func genSteps(r *rand.Rand, table []genEntry, n int) []dop {
	g := &gen{r: r}
	// Half the sequences focus on a few random kinds of step (six times their weight), so
	// that commands of one family meet often enough to reach their rarer interplays.
	table = slices.Clone(table)
	if g.chance(0.5) {
		for i := 0; i < 8; i++ {
			table[g.n(len(table))].weight *= 6
		}
	}
	total := 0
	for _, e := range table {
		total += e.weight
	}
	pickEntry := func() genEntry {
		x := g.n(total)
		for _, e := range table {
			if x < e.weight {
				return e
			}
			x -= e.weight
		}
		return table[len(table)-1]
	}
	var plain func() dop
	plain = func() dop {
		for {
			e := pickEntry()
			if e.fn != nil {
				return e.fn(g)
			}
		}
	}
	out := make([]dop, 0, n)
	for len(out) < n {
		e := pickEntry()
		if e.fn != nil {
			out = append(out, e.fn(g))
			continue
		}
		// A transaction of a few plain commands; sometimes DISCARD, sometimes a command with
		// the wrong arity (EXECABORT: nothing runs).
		t := dop{cmds: [][]string{{"MULTI"}}}
		for i, m := 0, g.between(1, 4); i < m; i++ {
			s := plain()
			for _, c := range s.cmds {
				if c[0] != "MULTI" && c[0] != "EXEC" && c[0] != "SCRIPT" && !hasPlaceholder(c) {
					t.cmds = append(t.cmds, c)
				}
			}
		}
		switch {
		case g.chance(0.1):
			t.cmds = append(t.cmds, []string{"DISCARD"})
		case g.chance(0.05):
			t.cmds = append(t.cmds, []string{"SET", "a"}, []string{"EXEC"})
		default:
			t.cmds = append(t.cmds, []string{"EXEC"})
		}
		out = append(out, t)
	}
	return out
}

// ---- variants and the runner ----

// variant is how the server writes its AOF.
type variant struct {
	preamble bool // aof-use-rdb-preamble (the 7.0 default: yes)
	rewrite  bool // a BGREWRITEAOF in the middle of the sequence
}

func (v variant) String() string {
	s := "rdb-preamble"
	if !v.preamble {
		s = "resp-preamble"
	}
	if v.rewrite {
		s += "+bgrewriteaof"
	}
	return s
}

// sequence is one generated test case.
type sequence struct {
	seed uint64
	v    variant
	ops  []dop
}

func makeSequence(seed uint64, table []genEntry) sequence {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	v := variant{preamble: seed%4 < 2, rewrite: seed%2 == 1}
	ops := genSteps(r, table, diffMinSteps+r.IntN(diffMaxSteps-diffMinSteps+1))
	if v.rewrite {
		at := r.IntN(len(ops) + 1)
		ops = slices.Insert(ops, at, cmd(opRewrite))
	}
	return sequence{seed: seed, v: v, ops: ops}
}

// format prints the sequence as redis-cli lines.
func (s sequence) format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d, %s, %d steps (AOFKIT_DIFF_SEED=%d reruns it):\n", s.seed, s.v, len(s.ops), s.seed)
	for _, op := range s.ops {
		for _, c := range op.cmds {
			for i, a := range c {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(cliQuote(a))
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func cliQuote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n\r\"'\\") && strconvIsPrint(a) {
		return a
	}
	return strconv.Quote(a)
}

func strconvIsPrint(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

// runner executes sequences against real servers and compares.
type runner struct {
	t testing.TB
}

// resolve converts strings to go-redis arguments, replacing the $DUMP / $FUNCDUMP
// placeholders with the server's DUMP / FUNCTION DUMP reply.
func resolve(ctx context.Context, conn *redis.Conn, c []string) []any {
	out := make([]any, len(c))
	for i, a := range c {
		switch {
		case strings.HasPrefix(a, argDump):
			v, err := conn.Do(ctx, "DUMP", strings.TrimPrefix(a, argDump)).Text()
			if err != nil {
				v = "not a payload"
			}
			out[i] = v
		case a == argFuncDump:
			v, err := conn.Do(ctx, "FUNCTION", "DUMP").Text()
			if err != nil {
				v = "not a payload"
			}
			out[i] = v
		default:
			out[i] = a
		}
	}
	return out
}

// waitRewrite polls INFO persistence until no AOF rewrite is running or scheduled.
func waitRewrite(ctx context.Context, c *redis.Client) error {
	for i := 0; ; i++ {
		info, err := c.Info(ctx, "persistence").Result()
		if err != nil {
			return err
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			if strings.Contains(info, "aof_last_bgrewrite_status:ok") {
				return nil
			}
			return fmt.Errorf("BGREWRITEAOF failed: %s", info)
		}
		if i > 1e7 {
			return errors.New("BGREWRITEAOF did not finish")
		}
	}
}

// corruptHLLReply reports whether a reply (or one of an EXEC's replies) is Redis's
// "INVALIDOBJ Corrupted HLL object detected". PFADD changes a corrupt sparse HyperLogLog in
// place element by element and only then finds the damage (hllSparseSet @ 7.0.15): it replies
// with that error, nothing is propagated, and the live value keeps the partial changes, which
// its own AOF therefore does not hold.
func corruptHLLReply(res *redis.Cmd) bool {
	corrupt := func(v any) bool {
		e, ok := v.(error)
		return ok && strings.HasPrefix(e.Error(), "INVALIDOBJ")
	}
	if corrupt(res.Err()) {
		return true
	}
	if vs, ok := res.Val().([]any); ok {
		for _, v := range vs {
			if corrupt(v) {
				return true
			}
		}
	}
	return false
}

// resyncStrings makes the server log every string key of every database as it holds it now
// (DUMP, then RESTORE … REPLACE ABSTTL, which is propagated): after a corrupt-HLL error, so
// that the server's AOF holds its own dataset again (see corruptHLLReply). The connection's
// database is kept.
func resyncStrings(ctx context.Context, conn *redis.Conn) error {
	info, err := conn.Do(ctx, "CLIENT", "INFO").Text()
	if err != nil {
		return err
	}
	cur := "0"
	for _, f := range strings.Fields(info) {
		if v, ok := strings.CutPrefix(f, "db="); ok {
			cur = v
		}
	}
	for db := 0; db < 16; db++ {
		if err := conn.Do(ctx, "SELECT", db).Err(); err != nil {
			return err
		}
		keys, err := conn.Do(ctx, "KEYS", "*").StringSlice()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if t, err := conn.Do(ctx, "TYPE", k).Text(); err != nil || t != "string" {
				continue
			}
			payload, err := conn.Do(ctx, "DUMP", k).Text()
			if err != nil {
				return err
			}
			at, err := conn.Do(ctx, "PEXPIRETIME", k).Int64()
			if err != nil {
				return err
			}
			if at < 0 {
				at = 0
			}
			if err := conn.Do(ctx, "RESTORE", k, at, payload, "REPLACE", "ABSTTL").Err(); err != nil {
				return err
			}
		}
	}
	return conn.Do(ctx, "SELECT", cur).Err()
}

// dropDanglingPEL removes, on the live server, the pending entries whose stream entry is gone,
// with the XCLAIM … JUSTID that the server itself propagates for them. Redis's own RESP
// rewrite (aof-use-rdb-preamble no) loses exactly those (reference §4.3), so without this the
// server's AOF would not hold its own dataset; the RDB preamble keeps them.
func dropDanglingPEL(ctx context.Context, c *redis.Client) error {
	conn := c.Conn()
	defer conn.Close()
	for db := 0; db < diffDBs; db++ {
		if err := conn.Select(ctx, db).Err(); err != nil {
			return err
		}
		keys, err := conn.Keys(ctx, "*").Result()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if t, _ := conn.Type(ctx, k).Result(); t != "stream" {
				continue
			}
			groups, err := conn.XInfoGroups(ctx, k).Result()
			if err != nil {
				return err
			}
			for _, g := range groups {
				pend, err := conn.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: k, Group: g.Name, Start: "-", End: "+", Count: 100000}).Result()
				if err != nil {
					return err
				}
				for _, p := range pend {
					ents, err := conn.XRange(ctx, k, p.ID, p.ID).Result()
					if err != nil {
						return err
					}
					if len(ents) == 0 {
						if err := conn.Do(ctx, "XCLAIM", k, g.Name, p.Consumer, "0", p.ID, "JUSTID").Err(); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// run executes s and returns the differences found (none: pass). Servers are stopped before
// it returns.
func (rn *runner) run(s sequence) (problems []string) {
	t := rn.t
	ctx := context.Background()
	args := []string{"--appendonly", "yes"}
	if !s.v.preamble {
		args = append(args, "--aof-use-rdb-preamble", "no")
	}
	tm := newTimer()
	srv := redistest.Start(t, redistest.Options{Args: args})
	defer srv.Stop(t)
	tm.mark("start")
	conn := srv.Client().Conn()
	rewrote := false
	for _, op := range s.ops {
		if len(op.cmds) == 1 && op.cmds[0][0] == opRewrite {
			if !s.v.preamble {
				if err := dropDanglingPEL(ctx, srv.Client()); err != nil {
					return []string{"dropping dangling PEL entries: " + err.Error()}
				}
			}
			if err := conn.Do(ctx, opRewrite).Err(); err != nil {
				return []string{"BGREWRITEAOF: " + err.Error()}
			}
			rewrote = true
			continue
		}
		for _, c := range op.cmds {
			res := conn.Do(ctx, resolve(ctx, conn, c)...)
			err := res.Err()
			var re redis.Error
			if err != nil && err != redis.Nil && !errors.As(err, &re) {
				return []string{fmt.Sprintf("%q: %v (not a reply)", c, err)}
			}
			if corruptHLLReply(res) {
				if err := resyncStrings(ctx, conn); err != nil {
					return []string{"re-logging strings after a corrupt-HLL error: " + err.Error()}
				}
			}
		}
	}
	conn.Close()
	tm.mark("commands")
	if rewrote {
		if err := waitRewrite(ctx, srv.Client()); err != nil {
			return []string{err.Error()}
		}
	}
	liveK, liveF := srv.Dump(t)
	liveDigest := srv.Digest(t)
	tm.mark("live dump")
	srv.Stop(t)
	tm.mark("stop")
	dir := filepath.Join(srv.Dir, "appendonlydir")
	now := time.Now()

	// 1. dump of the server's AOF equals the live dataset.
	if k, f, err := dumpDataset(dir, now); err != nil {
		problems = append(problems, fmt.Sprintf("aofkit dump of the server's AOF: %v", err))
	} else if d := canon.Diff(liveK, k, liveF, f, canon.DiffOptions{}); len(d) > 0 {
		problems = append(problems, "aofkit dump of the server's AOF differs from the live dataset:\n  "+strings.Join(limit(d), "\n  "))
	}
	tm.mark("aofkit dump")
	defer func() {
		if testing.Verbose() {
			t.Logf("%s: %d live keys, %d functions; %s", s.v, len(liveK), len(liveF), tm)
		}
	}()
	// 2. compact, both formats: loaded into a fresh server, same dataset and DEBUG DIGEST.
	for _, format := range []string{compact.FormatAOF, compact.FormatRDB} {
		out := filepath.Join(t.TempDir(), "appendonlydir")
		opt := compact.Options{Path: dir, Output: out, Format: format, Now: now}
		if format == compact.FormatRDB {
			opt.RDBVersion = 10
		}
		if _, err := compact.Run(ctx, opt); err != nil {
			problems = append(problems, fmt.Sprintf("aofkit compact --format %s: %v", format, err))
			continue
		}
		tm.mark("compact " + format)
		if k, f, err := dumpDataset(out, now); err != nil {
			problems = append(problems, fmt.Sprintf("aofkit dump of compact --format %s: %v", format, err))
		} else if d := canon.Diff(liveK, k, liveF, f, canon.DiffOptions{}); len(d) > 0 {
			problems = append(problems, fmt.Sprintf("aofkit dump of compact --format %s differs from the live dataset:\n  %s", format, strings.Join(limit(d), "\n  ")))
		}
		loaded, log, err := redistest.LoadAOF(t, out, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
		if err != nil {
			problems = append(problems, fmt.Sprintf("redis-server refuses compact --format %s: %v\n%s", format, err, lastLines(log, 8)))
			continue
		}
		tm.mark("load " + format)
		k, f := loaded.Dump(t)
		if d := canon.Diff(liveK, k, liveF, f, canon.DiffOptions{}); len(d) > 0 {
			problems = append(problems, fmt.Sprintf("redis-server loading compact --format %s differs from the live dataset:\n  %s", format, strings.Join(limit(d), "\n  ")))
		}
		if dg := loaded.Digest(t); dg != liveDigest {
			problems = append(problems, fmt.Sprintf("redis-server loading compact --format %s: DEBUG DIGEST %s, live server %s", format, dg, liveDigest))
		}
		loaded.Stop(t)
		tm.mark("compare " + format)
	}
	return problems
}

// timer records how long the phases of a run take (printed with -v).
type timer struct {
	last  time.Time
	marks []string
}

func newTimer() *timer { return &timer{last: time.Now()} }

func (t *timer) mark(what string) {
	now := time.Now()
	t.marks = append(t.marks, fmt.Sprintf("%s %dms", what, now.Sub(t.last).Milliseconds()))
	t.last = now
}

func (t *timer) String() string { return strings.Join(t.marks, ", ") }

func dumpDataset(path string, now time.Time) ([]canon.Key, []canon.Function, error) {
	var out bytes.Buffer
	if _, err := dump.Run(context.Background(), &out, dump.Options{Path: path, Now: now, DB: -1}); err != nil {
		return nil, nil, err
	}
	return canon.ReadJSONL(&out)
}

func limit(d []string) []string {
	if len(d) > 20 {
		return append(slices.Clone(d[:20]), fmt.Sprintf("... and %d more", len(d)-20))
	}
	return d
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// signature names the kind of a failure: the first line of each problem without the key
// names, values and digests, and the kinds of its differences ("missing", "value differs", …).
func signature(problems []string) string {
	var parts []string
	digest := regexp.MustCompile(`[0-9a-f]{40}`)
	for _, p := range problems {
		lines := strings.Split(p, "\n")
		head := digest.ReplaceAllString(lines[0], "…")
		kinds := map[string]bool{}
		for _, l := range lines[1:] {
			l = strings.TrimSpace(l)
			if !strings.HasPrefix(l, "db ") {
				continue
			}
			if i := strings.Index(l, "\": "); i >= 0 {
				k := l[i+3:]
				if j := strings.Index(k, ":"); j >= 0 {
					k = k[:j]
				}
				kinds[k] = true
			}
		}
		if len(kinds) > 0 {
			head += " [" + strings.Join(slices.Sorted(maps.Keys(kinds)), ", ") + "]"
		}
		parts = append(parts, head)
	}
	return strings.Join(parts, "; ")
}

// problemHeads are the first lines of problems, digests masked: which comparisons failed.
func problemHeads(problems []string) map[string]bool {
	digest := regexp.MustCompile(`[0-9a-f]{40}`)
	out := map[string]bool{}
	for _, p := range problems {
		out[digest.ReplaceAllString(strings.SplitN(p, "\n", 2)[0], "…")] = true
	}
	return out
}

// minimise shrinks a failing sequence by delta debugging (ddmin over steps), keeping each
// reduction that still fails every comparison the original failed; at most budget runs.
func (rn *runner) minimise(s sequence, problems []string, budget int) sequence {
	want := problemHeads(problems)
	fails := func(ops []dop) bool {
		if budget <= 0 {
			return false
		}
		budget--
		c := s
		c.ops = ops
		got := problemHeads(rn.run(c))
		for h := range want {
			if !got[h] {
				return false // a reduction must keep failing the same way
			}
		}
		return len(got) > 0
	}
	ops := s.ops
	n := 2
	for len(ops) >= 2 && budget > 0 {
		chunk := (len(ops) + n - 1) / n
		reduced := false
		for i := 0; i < len(ops); i += chunk {
			end := min(i+chunk, len(ops))
			cand := slices.Concat(ops[:i], ops[end:])
			if len(cand) > 0 && fails(cand) {
				ops = cand
				n = max(n-1, 2)
				reduced = true
				break
			}
		}
		if !reduced {
			if n >= len(ops) {
				break
			}
			n = min(2*n, len(ops))
		}
	}
	s.ops = ops
	return s
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// implementedTable returns the generator entries the engine can replay, and the names of
// those it cannot (yet).
func implementedTable() ([]genEntry, []string) {
	var ok []genEntry
	var missing []string
	for _, e := range genTable() {
		if e.implemented() {
			ok = append(ok, e)
			continue
		}
		var lack []string
		for _, n := range e.needs {
			if !keyspace.Implemented(n) {
				lack = append(lack, n)
			}
		}
		missing = append(missing, fmt.Sprintf("%s (no handler for %s)", e.name, strings.Join(lack, ", ")))
	}
	return ok, missing
}

// TestDifferentialCoverage: the generator exercises every write command of a 7.0 server
// (except the few that cannot reach a standalone AOF test), and the engine implements what
// each generated step needs.
func TestDifferentialCoverage(t *testing.T) {
	covered := map[string]bool{}
	for _, e := range genTable() {
		covered[e.name] = true
		for _, n := range e.needs {
			covered[n] = true
		}
	}
	// Client forms covered under another entry's name.
	for _, n := range []string{"pexpire", "expireat", "pexpireat", "rpop", "brpop", "sinterstore", "sunionstore",
		"sdiffstore", "zpopmax", "zpopmin", "bzpopmax", "bzpopmin", "zunionstore", "zinterstore", "zdiffstore",
		"georadiusbymember", "restore-asking", "evalsha", "fcall", "eval", "sort"} {
		covered[n] = true
	}
	skip := map[string]string{
		"migrate":  "needs a second server; the AOF only ever holds the DEL it causes",
		"publish":  "never written to the AOF",
		"spublish": "never written to the AOF",
	}
	for _, s := range command.All() {
		if !s.MayWrite() || s.IsContainer() || s.Removed != "" || !sinceAtMost(s.Since, 7, 0) {
			continue
		}
		if !covered[s.Name] && skip[s.Name] == "" {
			t.Errorf("write command %s (since %s) is not generated by the differential test", s.Name, s.Since)
		}
	}
	if _, missing := implementedTable(); len(missing) > 0 {
		t.Errorf("the replay engine cannot replay %d kinds of generated steps yet; the differential test leaves them out:\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}

func sinceAtMost(since string, major, minor int) bool {
	var a, b int
	if _, err := fmt.Sscanf(since, "%d.%d", &a, &b); err != nil {
		return false
	}
	return a < major || (a == major && b <= minor)
}

// TestDifferentialRedis runs the random sequences (see the file comment).
func TestDifferentialRedis(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	table, missing := implementedTable()
	if len(missing) > 0 {
		t.Logf("left out until the engine implements them (see TestDifferentialCoverage): %s", strings.Join(missing, "; "))
	}
	if len(table) == 0 {
		t.Skip("no generated step can be replayed yet")
	}
	var seeds []uint64
	if v := os.Getenv("AOFKIT_DIFF_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("AOFKIT_DIFF_SEED=%q: %v", v, err)
		}
		seeds = []uint64{s}
	} else {
		n := diffDefaultSeqs
		if os.Getenv("AOFKIT_LONG") == "1" {
			n = diffLongSeqs
		}
		n = envInt("AOFKIT_DIFF_SEQS", n)
		base := uint64(time.Now().UnixNano())
		for i := 0; i < n; i++ {
			seeds = append(seeds, base+uint64(i))
		}
	}
	var passed, failed atomic.Int64
	var mu sync.Mutex
	signatures := map[string]int{} // kind of failure -> how many sequences showed it
	start := time.Now()
	for _, seed := range seeds {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			s := makeSequence(seed, table)
			rn := &runner{t: t}
			problems := rn.run(s)
			if len(problems) == 0 {
				passed.Add(1)
				return
			}
			failed.Add(1)
			sig := signature(problems)
			mu.Lock()
			signatures[sig]++
			first := signatures[sig] == 1 && len(signatures) <= 8
			mu.Unlock()
			msg := strings.Join(problems, "\n")
			if !first {
				// Another sequence already showed (and minimised) this kind of failure.
				t.Errorf("%s\n(kind of failure already reported: %s)\n%s", msg, sig, s.format())
				return
			}
			if os.Getenv("AOFKIT_DIFF_NOMIN") != "1" {
				m := rn.minimise(s, problems, 80)
				if len(m.ops) < len(s.ops) {
					if p := rn.run(m); len(p) > 0 {
						t.Errorf("%s\nminimised from %d to %d steps; %s", strings.Join(p, "\n"), len(s.ops), len(m.ops), m.format())
						return
					}
				}
			}
			t.Errorf("%s\n%s", msg, s.format())
		})
	}
	t.Cleanup(func() {
		t.Logf("%d sequences: %d passed, %d failed, in %s", len(seeds), passed.Load(), failed.Load(), time.Since(start).Round(time.Second))
		for _, sig := range slices.Sorted(maps.Keys(signatures)) {
			t.Logf("  %d× %s", signatures[sig], sig)
		}
	})
}

// diffCases are hand-written sequences run like the random ones: corner cases found by the
// random runs (kept as regressions) and ones random runs reach rarely.
//
// A name ending in -no-resp-rewrite marks a dataset Redis's own RESP rewrite cannot hold: the
// variant that loads the server's AOF after a BGREWRITEAOF without RDB preamble is not run.
var diffCases = []struct {
	name string
	cmds [][]string
}{
	// BITFIELD creates (or extends) the string even when OVERFLOW FAIL refuses the write.
	// (Each ends with a write that cannot fail: a BITFIELD whose writes all fail is not logged by
	// Redis 7.0 although it grew the string, so no AOF could reproduce the live value.)
	{"bitfield-fail-creates", [][]string{{"BITFIELD", "d", "OVERFLOW", "FAIL", "INCRBY", "i5", "55", "9223372036854775807", "OVERFLOW", "WRAP", "INCRBY", "u1", "0", "0"},
		{"SET", "e", "abc"}, {"BITFIELD", "e", "OVERFLOW", "FAIL", "SET", "u4", "36", "17", "OVERFLOW", "WRAP", "INCRBY", "u1", "0", "0"}}},
	// A -0 score in a listpack-encoded sorted set is stored as the integer 0 by Redis 7.0.
	{"zset-negative-zero", [][]string{{"ZADD", "d", "7", "m", "-0", "a b"}, {"ZINCRBY", "e", "-0", "w"},
		{"ZADD", "big", "-0", strings.Repeat("x", 100)}}},
	// Pending entries whose entry was trimmed (max_deleted_id stays 0-0) or deleted.
	{"dangling-pel-trimmed", [][]string{{"XADD", "s", "1-1", "f", "v"}, {"XADD", "s", "2-1", "f", "v"}, {"XADD", "s", "3-1", "f", "v"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"},
		{"XTRIM", "s", "MAXLEN", "1"}}},
	{"dangling-pel-deleted", [][]string{{"XADD", "s", "1-1", "f", "v"}, {"XADD", "s", "2-1", "f", "v"}, {"XADD", "s", "3-1", "f", "v"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"},
		{"XDEL", "s", "2-1"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c2"}}},
	{"dangling-pel-all-trimmed", [][]string{{"XADD", "s", "1-1", "f", "v"}, {"XADD", "s", "2-1", "f", "v"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"},
		{"XTRIM", "s", "MAXLEN", "0"}}},
	{"dangling-pel-trimmed-and-deleted", [][]string{{"XADD", "s", "1-1", "f", "v"}, {"XADD", "s", "2-1", "f", "v"}, {"XADD", "s", "3-1", "f", "v"},
		{"XADD", "s", "4-1", "f", "v"}, {"XGROUP", "CREATE", "s", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"},
		{"XDEL", "s", "3-1"}, {"XTRIM", "s", "MINID", "2-1"}, {"XSETID", "s", "4-1", "MAXDELETEDID", "0-1"}}},
	// PFADD on a sparse HyperLogLog that SETRANGE corrupted: Redis applies part of it, replies
	// INVALIDOBJ and logs nothing; the engine must leave the value as the AOF has it (the runner
	// re-logs the live strings: resyncStrings).
	{"hll-corrupt-pfadd", [][]string{{"PFMERGE", "b"}, {"SETRANGE", "b", "17", "46"},
		append([]string{"PFADD", "b"}, strings.Fields(hllCorruptElements)...), {"SET", "after", "1"}}},
	// -0 scores in sets that load as skiplists (more than 128 members, or a member longer than
	// 64 bytes): compact's RESP output must not add them while the set is still a listpack.
	{"zset-negative-zero-skiplist", [][]string{append([]string{"ZADD", "z"}, zsetNegatives(130)...),
		{"ZINTERSTORE", "d", "1", "z", "WEIGHTS", "0"},
		{"ZADD", "z2", "-1", strings.Repeat("y", 70), "-1", "a"}, {"ZINTERSTORE", "d2", "1", "z2", "WEIGHTS", "0"}}},
	// A stream whose last ID is below its max_deleted_id (an XSETID lowered it): one XSETID
	// cannot recreate that (found by a 10,000-sequence run).
	{"stream-lastid-below-maxdeleted-no-resp-rewrite", [][]string{{"XGROUP", "CREATE", "c", "g1", "$", "MKSTREAM", "ENTRIESREAD", "8"},
		{"XSETID", "c", "99999999999999-0", "ENTRIESADDED", "7", "MAXDELETEDID", "7-3"},
		{"XSETID", "c", "2-0", "ENTRIESADDED", "2", "MAXDELETEDID", "0-0"}}},
	// A STOREDIST whose haversine distance glibc's sin/cos/asin round differently from the
	// correctly rounded result (found by a 10,000-sequence run): distances use the C library.
	{"geo-storedist-libm", [][]string{{"ZADD", "a", "GT", "CH", "6", "w", "8", "", "2", "z"},
		{"GEORADIUS", "a", "39.492356", "-84.638062", "20000", "km", "STOREDIST", "w_1"}}},
}

// zsetNegatives returns n score/member pairs with negative scores.
func zsetNegatives(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, strconv.Itoa(-1-i), "m"+strconv.Itoa(i))
	}
	return out
}

// hllCorruptElements are enough PFADD elements to reach the damaged part of a sparse HLL.
var hllCorruptElements = func() string {
	var b strings.Builder
	for i := 0; i < 3000; i += 3 {
		fmt.Fprintf(&b, "e%d ", i)
	}
	return b.String()
}()

// TestDifferentialRedisCases runs diffCases in every variant.
func TestDifferentialRedisCases(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	for _, c := range diffCases {
		for _, v := range []variant{{true, false}, {false, false}, {true, true}, {false, true}} {
			t.Run(c.name+"/"+v.String(), func(t *testing.T) {
				t.Parallel()
				if strings.HasSuffix(c.name, "-no-resp-rewrite") && !v.preamble && v.rewrite {
					t.Skip("Redis's RESP rewrite writes one XSETID with a last ID below its MAXDELETEDID, which the loader refuses")
				}
				if strings.HasSuffix(c.name, "-libm") && !libmDistances {
					t.Skip("built without cgo: GEO distances are correctly rounded, not the C library's (see t_geo.go)")
				}
				s := sequence{v: v}
				for _, cm := range c.cmds {
					s.ops = append(s.ops, dop{cmds: [][]string{cm}})
				}
				if v.rewrite {
					s.ops = append(s.ops, cmd(opRewrite))
				}
				if p := (&runner{t: t}).run(s); len(p) > 0 {
					t.Errorf("%s\n%s", strings.Join(p, "\n"), s.format())
				}
			})
		}
	}
}
