package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/redistest"
)

// testWalkFile lists the records of an RDB file whose keys are all strings, one line each
// ("aux k=v", "function <code>", "select N", "resize A B", "expire MS", "key TYPE NAME=VALUE",
// "eof"), and checks the magic and the CRC trailer.
func testWalkFile(t *testing.T, b []byte, version int) []string {
	t.Helper()
	if want := fmt.Sprintf("REDIS%04d", version); string(b[:9]) != want {
		t.Fatalf("magic %q, want %q", b[:9], want)
	}
	if crc := CRC64(0, b[:len(b)-8]); crc != binary.LittleEndian.Uint64(b[len(b)-8:]) {
		t.Fatalf("CRC trailer %x, computed %x", b[len(b)-8:], crc)
	}
	p := b[9 : len(b)-8]
	var out []string
	must := func(s []byte, rest []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("at record %d: %v", len(out), err)
		}
		p = rest
		return s
	}
	mustLen := func() uint64 {
		t.Helper()
		n, _, rest, err := testReadLen(p)
		if err != nil {
			t.Fatal(err)
		}
		p = rest
		return n
	}
	for len(p) > 0 {
		op := p[0]
		p = p[1:]
		switch op {
		case OpAux:
			k := must(testReadString(p))
			v := must(testReadString(p))
			out = append(out, fmt.Sprintf("aux %s=%s", k, v))
		case OpFunction2:
			out = append(out, fmt.Sprintf("function %s", must(testReadString(p))))
		case OpSelectDB:
			out = append(out, fmt.Sprintf("select %d", mustLen()))
		case OpResizeDB:
			a := mustLen()
			out = append(out, fmt.Sprintf("resize %d %d", a, mustLen()))
		case OpExpireTimeMs:
			out = append(out, fmt.Sprintf("expire %d", binary.LittleEndian.Uint64(p)))
			p = p[8:]
		case OpEOF:
			out = append(out, "eof")
			if len(p) != 0 {
				t.Fatalf("%d bytes after EOF", len(p))
			}
		case TypeString:
			k := must(testReadString(p))
			v := must(testReadString(p))
			out = append(out, fmt.Sprintf("key %d %s=%s", op, k, v))
		default:
			t.Fatalf("unexpected opcode %d", op)
		}
	}
	return out
}

func TestEncoderFile(t *testing.T) {
	now := time.Unix(1700000000, 0)
	str := func(db int, k, v string, exp int64) *canon.Key {
		return &canon.Key{DB: db, Key: []byte(k), Type: canon.TypeString, ExpireMs: exp, String: []byte(v)}
	}
	for _, version := range []int{9, 10, 11, 12} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			var buf bytes.Buffer
			e, err := NewEncoder(&buf, version, EncoderOptions{Now: now, UsedMem: 12345, AOFBase: true, Drop: true})
			if err != nil {
				t.Fatal(err)
			}
			steps := []error{
				e.Aux("custom", "x"),
				e.Function([]byte("#!lua name=l\nredis.register_function('f', function() return 1 end)")),
				e.SelectDB(0, 2, 1),
				e.Key(str(0, "a", "1", canon.NoExpiry)),
				e.Key(str(0, "b", "hello", 4102444800000)),
				e.Key(str(3, "c", "", canon.NoExpiry)),
				e.Close(),
			}
			for i, err := range steps {
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			if e.Written() != int64(buf.Len()) {
				t.Errorf("Written %d, file %d bytes", e.Written(), buf.Len())
			}
			base := "aof-base"
			if version == 9 {
				base = "aof-preamble"
			}
			want := []string{
				"aux redis-ver=" + encDefaultRedisVer(version), "aux redis-bits=64",
				"aux ctime=1700000000", "aux used-mem=12345", "aux " + base + "=1", "aux custom=x",
			}
			if version >= 10 {
				want = append(want, "function #!lua name=l\nredis.register_function('f', function() return 1 end)")
			}
			want = append(want, "select 0", "resize 2 1", "key 0 a=1", "expire 4102444800000",
				"key 0 b=hello", "select 3", "key 0 c=", "eof")
			got := testWalkFile(t, buf.Bytes(), version)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			d := e.Dropped()
			if (version < 10) != (d.Functions == 1) {
				t.Errorf("dropped %+v", d)
			}
			if err := e.Close(); !errors.Is(err, ErrEncoderClosed) {
				t.Errorf("second Close: %v", err)
			}
			if err := e.Key(str(0, "d", "x", canon.NoExpiry)); !errors.Is(err, ErrEncoderClosed) {
				t.Errorf("Key after Close: %v", err)
			}
			// Same input, same Now: same bytes.
			var again bytes.Buffer
			e2, _ := NewEncoder(&again, version, EncoderOptions{Now: now, UsedMem: 12345, AOFBase: true, Drop: true})
			e2.Aux("custom", "x")
			e2.Function([]byte("#!lua name=l\nredis.register_function('f', function() return 1 end)"))
			e2.SelectDB(0, 2, 1)
			e2.Key(str(0, "a", "1", canon.NoExpiry))
			e2.Key(str(0, "b", "hello", 4102444800000))
			e2.Key(str(3, "c", "", canon.NoExpiry))
			e2.Close()
			if !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("output not deterministic")
			}
			if version <= 10 {
				encCheckRDB(t, buf.Bytes())
			}
		})
	}
}

