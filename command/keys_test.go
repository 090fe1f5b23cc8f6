package command

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		rec  string // space-separated record; "''" is an empty argument
		want []int
	}{
		// single key
		{"GET k", []int{1}},
		{"SET k v PXAT 1", []int{1}},
		{"PEXPIREAT k 1", []int{1}},
		{"RESTORE-ASKING k 0 payload", []int{1}},
		{"HSETEX k FIELDS 1 f v", []int{1}},
		{"HGETEX k PX 10 FIELDS 1 f", []int{1}},
		{"HGETDEL k FIELDS 2 a b", []int{1}},
		{"HPEXPIREAT k 1 FIELDS 1 f", []int{1}},
		// ranges
		{"DEL a b c", []int{1, 2, 3}},
		{"WATCH a b", []int{1, 2}},
		{"PFCOUNT a b", []int{1, 2}},
		{"PFMERGE d a b", []int{1, 2, 3}},
		{"BLPOP a b 0", []int{1, 2}},
		{"RENAME a b", []int{1, 2}},
		{"SMOVE a b m", []int{1, 2}},
		{"COPY a b DB 1 REPLACE", []int{1, 2}},
		{"LCS a b", []int{1, 2}},
		{"BITOP AND d a b", []int{2, 3, 4}},
		{"GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km", []int{1, 2}},
		{"SINTERSTORE d a b", []int{1, 2, 3}},
		// step 2
		{"MSET a 1 b 2 c 3", []int{1, 3, 5}},
		{"MSETNX a 1 b 2", []int{1, 3}},
		{"MSET a 1 b", []int{1, 3}},
		// numkeys
		{"ZUNIONSTORE d 2 a b WEIGHTS 1 2", []int{1, 3, 4}},
		{"ZINTERSTORE d 1 a", []int{1, 3}},
		{"ZDIFFSTORE d 2 a b", []int{1, 3, 4}},
		{"ZUNION 2 a b WITHSCORES", []int{2, 3}},
		{"ZINTERCARD 2 a b LIMIT 3", []int{2, 3}},
		{"SINTERCARD 2 a b LIMIT 1", []int{2, 3}},
		{"LMPOP 2 a b LEFT COUNT 3", []int{2, 3}},
		{"BLMPOP 0 2 a b RIGHT", []int{3, 4}},
		{"ZMPOP 1 z MIN", []int{2}},
		{"BZMPOP 1.5 2 a b MAX", []int{3, 4}},
		{"EVAL s 2 k1 k2 a1", []int{3, 4}},
		{"EVALSHA sha 0 a1", nil},
		{"EVAL_RO s 1 k", []int{3}},
		{"FCALL f 1 k a", []int{3}},
		{"FCALL_RO f 2 a b", []int{3, 4}},
		// SORT ... STORE
		{"SORT k", []int{1}},
		{"SORT k BY w_* LIMIT 0 10 GET # GET h_*->f STORE d", []int{1, 12}},
		{"SORT k STORE a ALPHA STORE b", []int{1, 6}},
		{"SORT k GET store STORE d", []int{1, 5}},
		{"SORT k LIMIT store store STORE d", []int{1, 6}},
		{"SORT k STORE store", []int{1, 3}},
		{"sort k desc store d", []int{1, 4}},
		{"SORT k STORE", []int{1}},
		{"SORT_RO k BY x GET y", []int{1}},
		// GEORADIUS[BYMEMBER] STORE / STOREDIST
		{"GEORADIUS k 0 0 10 km STORE d", []int{1, 7}},
		{"GEORADIUS k 0 0 10 km WITHDIST COUNT 5 ASC STOREDIST d", []int{1, 11}},
		{"GEORADIUS k 0 0 10 km STORE a STOREDIST b", []int{1, 9}},
		{"GEORADIUS k 0 0 10 km COUNT 3", []int{1}},
		{"GEORADIUS k 0 0 10 store", []int{1}},
		{"GEORADIUSBYMEMBER k m 10 km STOREDIST d", []int{1, 6}},
		{"GEORADIUSBYMEMBER k store 10 km", []int{1}},
		{"GEORADIUS_RO k 0 0 10 km", []int{1}},
		{"GEORADIUSBYMEMBER_RO k m 10 km", []int{1}},
		// STREAMS
		{"XREAD COUNT 2 STREAMS a b 0 0", []int{4, 5}},
		{"XREAD BLOCK 0 STREAMS a $", []int{4}},
		{"XREAD STREAMS a", nil},
		{"XREAD STREAMS a b c", nil},
		{"XREAD STREAMS", nil},
		{"XREAD FOO STREAMS a 0", nil},
		{"XREADGROUP GROUP g c STREAMS a >", []int{5}},
		{"XREADGROUP GROUP STREAMS c NOACK COUNT 1 STREAMS a b > >", []int{8, 9}},
		// MIGRATE KEYS
		{"MIGRATE h 6379 k 0 100", []int{3}},
		{"MIGRATE h 6379 k 0 100 COPY REPLACE", []int{3}},
		{"MIGRATE h 6379 '' 0 100 KEYS a b", []int{7, 8}},
		{"MIGRATE h 6379 '' 0 100 COPY REPLACE AUTH KEYS KEYS a b", []int{11, 12}},
		{"MIGRATE h 6379 '' 0 100 AUTH2 KEYS KEYS KEYS a", []int{10}},
		{"MIGRATE h 6379 '' 0 100 KEYS", nil},
		// sub-commands: keys counted from the container
		{"XGROUP CREATE k g $ MKSTREAM", []int{2}},
		{"XGROUP CREATECONSUMER k g c", []int{2}},
		{"XGROUP SETID k g 0 ENTRIESREAD 3", []int{2}},
		{"XGROUP HELP", nil},
		{"XINFO STREAM k FULL", []int{2}},
		{"OBJECT ENCODING k", []int{2}},
		{"MEMORY USAGE k SAMPLES 5", []int{2}},
		{"XGROUP", nil},
		// legacy STRALGO
		{"STRALGO LCS KEYS a b LEN", []int{3, 4}},
		{"STRALGO LCS STRINGS a b", nil},
		// no keys / not keys
		{"SPUBLISH ch msg", nil},
		{"PUBLISH ch msg", nil},
		{"MULTI", nil},
		{"SELECT 3", nil},
		{"FLUSHALL ASYNC", nil},
		{"FUNCTION LOAD x", nil},
		{"SCRIPT LOAD x", nil},
		// hostile: short, odd, bad counts
		{"GET", nil},
		{"MSET", nil},
		{"DEL", nil},
		{"RENAME a", []int{1}},
		{"BITOP AND", nil},
		{"ZUNIONSTORE d", []int{1}},
		{"ZUNIONSTORE d 5 a b", []int{1, 3, 4}},
		{"ZUNIONSTORE d -1 a", []int{1}},
		{"ZUNIONSTORE d x a", []int{1}},
		{"ZUNIONSTORE d '' a", []int{1}},
		{"ZUNIONSTORE d 99999999999999999999999 a", []int{1, 3}},
		{"ZUNIONSTORE d 0", []int{1}},
		{"EVAL", nil},
		{"EVAL s", nil},
		{"EVAL s 3", nil},
		{"BLMPOP 0", nil},
		{"SORT", nil},
		{"GEORADIUS", nil},
		{"MIGRATE h", nil},
		{"XREADGROUP GROUP g", nil},
		{"XGROUP CREATE", nil},
		{"BLPOP", nil},
	}
	for _, tt := range tests {
		args := parseRec(tt.rec)
		s, err := Lookup(args)
		if err != nil {
			t.Errorf("%q: %v", tt.rec, err)
			continue
		}
		got := s.Keys(args, nil)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Keys(%q) = %v, want %v", s.Name, tt.rec, got, tt.want)
		}
	}
}

