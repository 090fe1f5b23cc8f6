package keyspace

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// ---- helpers shared by string_test.go and hll_test.go ----

// strFar is 2100-01-01 in unix ms: a TTL that never passes under a test.
const strFar = int64(4102444800000)

// strNow is the engine clock of the table tests.
const strNow = int64(1_700_000_000_000)

func strArgs(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// apply runs one command on the engine and returns its error text ("" for success); an
// error that is not a *CommandError fails the test.
func strApply(t testing.TB, c *Client, args ...string) string {
	t.Helper()
	err := c.Apply(strArgs(args...))
	if err == nil {
		return ""
	}
	if !IsCommandError(err) {
		t.Fatalf("%q: not a command error: %v", args, err)
	}
	return err.Error()
}

// engineKeys exports the engine's dataset, sorted.
func strEngineKeys(t testing.TB, ks *Keyspace) []canon.Key {
	t.Helper()
	var out []canon.Key
	err := ks.Each(true, func(k *canon.Key) error {
		c := *k
		c.Key = slices.Clone(k.Key)
		if k.String != nil {
			c.String = slices.Clone(k.String)
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// strTwin is a real server (no persistence) and an engine that receive the same commands; the
// server is the oracle for replies and state. Relative TTLs count from each side's own clock,
// so datasets are compared with a TTL slack.
type strTwin struct {
	t    testing.TB
	srv  *redistest.Server
	conn *redis.Conn
	ks   *Keyspace
	c    *Client
}

func newStrTwin(t testing.TB) *strTwin {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{})
	conn := srv.Client().Conn()
	t.Cleanup(func() { conn.Close() })
	ks := New(time.Now().UnixMilli())
	return &strTwin{t: t, srv: srv, conn: conn, ks: ks, c: ks.NewClient()}
}

// server runs one command on the server and returns its error text ("" for success).
func (w *strTwin) server(args ...string) (any, string) {
	w.t.Helper()
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	v, err := w.conn.Do(context.Background(), a...).Result()
	if err == redis.Nil {
		err = nil
	}
	if err != nil {
		var re redis.Error
		if !errors.As(err, &re) {
			w.t.Fatalf("server %q: %v", args, err)
		}
		return nil, err.Error()
	}
	return v, ""
}

// do runs a command on both and checks that both fail with the same message or both succeed.
func (w *strTwin) do(args ...string) string {
	w.t.Helper()
	_, serr := w.server(args...)
	w.ks.NowMs = time.Now().UnixMilli()
	eerr := strApply(w.t, w.c, args...)
	if serr != eerr {
		w.t.Errorf("%s: server says %q, engine %q", strQuoteArgs(args), serr, eerr)
	}
	return eerr
}

// same compares the datasets.
func (w *strTwin) same(what string) {
	w.t.Helper()
	want, _ := w.srv.Dump(w.t)
	got := strEngineKeys(w.t, w.ks)
	if d := canon.Diff(want, got, nil, nil, canon.DiffOptions{TTLSlackMs: 5000}); len(d) > 0 {
		w.t.Errorf("%s: %d differences, first: %s", what, len(d), strings.Join(d[:min(len(d), 5)], "\n"))
	}
}

// reset empties both.
func (w *strTwin) reset() {
	w.t.Helper()
	if _, e := w.server("FLUSHALL"); e != "" {
		w.t.Fatal(e)
	}
	if _, e := w.server("SELECT", "0"); e != "" {
		w.t.Fatal(e)
	}
	w.ks.FlushAll()
	w.c = w.ks.NewClient()
}

func strQuoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if len(a) > 40 {
			a = a[:40] + "…"
		}
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// ---- table tests ----

// strCase is one table case: setup commands (which must succeed), one command, the error it
// must give ("" for none), and the whole of db 0 afterwards as "key=value" or
// "key=value@expire" (expire in absolute ms; "@now+N" means strNow+N on the engine). Names
// starting "load:" hold for the AOF loader only (a live server expires past TTLs at once).
type strCase struct {
	name  string
	setup [][]string
	cmd   []string
	err   string
	want  []string
}

func strCmd(args ...string) []string { return args }

var strCases = []strCase{
	// SET
	{"set plain", nil, strCmd("SET", "k", "v"), "", []string{"k=v"}},
	{"set overwrites other type", [][]string{{"PFADD", "k", "a"}}, strCmd("SET", "k", "v"), "", []string{"k=v"}},
	{"set clears ttl", [][]string{{"SET", "k", "a", "PXAT", "4102444800000"}}, strCmd("SET", "k", "v"), "", []string{"k=v"}},
	{"set keepttl", [][]string{{"SET", "k", "a", "PXAT", "4102444800000"}}, strCmd("SET", "k", "v", "KEEPTTL"), "", []string{"k=v@4102444800000"}},
	{"set keepttl missing", nil, strCmd("SET", "k", "v", "keepttl"), "", []string{"k=v"}},
	{"set ex", nil, strCmd("SET", "k", "v", "EX", "100"), "", []string{"k=v@now+100000"}},
	{"set px", nil, strCmd("SET", "k", "v", "px", "1500"), "", []string{"k=v@now+1500"}},
	{"set exat", nil, strCmd("SET", "k", "v", "EXAT", "4102444800"), "", []string{"k=v@4102444800000"}},
	{"set pxat get", [][]string{{"SET", "k", "old"}}, strCmd("SET", "k", "v", "PXAT", "4102444800001", "GET"), "", []string{"k=v@4102444800001"}},
	{"set get repeated", [][]string{{"SET", "k", "old"}}, strCmd("SET", "k", "v", "GET", "get"), "", []string{"k=v"}},
	{"set nx exists", [][]string{{"SET", "k", "old"}}, strCmd("SET", "k", "v", "NX"), "", []string{"k=old"}},
	{"set nx missing", nil, strCmd("SET", "k", "v", "NX", "EX", "10"), "", []string{"k=v@now+10000"}},
	{"set xx missing", nil, strCmd("SET", "k", "v", "XX"), "", nil},
	{"set xx exists", [][]string{{"SET", "k", "old", "EXAT", "4102444800"}}, strCmd("SET", "k", "v", "XX"), "", []string{"k=v"}},
	{"set nx get exists", [][]string{{"SET", "k", "old"}}, strCmd("SET", "k", "v", "NX", "GET"), "", []string{"k=old"}},
	{"set get wrongtype", [][]string{{"SADD", "k", "a"}, {"SET", "x", "1"}}, strCmd("SET", "k", "v", "GET"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET", "x=1"}},
	{"set nx xx", nil, strCmd("SET", "k", "v", "NX", "XX"), "ERR syntax error", nil},
	{"set ex px", nil, strCmd("SET", "k", "v", "EX", "1", "PX", "1"), "ERR syntax error", nil},
	{"set ex keepttl", nil, strCmd("SET", "k", "v", "EX", "1", "KEEPTTL"), "ERR syntax error", nil},
	{"set ex missing value", nil, strCmd("SET", "k", "v", "EX"), "ERR syntax error", nil},
	{"set unknown option", nil, strCmd("SET", "k", "v", "FOO"), "ERR syntax error", nil},
	{"set option with nul", nil, strCmd("SET", "k", "v", "NX\x00junk"), "", []string{"k=v"}},
	{"set ex zero", nil, strCmd("SET", "k", "v", "EX", "0"), "ERR invalid expire time in 'set' command", nil},
	{"set px negative", nil, strCmd("SET", "k", "v", "PX", "-5"), "ERR invalid expire time in 'set' command", nil},
	{"set ex overflow", nil, strCmd("SET", "k", "v", "EX", "9223372036854776"), "ERR invalid expire time in 'set' command", nil},
	{"set px overflow with now", nil, strCmd("SET", "k", "v", "PX", "9223372036854775807"), "ERR invalid expire time in 'set' command", nil},
	{"set ex not int", nil, strCmd("SET", "k", "v", "EX", "1.5"), "ERR value is not an integer or out of range", nil},
	{"load: set pxat past stored", nil, strCmd("SET", "k", "v", "PXAT", "1000"), "", []string{"k=v@1000"}},
	// SETNX SETEX PSETEX GETSET
	{"setnx missing", nil, strCmd("SETNX", "k", "v"), "", []string{"k=v"}},
	{"setnx exists", [][]string{{"SET", "k", "1"}}, strCmd("SETNX", "k", "v"), "", []string{"k=1"}},
	{"setex", nil, strCmd("SETEX", "k", "20", "v"), "", []string{"k=v@now+20000"}},
	{"setex zero", nil, strCmd("SETEX", "k", "0", "v"), "ERR invalid expire time in 'setex' command", nil},
	{"setex not int", nil, strCmd("SETEX", "k", "x", "v"), "ERR value is not an integer or out of range", nil},
	{"psetex", nil, strCmd("PSETEX", "k", "2500", "v"), "", []string{"k=v@now+2500"}},
	{"psetex negative", nil, strCmd("PSETEX", "k", "-1", "v"), "ERR invalid expire time in 'psetex' command", nil},
	{"getset", [][]string{{"SET", "k", "old", "EXAT", "4102444800"}}, strCmd("GETSET", "k", "new"), "", []string{"k=new"}},
	{"getset missing", nil, strCmd("GETSET", "k", "new"), "", []string{"k=new"}},
	{"getset wrongtype", [][]string{{"PFADD", "h"}, {"SADD", "k", "m"}}, strCmd("GETSET", "k", "new"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"h=HLL", "k=SET"}},
	// MSET MSETNX
	{"mset", [][]string{{"SET", "a", "x", "EXAT", "4102444800"}}, strCmd("MSET", "a", "1", "b", "2", "a", "3"), "", []string{"a=3", "b=2"}},
	{"mset odd", nil, strCmd("MSET", "a", "1", "b"), "ERR wrong number of arguments for 'mset' command", nil},
	{"msetnx one exists", [][]string{{"SET", "b", "x"}}, strCmd("MSETNX", "a", "1", "b", "2"), "", []string{"b=x"}},
	{"msetnx none exist", nil, strCmd("MSETNX", "a", "1", "b", "2"), "", []string{"a=1", "b=2"}},
	{"msetnx odd", nil, strCmd("MSETNX", "a", "1", "b"), "ERR wrong number of arguments for 'msetnx' command", nil},
	// APPEND
	{"append missing", nil, strCmd("APPEND", "k", "ab"), "", []string{"k=ab"}},
	{"append empty creates", nil, strCmd("APPEND", "k", ""), "", []string{"k="}},
	{"append keeps ttl", [][]string{{"SET", "k", "12", "EXAT", "4102444800"}}, strCmd("APPEND", "k", "3"), "", []string{"k=123@4102444800000"}},
	{"append wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("APPEND", "k", "x"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// SETRANGE
	{"setrange missing", nil, strCmd("SETRANGE", "k", "3", "ab"), "", []string{"k=\x00\x00\x00ab"}},
	{"setrange missing empty", nil, strCmd("SETRANGE", "k", "3", ""), "", nil},
	{"setrange inside", [][]string{{"SET", "k", "hello", "EXAT", "4102444800"}}, strCmd("SETRANGE", "k", "1", "EY"), "", []string{"k=hEYlo@4102444800000"}},
	{"setrange int", [][]string{{"SET", "k", "12345"}}, strCmd("SETRANGE", "k", "5", "6"), "", []string{"k=123456"}},
	{"setrange existing empty", [][]string{{"SET", "k", "x"}}, strCmd("SETRANGE", "k", "10", ""), "", []string{"k=x"}},
	{"setrange negative", nil, strCmd("SETRANGE", "k", "-1", "x"), "ERR offset is out of range", nil},
	{"setrange not int", nil, strCmd("SETRANGE", "k", "a", "x"), "ERR value is not an integer or out of range", nil},
	{"setrange too big", nil, strCmd("SETRANGE", "k", "536870912", "x"), "ERR string exceeds maximum allowed size (proto-max-bulk-len)", nil},
	{"setrange wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("SETRANGE", "k", "0", "x"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// INCR family
	{"incr missing", nil, strCmd("INCR", "k"), "", []string{"k=1"}},
	{"incr keeps ttl", [][]string{{"SET", "k", "41", "EXAT", "4102444800"}}, strCmd("INCR", "k"), "", []string{"k=42@4102444800000"}},
	{"decr", [][]string{{"SET", "k", "0"}}, strCmd("DECR", "k"), "", []string{"k=-1"}},
	{"incrby", [][]string{{"SET", "k", "-10"}}, strCmd("INCRBY", "k", "25"), "", []string{"k=15"}},
	{"decrby", [][]string{{"SET", "k", "10"}}, strCmd("DECRBY", "k", "-5"), "", []string{"k=15"}},
	{"incr not int", [][]string{{"SET", "k", "1.5"}}, strCmd("INCR", "k"), "ERR value is not an integer or out of range", []string{"k=1.5"}},
	{"incr leading zero", [][]string{{"SET", "k", "01"}}, strCmd("INCR", "k"), "ERR value is not an integer or out of range", []string{"k=01"}},
	{"incr space", [][]string{{"SET", "k", " 1"}}, strCmd("INCR", "k"), "ERR value is not an integer or out of range", []string{"k= 1"}},
	{"incr overflow", [][]string{{"SET", "k", "9223372036854775807"}}, strCmd("INCR", "k"), "ERR increment or decrement would overflow", []string{"k=9223372036854775807"}},
	{"decr underflow", [][]string{{"SET", "k", "-9223372036854775808"}}, strCmd("DECR", "k"), "ERR increment or decrement would overflow", []string{"k=-9223372036854775808"}},
	{"incrby bad arg", nil, strCmd("INCRBY", "k", "x"), "ERR value is not an integer or out of range", nil},
	{"incrby too big arg", nil, strCmd("INCRBY", "k", "9223372036854775808"), "ERR value is not an integer or out of range", nil},
	{"decrby min", nil, strCmd("DECRBY", "k", "-9223372036854775808"), "ERR decrement would overflow", nil},
	{"incr wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("INCR", "k"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// INCRBYFLOAT
	{"incrbyfloat missing", nil, strCmd("INCRBYFLOAT", "k", "10.5"), "", []string{"k=10.5"}},
	{"incrbyfloat tenths", [][]string{{"SET", "k", "10.5"}}, strCmd("INCRBYFLOAT", "k", "0.1"), "", []string{"k=10.6"}},
	{"incrbyfloat exp", [][]string{{"SET", "k", "5.0e3"}}, strCmd("INCRBYFLOAT", "k", "2.0e2"), "", []string{"k=5200"}},
	{"incrbyfloat hex", nil, strCmd("INCRBYFLOAT", "k", "0x1p-3"), "", []string{"k=0.125"}},
	{"incrbyfloat tiny rounds to zero", nil, strCmd("INCRBYFLOAT", "k", "-1e-20"), "", []string{"k=0"}},
	{"incrbyfloat 17 digits", nil, strCmd("INCRBYFLOAT", "k", "0.1"), "", []string{"k=0.1"}},
	{"incrbyfloat third", [][]string{{"SET", "k", "1"}}, strCmd("INCRBYFLOAT", "k", "0.333333333333333333333"), "", []string{"k=1.33333333333333333"}},
	{"incrbyfloat big", nil, strCmd("INCRBYFLOAT", "k", "1e30"), "", []string{"k=1000000000000000000024696061952"}},
	{"incrbyfloat keeps ttl", [][]string{{"SET", "k", "1", "EXAT", "4102444800"}}, strCmd("INCRBYFLOAT", "k", "1.5"), "", []string{"k=2.5@4102444800000"}},
	{"incrbyfloat inf", nil, strCmd("INCRBYFLOAT", "k", "inf"), "ERR increment would produce NaN or Infinity", nil},
	{"incrbyfloat overflow", [][]string{{"SET", "k", "1e4932"}}, strCmd("INCRBYFLOAT", "k", "1e4932"), "ERR increment would produce NaN or Infinity", []string{"k=1e4932"}},
	{"incrbyfloat nan", nil, strCmd("INCRBYFLOAT", "k", "nan"), "ERR value is not a valid float", nil},
	{"incrbyfloat bad incr", nil, strCmd("INCRBYFLOAT", "k", "1x"), "ERR value is not a valid float", nil},
	{"incrbyfloat space", nil, strCmd("INCRBYFLOAT", "k", " 1"), "ERR value is not a valid float", nil},
	{"incrbyfloat bad value", [][]string{{"SET", "k", "abc"}}, strCmd("INCRBYFLOAT", "k", "1"), "ERR value is not a valid float", []string{"k=abc"}},
	{"incrbyfloat value inf", [][]string{{"SET", "k", "-inf"}}, strCmd("INCRBYFLOAT", "k", "1"), "ERR increment would produce NaN or Infinity", []string{"k=-inf"}},
	{"incrbyfloat underflow", nil, strCmd("INCRBYFLOAT", "k", "1e-5000"), "ERR value is not a valid float", nil},
	{"incrbyfloat wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("INCRBYFLOAT", "k", "1"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// GETDEL GETEX
	{"getdel", [][]string{{"SET", "k", "v"}, {"SET", "x", "1"}}, strCmd("GETDEL", "k"), "", []string{"x=1"}},
	{"getdel missing", nil, strCmd("GETDEL", "k"), "", nil},
	{"getdel wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("GETDEL", "k"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	{"getex plain", [][]string{{"SET", "k", "v", "EXAT", "4102444800"}}, strCmd("GETEX", "k"), "", []string{"k=v@4102444800000"}},
	{"getex persist", [][]string{{"SET", "k", "v", "EXAT", "4102444800"}}, strCmd("GETEX", "k", "PERSIST"), "", []string{"k=v"}},
	{"getex ex", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "EX", "30"), "", []string{"k=v@now+30000"}},
	{"getex pxat", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "PXAT", "4102444800123"), "", []string{"k=v@4102444800123"}},
	{"getex missing", nil, strCmd("GETEX", "k", "EX", "30"), "", nil},
	{"getex missing bad ttl", nil, strCmd("GETEX", "k", "EX", "x"), "", nil},
	{"getex bad ttl", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "EX", "x"), "ERR value is not an integer or out of range", []string{"k=v"}},
	{"getex zero ttl", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "PX", "0"), "ERR invalid expire time in 'getex' command", []string{"k=v"}},
	{"getex nx", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "NX"), "ERR syntax error", []string{"k=v"}},
	{"getex persist ex", [][]string{{"SET", "k", "v"}}, strCmd("GETEX", "k", "PERSIST", "EX", "1"), "ERR syntax error", []string{"k=v"}},
	{"getex wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("GETEX", "k", "PERSIST"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// SETBIT
	{"setbit missing", nil, strCmd("SETBIT", "k", "7", "1"), "", []string{"k=\x01"}},
	{"setbit grows", [][]string{{"SET", "k", "a", "EXAT", "4102444800"}}, strCmd("SETBIT", "k", "17", "1"), "", []string{"k=a\x00\x40@4102444800000"}},
	{"setbit clear", [][]string{{"SET", "k", "a"}}, strCmd("SETBIT", "k", "7", "0"), "", []string{"k=`"}},
	{"setbit clear missing creates", nil, strCmd("SETBIT", "k", "0", "0"), "", []string{"k=\x00"}},
	{"setbit bad value", nil, strCmd("SETBIT", "k", "0", "2"), "ERR bit is not an integer or out of range", nil},
	{"setbit bad value text", nil, strCmd("SETBIT", "k", "0", "x"), "ERR bit is not an integer or out of range", nil},
	{"setbit negative offset", nil, strCmd("SETBIT", "k", "-1", "1"), "ERR bit offset is not an integer or out of range", nil},
	{"setbit offset too big", nil, strCmd("SETBIT", "k", "4294967296", "1"), "ERR bit offset is not an integer or out of range", nil},
	{"setbit wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("SETBIT", "k", "0", "1"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	// BITOP
	{"bitop and", [][]string{{"SET", "a", "\xff\x0f\xf0"}, {"SET", "b", "\x0f\xff"}}, strCmd("BITOP", "AND", "d", "a", "b"), "", []string{"a=\xff\x0f\xf0", "b=\x0f\xff", "d=\x0f\x0f\x00"}},
	{"bitop or", [][]string{{"SET", "a", "\x01"}, {"SET", "b", "\x02\x03"}}, strCmd("BITOP", "or", "d", "a", "b", "missing"), "", []string{"a=\x01", "b=\x02\x03", "d=\x03\x03"}},
	{"bitop xor self", [][]string{{"SET", "a", "ab"}}, strCmd("BITOP", "XOR", "a", "a", "a"), "", []string{"a=\x00\x00"}},
	{"bitop not", [][]string{{"SET", "a", "\x0f"}}, strCmd("BITOP", "NOT", "d", "a"), "", []string{"a=\x0f", "d=\xf0"}},
	{"bitop not two", [][]string{{"SET", "a", "\x0f"}}, strCmd("BITOP", "NOT", "d", "a", "a"), "ERR BITOP NOT must be called with a single source key.", []string{"a=\x0f"}},
	{"bitop bad op", nil, strCmd("BITOP", "NAND", "d", "a"), "ERR syntax error", nil},
	{"bitop empty deletes dest", [][]string{{"SADD", "d", "m"}}, strCmd("BITOP", "AND", "d", "x", "y"), "", nil},
	{"bitop clears ttl", [][]string{{"SET", "d", "x", "EXAT", "4102444800"}, {"SET", "a", "1"}}, strCmd("BITOP", "OR", "d", "a"), "", []string{"a=1", "d=1"}},
	{"bitop replaces other type", [][]string{{"SADD", "d", "m"}, {"SET", "a", "1"}}, strCmd("BITOP", "OR", "d", "a"), "", []string{"a=1", "d=1"}},
	{"bitop wrongtype source", [][]string{{"SADD", "s", "m"}, {"SET", "a", "1"}}, strCmd("BITOP", "OR", "d", "a", "s"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"a=1", "s=SET"}},
	// BITFIELD
	{"bitfield set u8", nil, strCmd("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u4", "0"), "", []string{"k=\xff"}},
	{"bitfield hash offset", nil, strCmd("BITFIELD", "k", "SET", "i8", "#1", "-1"), "", []string{"k=\x00\xff"}},
	{"bitfield incrby wrap", [][]string{{"SET", "k", "\xff"}}, strCmd("BITFIELD", "k", "INCRBY", "u8", "0", "2"), "", []string{"k=\x01"}},
	{"bitfield incrby sat", [][]string{{"SET", "k", "\xfe"}}, strCmd("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "10"), "", []string{"k=\xff"}},
	{"bitfield incrby sat signed", [][]string{{"SET", "k", "\x80"}}, strCmd("BITFIELD", "k", "overflow", "sat", "incrby", "i8", "0", "-10"), "", []string{"k=\x80"}},
	{"bitfield fail", [][]string{{"SET", "k", "\xfe"}}, strCmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "10", "INCRBY", "u8", "8", "1"), "", []string{"k=\xfe\x01"}},
	{"bitfield fail grows anyway", nil, strCmd("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "14", "7"), "", []string{"k=\x00\x00"}},
	{"bitfield set signed wrap", nil, strCmd("BITFIELD", "k", "SET", "i4", "0", "9"), "", []string{"k=\x90"}},
	{"bitfield set unsigned negative sat", nil, strCmd("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u4", "4", "-1"), "", []string{"k=\x0f"}},
	{"bitfield i64", nil, strCmd("BITFIELD", "k", "SET", "i64", "3", "-2", "INCRBY", "i64", "3", "-9223372036854775807"), "", []string{"k=\x0f\xff\xff\xff\xff\xff\xff\xff\xe0"}},
	{"bitfield u63 wrap", nil, strCmd("BITFIELD", "k", "INCRBY", "u63", "1", "-1"), "", []string{"k=\x7f\xff\xff\xff\xff\xff\xff\xff"}},
	{"bitfield get only missing", nil, strCmd("BITFIELD", "k", "GET", "u8", "0"), "", nil},
	{"bitfield get only wrongtype", [][]string{{"SADD", "k", "m"}}, strCmd("BITFIELD", "k", "GET", "u8", "0"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"k=SET"}},
	{"bitfield u64", nil, strCmd("BITFIELD", "k", "SET", "u64", "0", "1"), "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.", nil},
	{"bitfield i0", nil, strCmd("BITFIELD", "k", "SET", "i0", "0", "1"), "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.", nil},
	{"bitfield bad overflow", nil, strCmd("BITFIELD", "k", "OVERFLOW", "NOPE", "SET", "u8", "0", "1"), "ERR Invalid OVERFLOW type specified", nil},
	{"bitfield bad offset", nil, strCmd("BITFIELD", "k", "SET", "u8", "x", "1"), "ERR bit offset is not an integer or out of range", nil},
	{"bitfield hash offset overflow", nil, strCmd("BITFIELD", "k", "SET", "u8", "#1152921504606846976", "1"), "ERR bit offset is not an integer or out of range", nil},
	{"bitfield bad value", nil, strCmd("BITFIELD", "k", "SET", "u8", "0", "x"), "ERR value is not an integer or out of range", nil},
	{"bitfield missing args", nil, strCmd("BITFIELD", "k", "SET", "u8", "0"), "ERR syntax error", nil},
	{"bitfield unknown op", nil, strCmd("BITFIELD", "k", "FOO"), "ERR syntax error", nil},
	{"bitfield error after valid op", nil, strCmd("BITFIELD", "k", "SET", "u8", "0", "1", "SET", "u8", "0", "x"), "ERR value is not an integer or out of range", nil},
	// HyperLogLog (values checked as "HLL": a valid HLL string; bytes are compared in hll_test.go)
	{"pfadd creates", nil, strCmd("PFADD", "h", "a", "b"), "", []string{"h=HLL"}},
	{"pfadd on string", [][]string{{"SET", "h", "abc"}}, strCmd("PFADD", "h", "a"), "WRONGTYPE Key is not a valid HyperLogLog string value.", []string{"h=abc"}},
	{"pfadd wrongtype", [][]string{{"SADD", "h", "m"}}, strCmd("PFADD", "h", "a"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"h=SET"}},
	{"pfcount on string", [][]string{{"SET", "h", "HYLL\x02aaaaaaaaaaaa"}}, strCmd("PFCOUNT", "h"), "WRONGTYPE Key is not a valid HyperLogLog string value.", []string{"h=HYLL\x02aaaaaaaaaaaa"}},
	{"pfcount dense bad length", [][]string{{"SET", "h", "HYLL\x00aaaaaaaaaaaa"}}, strCmd("PFCOUNT", "h", "x"), "WRONGTYPE Key is not a valid HyperLogLog string value.", []string{"h=HYLL\x00aaaaaaaaaaaa"}},
	{"pfcount corrupt sparse", [][]string{{"SET", "h", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x00"}}, strCmd("PFCOUNT", "h"), "INVALIDOBJ Corrupted HLL object detected", []string{"h=HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x00"}},
	{"pfmerge wrongtype", [][]string{{"SADD", "s", "m"}}, strCmd("PFMERGE", "d", "s"), "WRONGTYPE Operation against a key holding the wrong kind of value", []string{"s=SET"}},
	{"pfmerge dest not hll", [][]string{{"SET", "d", "x"}}, strCmd("PFMERGE", "d"), "WRONGTYPE Key is not a valid HyperLogLog string value.", []string{"d=x"}},
	{"pfmerge creates", nil, strCmd("PFMERGE", "d", "x"), "", []string{"d=HLL"}},
	{"pfadd corrupt sparse", [][]string{{"SET", "h", hllShort}}, strCmd("PFADD", "h", "x8784"), "INVALIDOBJ Corrupted HLL object detected", []string{"h=" + hllShort}},
	{"pfadd corrupt keeps partial update", [][]string{{"SET", "h", hllShort}}, strCmd("PFADD", "h", "x16698", "x8784"), "INVALIDOBJ Corrupted HLL object detected", []string{"h=" + hllShort[:16] + "\x80\x7f\xfd"}},
	{"pfadd past the end works", [][]string{{"SET", "h", hllOverVal}}, strCmd("PFADD", "h", "x8784"), "", []string{"h=" + hllOverVal[:15] + "\x80\x7f\xfe\x84\x81"}},
	{"pfadd promote corrupt", [][]string{{"SET", "h", hllOverVal}}, strCmd("PFADD", "h", hllBig), "INVALIDOBJ Corrupted HLL object detected", []string{"h=" + hllOverVal}},
	{"pfmerge corrupt source", [][]string{{"SET", "h", hllOverVal}}, strCmd("PFMERGE", "d", "h"), "INVALIDOBJ Corrupted HLL object detected", []string{"h=" + hllOverVal}},
	{"pfdebug todense corrupt", [][]string{{"SET", "h", hllOverVal}}, strCmd("PFDEBUG", "TODENSE", "h"), "INVALIDOBJ Corrupted HLL object detected", []string{"h=" + hllOverVal}},
	{"pfdebug missing", nil, strCmd("PFDEBUG", "TODENSE", "h"), "ERR The specified key does not exist", nil},
	{"pfdebug unknown", [][]string{{"PFADD", "h", "a"}}, strCmd("PFDEBUG", "nope", "h"), "ERR Unknown PFDEBUG subcommand 'nope'", []string{"h=HLL"}},
	{"pfdebug decode dense", [][]string{{"PFADD", "h", "a"}, {"PFDEBUG", "TODENSE", "h"}}, strCmd("PFDEBUG", "DECODE", "h"), "ERR HLL encoding is not sparse", []string{"h=HLL"}},
	{"pfdebug not hll", [][]string{{"SET", "h", "x"}}, strCmd("PFDEBUG", "GETREG", "h"), "WRONGTYPE Key is not a valid HyperLogLog string value.", []string{"h=x"}},
}

// Corrupt sparse HLLs: registers 0..16382 only (stale cache); and a fresh HLL followed by a
// VAL run past register 16383. "x16698" maps to register 0, "x8784" to register 16383.
const (
	hllShort   = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"
	hllOverVal = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff\x81"
)

// strDescribe renders db 0 of a dataset as the table's "key=value[@expire]" strings; other
// types print as their type name in upper case, HLL strings as "HLL".
func strDescribe(keys []canon.Key) []string {
	var out []string
	for _, k := range keys {
		if k.DB != 0 {
			continue
		}
		v := strings.ToUpper(k.Type)
		if k.Type == canon.TypeString {
			v = string(k.String)
			if hllValid(k.String) {
				if _, bad := hllCount(k.String); !bad {
					v = "HLL"
				}
			}
		}
		s := string(k.Key) + "=" + v
		if k.ExpireMs >= 0 {
			s += "@" + strconv.FormatInt(k.ExpireMs, 10)
		}
		out = append(out, s)
	}
	return out
}

// strWant resolves "@now+N" against now.
func strWant(want []string, now int64) []string {
	out := make([]string, len(want))
	for i, w := range want {
		if j := strings.Index(w, "@now+"); j >= 0 {
			n, _ := strconv.ParseInt(w[j+5:], 10, 64)
			w = w[:j] + "@" + strconv.FormatInt(now+n, 10)
		}
		out[i] = w
	}
	return out
}

// strFake is a value of another family, for table setups when that family's handlers are
// not in the engine (yet): only its kind matters to string commands.
type strFake struct{ k Kind }

func (f strFake) Kind() Kind { return f.k }

// strDescribeEngine renders db 0 of the engine like strDescribe.
func strDescribeEngine(ks *Keyspace) []string {
	var keys []canon.Key
	db := ks.db(0)
	if db == nil {
		return nil
	}
	db.each(func(e *Entry) error {
		k := canon.Key{Key: Clone(db.Key(e)), ExpireMs: e.Expire, Type: e.Kind().String()}
		if e.Kind() == KindString {
			k.String = Clone(db.String(e))
		}
		keys = append(keys, k)
		return nil
	})
	canon.Sort(keys)
	return strDescribe(keys)
}

func TestStringTable(t *testing.T) {
	for _, tc := range strCases {
		t.Run(tc.name, func(t *testing.T) {
			ks := New(strNow)
			cl := ks.NewClient()
			for _, s := range tc.setup {
				strSetup(t, ks, cl, s)
			}
			if got := strApply(t, cl, tc.cmd...); got != tc.err {
				t.Fatalf("error %q, want %q", got, tc.err)
			}
			got := strDescribeEngine(ks)
			want := strWant(tc.want, strNow)
			if !slices.Equal(got, want) {
				t.Fatalf("dataset\n got %q\nwant %q", got, want)
			}
		})
	}
}

// strSetup applies one setup command on the engine. SADD, when the set family is missing,
// stores a stand-in set.
func strSetup(t *testing.T, ks *Keyspace, cl *Client, s []string) {
	t.Helper()
	if strings.EqualFold(s[0], "sadd") && !Implemented("sadd") {
		ks.Set(cl.DB, []byte(s[1]), strFake{KindSet}, NoExpiry)
		return
	}
	if e := strApply(t, cl, s...); e != "" {
		t.Fatalf("setup %q: %s", s, e)
	}
}

// TestStringTableMatchesRedis runs the table on the real server: the table itself must say
// what Redis does (errors and resulting dataset), so that TestStringTable checks the engine
// against Redis's behaviour even where no server is installed.
func TestStringTableMatchesRedis(t *testing.T) {
	w := newStrTwin(t)
	for _, tc := range strCases {
		if strings.HasPrefix(tc.name, "load:") {
			continue // the loader stores past TTLs; a live server expires the key at once
		}
		w.reset()
		for _, s := range tc.setup {
			if _, e := w.server(s...); e != "" {
				t.Fatalf("%s: setup %q: %s", tc.name, s, e)
			}
		}
		before := time.Now().UnixMilli()
		_, e := w.server(tc.cmd...)
		if e != tc.err {
			t.Errorf("%s: server error %q, table says %q", tc.name, e, tc.err)
		}
		keys, _ := w.srv.Dump(t)
		got := strDescribe(keys)
		want := strWant(tc.want, before)
		if !strSameWithSlack(got, want, 2000) {
			t.Errorf("%s: server dataset\n got %q\nwant %q", tc.name, got, want)
		}
	}
}

// strSameWithSlack compares described datasets allowing expire times to differ by slack ms.
func strSameWithSlack(got, want []string, slack int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		gi, wi := strings.LastIndex(g, "@"), strings.LastIndex(w, "@")
		if gi < 0 || wi < 0 {
			if g != w {
				return false
			}
			continue
		}
		if g[:gi] != w[:wi] {
			return false
		}
		gt, _ := strconv.ParseInt(g[gi+1:], 10, 64)
		wt, _ := strconv.ParseInt(w[wi+1:], 10, 64)
		if gt-wt > slack || wt-gt > slack {
			return false
		}
	}
	return true
}

// TestIncrByFloatMatchesRedis feeds many INCRBYFLOAT operands (random decimal and hex
// floats, boundary values) to the server and to the engine and compares the stored text.
func TestIncrByFloatMatchesRedis(t *testing.T) {
	w := newStrTwin(t)
	rng := rand.New(rand.NewPCG(7, 11))
	fixed := []string{"0", "-0", "1", "-1", "0.1", "0.2", "0.3", "1e-17", "5e-18", "4.9e-18",
		"0x1p-18", "0x3p-18", "0x1p-60", "1.5", "3.0e-5", "123456789.123456789", "1e19", "1.8446744073709551615e19",
		"9223372036854775807", "-9223372036854775808", "1e308", "1.7976931348623157e308", "1e4000", "-1e4000",
		"1.18973149535723176502e+4932", "1e-4950", "3.6e-4951", "0x1p-16445", "0x1p-16446", "0x1.8p-16446",
		"0X1.FFFFFFFFFFFFFFFFp16383", ".5", "5.", "+2", "1E+2", "0x.8", "0xAp0", "infinity", "-INF", "nan",
		"1e", "0x", "1.2.3", "--1", "1e99999999999999999999", "0e99999999999999999", "1e-99999999999999",
		"00000000000000000000000000000000000001.5", "0.000000000000000000000000000000000000001e40"}
	var ops []string
	changed := 0
	for i := 0; i < 300; i++ {
		ops = append(ops, strRandomFloat(rng))
	}
	for _, a := range append(fixed, ops...) {
		for _, b := range []string{"0", "1", "-0.1", "1e-18", fixed[rng.IntN(len(fixed))], ops[rng.IntN(len(ops))]} {
			w.reset()
			w.do("SET", "k", a)
			w.do("INCRBYFLOAT", "k", b)
			w.do("INCRBYFLOAT", "k", b)
			v, _ := w.server("GET", "k")
			e := w.ks.Lookup(0, []byte("k"))
			if got := string(w.ks.DB(0).String(e)); got != v.(string) {
				t.Errorf("SET k %s; INCRBYFLOAT k %s ×2: server %q, engine %q", a, b, v, got)
			} else if got != a {
				changed++
			}
		}
	}
	if changed < 1000 {
		t.Errorf("only %d INCRBYFLOAT results compared", changed)
	}
}

// strRandomFloat returns a random float text: decimal with random digits and exponent, or hex.
func strRandomFloat(rng *rand.Rand) string {
	var b strings.Builder
	if rng.IntN(3) == 0 {
		b.WriteByte('-')
	}
	if rng.IntN(5) == 0 {
		b.WriteString("0x")
		for i := rng.IntN(20) + 1; i > 0; i-- {
			b.WriteByte("0123456789abcdef"[rng.IntN(16)])
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			for i := rng.IntN(10); i > 0; i-- {
				b.WriteByte("0123456789ABCDEF"[rng.IntN(16)])
			}
		}
		fmt.Fprintf(&b, "p%d", rng.IntN(200)-100)
		return b.String()
	}
	for i := rng.IntN(25) + 1; i > 0; i-- {
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	if rng.IntN(2) == 0 {
		b.WriteByte('.')
		for i := rng.IntN(25); i > 0; i-- {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
	}
	if rng.IntN(3) == 0 {
		fmt.Fprintf(&b, "e%d", rng.IntN(80)-40)
	}
	return b.String()
}

// TestStringRandomLive sends random commands, in the forms clients send (relative TTLs,
// SETEX, GETSET, GETEX, INCRBYFLOAT …), to a live server and to the engine: every error reply
// must match, and so must the datasets (expire times within a few seconds, since each side
// counts relative TTLs from its own clock).
func TestStringRandomLive(t *testing.T) {
	w := newStrTwin(t)
	seeds := 6
	if os.Getenv("AOFKIT_LONG") == "1" {
		seeds = 200
	}
	for seed := 0; seed < seeds; seed++ {
		w.reset()
		g := &strGen{rng: rand.New(rand.NewPCG(uint64(seed), 0x11fe)), live: true}
		for i := 0; i < 400; i++ {
			cmd := g.command()
			if cmd[0] == "GET" && g.rng.IntN(2) == 0 {
				cmd = []string{"PFCOUNT", g.hkey()} // more cache refreshes instead
			}
			w.do(cmd...)
		}
		w.same(fmt.Sprintf("seed %d", seed))
		if t.Failed() {
			return
		}
	}
}

// ---- differential test: random command sequences, real AOF, replay, dump ----

// strKeys are the keys random commands use: plain strings and bitmaps on k*, HyperLogLogs on
// h*; commands cross over on purpose (wrong types, HLL commands on plain strings).
var strKeys = []string{"k0", "k1", "k2", "k3", "h0", "h1", "h2"}

// strGen makes random commands of the string family.
type strGen struct {
	rng *rand.Rand
	// live: commands go straight to a server and the engine (no AOF in between), so no TTL
	// in the past (a live server expires the key, the loader keeps it), and string writes may
	// hit HyperLogLogs (corrupting them: both sides keep the same partial updates).
	live bool
}

func (g *strGen) pick(l []string) string { return l[g.rng.IntN(len(l))] }

func (g *strGen) key() string {
	if g.live && g.rng.IntN(5) == 0 {
		return strKeys[4+g.rng.IntN(3)]
	}
	return strKeys[g.rng.IntN(4)]
}
func (g *strGen) hkey() string {
	if g.rng.IntN(10) == 0 {
		return g.key()
	}
	return strKeys[4+g.rng.IntN(3)]
}

// anyKey is for commands that replace a value entirely: HLL keys too, now and then.
func (g *strGen) anyKey() string {
	if g.rng.IntN(12) == 0 {
		return strKeys[4+g.rng.IntN(3)]
	}
	return g.key()
}

var strValues = []string{"", "0", "1", "12", "-7", "9223372036854775807", "-9223372036854775808",
	"1.5", "abc", "hello world", "\x00\xff\x01", "01", " 3", "3.0e2"}

func (g *strGen) value() string {
	if g.rng.IntN(4) == 0 {
		return strconv.Itoa(g.rng.IntN(2000) - 1000)
	}
	return g.pick(strValues)
}

// ttlOpt returns a TTL option: relative (far enough never to pass), absolute in the far
// future, or absolute in the past (stored by the loader, expired by the live server).
func (g *strGen) ttlOpt(get bool) []string {
	switch g.rng.IntN(9) {
	case 0:
		return []string{"EX", strconv.Itoa(3600 + g.rng.IntN(1000))}
	case 1:
		return []string{"PX", strconv.Itoa(3_600_000 + g.rng.IntN(1000))}
	case 2:
		return []string{"EXAT", strconv.FormatInt(strFar/1000+int64(g.rng.IntN(1000)), 10)}
	case 3:
		return []string{"PXAT", strconv.FormatInt(strFar+int64(g.rng.IntN(1000)), 10)}
	case 4:
		if g.live {
			return []string{"PX", "1" + strconv.Itoa(g.rng.IntN(1000)) + "000000"}
		}
		return []string{"PXAT", strconv.Itoa(1000 + g.rng.IntN(1000))}
	case 5:
		if g.live {
			return []string{"EX", "9" + strconv.Itoa(g.rng.IntN(1000)) + "000"}
		}
		return []string{"EXAT", strconv.Itoa(1 + g.rng.IntN(1000))}
	case 6:
		return []string{"EX", g.pick([]string{"0", "-1", "x", "9223372036854776"})}
	case 7:
		if get {
			return []string{"PERSIST"}
		}
		return []string{"KEEPTTL"}
	}
	return nil
}

func (g *strGen) float() string {
	return g.pick([]string{"1", "1.5", "-0.25", "1e3", "3.0e-5", "0x1p-3", "inf", "nan", "abc", "1e308", "-1e308",
		"10.000000000000000001", "5e-18", "1.23456789012345678", "-3"})
}

func (g *strGen) element() string {
	if g.rng.IntN(3) == 0 {
		b := make([]byte, g.rng.IntN(17))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		return string(b)
	}
	return "e" + strconv.Itoa(g.rng.IntN(400))
}

func (g *strGen) bitfieldOps() []string {
	var ops []string
	fail, write := false, false
	for n := g.rng.IntN(4) + 1; n > 0; n-- {
		typ := g.pick([]string{"u1", "u4", "u8", "i5", "i8", "u16", "i32", "i64", "u63"})
		if g.rng.IntN(25) == 0 {
			typ = g.pick([]string{"u64", "x8", "i0"})
		}
		off := strconv.Itoa(g.rng.IntN(70))
		if g.rng.IntN(4) == 0 {
			off = "#" + strconv.Itoa(g.rng.IntN(5))
		}
		val := strconv.Itoa(g.rng.IntN(600) - 300)
		if g.rng.IntN(8) == 0 {
			val = g.pick([]string{"9223372036854775807", "-9223372036854775808", "4611686018427387904", "-40000", "70000"})
		}
		if g.rng.IntN(40) == 0 {
			val = "x"
		}
		switch g.rng.IntN(9) {
		case 0:
			ops = append(ops, "GET", typ, off)
		case 1, 2, 3:
			ops = append(ops, "SET", typ, off, val)
			write = true
		case 4, 5, 6:
			ops = append(ops, "INCRBY", typ, off, val)
			write = true
		case 7:
			ow := g.pick([]string{"WRAP", "SAT", "FAIL", "fail", "sat", "WRAP", "SAT", "FAIL", "bogus"})
			fail = fail || strings.EqualFold(ow, "fail")
			ops = append(ops, "OVERFLOW", ow)
		case 8:
			if g.rng.IntN(4) == 0 {
				ops = append(ops, "INCRBY", typ, off) // missing value: syntax error
			} else {
				ops = append(ops, "GET", typ, off)
			}
		}
	}
	if fail && write {
		// A BITFIELD whose every write fails still grows the string but is not propagated
		// (a Redis bug: the AOF misses the growth). One write that cannot fail keeps the
		// server's memory and its AOF in agreement.
		ops = append(ops, "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "0")
	}
	return ops
}

// command returns one random command.
func (g *strGen) command() []string {
	r := g.rng
	switch r.IntN(32) {
	case 0, 1:
		cmd := []string{"SET", g.anyKey(), g.value()}
		for n := r.IntN(3); n > 0; n-- {
			switch r.IntN(4) {
			case 0:
				cmd = append(cmd, g.pick([]string{"NX", "XX", "nx"}))
			case 1:
				cmd = append(cmd, "GET")
			default:
				cmd = append(cmd, g.ttlOpt(false)...)
			}
		}
		return cmd
	case 2:
		return []string{"SETNX", g.anyKey(), g.value()}
	case 3:
		return []string{"SETEX", g.key(), g.pick([]string{"3600", "100000", "0", "-5"}), g.value()}
	case 4:
		return []string{"PSETEX", g.key(), g.pick([]string{"3600000", "0"}), g.value()}
	case 5:
		cmd := []string{g.pick([]string{"MSET", "MSETNX"})}
		for n := r.IntN(3) + 1; n > 0; n-- {
			cmd = append(cmd, g.anyKey(), g.value())
		}
		return cmd
	case 6:
		return []string{"APPEND", g.key(), g.value()}
	case 7:
		return []string{"SETRANGE", g.key(), strconv.Itoa(r.IntN(30) - 2), g.value()}
	case 8:
		return []string{g.pick([]string{"INCR", "DECR"}), g.key()}
	case 9:
		return []string{g.pick([]string{"INCRBY", "DECRBY"}), g.key(), g.pick([]string{"1", "-1", "100", "9223372036854775807", "-9223372036854775808", "x"})}
	case 10:
		return []string{"INCRBYFLOAT", g.key(), g.float()}
	case 11:
		return []string{"GETSET", g.anyKey(), g.value()}
	case 12:
		if r.IntN(2) == 0 {
			return []string{"GETDEL", g.hkey()}
		}
		return []string{"GETDEL", g.anyKey()}
	case 13:
		return append([]string{"GETEX", g.anyKey()}, g.ttlOpt(true)...)
	case 14, 15:
		return []string{"SETBIT", g.key(), strconv.Itoa(r.IntN(100)), g.pick([]string{"0", "1", "1", "2"})}
	case 16:
		cmd := []string{"BITOP", g.pick([]string{"AND", "OR", "XOR", "NOT", "not", "NAND"}), g.anyKey()}
		for n := r.IntN(3) + 1; n > 0; n-- {
			cmd = append(cmd, g.anyKey())
		}
		return cmd
	case 17, 18:
		return append([]string{"BITFIELD", g.key()}, g.bitfieldOps()...)
	case 19, 20, 21, 22:
		cmd := []string{"PFADD", g.hkey()}
		n := r.IntN(8)
		if r.IntN(12) == 0 {
			n = 100 + r.IntN(2500)
		}
		for ; n > 0; n-- {
			cmd = append(cmd, g.element())
		}
		return cmd
	case 23, 24:
		cmd := []string{"PFCOUNT", g.hkey()}
		if r.IntN(4) == 0 {
			cmd = append(cmd, g.hkey())
		}
		return cmd
	case 25:
		cmd := []string{"PFMERGE", g.hkey()}
		for n := r.IntN(3); n > 0; n-- {
			cmd = append(cmd, g.hkey())
		}
		return cmd
	case 26:
		return []string{"PFDEBUG", g.pick([]string{"TODENSE", "GETREG", "ENCODING", "DECODE", "nope"}), g.hkey()}
	case 27:
		return []string{"SELECT", strconv.Itoa(r.IntN(3))}
	case 28:
		return []string{"GET", g.anyKey()}
	}
	return []string{"SET", g.anyKey(), g.value()}
}

// Stand-ins for generic commands while that family is not in the engine: the live server
// writes DEL for keys it expires, and GETEX is propagated as PEXPIREAT or PERSIST.
var strStandIns = map[string]Handler{
	"del": func(c *Client, args [][]byte) error {
		for _, k := range args[1:] {
			c.Delete(k)
		}
		return nil
	},
	"pexpireat": func(c *Client, args [][]byte) error {
		ms, err := strInt(args[2])
		if err != nil || len(args) != 3 {
			return &UnsupportedError{Command: "pexpireat", Reason: "stand-in handles only PEXPIREAT key ms"}
		}
		if e := c.Lookup(args[1]); e != nil {
			e.Expire = ms
		}
		return nil
	},
	"persist": func(c *Client, args [][]byte) error {
		if e := c.Lookup(args[1]); e != nil {
			e.Expire = NoExpiry
		}
		return nil
	},
}

func strEnsureGeneric() {
	for name, h := range strStandIns {
		if !Implemented(name) {
			handlers[name] = h
		}
	}
}

// TestStringDifferential runs random sequences of string, bitmap and HyperLogLog commands on
// a real server with appendonly (RESP base without preamble, and the default RDB preamble with
// a BGREWRITEAOF in the middle), then replays the server's AOF and compares with its live
// dump: zero differences allowed. AOFKIT_LONG=1 runs thousands of seeds.
func TestStringDifferential(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	strEnsureGeneric()
	seeds := 16
	if os.Getenv("AOFKIT_LONG") == "1" {
		seeds = 2000
	}
	for seed := 0; seed < seeds; seed++ {
		preamble := seed%2 == 0
		t.Run(fmt.Sprintf("seed%d-preamble=%v", seed, preamble), func(t *testing.T) {
			strRunDifferential(t, uint64(seed), preamble, 300)
		})
		if t.Failed() {
			break
		}
	}
}

func strRunDifferential(t *testing.T, seed uint64, preamble bool, n int) {
	args := []string{"--appendonly", "yes"}
	if !preamble {
		args = append(args, "--aof-use-rdb-preamble", "no")
	}
	srv := redistest.Start(t, redistest.Options{Args: args})
	ctx := context.Background()
	conn := srv.Client().Conn()
	g := &strGen{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	rewriteAt := -1
	if preamble || seed%4 == 1 {
		rewriteAt = n / 2
	}
	var log []string
	send := func(cmds [][]string) {
		_, err := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, cmd := range cmds {
				a := make([]any, len(cmd))
				for i, s := range cmd {
					a[i] = s
				}
				p.Do(ctx, a...)
			}
			return nil
		})
		var re redis.Error
		if err != nil && err != redis.Nil && !errors.As(err, &re) {
			t.Fatalf("pipeline: %v", err)
		}
	}
	var batch [][]string
	for i := 0; i < n; i++ {
		if i == rewriteAt {
			send(batch)
			batch = nil
			strRewrite(t, srv)
			log = append(log, "BGREWRITEAOF")
		}
		if g.rng.IntN(25) == 0 {
			m := g.rng.IntN(3) + 1
			batch = append(batch, []string{"MULTI"})
			log = append(log, "MULTI")
			for ; m > 0; m-- {
				cmd := g.command()
				batch = append(batch, cmd)
				log = append(log, strQuoteArgs(cmd))
			}
			batch = append(batch, []string{"EXEC"})
			log = append(log, "EXEC")
			continue
		}
		cmd := g.command()
		batch = append(batch, cmd)
		log = append(log, strQuoteArgs(cmd))
	}
	send(batch)
	srv.Digest(t) // SCAN every database: keys whose TTL passed are expired (DEL in the AOF)
	want, _ := srv.Dump(t)
	conn.Close()
	srv.Stop(t)

	src, err := aof.Open(srv.Dir + "/appendonlydir")
	if err != nil {
		t.Fatal(err)
	}
	ks, st, err := Replay(context.Background(), src, ReplayOptions{NowMs: time.Now().UnixMilli()})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if st.Errors != 0 {
		t.Errorf("replay: %d error replies, first: %q", st.Errors, st.FirstErrors)
	}
	got := strEngineKeys(t, ks)
	if d := canon.Diff(want, got, nil, nil, canon.DiffOptions{}); len(d) > 0 {
		t.Errorf("%d differences:\n%s\ncommands:\n%s", len(d), strings.Join(d[:min(5, len(d))], "\n"), strings.Join(log, "\n"))
	}
}

// strRewrite runs BGREWRITEAOF and waits for it by polling INFO persistence.
func strRewrite(t *testing.T, srv *redistest.Server) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client()
	if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	for {
		info, err := c.Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
	}
}

// strFamily are the commands of this family, for the fuzz target.
var strFamily = []string{"SET", "SETNX", "SETEX", "PSETEX", "MSET", "MSETNX", "APPEND", "SETRANGE",
	"INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "GETSET", "GETDEL", "GETEX", "SETBIT", "BITOP",
	"BITFIELD", "PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "SELECT"}

// FuzzStringFamily applies arbitrary argument lists to the string, bitmap and HyperLogLog
// commands: nothing may panic, and every refusal must be an error reply (never an
// UnsupportedError for a well-formed command of this family).
func FuzzStringFamily(f *testing.F) {
	f.Add([]byte("\x00k v EX 10\n\x13h a b c\n\x14h\n\x13h \xba\x09\x9d\xba\x00\x00\x00\x00\n\x16todense h"))
	f.Add([]byte("\x12k 1 HYLL\x01\n\x13k x\n\x07k 5 \x00\x00\n\x14k"))
	f.Add([]byte("\x12k #3 1\n\x10k SET i64 #1 -1 INCRBY u63 0 -5 OVERFLOW FAIL SET u8 100 300"))
	f.Add([]byte("\x0ck 0x1p-16445\n\x0ck -1e4932\n\x0ck 1e4932"))
	f.Add([]byte("\x11not d k\n\x11and d k k k\n\x0fk EXAT 1 PERSIST"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 || strLongNumber(data) {
			return // offsets of hundreds of MB are valid and would only make the fuzzer slow
		}
		ks := New(strNow)
		c := ks.NewClient()
		for _, line := range strSplit(data, '\n') {
			if len(line) == 0 {
				continue
			}
			name := strFamily[int(line[0])%len(strFamily)]
			args := [][]byte{[]byte(name)}
			for _, a := range strSplit(line[1:], ' ') {
				args = append(args, a)
			}
			err := c.Apply(args)
			if err != nil && !IsCommandError(err) {
				var ue *UnsupportedError
				if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "wrong number of arguments") {
					t.Fatalf("%q: %v", args, err)
				}
			}
		}
		db := ks.DB(0)
		db.each(func(e *Entry) error {
			if e.Kind() == KindString {
				if b := db.String(e); hllValid(b) {
					hllCount(db.stringObj(e).B)
				}
			}
			return nil
		})
	})
}

func strSplit(b []byte, sep byte) [][]byte {
	var out [][]byte
	for {
		i := slices.Index(b, sep)
		if i < 0 {
			return append(out, b)
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
}

func strLongNumber(b []byte) bool {
	run := 0
	for _, ch := range b {
		if '0' <= ch && ch <= '9' {
			if run++; run >= 7 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// BenchmarkStringApply measures Client.Apply of common string records (what an AOF holds).
func BenchmarkStringApply(b *testing.B) {
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	val := []byte("some value of medium length, 48 bytes or so....")
	for _, bc := range []struct {
		name string
		args func(i int) [][]byte
	}{
		{"SET", func(i int) [][]byte { return [][]byte{[]byte("SET"), keys[i%len(keys)], val} }},
		{"SET-PXAT", func(i int) [][]byte {
			return [][]byte{[]byte("SET"), keys[i%len(keys)], val, []byte("PXAT"), []byte("4102444800000")}
		}},
		{"INCR", func(i int) [][]byte { return [][]byte{[]byte("INCR"), keys[i%len(keys)]} }},
		{"APPEND", func(i int) [][]byte { return [][]byte{[]byte("APPEND"), keys[i%1000], []byte("xy")} }},
		{"SETBIT", func(i int) [][]byte {
			return [][]byte{[]byte("SETBIT"), keys[i%len(keys)], []byte(strconv.Itoa(i % 4096)), []byte("1")}
		}},
		{"PFADD", func(i int) [][]byte {
			return [][]byte{[]byte("PFADD"), keys[i%100], []byte("element:" + strconv.Itoa(i))}
		}},
		{"PFADD+PFCOUNT", func(i int) [][]byte {
			if i%2 == 0 {
				return [][]byte{[]byte("PFADD"), keys[i%100], []byte("element:" + strconv.Itoa(i))}
			}
			return [][]byte{[]byte("PFCOUNT"), keys[(i-1)%100]}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ks := New(strNow)
			c := ks.NewClient()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := c.Apply(bc.args(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
