package keyspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
	"github.com/aofkit/aofkit/rdb"
	"github.com/redis/go-redis/v9"
)

// ---- helpers shared by generic_test.go and hash_test.go ----

// gtNow is the engine clock of the table tests; gtFar is 2100-01-01 in unix ms.
const (
	gtNow = int64(1_700_000_000_000)
	gtFar = int64(4102444800000)
)

// gtCase is one table case: setup commands (each must succeed), one command, the error reply
// it must give ("" for none), and the whole dataset afterwards, described by gtDescribe:
// "key=value" for strings, "key{f=v,g=w}" for hashes (fields sorted), "key:type" for other
// types, a "N/" prefix for a key in db N, "@T" after a key or field with a TTL, and
// "fn:name:engine:code" per function library. In wants, "@+N" / "@-N" mean the engine clock
// (or, on a real server, the time the command was sent) plus or minus N ms, and "@far" is
// gtFar. engineOnly cases need the AOF loader's semantics (a past TTL is stored) or commands
// newer than the Debian 7.0 server: they are not replayed on it.
type gtCase struct {
	name       string
	setup      [][]string
	cmd        []string
	err        string
	want       []string
	engineOnly bool
}

func gtCmd(args ...string) []string { return args }

func gtArgs(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// gtQuote prints a command for messages.
func gtQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if len(a) > 48 {
			a = a[:48] + "…"
		}
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// gtApply runs one command on the engine; "" for success, the reply text for a command
// error. Any other error fails the test.
func gtApply(t testing.TB, c *Client, args []string) string {
	t.Helper()
	err := c.Apply(gtArgs(args))
	if err == nil {
		return ""
	}
	if !IsCommandError(err) {
		t.Fatalf("%s: not a command error: %v", gtQuote(args), err)
	}
	return err.Error()
}

// gtExport returns a deep copy of the engine's dataset and functions.
func gtExport(t testing.TB, ks *Keyspace) ([]canon.Key, []canon.Function) {
	t.Helper()
	var buf []byte
	if err := ks.Each(true, func(k *canon.Key) error {
		buf = canon.AppendKey(buf, k)
		buf = append(buf, '\n')
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fs := ks.Functions(); len(fs) > 0 {
		buf = canon.AppendFunctions(buf, fs)
		buf = append(buf, '\n')
	}
	keys, funcs, err := canon.ReadJSONL(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("export does not read back: %v\n%s", err, buf)
	}
	return keys, funcs
}

func gtExpire(ms int64) string {
	if ms == canon.NoExpiry {
		return ""
	}
	return "@" + strconv.FormatInt(ms, 10)
}

// gtDescribe renders a dataset as gtCase.want lines.
func gtDescribe(keys []canon.Key, funcs []canon.Function) []string {
	var out []string
	for _, k := range keys {
		s := string(k.Key)
		if k.DB != 0 {
			s = strconv.Itoa(k.DB) + "/" + s
		}
		switch k.Type {
		case canon.TypeString:
			s += gtExpire(k.ExpireMs) + "=" + string(k.String)
		case canon.TypeHash:
			fs := make([]string, len(k.Hash))
			for i, f := range k.Hash {
				fs[i] = string(f.Field) + "=" + string(f.Value) + gtExpire(f.ExpireMs)
			}
			sort.Strings(fs)
			s += gtExpire(k.ExpireMs) + "{" + strings.Join(fs, ",") + "}"
		default:
			s += gtExpire(k.ExpireMs) + ":" + k.Type
		}
		out = append(out, s)
	}
	for _, f := range funcs {
		out = append(out, "fn:"+string(f.Name)+":"+string(f.Engine)+":"+string(f.Code))
	}
	sort.Strings(out)
	return out
}

var gtTimeRe = regexp.MustCompile(`@(far|[+-]\d+|\d+)`)

// gtResolve turns the relative times of want lines into absolute ones.
func gtResolve(want []string, base int64) []string {
	out := make([]string, len(want))
	for i, w := range want {
		out[i] = gtTimeRe.ReplaceAllStringFunc(w, func(m string) string {
			switch v := m[1:]; {
			case v == "far":
				return "@" + strconv.FormatInt(gtFar, 10)
			case v[0] == '+' || v[0] == '-':
				n, _ := strconv.ParseInt(v, 10, 64)
				return "@" + strconv.FormatInt(base+n, 10)
			}
			return m
		})
	}
	sort.Strings(out)
	return out
}

// gtSame compares described datasets, allowing times to differ by slack ms.
func gtSame(got, want []string, slack int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if gtTimeRe.ReplaceAllString(g, "@") != gtTimeRe.ReplaceAllString(w, "@") {
			return false
		}
		gt, wt := gtTimeRe.FindAllStringSubmatch(g, -1), gtTimeRe.FindAllStringSubmatch(w, -1)
		for j := range gt {
			a, _ := strconv.ParseInt(gt[j][1], 10, 64)
			b, _ := strconv.ParseInt(wt[j][1], 10, 64)
			if a-b > slack || b-a > slack {
				return false
			}
		}
	}
	return true
}

// gtRunEngine runs table cases on a fresh engine each.
func gtRunEngine(t *testing.T, cases []gtCase) {
	for _, tc := range cases {
		ks := New(gtNow)
		c := ks.NewClient()
		for _, s := range tc.setup {
			if e := gtApply(t, c, s); e != "" {
				t.Fatalf("%s: setup %s: %s", tc.name, gtQuote(s), e)
			}
		}
		if e := gtApply(t, c, tc.cmd); e != tc.err {
			t.Errorf("%s: %s: error %q, want %q", tc.name, gtQuote(tc.cmd), e, tc.err)
		}
		got := gtDescribe(gtExport(t, ks))
		if want := gtResolve(tc.want, gtNow); !gtSame(got, want, 0) {
			t.Errorf("%s: dataset\n got %q\nwant %q", tc.name, got, want)
		}
	}
}

// gtServer is one real server and one connection to it.
type gtServer struct {
	t    testing.TB
	srv  *redistest.Server
	conn *redis.Conn
}

func gtStartServer(t testing.TB, args ...string) *gtServer {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{Args: args})
	conn := srv.Client().Conn()
	t.Cleanup(func() { conn.Close() })
	return &gtServer{t: t, srv: srv, conn: conn}
}

// do runs one command and returns the reply and the error text ("" for none).
func (s *gtServer) do(args []string) (any, string) {
	s.t.Helper()
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = v
	}
	v, err := s.conn.Do(context.Background(), a...).Result()
	if err == redis.Nil {
		err = nil
	}
	if err != nil {
		var re redis.Error
		if !errors.As(err, &re) {
			s.t.Fatalf("server %s: %v", gtQuote(args), err)
		}
		return nil, err.Error()
	}
	return v, ""
}

