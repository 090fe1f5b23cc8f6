package keyspace

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// An Entry is 48 bytes and holds no pointers, so entry pages are never scanned by the
// collector (a pointer field here would make every key cost scan work at each GC cycle).
func TestEntryLayout(t *testing.T) {
	if s := unsafe.Sizeof(Entry{}); s != 48 {
		t.Fatalf("Entry is %d bytes, want 48", s)
	}
	if n := unsafe.Sizeof(Entry{}.head); n != keyHead {
		t.Fatalf("head is %d bytes, want keyHead %d", n, keyHead)
	}
}

// TestTableAgainstMap drives the key table with random puts, string writes of every size
// (in place, growing, big records with chunks of their own), object values and deletes, and
// compares it with a Go map after every step. Forcing compaction on, it also checks that
// moving records keeps every key and value.
func TestTableAgainstMap(t *testing.T) {
	for _, keys := range []int{8, 300, 5000} {
		t.Run(fmt.Sprint(keys), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(keys)))
			db := newDB()
			ref := map[string]string{}   // plain strings
			objs := map[string]*String{} // object values
			name := func() []byte {
				n := rng.Intn(keys)
				return []byte(fmt.Sprintf("%0*d", 1+n%40, n)) // lengths around keyHead
			}
			val := func() []byte {
				switch rng.Intn(10) {
				case 0:
					return nil
				case 1:
					return bytes.Repeat([]byte{byte(rng.Intn(256))}, bigRecord+rng.Intn(1000))
				}
				return bytes.Repeat([]byte{byte('a' + rng.Intn(26))}, rng.Intn(100))
			}
			steps := 20000
			if testing.Short() {
				steps = 3000
			}
			for i := 0; i < steps; i++ {
				k := name()
				switch op := rng.Intn(10); {
				case op < 5:
					v := val()
					e, _ := db.put(k)
					db.setStr(e, v)
					ref[string(k)] = string(v)
					delete(objs, string(k))
				case op < 6:
					e, _ := db.put(k)
					s := &String{B: []byte("obj" + string(k))}
					db.setObj(e, s)
					objs[string(k)] = s
					delete(ref, string(k))
				case op < 7:
					if e := db.find(k); e != nil && db.Value(e) == nil {
						n := int(e.vlen) + rng.Intn(50)
						if rng.Intn(4) == 0 {
							n = int(e.vlen) // APPEND k "" and SETRANGE inside the string
						}
						b := db.strSpace(e, n)
						want := ref[string(k)] + string(make([]byte, n-len(ref[string(k)])))
						if string(b) != want {
							t.Fatalf("step %d: strSpace(%q, %d) = %q, want %q", i, k, n, b, want)
						}
						ref[string(k)] = want
					}
				default:
					_, had := ref[string(k)]
					_, hadObj := objs[string(k)]
					if got := db.remove(k); got != (had || hadObj) {
						t.Fatalf("step %d: remove %q = %v, want %v", i, k, got, had || hadObj)
					}
					delete(ref, string(k))
					delete(objs, string(k))
				}
				if i%13 == 0 {
					keys := [][]byte{k, name(), name()}
					var hs [prefetchMax]uint64
					if n := db.prefetch(keys, 1, &hs); n != 3 || hs[0] != hashKey(keys[0]) || hs[2] != hashKey(keys[2]) {
						t.Fatalf("prefetch: %d hashes %v", n, hs[:n])
					}
				}
				if i%97 == 0 {
					db.arena.garbage += db.arena.used // force a compaction on the next free
					db.maybeCompact()
				}
			}
			if db.Len() != len(ref)+len(objs) {
				t.Fatalf("Len %d, want %d", db.Len(), len(ref)+len(objs))
			}
			for k, v := range ref {
				e := db.find([]byte(k))
				if e == nil || db.Value(e) != nil || string(db.String(e)) != v || string(db.Key(e)) != k {
					t.Fatalf("key %q: entry %v", k, e)
				}
			}
			for k, s := range objs {
				if e := db.find([]byte(k)); e == nil || db.Value(e) != s {
					t.Fatalf("object key %q lost", k)
				}
			}
			seen := 0
			db.each(func(e *Entry) error {
				seen++
				k := string(db.Key(e))
				if _, ok := ref[k]; !ok && objs[k] == nil {
					t.Fatalf("each: unexpected key %q", k)
				}
				return nil
			})
			if seen != db.Len() {
				t.Fatalf("each saw %d keys, Len %d", seen, db.Len())
			}
		})
	}
}

