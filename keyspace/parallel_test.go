package keyspace_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/keyspace"
)

// TestParallelMatchesSerial replays the differential generator's random sequences (without
// the steps that need a live server) as AOF files, serially and on two shards, and requires
// the same dataset, functions, error counts and stopping error every time. The small key
// space makes most multi-key commands span both shards, so barriers, transactions and the
// switch to serial (forced early in every third sequence) are all exercised. No redis-server
// needed: this is the parallel machinery against the serial engine that
// TestDifferentialRedis holds to real Redis.
func TestParallelMatchesSerial(t *testing.T) {
	table, _ := implementedTable()
	n := 400
	if os.Getenv("AOFKIT_LONG") == "1" {
		n = 10000
	}
	n = envInt("AOFKIT_PAR_SEQS", n)
	base := uint64(time.Now().UnixNano())
	if v := os.Getenv("AOFKIT_PAR_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		base, n = s, 1
	}
	dir := t.TempDir()
	keyspace.SetMaxFirstErrors(1 << 20) // compare every error
	defer keyspace.SetMaxFirstErrors(10)
	before := keyspace.Misroutes()
	for i := 0; i < n; i++ {
		seed := base + uint64(i)
		s := makeSequence(seed, table)
		var buf []byte
		for _, op := range s.ops {
			if needsServer(op) {
				continue
			}
			for _, c := range op.cmds {
				buf = aof.AppendCommandStrings(buf, c...)
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("seq%d.aof", i%4))
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		want := replayText(t, path, 1)
		restore := func() {}
		if i%3 == 0 {
			restore = keyspace.SetParSerialAfter(int64(i % 5))
		}
		got := replayText(t, path, 2)
		restore()
		if got != want {
			again := 0
			for k := 0; k < 5; k++ {
				if i%3 == 0 {
					restore = keyspace.SetParSerialAfter(int64(i % 5))
				}
				if replayText(t, path, 2) != want {
					again++
				}
				restore()
			}
			t.Fatalf("seed %d: two shards differ from one (and again in %d of 5 replays)\n%s\n%s", seed, again, firstDiff(want, got), s.format())
		}
	}
	if m := keyspace.Misroutes() - before; m > 0 {
		t.Errorf("%d parallel replays touched a key outside their shard and started over serially", m)
	}
	t.Logf("%d sequences replayed alike on one and two shards", n)
}

// needsServer reports whether a step takes a value from the live server ($DUMP payloads), is a
// server action (BGREWRITEAOF), or is a script (only its effects reach an AOF).
func needsServer(op dop) bool {
	for _, c := range op.cmds {
		switch strings.ToUpper(c[0]) {
		case opRewrite, "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO", "SCRIPT":
			// the server runs these and logs their effects; the engine refuses them
			return true
		}
		for _, a := range c {
			if strings.HasPrefix(a, argDump) || a == argFuncDump {
				return true
			}
		}
	}
	return false
}

// replayText replays path on the given number of shards and prints everything the result
// depends on: the error, the stats' error counts and the canonical dataset.
func replayText(t *testing.T, path string, shards int) string {
	t.Helper()
	src, err := aof.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ks, st, err := keyspace.Replay(context.Background(), src, keyspace.ReplayOptions{NowMs: 1700000000000, Shards: shards})
	var out bytes.Buffer
	fmt.Fprintf(&out, "error: %v\n", err)
	if st != nil {
		if err == nil {
			// (after a failure, Errors may count errors past the failing record)
			fmt.Fprintf(&out, "errors %d\n", st.Errors)
		}
		fmt.Fprintf(&out, "records %d, first errors:\n  %s\n", st.Records, strings.Join(st.FirstErrors, "\n  "))
	}
	if err != nil {
		return out.String()
	}
	enc := canon.NewEncoder(&out)
	if err := ks.Each(true, enc.EncodeKey); err != nil {
		t.Fatal(err)
	}
	if f := ks.Functions(); len(f) > 0 {
		if err := enc.EncodeFunctions(f); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// firstDiff shows where two texts start to differ, line by line.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			var b strings.Builder
			for j := max(0, i-2); j < i+6; j++ {
				if j < len(w) {
					fmt.Fprintf(&b, "serial   %3d: %.200s\n", j, w[j])
				}
				if j < len(g) {
					fmt.Fprintf(&b, "parallel %3d: %.200s\n", j, g[j])
				}
			}
			return b.String()
		}
	}
	return "(same)"
}