// gtRunServer checks a table against the real server: the same errors and datasets (with a
// TTL slack), cases marked engineOnly left out.
func gtRunServer(t *testing.T, cases []gtCase) {
	s := gtStartServer(t)
	for _, tc := range cases {
		if tc.engineOnly {
			continue
		}
		for _, reset := range [][]string{{"SELECT", "0"}, {"FLUSHALL"}, {"FUNCTION", "FLUSH"}} {
			if _, e := s.do(reset); e != "" {
				t.Fatal(e)
			}
		}
		for _, st := range tc.setup {
			if _, e := s.do(st); e != "" {
				t.Fatalf("%s: setup %s: %s", tc.name, gtQuote(st), e)
			}
		}
		base := time.Now().UnixMilli()
		if _, e := s.do(tc.cmd); e != tc.err {
			t.Errorf("%s: %s: server error %q, table says %q", tc.name, gtQuote(tc.cmd), e, tc.err)
		}
		keys, funcs := s.srv.Dump(t)
		got := gtDescribe(keys, funcs)
		if want := gtResolve(tc.want, base); !gtSame(got, want, 2000) {
			t.Errorf("%s: server dataset\n got %q\nwant %q", tc.name, got, want)
		}
	}
}

// gtPayload returns a DUMP payload of k for RDB version ver.
func gtPayload(t testing.TB, k canon.Key, ver int) string {
	t.Helper()
	p, err := rdb.DumpPayload(&k, ver)
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// gtFooter wraps a payload body in a DUMP footer (version and CRC-64).
func gtFooter(body []byte, ver int) string {
	p := append(slices.Clone(body), byte(ver), byte(ver>>8))
	sum := rdb.CRC64(0, p)
	for i := 0; i < 8; i++ {
		p = append(p, byte(sum>>(8*i)))
	}
	return string(p)
}

func gtStringKey(v string) canon.Key {
	return canon.Key{Type: canon.TypeString, String: []byte(v), ExpireMs: canon.NoExpiry}
}

func gtHashKey(fv ...string) canon.Key {
	k := canon.Key{Type: canon.TypeHash, ExpireMs: canon.NoExpiry}
	for i := 0; i+1 < len(fv); i += 2 {
		k.Hash = append(k.Hash, canon.HField{Field: []byte(fv[i]), Value: []byte(fv[i+1]), ExpireMs: canon.NoExpiry})
	}
	return k
}

// gtLib is a valid library: it registers one function named after the library.
func gtLib(header, name string) string {
	return header + "\nredis.register_function('f_" + name + "', function() return 1 end)"
}

// ---- generic table ----

func gtGenericCases(t testing.TB) []gtCase {
	pStr := gtPayload(t, gtStringKey("hello"), 10)
	pHash := gtPayload(t, gtHashKey("f", "1", "g", "2"), 10)
	pStr12 := gtPayload(t, gtStringKey("v12"), 12)
	hfe := gtHashKey("a", "1", "b", "2")
	hfe.Hash[0].ExpireMs = gtFar
	pHFE := gtPayload(t, hfe, 12)
	badCRC := []byte(pStr)
	badCRC[len(badCRC)-1] ^= 1
	v13 := gtFooter([]byte(pStr[:len(pStr)-10]), 13)
	truncated := gtFooter([]byte{0, 40, 'a'}, 10) // a string whose length says 40, holding 1 (+ the footer)
	emptyHash := gtFooter([]byte{4, 0}, 10)       // RDB_TYPE_HASH with no field
	notType := gtFooter([]byte{99, 1, 'x'}, 10)   // no such object type
	funcs := gtFuncPayload(t, gtLib("#!lua name=L1", "L1"))
	set := func(k, v string) []string { return gtCmd("SET", k, v) }
	return []gtCase{
		// DEL / UNLINK
		{name: "del", setup: [][]string{set("a", "1"), set("b", "2")}, cmd: gtCmd("DEL", "a", "c"), want: []string{"b=2"}},
		{name: "unlink", setup: [][]string{set("a", "1"), set("b", "2")}, cmd: gtCmd("UNLINK", "a", "b", "a"), want: nil},
		{name: "del other db untouched", setup: [][]string{set("a", "1"), {"SELECT", "1"}, set("a", "2")}, cmd: gtCmd("DEL", "a"), want: []string{"a=1"}},

		// EXPIRE family
		{name: "expire", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "100"), want: []string{"a@+100000=1"}},
		{name: "pexpire", setup: [][]string{set("a", "1")}, cmd: gtCmd("PEXPIRE", "a", "1500"), want: []string{"a@+1500=1"}},
		{name: "expireat", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIREAT", "a", "4102444800"), want: []string{"a@far=1"}},
		{name: "pexpireat", setup: [][]string{set("a", "1")}, cmd: gtCmd("pexpireat", "a", "4102444800000"), want: []string{"a@far=1"}},
		{name: "pexpireat max", setup: [][]string{set("a", "1")}, cmd: gtCmd("PEXPIREAT", "a", "9223372036854775807"), want: []string{"a@9223372036854775807=1"}},
		{name: "load: pexpireat past is stored", engineOnly: true, setup: [][]string{set("a", "1")}, cmd: gtCmd("PEXPIREAT", "a", "1000"), want: []string{"a@1000=1"}},
		{name: "load: expire negative is stored", engineOnly: true, setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "-10"), want: []string{"a@-10000=1"}},
		{name: "expire missing key", cmd: gtCmd("EXPIRE", "nope", "10"), want: nil},
		{name: "expire not integer", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "1x"), err: "ERR value is not an integer or out of range", want: []string{"a=1"}},
		{name: "expire not integer missing key", cmd: gtCmd("EXPIRE", "nope", "+1"), err: "ERR value is not an integer or out of range"},
		{name: "expire bad option", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "10", "FOO"), err: "ERR Unsupported option FOO", want: []string{"a=1"}},
		{name: "expire bad option before bad time", cmd: gtCmd("EXPIRE", "a", "x", "FOO"), err: "ERR Unsupported option FOO"},
		{name: "expire nx xx", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "10", "NX", "XX"), err: "ERR NX and XX, GT or LT options at the same time are not compatible", want: []string{"a=1"}},
		{name: "expire nx gt", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "10", "gt", "nx"), err: "ERR NX and XX, GT or LT options at the same time are not compatible", want: []string{"a=1"}},
		{name: "expire gt lt", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "10", "GT", "LT"), err: "ERR GT and LT options at the same time are not compatible", want: []string{"a=1"}},
		{name: "expire overflow seconds", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "9223372036854776"), err: "ERR invalid expire time in 'expire' command", want: []string{"a=1"}},
		{name: "expireat underflow seconds", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIREAT", "a", "-9223372036854776"), err: "ERR invalid expire time in 'expireat' command", want: []string{"a=1"}},
		{name: "pexpire overflow base", setup: [][]string{set("a", "1")}, cmd: gtCmd("PEXPIRE", "a", "9223372036854775000"), err: "ERR invalid expire time in 'pexpire' command", want: []string{"a=1"}},
		{name: "expire nx without ttl", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "100", "NX"), want: []string{"a@+100000=1"}},
		{name: "expire nx with ttl", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("EXPIRE", "a", "100", "NX"), want: []string{"a@far=1"}},
		{name: "expire xx without ttl", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "100", "XX"), want: []string{"a=1"}},
		{name: "expire xx with ttl", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("EXPIRE", "a", "100", "XX"), want: []string{"a@+100000=1"}},
		{name: "expire gt without ttl", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "100", "GT"), want: []string{"a=1"}},
		{name: "expire gt greater", setup: [][]string{set("a", "1"), {"EXPIRE", "a", "100"}}, cmd: gtCmd("PEXPIREAT", "a", "4102444800000", "GT"), want: []string{"a@far=1"}},
		{name: "expire gt smaller", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("EXPIRE", "a", "100", "GT"), want: []string{"a@far=1"}},
		{name: "expire gt equal", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("PEXPIREAT", "a", "4102444800000", "GT"), want: []string{"a@far=1"}},
		{name: "expire lt without ttl", setup: [][]string{set("a", "1")}, cmd: gtCmd("EXPIRE", "a", "100", "LT"), want: []string{"a@+100000=1"}},
		{name: "expire lt smaller", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("EXPIRE", "a", "100", "LT"), want: []string{"a@+100000=1"}},
		{name: "expire lt greater", setup: [][]string{set("a", "1"), {"EXPIRE", "a", "100"}}, cmd: gtCmd("PEXPIREAT", "a", "4102444800000", "LT"), want: []string{"a@+100000=1"}},
		{name: "expire gt xx", setup: [][]string{set("a", "1"), {"EXPIRE", "a", "100"}}, cmd: gtCmd("PEXPIREAT", "a", "4102444800000", "XX", "GT"), want: []string{"a@far=1"}},
		{name: "expire keeps hash", setup: [][]string{{"HSET", "h", "f", "v"}}, cmd: gtCmd("EXPIREAT", "h", "4102444800"), want: []string{"h@far{f=v}"}},

		// PERSIST
		{name: "persist", setup: [][]string{set("a", "1"), {"EXPIRE", "a", "100"}}, cmd: gtCmd("PERSIST", "a"), want: []string{"a=1"}},
		{name: "persist no ttl", setup: [][]string{set("a", "1")}, cmd: gtCmd("PERSIST", "a"), want: []string{"a=1"}},
		{name: "persist missing", cmd: gtCmd("PERSIST", "a"), want: nil},

		// RENAME / RENAMENX
		{name: "rename moves ttl", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("RENAME", "a", "b"), want: []string{"b@far=1"}},
		{name: "rename replaces", setup: [][]string{{"HSET", "a", "f", "v"}, set("b", "2"), {"EXPIRE", "b", "100"}}, cmd: gtCmd("RENAME", "a", "b"), want: []string{"b{f=v}"}},
		{name: "rename missing", setup: [][]string{set("b", "2")}, cmd: gtCmd("RENAME", "a", "b"), err: "ERR no such key", want: []string{"b=2"}},
		{name: "rename same missing", cmd: gtCmd("RENAME", "a", "a"), err: "ERR no such key"},
		{name: "rename same", setup: [][]string{set("a", "1")}, cmd: gtCmd("RENAME", "a", "a"), want: []string{"a=1"}},
		{name: "renamenx", setup: [][]string{set("a", "1")}, cmd: gtCmd("RENAMENX", "a", "b"), want: []string{"b=1"}},
		{name: "renamenx exists", setup: [][]string{set("a", "1"), set("b", "2")}, cmd: gtCmd("RENAMENX", "a", "b"), want: []string{"a=1", "b=2"}},
		{name: "renamenx missing", cmd: gtCmd("RENAMENX", "a", "b"), err: "ERR no such key"},
		{name: "renamenx same", setup: [][]string{set("a", "1")}, cmd: gtCmd("RENAMENX", "a", "a"), want: []string{"a=1"}},

		// COPY
		{name: "copy with ttl", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("COPY", "a", "b"), want: []string{"a@far=1", "b@far=1"}},
		{name: "copy exists", setup: [][]string{set("a", "1"), set("b", "2")}, cmd: gtCmd("COPY", "a", "b"), want: []string{"a=1", "b=2"}},
		{name: "copy replace", setup: [][]string{{"HSET", "a", "f", "v"}, set("b", "2"), {"EXPIRE", "b", "100"}}, cmd: gtCmd("COPY", "a", "b", "REPLACE"), want: []string{"a{f=v}", "b{f=v}"}},
		{name: "copy db", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "DB", "1"), want: []string{"a=1", "1/b=1"}},
		{name: "copy same key other db", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "a", "db", "2", "replace"), want: []string{"a=1", "2/a=1"}},
		{name: "copy same", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "a"), err: "ERR source and destination objects are the same", want: []string{"a=1"}},
		{name: "copy same db given", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "a", "DB", "0"), err: "ERR source and destination objects are the same", want: []string{"a=1"}},
		{name: "copy db range", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "DB", "16"), err: "ERR DB index is out of range", want: []string{"a=1"}},
		{name: "copy db not int", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "DB", "x"), err: "ERR value is not an integer or out of range", want: []string{"a=1"}},
		{name: "copy db beyond int", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "DB", "4294967296"), err: "ERR value is out of range, value must between -2147483648 and 2147483647", want: []string{"a=1"}},
		{name: "copy syntax", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "FOO"), err: "ERR syntax error", want: []string{"a=1"}},
		{name: "copy db without index", setup: [][]string{set("a", "1")}, cmd: gtCmd("COPY", "a", "b", "DB"), err: "ERR syntax error", want: []string{"a=1"}},
		{name: "copy missing", cmd: gtCmd("COPY", "a", "b"), want: nil},
		{name: "copy is deep", setup: [][]string{{"HSET", "a", "f", "v"}, {"COPY", "a", "b"}}, cmd: gtCmd("HSET", "b", "f", "w", "g", "x"), want: []string{"a{f=v}", "b{f=w,g=x}"}},

		// MOVE
		{name: "move", setup: [][]string{set("a", "1"), {"PEXPIREAT", "a", "4102444800000"}}, cmd: gtCmd("MOVE", "a", "1"), want: []string{"1/a@far=1"}},
		{name: "move same db", setup: [][]string{set("a", "1")}, cmd: gtCmd("MOVE", "a", "0"), err: "ERR source and destination objects are the same", want: []string{"a=1"}},
		{name: "move range", setup: [][]string{set("a", "1")}, cmd: gtCmd("MOVE", "a", "16"), err: "ERR DB index is out of range", want: []string{"a=1"}},
		{name: "move negative", setup: [][]string{set("a", "1")}, cmd: gtCmd("MOVE", "a", "-1"), err: "ERR DB index is out of range", want: []string{"a=1"}},
		{name: "move not int", setup: [][]string{set("a", "1")}, cmd: gtCmd("MOVE", "a", "one"), err: "ERR value is not an integer or out of range", want: []string{"a=1"}},
		{name: "move exists", setup: [][]string{set("a", "1"), {"SELECT", "1"}, set("a", "2"), {"SELECT", "0"}}, cmd: gtCmd("MOVE", "a", "1"), want: []string{"a=1", "1/a=2"}},
		{name: "move missing", cmd: gtCmd("MOVE", "a", "1"), want: nil},
		{name: "move from db 2", setup: [][]string{{"SELECT", "2"}, set("a", "1")}, cmd: gtCmd("MOVE", "a", "0"), want: []string{"a=1"}},

		// SWAPDB
		{name: "swapdb", setup: [][]string{set("a", "1"), {"EXPIRE", "a", "100"}, {"SELECT", "1"}, set("b", "2")}, cmd: gtCmd("SWAPDB", "0", "1"), want: []string{"1/a@+100000=1", "b=2"}},
		{name: "swapdb then write", setup: [][]string{set("a", "1"), {"SELECT", "1"}, {"SWAPDB", "0", "1"}}, cmd: gtCmd("SET", "c", "3"), want: []string{"1/a=1", "1/c=3"}},
		{name: "swapdb same", setup: [][]string{set("a", "1")}, cmd: gtCmd("SWAPDB", "0", "0"), want: []string{"a=1"}},
		{name: "swapdb range", setup: [][]string{set("a", "1")}, cmd: gtCmd("SWAPDB", "0", "16"), err: "ERR DB index is out of range", want: []string{"a=1"}},
		{name: "swapdb first", cmd: gtCmd("SWAPDB", "x", "1"), err: "ERR invalid first DB index"},
		{name: "swapdb second", cmd: gtCmd("SWAPDB", "0", "99999999999"), err: "ERR invalid second DB index"},

		// FLUSHDB / FLUSHALL
		{name: "flushdb", setup: [][]string{set("a", "1"), {"SELECT", "1"}, set("b", "2"), {"FUNCTION", "LOAD", gtLib("#!lua name=L1", "L1")}}, cmd: gtCmd("FLUSHDB"),
			want: []string{"a=1", "fn:L1:LUA:" + gtLib("#!lua name=L1", "L1")}},
		{name: "flushdb async", setup: [][]string{set("a", "1")}, cmd: gtCmd("FLUSHDB", "ASYNC"), want: nil},
		{name: "flushall sync", setup: [][]string{set("a", "1"), {"SELECT", "1"}, set("b", "2"), {"FUNCTION", "LOAD", gtLib("#!lua name=L1", "L1")}}, cmd: gtCmd("FLUSHALL", "sync"),
			want: []string{"fn:L1:LUA:" + gtLib("#!lua name=L1", "L1")}},
		{name: "flushall syntax", setup: [][]string{set("a", "1")}, cmd: gtCmd("FLUSHALL", "NOW"), err: "ERR syntax error", want: []string{"a=1"}},
		{name: "flushdb syntax", setup: [][]string{set("a", "1")}, cmd: gtCmd("FLUSHDB", "ASYNC", "SYNC"), err: "ERR syntax error", want: []string{"a=1"}},

		// RESTORE
		{name: "restore", cmd: gtCmd("RESTORE", "k", "0", pStr), want: []string{"k=hello"}},
		{name: "restore hash", cmd: gtCmd("RESTORE", "k", "0", pHash), want: []string{"k{f=1,g=2}"}},
		{name: "restore-asking", cmd: gtCmd("RESTORE-ASKING", "k", "0", pHash), want: []string{"k{f=1,g=2}"}},
		{name: "restore busy", setup: [][]string{set("k", "1")}, cmd: gtCmd("RESTORE", "k", "0", pStr), err: "BUSYKEY Target key name already exists.", want: []string{"k=1"}},
		{name: "restore replace", setup: [][]string{{"HSET", "k", "f", "v"}, {"EXPIRE", "k", "100"}}, cmd: gtCmd("RESTORE", "k", "0", pStr, "REPLACE"), want: []string{"k=hello"}},
		{name: "restore ttl", cmd: gtCmd("RESTORE", "k", "5000", pStr), want: []string{"k@+5000=hello"}},
		{name: "restore absttl", cmd: gtCmd("RESTORE", "k", "4102444800000", pStr, "ABSTTL"), want: []string{"k@far=hello"}},
		{name: "load: restore absttl past", engineOnly: true, cmd: gtCmd("RESTORE", "k", "1000", pStr, "ABSTTL"), want: []string{"k@1000=hello"}},
		{name: "restore idletime", cmd: gtCmd("RESTORE", "k", "0", pStr, "IDLETIME", "100", "REPLACE"), want: []string{"k=hello"}},
		{name: "restore freq", cmd: gtCmd("RESTORE", "k", "0", pStr, "FREQ", "255"), want: []string{"k=hello"}},
		{name: "restore negative ttl", cmd: gtCmd("RESTORE", "k", "-1", pStr), err: "ERR Invalid TTL value, must be >= 0"},
		{name: "restore ttl not int", cmd: gtCmd("RESTORE", "k", "1.5", pStr), err: "ERR value is not an integer or out of range"},
		{name: "restore busy before ttl", setup: [][]string{set("k", "1")}, cmd: gtCmd("RESTORE", "k", "x", pStr), err: "BUSYKEY Target key name already exists.", want: []string{"k=1"}},
		{name: "restore bad crc", cmd: gtCmd("RESTORE", "k", "0", string(badCRC)), err: "ERR DUMP payload version or checksum are wrong"},
		{name: "restore short", cmd: gtCmd("RESTORE", "k", "0", "123456789"), err: "ERR DUMP payload version or checksum are wrong"},
		{name: "restore version 13", cmd: gtCmd("RESTORE", "k", "0", v13), err: "ERR DUMP payload version or checksum are wrong"},
		{name: "restore version 12", engineOnly: true, cmd: gtCmd("RESTORE", "k", "0", pStr12), want: []string{"k=v12"}},
		{name: "restore field ttls", engineOnly: true, cmd: gtCmd("RESTORE", "k", "0", pHFE), want: []string{"k{a=1@far,b=2}"}},
		{name: "restore truncated value", cmd: gtCmd("RESTORE", "k", "0", truncated), err: "ERR Bad data format"},
		{name: "restore empty hash", cmd: gtCmd("RESTORE", "k", "0", emptyHash), err: "ERR Bad data format"},
		{name: "restore unknown type", cmd: gtCmd("RESTORE", "k", "0", notType), err: "ERR Bad data format"},
		{name: "restore function payload", cmd: gtCmd("RESTORE", "k", "0", funcs), err: "ERR Bad data format"},
		{name: "restore negative idletime", cmd: gtCmd("RESTORE", "k", "0", pStr, "IDLETIME", "-1"), err: "ERR Invalid IDLETIME value, must be >= 0"},
		{name: "restore freq range", cmd: gtCmd("RESTORE", "k", "0", pStr, "FREQ", "256"), err: "ERR Invalid FREQ value, must be >= 0 and <= 255"},
		{name: "restore idletime and freq", cmd: gtCmd("RESTORE", "k", "0", pStr, "IDLETIME", "1", "FREQ", "1"), err: "ERR syntax error"},
		{name: "restore idletime without value", cmd: gtCmd("RESTORE", "k", "0", pStr, "IDLETIME"), err: "ERR syntax error"},
		{name: "restore unknown option", cmd: gtCmd("RESTORE", "k", "0", pStr, "KEEPTTL"), err: "ERR syntax error"},
		{name: "restore option before busy", setup: [][]string{set("k", "1")}, cmd: gtCmd("RESTORE", "k", "0", pStr, "FOO"), err: "ERR syntax error", want: []string{"k=1"}},
		{name: "restore then write", setup: [][]string{{"RESTORE", "k", "0", pHash}}, cmd: gtCmd("HSET", "k", "h", "3"), want: []string{"k{f=1,g=2,h=3}"}},

		// no effect on data
		{name: "publish", setup: [][]string{set("a", "1")}, cmd: gtCmd("PUBLISH", "ch", "msg"), want: []string{"a=1"}},
	}
}