func parseRec(rec string) [][]byte {
	f := strings.Fields(rec)
	out := make([][]byte, len(f))
	for i, a := range f {
		if a == "''" {
			a = ""
		}
		out[i] = []byte(a)
	}
	return out
}

// TestKeysAppends checks that Keys appends after what dst holds and does not allocate when
// dst has room.
func TestKeysAppends(t *testing.T) {
	recs := [][][]byte{
		argv("MSET", "a", "1", "b", "2"),
		argv("ZUNIONSTORE", "d", "2", "a", "b"),
		argv("SORT", "k", "STORE", "d"),
		argv("XREAD", "STREAMS", "a", "b", "0", "0"),
		argv("MIGRATE", "h", "1", "", "0", "1", "KEYS", "a", "b"),
		argv("GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"),
	}
	specs := make([]*Spec, len(recs))
	for i, r := range recs {
		s, err := Lookup(r)
		if err != nil {
			t.Fatal(err)
		}
		specs[i] = s
	}
	got := specs[0].Keys(recs[0], []int{-7})
	if !slices.Equal(got, []int{-7, 1, 3}) {
		t.Errorf("Keys with a prefix = %v", got)
	}
	dst := make([]int, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		for i, r := range recs {
			dst = specs[i].Keys(r, dst[:0])
		}
	})
	if allocs != 0 {
		t.Errorf("Keys allocates %v times per run", allocs)
	}
}

