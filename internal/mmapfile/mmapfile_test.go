package mmapfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenReadsWholeFile(t *testing.T) {
	for _, size := range []int{0, 1, 4095, 4096, 1 << 20} {
		p := filepath.Join(t.TempDir(), "f")
		want := bytes.Repeat([]byte{'x'}, size)
		if err := os.WriteFile(p, want, 0o444); err != nil {
			t.Fatal(err)
		}
		m, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Bytes(), want) || m.Size() != int64(size) {
			t.Fatalf("size %d: got %d bytes", size, len(m.Bytes()))
		}
		m.Release(m.Size())
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTruncatedWhileMappedIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, bytes.Repeat([]byte{'a'}, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Mapped() {
		t.Skip("no mmap on this system")
	}
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	var sum int
	err = Guard(func() error {
		for _, c := range m.Bytes()[1<<19:] {
			sum += int(c)
		}
		return nil
	})
	if !errors.Is(err, ErrFault) {
		t.Fatalf("Guard = %v, want ErrFault (sum %d)", err, sum)
	}
}