func TestGenericTable(t *testing.T) { gtRunEngine(t, gtGenericCases(t)) }

func TestGenericTableMatchesRedis(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	gtRunServer(t, gtGenericCases(t))
}

// TestGenericRefused: what the engine must not guess about, and what has no effect.
func TestGenericRefused(t *testing.T) {
	for _, tc := range []struct {
		cmd         []string
		unsupported bool
	}{
		{gtCmd("MIGRATE", "host", "6379", "k", "0", "1000"), true},
		{gtCmd("FCALL", "f", "1", "k"), true},
		{gtCmd("FCALL_RO", "f", "0"), true},
		{gtCmd("EVAL", "return 1", "0"), true},
		{gtCmd("EVALSHA", "0123456789012345678901234567890123456789", "0"), true},
		{gtCmd("SCRIPT", "LOAD", "return 1"), true},
		{gtCmd("SCRIPT", "FLUSH"), false},
		{gtCmd("SCRIPT", "FLUSH", "ASYNC"), false},
		{gtCmd("OBJECT", "ENCODING", "a"), false},
		{gtCmd("OBJECT", "FREQ", "a"), false},
		{gtCmd("OBJECT", "HELP"), false},
		{gtCmd("EXISTS", "a", "b"), false},
		{gtCmd("SPUBLISH", "ch", "msg"), false},
		{gtCmd("PUBLISH", "ch", "msg"), false},
	} {
		ks := New(gtNow)
		c := ks.NewClient()
		if err := c.Apply(gtArgs(gtCmd("SET", "a", "1"))); err != nil {
			t.Fatal(err)
		}
		err := c.Apply(gtArgs(tc.cmd))
		var ue *UnsupportedError
		if got := errors.As(err, &ue); got != tc.unsupported || !tc.unsupported && err != nil {
			t.Errorf("%s: error %v, want unsupported=%v", gtQuote(tc.cmd), err, tc.unsupported)
		}
		if got := gtDescribe(gtExport(t, ks)); !slices.Equal(got, []string{"a=1"}) {
			t.Errorf("%s: dataset %q", gtQuote(tc.cmd), got)
		}
	}
	// A RESTORE payload of a type no codec loads, or of a module, is refused too.
	ks := New(gtNow)
	mod := gtFooter([]byte{7, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 10)
	err := ks.NewClient().Apply(gtArgs(gtCmd("RESTORE", "m", "0", mod)))
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Errorf("RESTORE of a module payload: %v, want an UnsupportedError", err)
	}
}