// TestKeysHostileAll runs every spec on short and odd argument lists built from tokens that
// steer the key rules (keywords, counts, negative and huge numbers) and checks that Keys never
// panics and only returns positions inside args.
func TestKeysHostileAll(t *testing.T) {
	tokens := []string{"STORE", "STOREDIST", "KEYS", "STREAMS", "GROUP", "COUNT", "AUTH", "AUTH2",
		"LIMIT", "BY", "GET", "1", "2", "0", "-1", "-2", "99999999999999999999", "", "x"}
	n := 0
	for _, s := range allSpecs {
		head := []string{s.Name}
		if c, sub, ok := strings.Cut(s.Name, "|"); ok {
			head = []string{c, sub}
		}
		for argc := len(head); argc <= len(head)+6; argc++ {
			for seed := range len(tokens) {
				rec := append([]string(nil), head...)
				for i := len(head); i < argc; i++ {
					rec = append(rec, tokens[(seed+i*7)%len(tokens)])
				}
				args := argv(rec...)
				n++
				for _, k := range s.Keys(args, nil) {
					if k < 1 || k >= len(args) {
						t.Fatalf("%s: Keys(%q) returned %d", s.Name, rec, k)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("nothing tested")
	}
}

func FuzzKeys(f *testing.F) {
	for _, rec := range []string{
		"ZUNIONSTORE d 2 a b", "XREADGROUP GROUP g c STREAMS a >", "MIGRATE h 1 '' 0 1 KEYS a",
		"SORT k STORE d", "EVAL s 1 k", "GEORADIUS k 0 0 1 km STORE d", "XGROUP CREATE k g $",
		"STRALGO LCS KEYS a b", "BLMPOP 0 2 a b LEFT", "MSET a 1 b 2",
	} {
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		args := argv(strings.Split(rec, " ")...)
		s, err := Lookup(args)
		if err != nil {
			return
		}
		for _, k := range s.Keys(args, nil) {
			if k < 1 || k >= len(args) {
				t.Fatalf("%s: Keys(%q) returned %d", s.Name, rec, k)
			}
		}
	})
}

func ExampleSpec_Keys() {
	args := [][]byte{[]byte("ZUNIONSTORE"), []byte("dst"), []byte("2"), []byte("a"), []byte("b")}
	s, err := Lookup(args)
	if err != nil {
		panic(err)
	}
	for _, i := range s.Keys(args, nil) {
		fmt.Printf("%s ", args[i])
	}
	fmt.Println(s.IsWrite())
	// Output: dst a b true
}
