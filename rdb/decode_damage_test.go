package rdb

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// handmadeAll is a small RDB 12 file with every kind of record the decoder knows (used for
// exhaustive damage tests and as fuzz seeds).
func handmadeAll() []byte {
	w := newRDB(12)
	w.raw(OpAux).str("redis-ver").str("7.4.1")
	w.raw(OpModuleAux).ln(1 << 20).ln(2).ln(2).ln(2).ln(5).ln(5).str("x").ln(0)
	w.raw(OpFunction2).str("#!lua name=lib1\nreturn 1")
	w.raw(OpSelectDB).ln(0).raw(OpResizeDB).ln(20).ln(2)
	w.raw(OpSlotInfo).ln(1).ln(20).ln(2)
	w.raw(OpIdle).ln(9).key(TypeString, "s").istr(300)
	w.raw(OpFreq).raw(3).raw(OpExpireTimeMs).u64(4102444800000).key(TypeString, "lzf").lzf("abcdefghijklmnopqrstuvwxyz")
	w.key(TypeList, "l1").ln(2).str("a").istr(-1)
	w.key(TypeSet, "s2").ln(2).str("a").str("b")
	w.key(TypeZset, "z3").ln(1).str("m").raw(3, '1', '.', '5')
	w.key(TypeHash, "h4").ln(1).str("f").str("v")
	w.key(TypeZset2, "z5").ln(1).str("m").u64(0x3ff0000000000000)
	w.key(TypeModule2, "m7").ln(1 << 20).ln(1).ln(3).ln(3).u32(0).ln(0)
	w.key(TypeHashZipmap, "h9").blob(zmb("f", "v"))
	w.key(TypeListZiplist, "l10").blob(zlb("a", 1))
	w.key(TypeSetIntset, "s11").blob(isb(2, 1, 2))
	w.key(TypeZsetZiplist, "z12").blob(zlb("m", 1))
	w.key(TypeHashZiplist, "h13").blob(zlb("f", "v"))
	w.key(TypeListQuicklist, "l14").ln(1).blob(zlb("a", "b"))
	w.key(TypeHashListpack, "h16").blob(lpb("f", "v"))
	w.key(TypeZsetListpack, "z17").blob(lpb("m", 1))
	w.key(TypeListQuicklist2, "l18").ln(2).ln(1).str("plain").ln(2).blob(lpb("a", 7))
	w.key(TypeSetListpack, "s20").blob(lpb("a", 7))
	w.key(TypeHashMetadataPreGA, "h22").ln(1).ln(5).str("f").str("v")
	w.key(TypeHashListpackExPreGA, "h23").blob(lpb("f", "v", 5))
	w.key(TypeHashMetadata, "h24").u64(5).ln(1).ln(1).str("f").str("v")
	w.key(TypeHashListpackEx, "h25").u64(5).blob(lpb("f", "v", 5, "g", "w", 0))
	node := streamNodeLP(2, 1, []any{"f"}, []any{2, 0, 0, "a", 4}, []any{3, 0, 1, "b", 4}, []any{0, 1, 0, 1, "g", "c", 6})
	w.key(TypeStreamListpacks3, "x21").ln(1).ln(16).bytes(streamID16(10, 0)).blob(node)
	w.ln(2).ln(11).ln(0).ln(10).ln(0).ln(10).ln(1).ln(3).ln(1)
	w.str("g").ln(11).ln(0).ln(2).ln(1).bytes(streamID16(10, 0)).u64(7).ln(1)
	w.ln(1).str("c").u64(7).u64(7).ln(1).bytes(streamID16(10, 0))
	return w.end()
}

