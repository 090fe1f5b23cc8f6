package rdb

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/mmapfile"
)

// crcWriter writes through a bufio.Writer and keeps the Redis CRC-64 of what it wrote.
type crcWriter struct {
	w   *bufio.Writer
	crc uint64
	n   int64
}

func (c *crcWriter) write(p []byte) {
	c.crc = CRC64(c.crc, p)
	c.n += int64(len(p))
	if _, err := c.w.Write(p); err != nil {
		panic(err)
	}
}

// writeHugeList writes an RDB 12 file holding one list of about size bytes: a quicklist of
// ~8 KB listpack nodes (80 elements of 100 bytes), with a 20 KB PLAIN node every 1000 nodes,
// as Redis 7.4 writes lists with big elements. It returns the element count.
func writeHugeList(t testing.TB, path string, size int64) int64 {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cw := &crcWriter{w: bufio.NewWriterSize(f, 1<<20)}
	elem := []byte(strings.Repeat("e", 92))
	var node []any
	for i := 0; i < 80; i++ {
		node = append(node, "")
	}
	const nodeBytes = 80 * 102
	nodes := size / nodeBytes
	hdr := newRDB(12).raw(OpSelectDB).ln(0).raw(OpResizeDB).ln(1).ln(0).key(TypeListQuicklist2, "biglist").ln(uint64(nodes))
	cw.write(hdr.b)
	plain := []byte(strings.Repeat("P", 20<<10))
	var count int64
	for i := int64(0); i < nodes; i++ {
		if i%1000 == 999 {
			cw.write((&rb{}).ln(QuicklistNodePlain).blob(plain).b)
			count++
			continue
		}
		for j := range node {
			node[j] = fmt.Sprintf("%08d", i) + string(elem)
		}
		cw.write((&rb{}).ln(QuicklistNodePacked).blob(lpb(node...)).b)
		count += int64(len(node))
	}
	cw.write([]byte{OpEOF})
	cw.write(binary.LittleEndian.AppendUint64(nil, cw.crc))
	if err := cw.w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return count
}

type elementCounter struct {
	NopHandler
	n, bytes int64
}

func (c *elementCounter) ListItems(items [][]byte) error {
	c.n += int64(len(items))
	for _, it := range items {
		c.bytes += int64(len(it))
	}
	return nil
}

// TestHugeListMemory writes a file with a 1 GiB list and decodes it (Verify and Checksum on,
// pages released as decoding advances) in a child process whose peak RSS must stay under
// 64 MiB. Only under AOFKIT_LONG=1 (it writes 1 GiB to a temp dir).
func TestHugeListMemory(t *testing.T) {
	if os.Getenv("AOFKIT_LONG") != "1" {
		t.Skip("AOFKIT_LONG=1 runs the 1 GiB list test")
	}
	path := filepath.Join(t.TempDir(), "biglist.rdb")
	t0 := time.Now()
	want := writeHugeList(t, path, 1<<30)
	st, _ := os.Stat(path)
	t.Logf("wrote %d bytes, %d elements in %v", st.Size(), want, time.Since(t0))

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDecodeFile$", "-test.v")
	cmd.Env = append(os.Environ(), "AOFKIT_HELPER_DECODE="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`elements=(\d+) hwm_kb=(\d+) seconds=([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child output: %s", out)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	hwm, _ := strconv.ParseInt(string(m[2]), 10, 64)
	t.Logf("decoded %d elements of a %d MiB file in %s s, peak RSS (VmHWM) %d KiB", n, st.Size()>>20, m[3], hwm)
	if n != want {
		t.Errorf("decoded %d elements, wrote %d", n, want)
	}
	if hwm >= 64<<10 {
		t.Errorf("peak RSS %d KiB, want < 64 MiB", hwm)
	}
}

// TestHelperDecodeFile is the child of TestHugeListMemory: it decodes $AOFKIT_HELPER_DECODE
// through a memory mapping and prints the element count and its own VmHWM.
func TestHelperDecodeFile(t *testing.T) {
	path := os.Getenv("AOFKIT_HELPER_DECODE")
	if path == "" {
		t.Skip("child process of TestHugeListMemory")
	}
	f, err := mmapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &elementCounter{}
	t0 := time.Now()
	err = mmapfile.Guard(func() error {
		_, err := Decode(f.Bytes(), 0, c, Options{Verify: true, Checksum: true, Progress: f.Release})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	hwm := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	fmt.Printf("elements=%d hwm_kb=%s seconds=%.2f\n", c.n, hwm[1], el.Seconds())
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "Rss") || strings.HasPrefix(l, "Vm") {
			fmt.Println(l)
		}
	}
}
