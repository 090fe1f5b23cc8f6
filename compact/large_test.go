package compact

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
	"github.com/aofkit/aofkit/keyspace"
	"github.com/aofkit/aofkit/rdb"
)

// largeAOF writes a single-file AOF whose collections are large enough for compact's RDB
// writer to stream them (more than largeElems elements): a list with integers and elements
// over the node size, sets of strings and of integers, a sorted set whose order was never
// built and one whose was, a hash, a large key with a TTL and one already expired, small keys
// around them, in database 3. With fieldTTLs, some hash fields get TTLs, past and future.
func largeAOF(t *testing.T, fieldTTLs bool) string {
	t.Helper()
	n := largeElems + 500
	var b []byte
	cmd := func(args ...string) { b = aof.AppendCommandStrings(b, args...) }
	batch := func(head []string, each func(i int) []string) {
		args := append([]string(nil), head...)
		for i := 0; i < n; i++ {
			args = append(args, each(i)...)
			if len(args) > 200 {
				cmd(args...)
				args = append(args[:0], head...)
			}
		}
		if len(args) > len(head) {
			cmd(args...)
		}
	}
	cmd("SELECT", "3")
	cmd("SET", "a", "1")
	batch([]string{"RPUSH", "biglist"}, func(i int) []string {
		switch i % 7 {
		case 0:
			return []string{strconv.Itoa(i * 1000)}
		case 3:
			if i%700 == 3 {
				return []string{strings.Repeat("x", 9000+i)}
			}
		}
		return []string{"element:" + strconv.Itoa(i)}
	})
	cmd("PEXPIREAT", "biglist", "4102444800000")
	cmd("SET", "b", "2")
	batch([]string{"SADD", "bigset"}, func(i int) []string { return []string{"member:" + strconv.Itoa(i)} })
	batch([]string{"SADD", "bigints"}, func(i int) []string { return []string{strconv.Itoa(i*3 - 100)} })
	batch([]string{"ZADD", "lazyz"}, func(i int) []string {
		return []string{strconv.Itoa(i % 50), "m" + strconv.Itoa(i)}
	})
	cmd("ZADD", "lazyz", "-inf", "lowest", "+inf", "highest")
	batch([]string{"ZADD", "treez"}, func(i int) []string {
		return []string{strconv.Itoa(-i) + ".5", "m" + strconv.Itoa(i)}
	})
	cmd("ZREMRANGEBYRANK", "treez", "0", "0") // builds the order
	batch([]string{"HSET", "bighash"}, func(i int) []string {
		return []string{"field:" + strconv.Itoa(i), strings.Repeat("v", i%90)}
	})
	if fieldTTLs {
		cmd("HPEXPIREAT", "bighash", "4102444800000", "FIELDS", "3", "field:1", "field:2", "field:3")
		cmd("HPEXPIREAT", "bighash", "1000", "FIELDS", "2", "field:4", "field:5")
	}
	batch([]string{"SADD", "goneset"}, func(i int) []string { return []string{"g" + strconv.Itoa(i)} })
	cmd("PEXPIREAT", "goneset", "1000")
	cmd("SET", "c", "3")
	path := filepath.Join(t.TempDir(), "appendonly.aof")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// replayDump is the dataset of an AOF as the engine replays it, expired keys and hash
// fields dropped as of now.
func replayDump(t *testing.T, path string, now time.Time) []canon.Key {
	t.Helper()
	src, err := aof.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ks, _, err := keyspace.Replay(context.Background(), src, keyspace.ReplayOptions{NowMs: now.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	var keys []canon.Key
	ks.Each(true, func(k *canon.Key) error {
		if k.ExpireMs >= 0 && now.UnixMilli() > k.ExpireMs {
			return nil
		}
		c := *k // views of the engine's memory, which does not change any more
		if c.Type == canon.TypeHash {
			out := c.Hash[:0]
			for _, f := range c.Hash {
				if !(f.ExpireMs >= 0 && f.ExpireMs < now.UnixMilli()) {
					out = append(out, f)
				}
			}
			c.Hash = out
		}
		keys = append(keys, c)
		return nil
	})
	return keys
}

// TestCompactLargeCollections: compact's RDB output of large collections (streamed by the
// writer) decodes to the replayed dataset in every version, and redis-server 7.0 loads the
// version 9 and 10 outputs to the dataset it loads from the original AOF, DEBUG DIGEST included.
func TestCompactLargeCollections(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	for _, fieldTTLs := range []bool{false, true} {
		in := largeAOF(t, fieldTTLs)
		want := replayDump(t, in, now)
		for v := rdb.MinEncodeVersion; v <= rdb.MaxEncodeVersion; v++ {
			if fieldTTLs && v < 12 {
				continue
			}
			out := filepath.Join(t.TempDir(), "out")
			rep, err := Run(context.Background(), Options{Path: in, Output: out, Format: FormatRDB, RDBVersion: v, Now: now})
			if err != nil {
				t.Fatalf("v%d: %v", v, err)
			}
			if rep.Expired != 1 || (fieldTTLs && rep.ExpiredFields != 2) {
				t.Errorf("v%d: expired %d keys, %d fields", v, rep.Expired, rep.ExpiredFields)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got, _, _, err := rdb.Collect(data, 0, rdb.Options{})
			if err != nil {
				t.Fatalf("v%d: output does not decode: %v", v, err)
			}
			if d := canon.Diff(want, got, nil, nil, canon.DiffOptions{}); len(d) > 0 {
				t.Fatalf("v%d fieldTTLs=%v: %d differences, first: %s", v, fieldTTLs, len(d), d[0])
			}
			if v > 10 || fieldTTLs {
				continue
			}
			redistest.RequireBinary(t, "redis-server")
			s, log, err := redistest.LoadAOF(t, out, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
			if err != nil {
				t.Fatalf("v%d: redis-server refuses the output: %v\n%s", v, err, log)
			}
			gotK, _ := s.Dump(t)
			gotD := s.Digest(t)
			s.Stop(t)
			orig, log, err := redistest.LoadAOF(t, in, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
			if err != nil {
				t.Fatalf("redis-server refuses the input: %v\n%s", err, log)
			}
			// goneset's TTL has passed: the server may still hold it; compact dropped it.
			conn := orig.Client().Conn()
			if err := conn.Select(context.Background(), 3).Err(); err != nil {
				t.Fatal(err)
			}
			conn.Del(context.Background(), "goneset")
			conn.Close()
			origK, _ := orig.Dump(t)
			origD := orig.Digest(t)
			orig.Stop(t)
			if d := canon.Diff(origK, gotK, nil, nil, canon.DiffOptions{}); len(d) > 0 {
				t.Fatalf("v%d: server datasets differ (%d), first: %s", v, len(d), d[0])
			}
			t.Logf("v%d: %d keys, digest %s", v, len(gotK), gotD)
			if origD != gotD {
				t.Fatalf("v%d: DEBUG DIGEST %s loading the output, %s loading the input", v, gotD, origD)
			}
		}
	}
}
