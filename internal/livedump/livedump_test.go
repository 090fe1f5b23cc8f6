package livedump_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/livedump"
	"github.com/aofkit/aofkit/internal/redistest"
)

// far is 2100-01-01 in unix ms: TTLs that never expire under a test.
const far = int64(4102444800000)

// populate writes every type, binary and odd text, TTLs, several DBs, big keys (more than one
// page at chunk 7), a stream with groups, consumers and a dangling PEL entry, and functions.
func populate(t *testing.T, s *redistest.Server) {
	do := func(args ...any) any { return s.Do(t, args...) }
	c := s.Client()
	ctx := context.Background()
	// db 0 via the pooled client (Do runs on db 0).
	do("SET", "str", "plain")
	do("SET", "int", "12345")
	do("SET", "\xff\x00bin\x80", "\x00\x01\x1f\x7f\"\\\b\f\n\r\t")
	do("SET", "utf8 héllo ☃ 😀 \u2028", "\xe9t\xe9 latin-1 is not utf-8")
	do("SET", "ttl:str", "x")
	do("PEXPIREAT", "ttl:str", far)
	do("SET", "ttl:near", "x", "PX", 3_600_000)
	do("RPUSH", "list", "a", "", "\x00", "ü")
	for i := 0; i < 30; i++ {
		do("RPUSH", "list:big", fmt.Sprintf("item%d", i))
	}
	do("SADD", "set:int", 3, 1, 2, -5)
	do("SADD", "set", "b", "a", "\xff", "é")
	for i := 0; i < 40; i++ {
		do("SADD", "set:big", fmt.Sprintf("m%03d", i))
	}
	do("ZADD", "zset", 1.5, "a", -2.25, "b", 0, "c", "inf", "d", "-inf", "e", 3479099956230698, "geo",
		1e20, "big", 0.125, "eighth", "-0", "negzero", 1.5, "a2")
	for i := 0; i < 25; i++ {
		do("ZADD", "zset:big", float64(i)*1.25, fmt.Sprintf("z%d", i))
	}
	do("HSET", "hash", "f1", "v1", "f\x00", "\xfe", "é", "ü")
	for i := 0; i < 30; i++ {
		do("HSET", "hash:big", fmt.Sprintf("f%02d", i), i)
	}
	do("PEXPIREAT", "hash:big", far+1)
	// Stream: entries, a deleted entry still pending, two groups, a consumer without pending.
	for i := 1; i <= 20; i++ {
		do("XADD", "stream", fmt.Sprintf("1000-%d", i), "field", fmt.Sprintf("val%d", i), "n", i)
	}
	do("XGROUP", "CREATE", "stream", "g1", "0")
	do("XGROUP", "CREATE", "stream", "g\xff2", "$")
	do("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 12, "STREAMS", "stream", ">")
	do("XREADGROUP", "GROUP", "g1", "bob\x00", "COUNT", 2, "STREAMS", "stream", ">")
	do("XACK", "stream", "g1", "1000-1", "1000-2")
	do("XDEL", "stream", "1000-3")
	do("XGROUP", "CREATECONSUMER", "stream", "g1", "idle")
	do("XADD", "stream:empty", "5-5", "a", "b")
	do("XDEL", "stream:empty", "5-5")
	do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)")
	do("FUNCTION", "LOAD", "#!lua name=Another\nredis.register_function('f2', function(keys, args) return 1 end)")
	// Other databases need a dedicated connection.
	conn := c.Conn()
	defer conn.Close()
	for _, db := range []int{3, 15} {
		if err := conn.Select(ctx, db).Err(); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]any{
			{"SET", "k", "db" + strconv.Itoa(db)},
			{"SET", "only" + strconv.Itoa(db), "x"},
			{"PEXPIREAT", "k", far + int64(db)},
			{"RPUSH", "l", "x"},
		} {
			if err := conn.Do(ctx, args...).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func goDump(t *testing.T, s *redistest.Server, opt livedump.Options) ([]canon.Key, []canon.Function, []byte) {
	t.Helper()
	keys, funcs, err := livedump.Dump(context.Background(), s.Client(), opt)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := canon.WriteJSONL(&b, keys, funcs); err != nil {
		t.Fatal(err)
	}
	return keys, funcs, b.Bytes()
}

// TestMatchesPythonScript dumps one populated server with livedump and with the reference
// script: the outputs must be byte-identical, at the default page size and at a tiny one that
// forces every paging path (LRANGE, ZRANGE, SSCAN, HSCAN, XRANGE, XPENDING, SCAN).
func TestMatchesPythonScript(t *testing.T) {
	s := redistest.Start(t, redistest.Options{})
	populate(t, s)
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 missing: cannot compare with keyspace_dump.py")
	}
	cmd := exec.Command(python, "testdata/keyspace_dump.py", "--port", strconv.Itoa(s.Port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("keyspace_dump.py: %v\n%s", err, stderr.String())
	}
	if n := bytes.Count(want, []byte("\n")); n < 20 {
		t.Fatalf("script printed only %d lines:\n%s", n, want)
	}
	for _, chunk := range []int{0, 7, 1} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			keys, funcs, got := goDump(t, s, livedump.Options{Chunk: chunk})
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %.800s\nwant %.800s", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("got %d lines, want %d", len(gl), len(wl))
			}
			wk, wf, err := canon.ReadJSONL(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if d := canon.Diff(wk, keys, wf, funcs, canon.DiffOptions{}); len(d) > 0 {
				t.Fatalf("diff: %v", d)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	s := redistest.Start(t, redistest.Options{})
	populate(t, s)
	tests := []struct {
		name string
		opt  livedump.Options
		want []string // "db:key"
	}{
		{"one db", livedump.Options{DB: 3, DBs: 1}, []string{"3:k", "3:l", "3:only3"}},
		{"from db 3 on", livedump.Options{DB: 3}, []string{"3:k", "3:l", "3:only3", "15:k", "15:l", "15:only15"}},
		{"match", livedump.Options{Match: "only*"}, []string{"3:only3", "15:only15"}},
		{"match in db 0", livedump.Options{DBs: 1, Match: "set*"}, []string{"0:set", "0:set:big", "0:set:int"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, funcs, err := livedump.Dump(context.Background(), s.Client(), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, fmt.Sprintf("%d:%s", k.DB, k.Key))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if len(funcs) != 2 {
				t.Fatalf("functions: %d", len(funcs))
			}
		})
	}
}

func TestValues(t *testing.T) {
	s := redistest.Start(t, redistest.Options{})
	populate(t, s)
	keys, _, err := livedump.Dump(context.Background(), s.Client(), livedump.Options{Chunk: 5})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]canon.Key{}
	for _, k := range keys {
		if k.DB == 0 {
			byName[string(k.Key)] = k
		}
	}
	if k := byName["ttl:str"]; k.ExpireMs != far {
		t.Fatalf("ttl:str expire %d", k.ExpireMs)
	}
	if k := byName["str"]; k.ExpireMs != canon.NoExpiry {
		t.Fatalf("str expire %d", k.ExpireMs)
	}
	if k := byName["list:big"]; len(k.List) != 30 || string(k.List[29]) != "item29" {
		t.Fatalf("list:big %d items", len(k.List))
	}
	if k := byName["set:big"]; len(k.Set) != 40 {
		t.Fatalf("set:big %d members", len(k.Set))
	}
	if k := byName["hash:big"]; len(k.Hash) != 30 || k.ExpireMs != far+1 {
		t.Fatalf("hash:big %d fields, expire %d", len(k.Hash), k.ExpireMs)
	}
	st := byName["stream"].Stream
	if st == nil || len(st.Entries) != 19 || st.LastID != (canon.StreamID{Ms: 1000, Seq: 20}) {
		t.Fatalf("stream: %+v", st)
	}
	if st.MaxDeletedID == nil || *st.MaxDeletedID != (canon.StreamID{Ms: 1000, Seq: 3}) {
		t.Fatalf("max deleted id %v", st.MaxDeletedID)
	}
	g := st.Groups[0]
	if string(g.Name) != "g1" || len(g.Consumers) != 3 || len(g.Pending) != 12 {
		t.Fatalf("group g1: %d consumers, %d pending", len(g.Consumers), len(g.Pending))
	}
	if g.Pending[0].ID != (canon.StreamID{Ms: 1000, Seq: 3}) || string(g.Pending[0].Consumer) != "alice" {
		t.Fatalf("first pending %+v", g.Pending[0])
	}
	if e := byName["stream:empty"].Stream; e == nil || len(e.Entries) != 0 || e.LastID != (canon.StreamID{Ms: 5, Seq: 5}) {
		t.Fatalf("stream:empty %+v", e)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, env         string
		addr, user, pass string
		db               int
	}{
		{"redis://127.0.0.1:6380/2", "", "127.0.0.1:6380", "", "", 2},
		{"127.0.0.1:7000", "", "127.0.0.1:7000", "", "", 0},
		{"redis://u:p%40ss@h:1/0", "envpw", "h:1", "u", "p@ss", 0},
		{"redis://h:1", "envpw", "h:1", "", "envpw", 0},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Setenv("REDISCLI_AUTH", tc.env)
			o, err := livedump.ParseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if o.Addr != tc.addr || o.Username != tc.user || o.Password != tc.pass || o.DB != tc.db || o.Protocol != 2 {
				t.Fatalf("got addr %q user %q pass %q db %d proto %d", o.Addr, o.Username, o.Password, o.DB, o.Protocol)
			}
		})
	}
	if _, err := livedump.ParseURL("redis://h:1/notadb"); err == nil {
		t.Fatal("bad db accepted")
	}
}

// BenchmarkDump dumps 100k small string keys (DEBUG POPULATE) plus one 200k-element list,
// hash, set and sorted set. Run: go test -run x -bench Dump ./internal/livedump
func BenchmarkDump(b *testing.B) {
	s := redistest.Start(b, redistest.Options{})
	s.Do(b, "DEBUG", "POPULATE", 100000)
	const big = 200000
	for start := 0; start < big; start += 10000 {
		var l, h, st, z []any
		l = append(l, "RPUSH", "big:list")
		h = append(h, "HSET", "big:hash")
		st = append(st, "SADD", "big:set")
		z = append(z, "ZADD", "big:zset")
		for i := start; i < start+10000; i++ {
			l = append(l, i)
			h = append(h, i, i)
			st = append(st, i)
			z = append(z, i, i)
		}
		s.Do(b, l...)
		s.Do(b, h...)
		s.Do(b, st...)
		s.Do(b, z...)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		keys, _, err := livedump.Dump(context.Background(), s.Client(), livedump.Options{DBs: 1})
		if err != nil || len(keys) != 100004 {
			b.Fatal(len(keys), err)
		}
	}
}
