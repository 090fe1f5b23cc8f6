package rdb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

// fixtureDirs lists testdata/<version>/ directories (real server output, see testdata/README.md).
func fixtureDirs(t testing.TB) []string {
	t.Helper()
	ents, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() && (strings.HasPrefix(e.Name(), "redis-") || strings.HasPrefix(e.Name(), "valkey-")) {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 10 {
		t.Fatalf("expected 10 fixture versions in testdata, found %d: %v", len(dirs), dirs)
	}
	return dirs
}

// before7 reports whether a fixture's server predates 7.0 (its expire_ms values are
// TIME + PTTL, exact to a few milliseconds).
func before7(dir string) bool {
	if !strings.HasPrefix(dir, "redis-") {
		return false
	}
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(dir, "redis-"), ".", 2)[0])
	return major < 7
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readDataset(t testing.TB, path string) ([]canon.Key, []canon.Function) {
	t.Helper()
	keys, funcs, err := canon.ReadJSONL(bytes.NewReader(gunzip(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return keys, funcs
}

// Every fixture RDB decodes, with verification and checksum, to exactly the dataset its
// server reported.
func TestCollectFixtures(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		for _, name := range []string{"dump", "cluster"} {
			t.Run(dir+"/"+name, func(t *testing.T) {
				data := readFile(t, filepath.Join("testdata", dir, name+".rdb"))
				keys, funcs, info, err := Collect(data, 0, Options{Verify: true, Checksum: true})
				if err != nil {
					t.Fatalf("Collect: %v", err)
				}
				if info.End != int64(len(data)) {
					t.Errorf("End = %d, file has %d bytes", info.End, len(data))
				}
				if info.ChecksumStatus != ChecksumOK {
					t.Errorf("checksum status %v", info.ChecksumStatus)
				}
				want, wantF := readDataset(t, filepath.Join("testdata", dir, name+".jsonl.gz"))
				var slack int64
				if before7(dir) {
					slack = 1000
				}
				diffs := canon.Diff(want, keys, wantF, funcs, canon.DiffOptions{TTLSlackMs: slack})
				for _, d := range diffs {
					t.Error(d)
				}
				if len(keys) != len(want) {
					t.Errorf("%d keys decoded, %d expected", len(keys), len(want))
				}
				if info.Keys != int64(len(keys)) || info.EmptyKeys != 0 {
					t.Errorf("Info.Keys %d, EmptyKeys %d, collected %d", info.Keys, info.EmptyKeys, len(keys))
				}
			})
		}
	}
}

type payloadLine struct {
	DB      int             `json:"db"`
	Key     json.RawMessage `json:"key"`
	Expire  *int64          `json:"expire_ms"`
	Payload string          `json:"payload_b64"`
}

// Every DUMP payload decodes to its key's value in dump.jsonl.
func TestCollectPayloadFixtures(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(dir, func(t *testing.T) {
			want, _ := readDataset(t, filepath.Join("testdata", dir, "dump.jsonl.gz"))
			byName := map[string]canon.Key{}
			for _, k := range want {
				byName[strconv.Itoa(k.DB)+"/"+string(k.Key)] = k
			}
			sc := bufio.NewScanner(bytes.NewReader(gunzip(t, filepath.Join("testdata", dir, "payloads.jsonl.gz"))))
			sc.Buffer(nil, 16<<20)
			n := 0
			var dec Decoder
			for sc.Scan() {
				var pl payloadLine
				if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
					t.Fatal(err)
				}
				p, err := base64.StdEncoding.DecodeString(pl.Payload)
				if err != nil {
					t.Fatal(err)
				}
				// The key is a JSON string or {"b64": ...}: decode it with canon's reader.
				kl := append(append([]byte(`{"db":0,"type":"string","expire_ms":null,"value":"","key":`), pl.Key...), '}')
				ks, _, err := canon.ReadJSONL(bytes.NewReader(kl))
				if err != nil || len(ks) != 1 {
					t.Fatalf("key %s: %v", pl.Key, err)
				}
				name := ks[0].Key
				exp, ok := byName[strconv.Itoa(pl.DB)+"/"+string(name)]
				if !ok {
					t.Fatalf("payload for key %q not in dump.jsonl", name)
				}
				c := &collector{payload: true}
				var got *canon.Key
				c.fn = func(k *canon.Key) error { got = k; return nil }
				ver, err := dec.DecodePayload(p, c, Options{Verify: true})
				if err != nil {
					t.Fatalf("key %q: %v", name, err)
				}
				if ver < 7 || ver > MaxRedisVersion {
					t.Errorf("key %q: payload version %d", name, ver)
				}
				got.DB, got.Key, got.ExpireMs = exp.DB, exp.Key, exp.ExpireMs
				for _, d := range canon.Diff([]canon.Key{exp}, []canon.Key{*got}, nil, nil, canon.DiffOptions{}) {
					t.Errorf("key %q: %s", name, d)
				}
				n++
			}
			if n != len(want) {
				t.Errorf("%d payloads, %d keys in dump.jsonl", n, len(want))
			}
		})
	}
}

