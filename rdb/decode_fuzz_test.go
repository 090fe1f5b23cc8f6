package rdb

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"testing"
)

// allocated returns the bytes this process has allocated so far (cheap: no stop-the-world).
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// checkDecodeResult holds for every input: a typed error naming an offset inside the input,
// or a summary whose end lies inside it.
func checkDecodeResult(t *testing.T, n int, info *Info, err error) {
	t.Helper()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error is not an *Error: %v", err)
		}
		if e.Offset < 0 || e.Offset > int64(n) {
			t.Fatalf("error offset %d outside the %d-byte input: %v", e.Offset, n, err)
		}
		return
	}
	if info.End <= 0 || info.End > int64(n) {
		t.Fatalf("End %d outside the %d-byte input", info.End, n)
	}
}

// allocBound is what an input of n bytes may make the decoder allocate: LZF can expand 88
// times (and buffers grow by doubling), plus fixed scratch.
func allocBound(n int) uint64 { return uint64(n)*200 + 8<<20 }

func FuzzDecode(f *testing.F) {
	f.Add(handmadeAll())
	f.Fuzz(func(t *testing.T, data []byte) {
		before := allocated()
		var dec Decoder
		for _, verify := range []bool{false, true} {
			info, err := dec.Decode(data, 0, nil, Options{Verify: verify, Checksum: true, ChunkItems: 3})
			checkDecodeResult(t, len(data), info, err)
		}
		keys, _, info, err := Collect(data, 0, Options{Verify: true})
		checkDecodeResult(t, len(data), info, err)
		if err == nil && int64(len(keys)) > info.Keys {
			t.Fatalf("%d keys collected, %d decoded", len(keys), info.Keys)
		}
		if a := allocated() - before; a > allocBound(len(data))+collectedBytes(keys) {
			t.Fatalf("%d bytes allocated for a %d-byte input", a, len(data))
		}
	})
}

// collectedBytes is a generous size of what Collect legitimately holds.
func collectedBytes(keys any) uint64 { return uint64(len(fmt.Sprint(keys))) * 8 }

// FuzzDecodePayload takes a payload without its CRC (type, value, 2-byte version) and adds the
// right CRC, so that mutations reach the value decoder.
func FuzzDecodePayload(f *testing.F) {
	f.Add(newRDBValue().raw(TypeSetListpack).blob(lpb("a", 1)).u16(11).b)
	f.Fuzz(func(t *testing.T, body []byte) {
		p := append(append([]byte(nil), body...), make([]byte, 8)...)
		putCRC(p)
		before := allocated()
		for _, verify := range []bool{false, true} {
			_, err := DecodePayload(p, nil, Options{Verify: verify, ChunkItems: 2})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(p)) {
					t.Fatalf("bad error %v", err)
				}
			}
		}
		k, _, _, err := CollectPayload(p, Options{Verify: true})
		if err == nil && k == nil && p[0] != OpFunction2 {
			t.Fatal("no key and no error")
		}
		if a := allocated() - before; a > allocBound(len(p))+collectedBytes(k) {
			t.Fatalf("%d bytes allocated for a %d-byte payload", a, len(p))
		}
	})
}

func putCRC(p []byte) {
	n := len(p) - 8
	sum := CRC64(0, p[:n])
	for i := 0; i < 8; i++ {
		p[n+i] = byte(sum >> (8 * i))
	}
}

// TestWriteFuzzSeeds regenerates the seed corpora in testdata/fuzz/ from the fixtures and the
// hand-made inputs (AOFKIT_WRITE_FUZZ_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("AOFKIT_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set AOFKIT_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	write := func(target, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzDecode", "handmade-all", handmadeAll())
	for _, f := range []string{"redis-3.2.13/dump.rdb", "redis-5.0.14/dump.rdb", "redis-7.4.1/cluster.rdb"} {
		write("FuzzDecode", "fixture-"+filepath.Dir(f)+"-"+filepath.Base(f), readFile(t, filepath.Join("testdata", f)))
	}
	for i, c := range hostileCases() {
		data, _ := c.build()
		if c.payload {
			if len(data) >= 10 {
				write("FuzzDecodePayload", fmt.Sprintf("hostile-%02d", i), data[:len(data)-8])
			}
			continue
		}
		write("FuzzDecode", fmt.Sprintf("hostile-%02d", i), data)
	}
	for _, dir := range []string{"redis-3.2.13", "redis-5.0.14", "redis-7.4.1"} {
		sc := bufio.NewScanner(bytes.NewReader(gunzip(t, filepath.Join("testdata", dir, "payloads.jsonl.gz"))))
		sc.Buffer(nil, 16<<20)
		for i := 0; sc.Scan(); i++ {
			var pl payloadLine
			if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
				t.Fatal(err)
			}
			p, _ := base64.StdEncoding.DecodeString(pl.Payload)
			if len(p) > 4096 {
				continue
			}
			write("FuzzDecodePayload", fmt.Sprintf("%s-%02d", dir, i), p[:len(p)-8])
		}
	}
}