// A key of up to keyHead bytes with an empty value has no arena record at all: reading and
// growing its value must not touch the arena (APPEND k "" on such a key once panicked).
func TestTableEmptyValueWithoutRecord(t *testing.T) {
	db := newDB()
	e, _ := db.put([]byte("k"))
	db.setStr(e, nil)
	if b := db.strSpace(e, 0); len(b) != 0 {
		t.Fatalf("strSpace(0) = %q", b)
	}
	if b := db.String(e); len(b) != 0 {
		t.Fatalf("String = %q", b)
	}
	ks := New(0)
	c := ks.NewClient()
	for _, cmd := range [][]string{{"SET", "k", ""}, {"APPEND", "k", ""}, {"SETRANGE", "k", "0", ""}, {"APPEND", "k", "ab"}} {
		args := make([][]byte, len(cmd))
		for i, a := range cmd {
			args[i] = []byte(a)
		}
		if err := c.Apply(args); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	if got := string(ks.DB(0).String(ks.Lookup(0, []byte("k")))); got != "ab" {
		t.Fatalf("k = %q, want ab", got)
	}
}

// TestFtabAgainstMap drives a hash's field table with random sets (same length: in place;
// other lengths: moved records; values over bigRecord: chunks of their own) and deletes,
// comparing it with a Go map after every step; many deletes force compaction and tombstones.
func TestFtabAgainstMap(t *testing.T) {
	for _, fields := range []int{4, 300, 5000} {
		t.Run(fmt.Sprint(fields), func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(fields)))
			ft := newFtab(0)
			m := map[string]string{}
			val := func() string {
				switch r.Intn(20) {
				case 0:
					return string(bytes.Repeat([]byte{byte(r.Intn(256))}, bigRecord+r.Intn(100)))
				case 1:
					return ""
				}
				return string(bytes.Repeat([]byte{byte('a' + r.Intn(26))}, r.Intn(200)))
			}
			for step := 0; step < 20*fields+200; step++ {
				f := fmt.Sprintf("f%d", r.Intn(fields))
				if r.Intn(3) == 0 {
					_, had := m[f]
					if got := ft.del([]byte(f)); got != had {
						t.Fatalf("step %d: del %q = %v, want %v", step, f, got, had)
					}
					delete(m, f)
				} else {
					v := val()
					if old, ok := m[f]; ok && r.Intn(2) == 0 {
						v = string(bytes.Repeat([]byte{'z'}, len(old))) // same length: in place
					}
					_, had := m[f]
					if isNew := ft.set([]byte(f), []byte(v)); isNew == had {
						t.Fatalf("step %d: set %q new = %v, had %v", step, f, isNew, had)
					}
					m[f] = v
				}
				if ft.len() != len(m) {
					t.Fatalf("step %d: len %d, want %d", step, ft.len(), len(m))
				}
				if step%max(97, fields/2) == 0 || step == 20*fields+199 {
					seen := 0
					ft.each(func(f, v []byte) bool {
						seen++
						if w, ok := m[string(f)]; !ok || w != string(v) {
							t.Fatalf("step %d: each gives %q=%d bytes, map has %v", step, f, len(v), ok)
						}
						return true
					})
					if seen != len(m) {
						t.Fatalf("step %d: each saw %d, want %d", step, seen, len(m))
					}
					for f, w := range m {
						if v, ok := ft.get([]byte(f)); !ok || string(v) != w {
							t.Fatalf("step %d: get %q: %v", step, f, ok)
						}
					}
				}
			}
			c := ft.clone()
			for f, w := range m {
				if v, ok := c.get([]byte(f)); !ok || string(v) != w {
					t.Fatalf("clone: get %q: %v", f, ok)
				}
			}
		})
	}
}

// TestAbsorb splits random keys (plain strings of every size, big records, objects, some
// deleted) between two tables by a hash bit, lets one absorb the other, and checks every key,
// value and object, the iteration, and that writes and deletes after the merge (which
// rebuild the index) keep working.
func TestAbsorb(t *testing.T) {
	for _, n := range []int{0, 1, 700, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(n)))
			a, b := newDB(), newDB()
			ref := map[string]string{}
			objs := map[string]*String{}
			for i := 0; i < n; i++ {
				k := []byte(fmt.Sprintf("%0*d", 1+i%40, i))
				db := a
				if hashKey(k)>>5&1 == 1 {
					db = b
				}
				e, _ := db.put(k)
				switch rng.Intn(6) {
				case 0:
					o := &String{B: []byte(fmt.Sprint("obj", i))}
					db.setObj(e, o)
					objs[string(k)] = o
				case 1:
					v := bytes.Repeat([]byte{'b'}, bigRecord+1+rng.Intn(100))
					db.setStr(e, v)
					ref[string(k)] = string(v)
				default:
					v := bytes.Repeat([]byte{byte('a' + i%26)}, rng.Intn(60))
					db.setStr(e, v)
					ref[string(k)] = string(v)
				}
				e.Expire = int64(i)
				if rng.Intn(10) == 0 {
					db.remove(k)
					delete(ref, string(k))
					delete(objs, string(k))
				}
			}
			a.absorb(b)
			if b.Len() != 0 {
				t.Fatalf("absorbed table still holds %d keys", b.Len())
			}
			check := func() {
				t.Helper()
				if a.Len() != len(ref)+len(objs) {
					t.Fatalf("Len %d, want %d", a.Len(), len(ref)+len(objs))
				}
				seen := 0
				a.each(func(e *Entry) error {
					seen++
					k := string(a.key(e))
					if o, ok := objs[k]; ok {
						if a.Value(e) != o {
							t.Fatalf("key %q: wrong object", k)
						}
					} else if v, ok := ref[k]; !ok || string(a.str(e)) != v {
						t.Fatalf("key %q: value %q, want %q (present %v)", k, a.str(e), v, ok)
					}
					return nil
				})
				if seen != a.Len() {
					t.Fatalf("each saw %d keys, want %d", seen, a.Len())
				}
			}
			check() // before any lookup: the index is not rebuilt yet
			for k, v := range ref {
				if e := a.find([]byte(k)); e == nil || string(a.str(e)) != v {
					t.Fatalf("find %q after absorb: %v", k, e)
				}
			}
			for k := range objs {
				if e := a.find([]byte(k)); e == nil {
					t.Fatalf("find %q after absorb: missing", k)
				}
			}
			for i := 0; i < n/2; i++ {
				k := []byte(fmt.Sprint("new", i))
				e, _ := a.put(k)
				a.setStr(e, k)
				ref[string(k)] = string(k)
				old := []byte(fmt.Sprintf("%0*d", 1+i%40, i))
				if a.remove(old) {
					delete(ref, string(old))
					delete(objs, string(old))
				}
			}
			check()
		})
	}
}