func TestHandmadeAllDecodes(t *testing.T) {
	data := handmadeAll()
	keys, funcs, info, err := Collect(data, 0, Options{Verify: true, Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	// 23 keys, of which the module key has no canonical form.
	if info.Keys != 23 || len(keys) != 22 || len(funcs) != 1 || info.ModuleKeys != 1 || info.ChecksumStatus != ChecksumOK {
		t.Errorf("keys %d/%d funcs %d info %+v", info.Keys, len(keys), len(funcs), info)
	}
}

// truncateEvery decodes every proper prefix of data[:end] and requires a truncation error
// naming an offset inside the prefix.
func truncateEvery(t *testing.T, data []byte, end int, step int) {
	t.Helper()
	var dec Decoder
	for n := 0; n < end; n += step {
		_, err := dec.Decode(data[:n], 0, nil, Options{Verify: true, Checksum: true})
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("cut at %d: %v", n, err)
		}
		if e.Kind != KindTruncated || e.Offset < 0 || e.Offset > int64(n) {
			t.Fatalf("cut at %d: %v (kind %d)", n, err, e.Kind)
		}
	}
}

func TestTruncateEveryOffset(t *testing.T) {
	truncateEvery(t, handmadeAll(), len(handmadeAll()), 1)
	step := 7
	if os.Getenv("AOFKIT_LONG") == "1" {
		step = 1
	}
	for _, f := range []string{"redis-7.4.1/dump.rdb", "redis-5.0.14/appendonly.aof", "redis-3.2.13/dump.rdb"} {
		data := readFile(t, filepath.Join("testdata", f))
		info, err := Decode(data, 0, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f, func(t *testing.T) { truncateEvery(t, data, int(info.End), step) })
	}
}

// flipEvery flips each byte of data[:end] (with each mask) and decodes with the checksum on:
// every flip must be detected. Without the checksum it must never panic; it returns how many
// flips the structure checks alone caught.
func flipEvery(t *testing.T, data []byte, end int, step int) (caught, total int) {
	t.Helper()
	buf := append([]byte(nil), data...)
	var dec Decoder
	for i := 0; i < end; i += step {
		for _, mask := range []byte{0x01, 0xFF} {
			buf[i] ^= mask
			_, err := dec.Decode(buf, 0, nil, Options{Verify: true, Checksum: true})
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(buf)) {
				t.Fatalf("flip %#x at %d not detected: %v", mask, i, err)
			}
			_, err = dec.Decode(buf, 0, nil, Options{Verify: true})
			total++
			if err != nil {
				caught++
			}
			buf[i] ^= mask
		}
	}
	return caught, total
}

func TestFlipEveryByte(t *testing.T) {
	data := handmadeAll()
	caught, total := flipEvery(t, data, len(data)-8, 1)
	t.Logf("handmade file: %d of %d flips caught without the checksum", caught, total)
	step := 31
	if os.Getenv("AOFKIT_LONG") == "1" {
		step = 1
	}
	for _, f := range []string{"redis-7.4.1/dump.rdb", "redis-6.2.16/appendonly.aof"} {
		data := readFile(t, filepath.Join("testdata", f))
		info, err := Decode(data, 0, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		caught, total := flipEvery(t, data, int(info.End), step)
		t.Logf("%s: %d of %d flips caught without the checksum (every %d bytes)", f, caught, total, step)
		// Flips in the AOF tail after the RDB change nothing the decoder reports.
		if int(info.End) < len(data) {
			buf := append([]byte(nil), data...)
			buf[len(buf)-1] ^= 0xFF
			info2, err := Decode(buf, 0, nil, Options{Verify: true, Checksum: true})
			if err != nil || info2.End != info.End {
				t.Errorf("flip in the RESP tail: %v", err)
			}
		}
	}
}

// Every flip of every DUMP payload of a version is detected (the payload CRC).
func TestFlipPayloads(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(gunzip(t, filepath.Join("testdata", "redis-7.4.1", "payloads.jsonl.gz"))))
	sc.Buffer(nil, 16<<20)
	var dec Decoder
	n := 0
	for sc.Scan() {
		var pl payloadLine
		if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
			t.Fatal(err)
		}
		p, _ := base64.StdEncoding.DecodeString(pl.Payload)
		for i := range p {
			p[i] ^= 0x20
			if _, err := dec.DecodePayload(p, nil, Options{Verify: true}); err == nil {
				t.Fatalf("payload %s: flip at %d not detected", pl.Key, i)
			}
			p[i] ^= 0x20
			n++
		}
		for cut := 0; cut < len(p); cut++ {
			if _, err := dec.DecodePayload(p[:cut], nil, Options{}); err == nil {
				t.Fatalf("payload %s: cut at %d not detected", pl.Key, cut)
			}
		}
	}
	t.Logf("%d payload flips", n)
}