// encCheckRDB runs redis-check-rdb (7.0: RDB 10 and older) on the file when it is installed.
func encCheckRDB(t *testing.T, b []byte) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-rdb")
	if err != nil {
		if os.Getenv(redistest.EnvRequire) == "1" {
			t.Fatalf("redis-check-rdb not found: %v", err)
		}
		return
	}
	path := filepath.Join(t.TempDir(), "x.rdb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Errorf("redis-check-rdb: %v\n%s", err, out)
	}
}

func TestEncoderErrors(t *testing.T) {
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, 9, EncoderOptions{NoAux: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Function([]byte("code")); !errors.Is(err, ErrNotRepresentable) {
		t.Errorf("Function in RDB 9: %v", err)
	}
	bad := &canon.Key{DB: 1, Key: []byte("bad"), Type: canon.TypeList, ExpireMs: canon.NoExpiry}
	err = e.Key(bad)
	var ee *EncodeError
	if !errors.As(err, &ee) || !errors.Is(err, ErrEncodeInvalid) || string(ee.Key) != "bad" || ee.DB != 1 {
		t.Errorf("empty list: %v", err)
	}
	if err := e.SelectDB(-1, 0, 0); !errors.Is(err, ErrEncodeInvalid) {
		t.Errorf("SelectDB(-1): %v", err)
	}
	neg := &canon.Key{Key: []byte("n"), Type: canon.TypeString, ExpireMs: -5}
	if err := e.Key(neg); !errors.Is(err, ErrEncodeInvalid) {
		t.Errorf("negative expiry: %v", err)
	}
	// A rejected key writes nothing: the file holds only the good key.
	good := &canon.Key{Key: []byte("g"), Type: canon.TypeString, ExpireMs: canon.NoExpiry, String: []byte("v")}
	if err := e.Key(good); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(testWalkFile(t, buf.Bytes(), 9), "|")
	if got != "select 0|key 0 g=v|eof" {
		t.Errorf("records %s", got)
	}

	// A failing writer: the error is returned and sticks.
	w := &encFailWriter{after: 20}
	e, err = NewEncoder(w, 10, EncoderOptions{NoAux: true})
	if err != nil {
		t.Fatal(err)
	}
	big := &canon.Key{Key: []byte("big"), Type: canon.TypeString, ExpireMs: canon.NoExpiry, String: bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 40000)}
	err = e.Key(big)
	if err == nil {
		err = e.Close()
	}
	if !errors.Is(err, errEncTestWrite) {
		t.Fatalf("write error: %v", err)
	}
	if err2 := e.Key(good); !errors.Is(err2, errEncTestWrite) {
		t.Errorf("after a write error: %v", err2)
	}
}

var errEncTestWrite = errors.New("disk full")

type encFailWriter struct{ after int }

func (w *encFailWriter) Write(p []byte) (int, error) {
	if len(p) > w.after {
		n := w.after
		w.after = 0
		return n, errEncTestWrite
	}
	w.after -= len(p)
	return len(p), nil
}