// TestGenericPayloadVersions: RESTORE accepts every DUMP version the encoder writes up to the
// newest Redis, and refuses Valkey 9's.
func TestGenericPayloadVersions(t *testing.T) {
	for ver := rdb.MinEncodeVersion; ver <= 12; ver++ {
		ks := New(gtNow)
		c := ks.NewClient()
		for i, k := range []canon.Key{gtStringKey("s"), gtHashKey("f", "v")} {
			p := gtPayload(t, k, ver)
			if e := gtApply(t, c, gtCmd("RESTORE", "k"+strconv.Itoa(i), "0", p)); e != "" {
				t.Errorf("version %d: %s", ver, e)
			}
		}
		if got := gtDescribe(gtExport(t, ks)); !slices.Equal(got, []string{"k0=s", "k1{f=v}"}) {
			t.Errorf("version %d: %q", ver, got)
		}
	}
	p := gtFooter([]byte{0, 1, 'x'}, 80)
	if e := gtApply(t, New(gtNow).NewClient(), gtCmd("RESTORE", "k", "0", p)); e != "ERR DUMP payload version or checksum are wrong" {
		t.Errorf("version 80: %q", e)
	}
}

// ---- functions ----

func gtFuncPayload(t testing.TB, codes ...string) string {
	t.Helper()
	fs := make([]canon.Function, len(codes))
	for i, c := range codes {
		fs[i] = canon.Function{Code: []byte(c)}
	}
	p, err := rdb.FunctionDumpPayload(fs, 10)
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // nil with ok false
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a b  c", []string{"a", "b", "c"}, true},
		{"\ta\r\nb\v", []string{"a", "b\v"}, true},
		{"\v\fa", []string{"a"}, true},
		{`"a b" c`, []string{"a b", "c"}, true},
		{`x"a b"`, []string{"xa b"}, true},
		{`"a\nb\x41\x4g\"\\"`, []string{"a\nbAx4g\"\\"}, true},
		{`"\r\t\b\a\q"`, []string{"\r\t\b\aq"}, true},
		{`'it\'s' 'a\nb'`, []string{"it's", `a\nb`}, true},
		{`"a"b`, nil, false},
		{`'a'b`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`"a"` + "\v" + "b", []string{"a", "b"}, true},
		{"a\x00b c", []string{"a"}, true},
		{`"\x00"`, []string{"\x00"}, true},
		{`"a\`, nil, false},
	} {
		got, ok := SplitArgs([]byte(tc.in))
		gs := make([]string, len(got))
		for i, g := range got {
			gs[i] = string(g)
		}
		if ok != tc.ok || ok && !slices.Equal(gs, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, %v", tc.in, gs, ok, tc.want, tc.ok)
		}
	}
}

func TestLibraryMeta(t *testing.T) {
	for _, tc := range []struct {
		code, name, reason string
	}{
		{"#!lua name=lib\ncode", "lib", ""},
		{"#!LUA name=lib\n", "lib", ""},
		{"#!Lua NAME=Lib_9 \r\n", "Lib_9", ""},
		{"#!lua \"name=q1\"\n", "q1", ""},
		{"#!lua name='q2'\n", "q2", ""},
		{"#!\"lua\" name=q3\n", "q3", ""},
		{"lua name=x\n", "", "Missing library metadata"},
		{"#", "", "Missing library metadata"},
		{"#!lua name=x", "", "Invalid library metadata"},
		{"#!lua name=x\x00\n", "", "Invalid library metadata"},
		{"#!lua name=\"x\"y\n", "", "Invalid library metadata"},
		{"#!lua name=\"x\n", "", "Invalid library metadata"},
		{"#!lua\n", "", "Library name was not given"},
		{"#!lua name=a name=b\n", "", "Invalid metadata value, name argument was given multiple times"},
		{"#!lua foo=bar name=a\n", "", "Invalid metadata value given: foo=bar"},
		{"#! lua name=a\n", "", "Invalid metadata value given: lua"},
		{"#!lua name=\n", "", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!lua name=a-b\n", "", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!python name=a-b\n", "", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!python name=a\n", "", "Engine 'python' not found"},
		{"#! name=a\n", "", "Engine '' not found"},
	} {
		name, engine, reason := LibraryMeta([]byte(tc.code))
		if name != tc.name || reason != tc.reason || reason == "" && engine != LuaEngine {
			t.Errorf("LibraryMeta(%q) = %q, %q, %q; want %q, %q", tc.code, name, engine, reason, tc.name, tc.reason)
		}
	}
}

func gtFunctionCases(t testing.TB) []gtCase {
	l1 := gtLib("#!lua name=L1", "L1")
	l1b := gtLib("#!lua name=L1", "L1") + " -- v2"
	l2 := gtLib("#!lua name=L2", "L2")
	q := gtLib(`#!LUA "name=Q1" `, "Q1")
	load := func(code string) []string { return gtCmd("FUNCTION", "LOAD", code) }
	pay12 := gtFuncPayload(t, l1b, l2)
	pay2 := gtFuncPayload(t, l2)
	payDup := gtFuncPayload(t, l2, l2)
	payBad := gtFuncPayload(t, gtLib("#!lua name=bad-name", "x"))
	payEmpty := gtFooter(nil, 10)
	badCRC := []byte(pay2)
	badCRC[3] ^= 0xff
	return []gtCase{
		{name: "load", cmd: load(l1), want: []string{"fn:L1:LUA:" + l1}},
		{name: "load quoted header", cmd: load(q), want: []string{"fn:Q1:LUA:" + q}},
		{name: "load exists", setup: [][]string{load(l1)}, cmd: load(l1b), err: "ERR Library 'L1' already exists", want: []string{"fn:L1:LUA:" + l1}},
		{name: "load replace", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "LOAD", "REPLACE", l1b), want: []string{"fn:L1:LUA:" + l1b}},
		{name: "load replace twice", cmd: gtCmd("FUNCTION", "LOAD", "replace", "REPLACE", l1), want: []string{"fn:L1:LUA:" + l1}},
		{name: "load unknown option", cmd: gtCmd("FUNCTION", "LOAD", "FORCE", l1), err: "ERR Unknown option given: FORCE"},
		{name: "load missing metadata", cmd: load("return 1"), err: "ERR Missing library metadata"},
		{name: "load no newline", cmd: load("#!lua name=x"), err: "ERR Invalid library metadata"},
		{name: "load no name", cmd: load("#!lua\nreturn 1"), err: "ERR Library name was not given"},
		{name: "load bad name", cmd: load(gtLib("#!lua name=a.b", "x")), err: "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{name: "load bad option", cmd: load(gtLib("#!lua name=a desc=x", "a")), err: "ERR Invalid metadata value given: desc=x"},
		{name: "load name twice", cmd: load(gtLib("#!lua name=a name=a", "a")), err: "ERR Invalid metadata value, name argument was given multiple times"},
		{name: "load engine", cmd: load(gtLib("#!js name=a", "a")), err: "ERR Engine 'js' not found"},
		{name: "load bad quotes", cmd: load(gtLib(`#!lua name="a"b`, "a")), err: "ERR Invalid library metadata"},
		{name: "delete", setup: [][]string{load(l1), load(l2)}, cmd: gtCmd("FUNCTION", "DELETE", "L1"), want: []string{"fn:L2:LUA:" + l2}},
		{name: "delete missing", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "DELETE", "l1"), err: "ERR Library not found", want: []string{"fn:L1:LUA:" + l1}},
		{name: "flush", setup: [][]string{load(l1), load(l2), gtCmd("SET", "a", "1")}, cmd: gtCmd("FUNCTION", "FLUSH"), want: []string{"a=1"}},
		{name: "flush async", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "FLUSH", "ASYNC"), want: nil},
		{name: "flush sync", setup: [][]string{load(l1)}, cmd: gtCmd("function", "flush", "sync"), want: nil},
		{name: "flush bad option", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "FLUSH", "NOW"), err: "ERR FUNCTION FLUSH only supports SYNC|ASYNC option", want: []string{"fn:L1:LUA:" + l1}},
		{name: "flush too many", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "FLUSH", "SYNC", "X"), err: "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.", want: []string{"fn:L1:LUA:" + l1}},
		{name: "restore append", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", pay2), want: []string{"fn:L1:LUA:" + l1, "fn:L2:LUA:" + l2}},
		{name: "restore append collision", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", pay12, "APPEND"), err: "ERR Library L1 already exists", want: []string{"fn:L1:LUA:" + l1}},
		{name: "restore replace", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", pay12, "REPLACE"), want: []string{"fn:L1:LUA:" + l1b, "fn:L2:LUA:" + l2}},
		{name: "restore flush", setup: [][]string{load(l1), load(q)}, cmd: gtCmd("FUNCTION", "RESTORE", pay2, "flush"), want: []string{"fn:L2:LUA:" + l2}},
		{name: "restore empty flush", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", payEmpty, "FLUSH"), want: nil},
		{name: "restore empty append", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", payEmpty), want: []string{"fn:L1:LUA:" + l1}},
		{name: "restore duplicate in payload", cmd: gtCmd("FUNCTION", "RESTORE", payDup), err: "ERR Library 'L2' already exists"},
		{name: "restore bad library", setup: [][]string{load(l1)}, cmd: gtCmd("FUNCTION", "RESTORE", payBad, "FLUSH"), err: "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long", want: []string{"fn:L1:LUA:" + l1}},
		{name: "restore bad policy", cmd: gtCmd("FUNCTION", "RESTORE", pay2, "MERGE"), err: "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."},
		{name: "restore too many", cmd: gtCmd("FUNCTION", "RESTORE", pay2, "FLUSH", "X"), err: "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."},
		{name: "restore bad crc", cmd: gtCmd("FUNCTION", "RESTORE", string(badCRC)), err: "ERR DUMP payload version or checksum are wrong"},
		{name: "restore key payload", cmd: gtCmd("FUNCTION", "RESTORE", gtPayload(t, gtStringKey("x"), 10)), err: "ERR given type is not a function"},
	}
}

func TestFunctionTable(t *testing.T) { gtRunEngine(t, gtFunctionCases(t)) }

func TestFunctionTableMatchesRedis(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	gtRunServer(t, gtFunctionCases(t))
}

// ---- differential tests against a real server's AOF ----

// gtGen draws random commands over a small key space.
type gtGen struct {
	rng      *rand.Rand
	keys     []string
	payloads []string // DUMP payloads taken from the server
	fdumps   []string // FUNCTION DUMP payloads taken from the server
	quoted   bool     // use library headers the rdb package does not parse (see libHeader)
}

func (g *gtGen) pick(l []string) string { return l[g.rng.IntN(len(l))] }
func (g *gtGen) key() string            { return g.pick(g.keys) }
func (g *gtGen) chance(n int) bool      { return g.rng.IntN(n) == 0 }

// libHeader returns a header for library name. Quoted forms are valid for Redis (its
// sdssplitargs unquotes them), but rdb.ParseLibraryHeader, which Replay uses for libraries in
// an RDB preamble, splits on blanks only: they are drawn only when no rewrite puts
// libraries into an RDB (g.quoted).
func (g *gtGen) libHeader(name string) string {
	forms := []string{"#!lua name=%s", "#!LUA name=%s ", "#!lua  NAME=%s\r"}
	if g.quoted {
		forms = append(forms, `#!lua "name=%s"`, `#!lua name='%s'`)
	}
	return fmt.Sprintf(g.pick(forms), name)
}

func (g *gtGen) value() string {
	return g.pick([]string{"1", "-7", "abc", "", "1.5", "9223372036854775806", strings.Repeat("x", 80)})
}

// ttlArgs: an EXPIRE-family command with a far or already-passed time and random flags.
func (g *gtGen) expireCmd(k string) []string {
	now := time.Now().UnixMilli()
	var cmd []string
	switch g.rng.IntN(6) {
	case 0:
		cmd = gtCmd("EXPIRE", k, g.pick([]string{"100000", "200000", "-5", "0"}))
	case 1:
		cmd = gtCmd("PEXPIRE", k, g.pick([]string{"100000000", "200000000", "-1"}))
	case 2:
		cmd = gtCmd("EXPIREAT", k, g.pick([]string{"4102444800", "4102444801", "1", strconv.FormatInt(now/1000-10, 10)}))
	case 3:
		cmd = gtCmd("PEXPIREAT", k, g.pick([]string{"4102444800000", "4102444799000", "1000", strconv.FormatInt(now+500_000_000, 10)}))
	case 4:
		cmd = gtCmd("EXPIRE", k, g.pick([]string{"x", "9223372036854775807"}))
	default:
		cmd = gtCmd("PEXPIREAT", k, strconv.FormatInt(now+int64(g.rng.IntN(1_000_000_000))+100_000_000, 10))
	}
	if g.chance(2) {
		cmd = append(cmd, g.pick([]string{"NX", "XX", "GT", "LT", "nx", "gt", "FOO"}))
		if g.chance(4) {
			cmd = append(cmd, g.pick([]string{"NX", "XX", "GT", "LT"}))
		}
	}
	return cmd
}

// genericCommand draws a keyspace or function command.
func gtGenericCommand(g *gtGen) []string {
	switch g.rng.IntN(30) {
	case 0, 1, 2:
		return gtCmd("SET", g.key(), g.value())
	case 3, 4, 5:
		c := gtCmd("HSET", g.key())
		for n := g.rng.IntN(3) + 1; n > 0; n-- {
			c = append(c, g.pick([]string{"f", "g", "h"}), g.value())
		}
		return c
	case 6:
		c := gtCmd(g.pick([]string{"DEL", "UNLINK"}))
		for n := g.rng.IntN(3) + 1; n > 0; n-- {
			c = append(c, g.key())
		}
		return c
	case 7, 8, 9:
		return g.expireCmd(g.key())
	case 10:
		return gtCmd("PERSIST", g.key())
	case 11:
		return gtCmd(g.pick([]string{"RENAME", "RENAMENX"}), g.key(), g.key())
	case 12, 13:
		c := gtCmd("COPY", g.key(), g.key())
		if g.chance(2) {
			c = append(c, "DB", g.pick([]string{"0", "1", "2", "16"}))
		}
		if g.chance(2) {
			c = append(c, "REPLACE")
		}
		return c
	case 14:
		return gtCmd("MOVE", g.key(), g.pick([]string{"0", "1", "2"}))
	case 15:
		return gtCmd("SWAPDB", g.pick([]string{"0", "1", "2"}), g.pick([]string{"0", "1", "2"}))
	case 16:
		if g.chance(4) {
			return gtCmd(g.pick([]string{"FLUSHDB", "FLUSHALL"}), g.pick([]string{"ASYNC", "SYNC"}))
		}
		return gtCmd("SELECT", g.pick([]string{"0", "1", "2"}))
	case 17, 18:
		if len(g.payloads) == 0 {
			return gtCmd("DUMP", g.key())
		}
		p := g.pick(g.payloads)
		if g.chance(10) {
			b := []byte(p)
			b[g.rng.IntN(len(b))] ^= 0x20
			p = string(b)
		}
		now := time.Now().UnixMilli()
		c := gtCmd("RESTORE", g.key())
		switch g.rng.IntN(4) {
		case 0:
			c = append(c, "0", p)
		case 1:
			c = append(c, "100000000", p)
		case 2:
			c = append(c, strconv.FormatInt(now+300_000_000, 10), p, "ABSTTL")
		default:
			c = append(c, "1000", p, "ABSTTL")
		}
		if g.chance(2) {
			c = append(c, "REPLACE")
		}
		if g.chance(4) {
			c = append(c, g.pick([]string{"IDLETIME", "FREQ"}), "5")
		}
		return c
	case 19:
		return gtCmd("DUMP", g.key())
	case 20, 21:
		name := g.pick([]string{"L0", "L1", "L2"})
		c := gtCmd("FUNCTION", "LOAD")
		if g.chance(2) {
			c = append(c, "REPLACE")
		}
		code := gtLib(g.libHeader(name), name)
		if g.chance(2) {
			code += fmt.Sprintf(" -- %d", g.rng.IntN(100))
		}
		if g.chance(8) {
			code = g.pick([]string{"return 1", "#!lua name=bad-name\nreturn 1", "#!js name=j\n", "#!lua\n"})
		}
		return append(c, code)
	case 22:
		return gtCmd("FUNCTION", "DELETE", g.pick([]string{"L0", "L1", "L2", "L9"}))
	case 23:
		if g.chance(3) {
			return gtCmd("FUNCTION", "FLUSH", g.pick([]string{"ASYNC", "SYNC"}))
		}
		return gtCmd("FUNCTION", "DUMP")
	case 24:
		if len(g.fdumps) == 0 {
			return gtCmd("FUNCTION", "DUMP")
		}
		c := gtCmd("FUNCTION", "RESTORE", g.pick(g.fdumps))
		if g.chance(4) {
			return c
		}
		return append(c, g.pick([]string{"FLUSH", "APPEND", "REPLACE"}))
	case 25:
		return gtCmd("PUBLISH", "ch", g.value())
	default:
		return g.expireCmd(g.key())
	}
}

// gtRewrite runs BGREWRITEAOF and waits (polling INFO through commands) until it is done.
func gtRewrite(t testing.TB, s *gtServer) {
	t.Helper()
	ctx := context.Background()
	for {
		err := s.conn.Do(ctx, "BGREWRITEAOF").Err()
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "already in progress") {
			t.Fatalf("BGREWRITEAOF: %v", err)
		}
	}
	for {
		info, err := s.conn.Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
	}
}

// gtDifferential runs n random commands of gen on a real server with appendonly (RESP base
// without preamble; or the default RDB preamble with a BGREWRITEAOF in the middle), then
// replays the AOF and compares with the server's live dump: no difference allowed, and no
// record of the AOF may fail on replay.
func gtDifferential(t *testing.T, seed uint64, preamble bool, n int, gen func(*gtGen) []string) {
	args := []string{"--appendonly", "yes"}
	if !preamble {
		args = append(args, "--aof-use-rdb-preamble", "no")
	}
	s := gtStartServer(t, args...)
	g := &gtGen{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), keys: []string{"a", "b", "c", "d"}, quoted: !preamble}
	rewriteAt := -1
	if preamble || seed%4 == 1 {
		rewriteAt = n / 2
	}
	var log []string
	for i := 0; i < n; i++ {
		if i == rewriteAt {
			gtRewrite(t, s)
			log = append(log, "BGREWRITEAOF")
		}
		if g.chance(25) {
			var cmds [][]string
			for m := g.rng.IntN(3) + 1; m > 0; m-- {
				cmds = append(cmds, gen(g))
			}
			log = append(log, "MULTI")
			s.do(gtCmd("MULTI"))
			for _, c := range cmds {
				log = append(log, gtQuote(c))
				s.do(c)
			}
			log = append(log, "EXEC")
			s.do(gtCmd("EXEC"))
			continue
		}
		cmd := gen(g)
		log = append(log, gtQuote(cmd))
		v, e := s.do(cmd)
		if e == "" && (strings.EqualFold(cmd[0], "DUMP") || len(cmd) > 1 && strings.EqualFold(cmd[1], "DUMP")) {
			if p, ok := v.(string); ok {
				if strings.EqualFold(cmd[0], "DUMP") {
					g.payloads = append(g.payloads, p)
				} else {
					g.fdumps = append(g.fdumps, p)
				}
			}
		}
	}
	s.srv.Digest(t) // SCAN every database: keys whose TTL passed are expired (DEL in the AOF)
	want, wantFuncs := s.srv.Dump(t)
	s.conn.Close()
	s.srv.Stop(t)

	src, err := aof.Open(s.srv.Dir + "/appendonlydir")
	if err != nil {
		t.Fatal(err)
	}
	ks, st, err := Replay(context.Background(), src, ReplayOptions{NowMs: time.Now().UnixMilli()})
	if err != nil {
		t.Fatalf("replay: %v\ncommands:\n%s", err, strings.Join(log, "\n"))
	}
	if st.Errors != 0 {
		t.Errorf("replay: %d error replies, first: %q", st.Errors, st.FirstErrors)
	}
	got, gotFuncs := gtExport(t, ks)
	t.Logf("%d records replayed (%d files, %d RDB keys), %d keys, %d libraries", st.Records, st.Files, st.RDBKeys, len(want), len(wantFuncs))
	if d := canon.Diff(want, got, wantFuncs, gotFuncs, canon.DiffOptions{}); len(d) > 0 {
		t.Errorf("%d differences:\n%s\ncommands:\n%s", len(d), strings.Join(d[:min(5, len(d))], "\n"), strings.Join(log, "\n"))
	}
}

// gtSeeds is the number of random sequences per differential test: a few dozen, thousands
// under AOFKIT_LONG=1.
func gtSeeds(short int) int {
	if os.Getenv("AOFKIT_LONG") == "1" {
		return 2000
	}
	return short
}

// TestGenericDifferential: keyspace commands and functions (with SET and HSET to make
// values, DUMP payloads of the server's own keys for RESTORE, FUNCTION DUMP payloads for
// FUNCTION RESTORE) on a real server, replayed from its AOF.
func TestGenericDifferential(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	seeds := gtSeeds(24)
	for seed := 0; seed < seeds; seed++ {
		preamble := seed%2 == 0
		t.Run(fmt.Sprintf("seed%d-preamble=%v", seed, preamble), func(t *testing.T) {
			gtDifferential(t, uint64(seed), preamble, 250, gtGenericCommand)
		})
		if t.Failed() {
			break
		}
	}
}
