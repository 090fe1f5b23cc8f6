package keyspace

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

// hllBig is an element whose hash pattern is 33 long (register 3655): a value a sparse HLL
// cannot hold, so adding it promotes the HLL to dense. Found by brute force over 8-byte
// little-endian integers (3130853818).
const hllBig = "\xba\x09\x9d\xba\x00\x00\x00\x00"

func TestHLLPatLen(t *testing.T) {
	idx, n := hllPatLen([]byte(hllBig))
	if idx != 3655 || n != 33 {
		t.Fatalf("pattern of hllBig: register %d count %d, want 3655 33", idx, n)
	}
}

func TestHLLNew(t *testing.T) {
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
	if got := string(hllNew()); got != want {
		t.Fatalf("new HLL %q, want %q", got, want)
	}
}

// TestHLLDenseRegisters checks the 6-bit packing against plain bytes.
func TestHLLDenseRegisters(t *testing.T) {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	ref := make([]uint8, hllRegisters)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 3; round++ {
		for i := range ref {
			ref[i] = uint8(rng.IntN(64))
			hllDenseSetReg(regs, i, ref[i])
		}
		for i := range ref {
			if got := hllDenseGet(regs, i); got != ref[i] {
				t.Fatalf("register %d: %d, want %d", i, got, ref[i])
			}
		}
	}
}

// hllScript is a deterministic workload over a few HLL keys: small and big PFADD batches,
// PFCOUNT (which writes the cached cardinality), PFMERGE into new and existing keys (sparse and
// dense), PFDEBUG, an element that forces promotion, and corrupt HLLs that make PFADD fail half
// way (Redis keeps the partial update). Each step names the keys whose bytes are checked.
func hllScript(seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 99))
	keys := []string{"a", "b", "c", "d"}
	var out [][]string
	el := 0
	add := func(key string, n int) {
		cmd := []string{"PFADD", key}
		for ; n > 0; n-- {
			el++
			if rng.IntN(4) == 0 {
				b := make([]byte, rng.IntN(20))
				for i := range b {
					b[i] = byte(rng.IntN(256))
				}
				cmd = append(cmd, string(b))
			} else {
				cmd = append(cmd, "el"+strconv.Itoa(el))
			}
		}
		out = append(out, cmd)
	}
	for step := 0; step < 400; step++ {
		k := keys[rng.IntN(len(keys))]
		switch r := rng.IntN(40); {
		case r < 24:
			add(k, 1+rng.IntN(6))
		case r < 26:
			add(k, 200+rng.IntN(1500))
		case r < 31:
			out = append(out, []string{"PFCOUNT", k})
		case r < 32:
			out = append(out, []string{"PFCOUNT", k, keys[rng.IntN(len(keys))]})
		case r < 35:
			cmd := []string{"PFMERGE", k}
			for n := rng.IntN(3); n >= 0; n-- {
				cmd = append(cmd, keys[rng.IntN(len(keys))])
			}
			out = append(out, cmd)
		case r < 36:
			out = append(out, []string{"PFDEBUG", []string{"TODENSE", "GETREG"}[rng.IntN(2)], k})
		case r < 37:
			out = append(out, []string{"PFADD", k, hllBig})
		case r < 38:
			out = append(out, []string{"DEL", k})
		case r < 39:
			// A corrupt sparse HLL covering only 100 registers: PFADD updates what maps
			// below 100 and fails at the first element beyond.
			out = append(out, []string{"SET", k, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x63"})
			add(k, 10)
		default:
			// A sparse HLL with opcodes past 16384 registers: PFADD works, PFCOUNT fails.
			out = append(out, []string{"SET", k, string(hllNew()) + "\x81\x42"})
			add(k, 3)
		}
	}
	return out
}

// hllDigests runs a script on the engine and returns the SHA-256 of every key's value after
// each step ("" for a missing key), one string per step.
func hllDigests(t *testing.T, script [][]string) []string {
	ks := New(strNow)
	c := ks.NewClient()
	var out []string
	for _, cmd := range script {
		if cmd[0] == "DEL" {
			c.Delete([]byte(cmd[1]))
		} else {
			strApply(t, c, cmd...)
		}
		out = append(out, hllStateDigest(func(k string) (string, bool) {
			e := ks.Lookup(0, []byte(k))
			if e == nil {
				return "", false
			}
			return string(ks.DB(0).String(e)), true
		}))
	}
	return out
}

func hllStateDigest(get func(string) (string, bool)) string {
	h := sha256.New()
	for _, k := range []string{"a", "b", "c", "d"} {
		v, ok := get(k)
		fmt.Fprintf(h, "%s:%v:%d:", k, ok, len(v))
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// hllGolden are the state digests after the last step of hllScript(seed), as Redis 7.0.15
// computed them (TestHLLScriptMatchesRedis re-derives them from the server).
var hllGolden = map[uint64]string{
	1: "94c7d0c0c7945be0",
	2: "1c195f19591382c0",
	3: "adb3eca003e3d492",
}

// TestHLLScript replays the HLL workload on the engine and compares the final bytes with
// Redis's (recorded digests): no server needed.
func TestHLLScript(t *testing.T) {
	for seed, want := range hllGolden {
		d := hllDigests(t, hllScript(seed))
		if got := d[len(d)-1]; got != want {
			t.Errorf("seed %d: final state digest %s, want %s", seed, got, want)
		}
	}
}

// TestHLLScriptMatchesRedis runs the same workloads on the server and compares the bytes of
// every key after every step, and checks the recorded digests; AOFKIT_LONG=1 adds 50 seeds.
func TestHLLScriptMatchesRedis(t *testing.T) {
	w := newStrTwin(t)
	seeds := map[uint64]string{}
	for seed, want := range hllGolden {
		seeds[seed] = want
	}
	if os.Getenv("AOFKIT_LONG") == "1" {
		for seed := uint64(100); seed < 150; seed++ {
			seeds[seed] = ""
		}
	}
	for seed, want := range seeds {
		w.reset()
		script := hllScript(seed)
		engine := hllDigests(t, script)
		for i, cmd := range script {
			w.server(cmd...)
			got := hllStateDigest(func(k string) (string, bool) {
				v, _ := w.server("GET", k)
				if v == nil {
					return "", false
				}
				return v.(string), true
			})
			if got != engine[i] {
				t.Fatalf("seed %d step %d %s: server and engine bytes differ", seed, i, strQuoteArgs(cmd))
			}
		}
		if got := engine[len(engine)-1]; want != "" && got != want {
			t.Errorf("seed %d: digest %s, golden table says %s", seed, got, want)
		}
	}
}

// TestStringFixtureKeys rebuilds the fixtures' HyperLogLog and bitmap keys with the commands
// the fixture workload ran and compares them with what every recorded server version holds.
func TestStringFixtureKeys(t *testing.T) {
	f, err := os.Open("testdata/strings/fixture-keys.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _, err := canon.ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	ks := New(strNow)
	c := ks.NewClient()
	for _, p := range []string{"", "i:"} {
		cmd := []string{"PFADD", p + "hll:1"}
		for i := 0; i < 500; i++ {
			cmd = append(cmd, "e"+strconv.Itoa(i))
		}
		strApply(t, c, cmd...)
		strApply(t, c, "SETBIT", p+"bm:1", "100000", "1")
	}
	if d := canon.Diff(want, strEngineKeys(t, ks), nil, nil, canon.DiffOptions{}); len(d) > 0 {
		t.Fatalf("%d differences: %q", len(d), d)
	}
}