// The RDB part of every fixture AOF decodes and ends exactly where the RESP tail starts
// (4.0-6.2 preamble files) or at the end of the file (7.0+ base files).
func TestAOFPreambles(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		for _, name := range []string{"appendonly.aof", "appendonly.aof.2.base.rdb"} {
			path := filepath.Join("testdata", dir, name)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			t.Run(dir+"/"+name, func(t *testing.T) {
				data := readFile(t, path)
				var aux = map[string]string{}
				info, err := Decode(data, 0, nil, Options{Verify: true, Checksum: true})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range info.Aux {
					aux[string(a.Key)] = string(a.Value)
				}
				if info.ChecksumStatus != ChecksumOK {
					t.Errorf("checksum %v", info.ChecksumStatus)
				}
				if strings.HasSuffix(name, ".rdb") {
					if info.End != int64(len(data)) {
						t.Errorf("End %d, file size %d", info.End, len(data))
					}
					if aux["aof-base"] != "1" {
						t.Errorf("aof-base aux = %q", aux["aof-base"])
					}
					return
				}
				if info.End >= int64(len(data)) || data[info.End] != '*' {
					t.Fatalf("End %d of %d: the RESP tail does not start there", info.End, len(data))
				}
				if aux["aof-preamble"] != "1" {
					t.Errorf("aof-preamble aux = %q", aux["aof-preamble"])
				}
				// A second Decode from a non-zero base reports file offsets.
				info2, err := Decode(data, 1000, nil, Options{})
				if err != nil || info2.End != info.End+1000 {
					t.Errorf("with base 1000: End %d, err %v", info2.End, err)
				}
			})
		}
	}
}

// The decoder reports each file's header facts.
func TestFixtureInfo(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		data := readFile(t, filepath.Join("testdata", dir, "dump.rdb"))
		info, err := Decode(data, 0, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Magic != "REDIS" || info.Version != mustAtoi(t, string(data[5:9])) {
			t.Errorf("%s: magic %q version %d", dir, info.Magic, info.Version)
		}
		if info.ChecksumStatus != ChecksumNotChecked && info.Version >= 5 {
			t.Errorf("%s: status %v without Options.Checksum", dir, info.ChecksumStatus)
		}
		var total int64
		for _, db := range info.DBs {
			total += db.Keys
		}
		if total != info.Keys || len(info.DBs) != 2 {
			t.Errorf("%s: DBs %+v, keys %d", dir, info.DBs, info.Keys)
		}
	}
}

func mustAtoi(t testing.TB, s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Progress reports non-decreasing offsets inside the RDB, the last one its end, and the
// checksum computed piecewise at each report still matches.
func TestProgress(t *testing.T) {
	data := readFile(t, filepath.Join("testdata", "redis-6.2.16", "appendonly.aof"))
	var offs []int64
	info, err := Decode(data, 100, nil, Options{Verify: true, Checksum: true, ProgressBytes: 1000,
		Progress: func(off int64) { offs = append(offs, off) }})
	if err != nil {
		t.Fatal(err)
	}
	if info.ChecksumStatus != ChecksumOK || len(offs) < 10 {
		t.Fatalf("status %v, %d progress calls", info.ChecksumStatus, len(offs))
	}
	for i, o := range offs {
		if o < 100 || o > info.End || (i > 0 && o < offs[i-1]) {
			t.Fatalf("progress offsets %v (End %d)", offs, info.End)
		}
	}
	if offs[len(offs)-1] != info.End {
		t.Errorf("last progress %d, End %d", offs[len(offs)-1], info.End)
	}
}

type valueRecorder struct {
	NopHandler
	values map[string][]byte
}

func (r *valueRecorder) EndKey(k *KeyInfo) error {
	r.values[strconv.Itoa(k.DB)+"/"+string(k.Key)] = append([]byte{byte(k.Type)}, k.Value...)
	return nil
}

// KeyInfo.Value is exactly the serialized value: the type byte plus Value is, byte for byte,
// the body of the DUMP payload the same server produced for the key.
func TestValueIsDumpBody(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(dir, func(t *testing.T) {
			rec := &valueRecorder{values: map[string][]byte{}}
			info, err := Decode(readFile(t, filepath.Join("testdata", dir, "dump.rdb")), 0, rec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(gunzip(t, filepath.Join("testdata", dir, "payloads.jsonl.gz"))))
			sc.Buffer(nil, 16<<20)
			same := 0
			for sc.Scan() {
				var pl payloadLine
				if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
					t.Fatal(err)
				}
				p, _ := base64.StdEncoding.DecodeString(pl.Payload)
				kl := append(append([]byte(`{"db":0,"type":"string","expire_ms":null,"value":"","key":`), pl.Key...), '}')
				ks, _, _ := canon.ReadJSONL(bytes.NewReader(kl))
				got, ok := rec.values[strconv.Itoa(pl.DB)+"/"+string(ks[0].Key)]
				if !ok {
					t.Errorf("key %s not in dump.rdb", pl.Key)
					continue
				}
				if !bytes.Equal(got, p[:len(p)-10]) {
					t.Errorf("key %s: type+Value (%d bytes) differs from the DUMP body (%d bytes)", pl.Key, len(got), len(p)-10)
					continue
				}
				same++
			}
			if int64(same) != info.Keys {
				t.Errorf("%d of %d keys identical", same, info.Keys)
			}
		})
	}
}
