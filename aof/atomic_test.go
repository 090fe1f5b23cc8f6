//go:build unix

package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aofkit/aofkit/internal/redistest"
)

// ---- helpers ----

func atWriteFile(t *testing.T, path string, data []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func atReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// atDirFiles returns the regular files of dir (not recursive) with their contents.
func atDirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			m[e.Name()] = atReadFile(t, filepath.Join(dir, e.Name()))
		}
	}
	return m
}

// atPattern returns n bytes of a repeating text that names its offsets, so a misplaced range
// shows in a diff.
func atPattern(tag string, n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s%08d\n", tag, i)
	}
	return b.Bytes()[:n]
}

func atModeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// atCrashAt is the panic value of atStopAt's crash point.
type atCrashAt string

// atStopAt runs f with crashPoint set to panic at the n-th (1-based) time step is reached,
// which leaves on disk what a crash at that moment leaves (the functions under test clean up
// only on error returns, never in defers). It reports whether the crash point was hit.
func atStopAt(t *testing.T, step string, n int, f func() error) (hit bool, err error) {
	t.Helper()
	seen := 0
	crashPoint = func(s string) {
		if s == step {
			if seen++; seen == n {
				panic(atCrashAt(s))
			}
		}
	}
	defer func() {
		crashPoint = nil
		if r := recover(); r != nil {
			if _, ok := r.(atCrashAt); !ok {
				panic(r)
			}
			hit = true
		}
	}()
	return false, f()
}

// atTraceSteps runs f and returns the crash points it passed.
func atTraceSteps(f func() error) ([]string, error) {
	var steps []string
	crashPoint = func(s string) { steps = append(steps, s) }
	defer func() { crashPoint = nil }()
	err := f()
	return steps, err
}

// ---- SyncDir, BackupName ----

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		path    string
		wantErr bool
	}{
		{"directory", dir, false},
		{"missing", filepath.Join(dir, "nope"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := SyncDir(tc.path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("SyncDir(%s) = %v, want error %v", tc.path, err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("error %v is not fs.ErrNotExist", err)
			}
		})
	}
}

func TestBackupName(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 2*3600))
	const stem = "appendonly.aof.aofkit-tail-20260304T030607Z"
	for _, tc := range []struct {
		name     string
		existing []string
		dirs     []string
		want     string
	}{
		{"free", nil, nil, stem},
		{"taken", []string{stem}, nil, stem + "-2"},
		{"taken twice", []string{stem, stem + "-2"}, nil, stem + "-3"},
		{"gap is used", []string{stem, stem + "-3"}, nil, stem + "-2"},
		{"a directory takes the name", nil, []string{stem}, stem + "-2"},
		{"other times do not", []string{"appendonly.aof.aofkit-tail-20260304T030608Z"}, nil, stem},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range tc.existing {
				atWriteFile(t, filepath.Join(dir, n), nil, 0o644)
			}
			for _, n := range tc.dirs {
				if err := os.Mkdir(filepath.Join(dir, n), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if got := BackupName(dir, "appendonly.aof", "tail", now); got != tc.want {
				t.Fatalf("BackupName = %q, want %q", got, tc.want)
			}
		})
	}
	// A dangling symbolic link also takes the name.
	dir := t.TempDir()
	if err := os.Symlink("nowhere", filepath.Join(dir, stem)); err != nil {
		t.Fatal(err)
	}
	if got := BackupName(dir, "appendonly.aof", "tail", now); got != stem+"-2" {
		t.Fatalf("with a dangling symlink: %q", got)
	}
}

// ---- WriteFileAtomic, CopyRanges ----

func TestWriteFileAtomic(t *testing.T) {
	big := atPattern("big", 3<<20+17)
	srcData := atPattern("src", 1<<20)
	for _, tc := range []struct {
		name    string
		old     []byte // nil: no file before
		perm    fs.FileMode
		fill    func(w io.Writer, src *os.File) error
		want    []byte
		wantErr string
	}{
		{
			name: "new file", perm: 0o644,
			fill: func(w io.Writer, _ *os.File) error { _, err := io.WriteString(w, "hello"); return err },
			want: []byte("hello"),
		},
		{
			name: "replace", old: []byte("old content"), perm: 0o640,
			fill: func(w io.Writer, _ *os.File) error { _, err := io.WriteString(w, "new"); return err },
			want: []byte("new"),
		},
		{
			name: "empty", old: []byte("old"), perm: 0o600,
			fill: func(io.Writer, *os.File) error { return nil },
			want: []byte{},
		},
		{
			name: "perm is exact, umask not applied", perm: 0o666,
			fill: func(w io.Writer, _ *os.File) error { _, err := w.Write([]byte("x")); return err },
			want: []byte("x"),
		},
		{
			name: "streamed in small and large writes", old: []byte("old"), perm: 0o644,
			fill: func(w io.Writer, _ *os.File) error {
				for i := 0; i < len(big); {
					n := min(1+i%7919, len(big)-i)
					if i%5 == 0 {
						n = min(700<<10, len(big)-i) // bigger than the buffer
					}
					if _, err := w.Write(big[i : i+n]); err != nil {
						return err
					}
					i += n
				}
				return nil
			},
			want: big,
		},
		{
			name: "writes, io.Copy from a file and CopyRanges interleave in order", perm: 0o644,
			fill: func(w io.Writer, src *os.File) error {
				io.WriteString(w, "head:")
				if _, err := src.Seek(0, io.SeekStart); err != nil {
					return err
				}
				if _, err := io.Copy(w, io.LimitReader(src, 100)); err != nil {
					return err
				}
				io.WriteString(w, ":mid:")
				if err := CopyRanges(w, src, [][2]int64{{1000, 300000}, {5, 10}, {5, 10}, {7, 7}}); err != nil {
					return err
				}
				_, err := io.WriteString(w, ":tail")
				return err
			},
			want: slices.Concat([]byte("head:"), srcData[:100], []byte(":mid:"), srcData[1000:300000],
				srcData[5:10], srcData[5:10], []byte(":tail")),
		},
		{
			name: "fill error keeps the old file", old: []byte("old"), perm: 0o644,
			fill: func(w io.Writer, _ *os.File) error {
				w.Write(big)
				return errors.New("boom")
			},
			want: []byte("old"), wantErr: "boom",
		},
		{
			name: "fill error, no file before", perm: 0o644,
			fill:    func(w io.Writer, _ *os.File) error { return errors.New("boom") },
			wantErr: "boom",
		},
		{
			name: "range past the end of the source", old: []byte("old"), perm: 0o644,
			fill: func(w io.Writer, src *os.File) error {
				return CopyRanges(w, src, [][2]int64{{int64(len(srcData)) - 10, int64(len(srcData)) + 1}})
			},
			want: []byte("old"), wantErr: "unexpected EOF",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srcDir := t.TempDir()
			atWriteFile(t, filepath.Join(srcDir, "src"), srcData, 0o644)
			src, err := os.Open(filepath.Join(srcDir, "src"))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			dst := filepath.Join(dir, "appendonly.aof")
			if tc.old != nil {
				atWriteFile(t, dst, tc.old, 0o644)
			}
			err = WriteFileAtomic(dir, "appendonly.aof", tc.perm, func(w io.Writer) error { return tc.fill(w, src) })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			files := atDirFiles(t, dir)
			if tc.want == nil {
				if len(files) != 0 {
					t.Fatalf("files left: %v", slices.Collect(atKeys(files)))
				}
				return
			}
			if len(files) != 1 {
				t.Fatalf("files in dir: %v, want only appendonly.aof", slices.Collect(atKeys(files)))
			}
			if got := files["appendonly.aof"]; !bytes.Equal(got, tc.want) {
				t.Fatalf("content: %d bytes %.60q, want %d bytes %.60q", len(got), got, len(tc.want), tc.want)
			}
			if tc.wantErr == "" {
				if got := atModeOf(t, dst).Perm(); got != tc.perm {
					t.Fatalf("mode %v, want %v", got, tc.perm)
				}
			}
		})
	}
}

func atKeys[V any](m map[string]V) func(func(string) bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Values(keys)
}

func TestWriteFileAtomicRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		setup func(t *testing.T, dir string)
		is    error
	}{
		{name: "slash", file: "a/b", is: ErrUnsafeFileName},
		{name: "dot dot", file: "..", is: ErrUnsafeFileName},
		{name: "empty", file: "", is: ErrUnsafeFileName},
		{name: "destination is a directory", file: "d", setup: func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
				t.Fatal(err)
			}
			atWriteFile(t, filepath.Join(dir, "d", "inside"), []byte("x"), 0o644)
		}},
		{name: "missing dir", file: "x", setup: func(t *testing.T, dir string) {
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
		}, is: fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "aof")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			called := false
			err := WriteFileAtomic(dir, tc.file, 0o644, func(w io.Writer) error {
				called = true
				_, err := w.Write([]byte("data"))
				return err
			})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err %v is not %v", err, tc.is)
			}
			if tc.is == ErrUnsafeFileName && called {
				t.Fatal("fill called for a refused name")
			}
			if _, serr := os.Stat(dir); serr == nil {
				for n := range atDirFiles(t, dir) {
					t.Errorf("left behind: %s", n)
				}
			}
		})
	}
}

func TestWriteFileAtomicWriterAfterFill(t *testing.T) {
	dir := t.TempDir()
	var kept io.Writer
	if err := WriteFileAtomic(dir, "f", 0o644, func(w io.Writer) error { kept = w; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Write([]byte("late")); err == nil {
		t.Fatal("a writer kept past fill still writes")
	}
	if got := atReadFile(t, filepath.Join(dir, "f")); len(got) != 0 {
		t.Fatalf("file changed: %q", got)
	}
}

func TestWriteFileAtomicKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files away")
	}
	for _, tc := range []struct {
		name     string
		existing bool
	}{{"from the replaced file", true}, {"from the directory", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			const uid, gid = 4242, 4343
			if tc.existing {
				atWriteFile(t, filepath.Join(dir, "f"), []byte("old"), 0o644)
				if err := os.Chown(filepath.Join(dir, "f"), uid, gid); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Chown(dir, uid, gid); err != nil {
				t.Fatal(err)
			}
			if err := WriteFileAtomic(dir, "f", 0o644, func(w io.Writer) error { return nil }); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dir, "f"))
			if err != nil {
				t.Fatal(err)
			}
			if u, g, ok := ownerOf(fi); !ok || u != uid || g != gid {
				t.Fatalf("owner %d:%d (%v), want %d:%d", u, g, ok, uid, gid)
			}
		})
	}
}

func TestCopyRanges(t *testing.T) {
	data := atPattern("r", 200000)
	for _, tc := range []struct {
		name    string
		ranges  [][2]int64
		want    []byte
		wantErr error
	}{
		{"none", nil, []byte{}, nil},
		{"whole", [][2]int64{{0, int64(len(data))}}, data, nil},
		{"empty ranges", [][2]int64{{0, 0}, {5, 5}, {int64(len(data)), int64(len(data))}}, []byte{}, nil},
		{"out of order and overlapping", [][2]int64{{100, 200}, {0, 150}, {199999, 200000}},
			slices.Concat(data[100:200], data[0:150], data[199999:]), nil},
		{"past the end", [][2]int64{{10, 20}, {199990, 200010}}, slices.Concat(data[10:20], data[199990:]), io.ErrUnexpectedEOF},
		{"start past the end", [][2]int64{{300000, 300001}}, []byte{}, io.ErrUnexpectedEOF},
		{"reversed", [][2]int64{{0, 3}, {20, 10}}, data[:3], ErrBadRange},
		{"negative", [][2]int64{{-1, 10}}, []byte{}, ErrBadRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			atWriteFile(t, filepath.Join(dir, "src"), data, 0o644)
			f, err := os.Open(filepath.Join(dir, "src"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sinks := []struct {
				name string
				run  func() ([]byte, error)
			}{
				{"ReaderAt to Buffer", func() ([]byte, error) {
					var b bytes.Buffer
					err := CopyRanges(&b, bytes.NewReader(data), tc.ranges)
					return b.Bytes(), err
				}},
				{"File to Buffer", func() ([]byte, error) {
					var b bytes.Buffer
					err := CopyRanges(&b, f, tc.ranges)
					return b.Bytes(), err
				}},
				{"File to File", func() ([]byte, error) {
					out, err := os.Create(filepath.Join(dir, "out"))
					if err != nil {
						return nil, err
					}
					defer out.Close()
					err = CopyRanges(out, f, tc.ranges)
					return atReadFile(t, out.Name()), err
				}},
				{"File to WriteFileAtomic's writer", func() ([]byte, error) {
					var cerr error
					err := WriteFileAtomic(dir, "atomic", 0o644, func(w io.Writer) error {
						cerr = CopyRanges(w, f, tc.ranges)
						return nil // keep what was written, to compare it
					})
					if err != nil {
						return nil, err
					}
					return atReadFile(t, filepath.Join(dir, "atomic")), cerr
				}},
			}
			for _, s := range sinks {
				got, err := s.run()
				if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("%s: err = %v, want %v", s.name, err, tc.wantErr)
				}
				if !bytes.Equal(got, tc.want) {
					t.Fatalf("%s: got %d bytes %.40q, want %d bytes %.40q", s.name, len(got), got, len(tc.want), tc.want)
				}
			}
		})
	}
}

// ---- SaveTailAndTruncate ----

func TestSaveTailAndTruncate(t *testing.T) {
	data := atPattern("t", 100000)
	size := int64(len(data))
	for _, tc := range []struct {
		name       string
		off        int64
		expect     int64
		sidecar    bool
		preSidecar bool // a file is already at the sidecar's name
		wantCut    int64
		wantIs     error
	}{
		{name: "cut with sidecar", off: 4096, expect: size, sidecar: true, wantCut: size - 4096},
		{name: "cut everything", off: 0, expect: size, sidecar: true, wantCut: size},
		{name: "cut one byte", off: size - 1, expect: size, sidecar: true, wantCut: 1},
		{name: "cut without sidecar", off: 10, expect: size, wantCut: size - 10},
		{name: "nothing to cut", off: size, expect: size, sidecar: true},
		{name: "file grew", off: 10, expect: size - 1, sidecar: true, wantIs: ErrFileChanged},
		{name: "file shrank", off: 10, expect: size + 1, sidecar: true, wantIs: ErrFileChanged},
		{name: "offset past the end", off: size + 1, expect: size, sidecar: true, wantIs: ErrBadRange},
		{name: "negative offset", off: -1, expect: size, sidecar: true, wantIs: ErrBadRange},
		{name: "sidecar exists", off: 10, expect: size, sidecar: true, preSidecar: true, wantIs: fs.ErrExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "appendonly.aof")
			atWriteFile(t, path, data, 0o640)
			sidecar := ""
			if tc.sidecar {
				sidecar = filepath.Join(dir, BackupName(dir, "appendonly.aof", "tail", time.Unix(1e9, 0)))
			}
			if tc.preSidecar {
				atWriteFile(t, sidecar, []byte("someone else's"), 0o644)
			}
			cut, err := SaveTailAndTruncate(path, tc.off, tc.expect, sidecar)
			if tc.wantIs != nil {
				if !errors.Is(err, tc.wantIs) {
					t.Fatalf("err = %v, want %v", err, tc.wantIs)
				}
				if cut != 0 {
					t.Fatalf("cut = %d on error", cut)
				}
				if got := atReadFile(t, path); !bytes.Equal(got, data) {
					t.Fatal("file changed on refusal")
				}
				want := map[string]bool{"appendonly.aof": true}
				if tc.preSidecar {
					want[filepath.Base(sidecar)] = true
					if got := atReadFile(t, sidecar); string(got) != "someone else's" {
						t.Fatal("existing sidecar overwritten")
					}
				}
				for n := range atDirFiles(t, dir) {
					if !want[n] {
						t.Errorf("left behind: %s", n)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cut != tc.wantCut {
				t.Fatalf("cut = %d, want %d", cut, tc.wantCut)
			}
			if got := atReadFile(t, path); !bytes.Equal(got, data[:tc.off]) {
				t.Fatalf("file is %d bytes, want the first %d", len(got), tc.off)
			}
			files := atDirFiles(t, dir)
			switch {
			case sidecar != "" && cut > 0:
				if got := files[filepath.Base(sidecar)]; !bytes.Equal(got, data[tc.off:]) {
					t.Fatalf("sidecar holds %d bytes, want the last %d", len(got), cut)
				}
				if m := atModeOf(t, sidecar).Perm(); m != 0o640 {
					t.Fatalf("sidecar mode %v, want the file's 0640", m)
				}
				if len(files) != 2 {
					t.Fatalf("files: %v", slices.Collect(atKeys(files)))
				}
			default:
				if len(files) != 1 {
					t.Fatalf("files: %v (no sidecar expected)", slices.Collect(atKeys(files)))
				}
			}
		})
	}
}

func TestSaveTailAndTruncateNotAFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := SaveTailAndTruncate(filepath.Join(dir, "missing"), 0, 0, ""); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := SaveTailAndTruncate(dir, 0, 0, ""); err == nil {
		t.Fatal("a directory was accepted")
	}
}

// ---- ReplaceManifest ----

// atMultiPart makes an AOF directory with the given files (name -> content) and manifest text.
func atMultiPart(t *testing.T, dir string, files map[string]string, manifest string) {
	t.Helper()
	for n, c := range files {
		atWriteFile(t, filepath.Join(dir, n), []byte(c), 0o644)
	}
	if manifest != "" {
		atWriteFile(t, filepath.Join(dir, "appendonly.aof.manifest"), []byte(manifest), 0o644)
	}
}

const (
	atMBase  = "appendonly.aof.1.base.rdb"
	atMIncr1 = "appendonly.aof.1.incr.aof"
	atMIncr2 = "appendonly.aof.2.incr.aof"
)

var atOldManifest = "file " + atMBase + " seq 1 type b\nfile " + atMIncr1 + " seq 1 type i\n"

func atNewManifest() *Manifest {
	return &Manifest{Entries: []ManifestEntry{
		{Name: atMBase, Seq: 1, Type: FileTypeBase},
		{Name: atMIncr1, Seq: 1, Type: FileTypeIncr},
		{Name: atMIncr2, Seq: 2, Type: FileTypeIncr},
	}}
}

func TestReplaceManifest(t *testing.T) {
	parts := map[string]string{atMBase: "REDIS0011", atMIncr1: "", atMIncr2: ""}
	for _, tc := range []struct {
		name     string
		setup    func(t *testing.T, dir string) // after the set is made
		file     string
		m        *Manifest
		wantIs   error
		wantMode fs.FileMode
	}{
		{name: "replace", m: atNewManifest(), wantMode: 0o644},
		{name: "keeps the old mode", m: atNewManifest(), wantMode: 0o600, setup: func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, "appendonly.aof.manifest"), 0o600)
		}},
		{name: "new manifest", file: "other.manifest", m: atNewManifest(), wantMode: 0o644},
		{name: "quoted names round trip", m: &Manifest{Entries: []ManifestEntry{
			{Name: "with space.rdb", Seq: 1, Type: FileTypeBase},
			{Name: "old history", Seq: 7, Type: FileTypeHistory}, // history files need not exist
		}}, wantMode: 0o644, setup: func(t *testing.T, dir string) {
			atWriteFile(t, filepath.Join(dir, "with space.rdb"), nil, 0o644)
		}},
		{name: "leftover temp manifest is replaced", m: atNewManifest(), wantMode: 0o644, setup: func(t *testing.T, dir string) {
			atWriteFile(t, filepath.Join(dir, "temp-appendonly.aof.manifest"), []byte("garbage from a crash"), 0o644)
		}},
		{name: "leftover temp symlink is not followed", m: atNewManifest(), wantMode: 0o644, setup: func(t *testing.T, dir string) {
			atWriteFile(t, filepath.Join(dir, "victim"), []byte("precious"), 0o644)
			if err := os.Symlink("victim", filepath.Join(dir, "temp-appendonly.aof.manifest")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "listed file missing", m: atNewManifest(), wantIs: ErrUnsafeManifest, setup: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, atMIncr2))
		}},
		{name: "listed file is a directory", m: atNewManifest(), wantIs: ErrUnsafeManifest, setup: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, atMIncr2))
			os.Mkdir(filepath.Join(dir, atMIncr2), 0o755)
		}},
		{name: "nothing to load", m: &Manifest{Entries: []ManifestEntry{{Name: atMIncr1, Seq: 1, Type: FileTypeHistory}}}, wantIs: ErrUnsafeManifest},
		{name: "empty", m: &Manifest{}, wantIs: ErrUnsafeManifest},
		{name: "invalid: two bases", m: &Manifest{Entries: []ManifestEntry{
			{Name: atMBase, Seq: 1, Type: FileTypeBase}, {Name: atMIncr1, Seq: 2, Type: FileTypeBase}}}, wantIs: ErrManifest},
		{name: "invalid: unsafe entry name", m: &Manifest{Entries: []ManifestEntry{{Name: "../x", Seq: 1, Type: FileTypeBase}}}, wantIs: ErrManifest},
		{name: "invalid: incr seqs not increasing", m: &Manifest{Entries: []ManifestEntry{
			{Name: atMIncr1, Seq: 2, Type: FileTypeIncr}, {Name: atMIncr2, Seq: 2, Type: FileTypeIncr}}}, wantIs: ErrManifest},
		{name: "unsafe manifest name", file: "../appendonly.aof.manifest", m: atNewManifest(), wantIs: ErrUnsafeFileName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			atMultiPart(t, dir, parts, atOldManifest)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			before := atDirFiles(t, dir)
			file := tc.file
			if file == "" {
				file = "appendonly.aof.manifest"
			}
			err := ReplaceManifest(dir, file, tc.m)
			if tc.wantIs != nil {
				if !errors.Is(err, tc.wantIs) {
					t.Fatalf("err = %v, want %v", err, tc.wantIs)
				}
				if after := atDirFiles(t, dir); !reflect.DeepEqual(before, after) {
					t.Fatal("directory changed on refusal")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, file)
			got := atReadFile(t, path)
			if want := AppendManifest(nil, tc.m); !bytes.Equal(got, want) {
				t.Fatalf("manifest:\n%s\nwant:\n%s", got, want)
			}
			back, err := ParseManifest(got)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Entries) != len(tc.m.Entries) {
				t.Fatalf("parsed back %d entries", len(back.Entries))
			}
			if m := atModeOf(t, path); m != tc.wantMode {
				t.Fatalf("mode %v, want %v", m, tc.wantMode)
			}
			after := atDirFiles(t, dir)
			for n := range after {
				if strings.HasPrefix(n, "temp-") {
					t.Errorf("left behind: %s", n)
				}
			}
			if v, ok := before["victim"]; ok && !bytes.Equal(after["victim"], v) {
				t.Fatal("the symlink's target was written")
			}
		})
	}
}

// ---- ReplaceFileWithBackup ----

func TestReplaceFileWithBackup(t *testing.T) {
	old := atPattern("old", 90000)
	newData := atPattern("new", 50000)
	for _, tc := range []struct {
		name    string
		backup  string // relative to the test root; the file is root/aof/appendonly.aof
		copy    bool
		setup   func(t *testing.T, root string)
		fillErr bool
		wantIs  error
		wantErr bool
	}{
		{name: "hard link", backup: "aof/appendonly.aof.bak"},
		{name: "backup in another directory", backup: "backups/appendonly.aof.bak"},
		{name: "copy when no link is possible", backup: "backups/appendonly.aof.bak", copy: true},
		{name: "no backup", backup: ""},
		{name: "backup exists", backup: "aof/appendonly.aof.bak", wantIs: fs.ErrExist, setup: func(t *testing.T, root string) {
			atWriteFile(t, filepath.Join(root, "aof/appendonly.aof.bak"), []byte("older"), 0o644)
		}},
		{name: "backup dir missing", backup: "nodir/appendonly.aof.bak", wantIs: fs.ErrNotExist},
		{name: "file missing", backup: "aof/appendonly.aof.bak", wantIs: fs.ErrNotExist, setup: func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, "aof/appendonly.aof"))
		}},
		{name: "file is a directory", backup: "aof/appendonly.aof.bak", wantErr: true, setup: func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, "aof/appendonly.aof"))
			os.Mkdir(filepath.Join(root, "aof/appendonly.aof"), 0o755)
		}},
		{name: "fill fails: nothing changes, no backup", backup: "aof/appendonly.aof.bak", fillErr: true, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "aof")
			os.Mkdir(dir, 0o755)
			os.Mkdir(filepath.Join(root, "backups"), 0o755)
			path := filepath.Join(dir, "appendonly.aof")
			atWriteFile(t, path, old, 0o640)
			if tc.setup != nil {
				tc.setup(t, root)
			}
			backup := ""
			if tc.backup != "" {
				backup = filepath.Join(root, tc.backup)
			}
			before := atDirFiles(t, dir)
			forceCopy = tc.copy
			err := ReplaceFileWithBackup(dir, "appendonly.aof", backup, 0o644, func(w io.Writer) error {
				if tc.fillErr {
					return errors.New("boom")
				}
				_, err := w.Write(newData)
				return err
			})
			forceCopy = false
			if tc.wantIs != nil || tc.wantErr {
				if err == nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Fatalf("err = %v, want %v", err, tc.wantIs)
				}
				if after := atDirFiles(t, dir); !reflect.DeepEqual(before, after) {
					t.Fatalf("directory changed: %v -> %v", slices.Collect(atKeys(before)), slices.Collect(atKeys(after)))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := atReadFile(t, path); !bytes.Equal(got, newData) {
				t.Fatal("file is not the new content")
			}
			if m := atModeOf(t, path).Perm(); m != 0o644 {
				t.Fatalf("new file mode %v", m)
			}
			want := []string{"appendonly.aof"}
			if backup != "" {
				if got := atReadFile(t, backup); !bytes.Equal(got, old) {
					t.Fatal("backup is not the old content")
				}
				if m := atModeOf(t, backup).Perm(); m != 0o640 {
					t.Fatalf("backup mode %v, want the old file's 0640", m)
				}
				if filepath.Dir(backup) == dir {
					want = append(want, filepath.Base(backup))
				} else {
					atLeftoversOK(t, filepath.Dir(backup), filepath.Base(backup))
					if n := len(atDirFiles(t, filepath.Dir(backup))); n != 1 {
						t.Fatalf("%d files in the backup dir", n)
					}
				}
			}
			if got := slices.Collect(atKeys(atDirFiles(t, dir))); !slices.Equal(got, want) {
				t.Fatalf("files %v, want %v", got, want)
			}
		})
	}
}

// ---- MoveAside ----

func TestMoveAside(t *testing.T) {
	files := map[string]string{"a.aof": "aaaa", "b.aof": strings.Repeat("b", 100000), "keep.aof": "k"}
	for _, tc := range []struct {
		name    string
		names   []string
		backup  string // relative to the test's root; the AOF dir is root/aof
		copy    bool   // force the cross-device path
		setup   func(t *testing.T, root string)
		wantIs  error
		wantErr bool
		moved   int // files moved before the error
	}{
		{name: "rename", names: []string{"a.aof", "b.aof"}, backup: "backup"},
		{name: "nested backup dir is created", names: []string{"b.aof"}, backup: "x/y/backup"},
		{name: "existing backup dir", names: []string{"a.aof"}, backup: "backup", setup: func(t *testing.T, root string) {
			os.Mkdir(filepath.Join(root, "backup"), 0o755)
		}},
		{name: "nothing to move", backup: "backup"},
		{name: "copy across devices", names: []string{"a.aof", "b.aof"}, backup: "backup", copy: true},
		{name: "target exists", names: []string{"a.aof", "b.aof"}, backup: "backup", wantIs: fs.ErrExist, moved: 1,
			setup: func(t *testing.T, root string) {
				os.Mkdir(filepath.Join(root, "backup"), 0o755)
				atWriteFile(t, filepath.Join(root, "backup", "b.aof"), []byte("older backup"), 0o644)
			}},
		{name: "target exists, copy path", names: []string{"b.aof"}, backup: "backup", copy: true, wantIs: fs.ErrExist,
			setup: func(t *testing.T, root string) {
				os.Mkdir(filepath.Join(root, "backup"), 0o755)
				atWriteFile(t, filepath.Join(root, "backup", "b.aof"), []byte("older backup"), 0o644)
			}},
		{name: "missing file", names: []string{"a.aof", "nope"}, backup: "backup", wantIs: fs.ErrNotExist, moved: 1},
		{name: "missing file, copy path", names: []string{"nope"}, backup: "backup", copy: true, wantIs: fs.ErrNotExist},
		{name: "unsafe name", names: []string{"../a.aof"}, backup: "backup", wantIs: ErrUnsafeFileName},
		{name: "backup dir is the AOF dir", names: []string{"a.aof"}, backup: "aof", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "aof")
			os.Mkdir(dir, 0o755)
			atMultiPart(t, dir, files, "")
			os.Chmod(filepath.Join(dir, "b.aof"), 0o604)
			mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			os.Chtimes(filepath.Join(dir, "b.aof"), mtime, mtime)
			if tc.setup != nil {
				tc.setup(t, root)
			}
			backup := filepath.Join(root, tc.backup)
			var preBackup map[string][]byte
			if _, err := os.Stat(backup); err == nil {
				preBackup = atDirFiles(t, backup)
			}
			forceCopy = tc.copy
			paths, err := MoveAside(dir, tc.names, backup)
			forceCopy = false
			if tc.wantIs != nil || tc.wantErr {
				if err == nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Fatalf("err = %v, want %v", err, tc.wantIs)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(paths) != max(tc.moved, len(tc.names)*atBtoi(err == nil)) {
				t.Fatalf("returned %v", paths)
			}
			movedSet := map[string]bool{}
			for i, p := range paths {
				n := tc.names[i]
				if want := filepath.Join(backup, n); p != want {
					t.Fatalf("path %d = %s, want %s", i, p, want)
				}
				movedSet[n] = true
				if got := atReadFile(t, p); string(got) != files[n] {
					t.Fatalf("%s: content changed", p)
				}
				if n == "b.aof" {
					fi, _ := os.Stat(p)
					if fi.Mode().Perm() != 0o604 || !fi.ModTime().Equal(mtime) {
						t.Fatalf("%s: mode %v mtime %v, want 0604 %v", p, fi.Mode(), fi.ModTime(), mtime)
					}
				}
			}
			left := atDirFiles(t, dir)
			for n, c := range files {
				if movedSet[n] {
					if _, ok := left[n]; ok {
						t.Errorf("%s still in the AOF dir", n)
					}
				} else if string(left[n]) != c {
					t.Errorf("%s: not in the AOF dir any more (or changed)", n)
				}
			}
			if _, err := os.Stat(backup); err == nil && tc.backup != "aof" {
				for n, c := range atDirFiles(t, backup) {
					switch {
					case movedSet[n]:
					case preBackup[n] != nil && bytes.Equal(preBackup[n], c):
					default:
						t.Errorf("unexpected file in the backup dir: %s", n)
					}
				}
				if m := atModeOf(t, backup); preBackup == nil && m.Perm() != 0o700 {
					t.Errorf("backup dir mode %v, want 0700", m)
				}
			}
		})
	}
}

func atBtoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- steps and in-process crashes ----

// atScenario is one change made with this file's functions, with the state a crash may
// leave checked against the old and the new state.
type atScenario struct {
	name string
	// steps are the crash points the change passes, in order ("step#n": its n-th time).
	steps []string
	// newFrom is the first step after which the new state must be seen.
	newFrom string
	setup   func(t *testing.T, root string)
	run     func(root string) error
	// check asserts the state is the old one (isNew false) or the new one, plus what may
	// be left around; it returns whether it found the new state.
	check func(t *testing.T, root string) (isNew bool)
}

// expectNew says whether a crash at step (or "" for no crash) must show the new state.
func (s atScenario) expectNew(step string) bool {
	if step == "" {
		return true
	}
	return slices.Index(s.steps, step) >= slices.Index(s.steps, s.newFrom)
}

func atParseStep(s string) (string, int) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		n, _ := strconv.Atoi(s[i+1:])
		return s[:i], n
	}
	return s, 1
}

var (
	atWOld    = atPattern("old", 70000)
	atWSrc    = atPattern("src", 500000)
	atWRanges = [][2]int64{{0, 1000}, {250000, 500000}, {10, 20}}
)

func atWNew() []byte {
	var b []byte
	for i := 0; i < 8; i++ {
		b = append(b, atPattern("new"+strconv.Itoa(i), 40000)...)
	}
	for _, r := range atWRanges {
		b = append(b, atWSrc[r[0]:r[1]]...)
	}
	return b
}

var (
	atTGood = []byte("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
	atTTail = []byte("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$10\r\nonly part")
)

// atLeftoversOK fails on files in dir other than the allowed ones and temp- names.
func atLeftoversOK(t *testing.T, dir string, allowed ...string) {
	t.Helper()
	for n := range atDirFiles(t, dir) {
		if !slices.Contains(allowed, n) && !strings.HasPrefix(n, "temp-") {
			t.Errorf("%s: unexpected file %s", dir, n)
		}
	}
}

var (
	atROld = atPattern("rold", 60000)
	atRNew = atPattern("rnew", 45000)
)

func atReplaceSetup(t *testing.T, root string) {
	os.Mkdir(filepath.Join(root, "backups"), 0o755)
	atWriteFile(t, filepath.Join(root, "appendonly.aof"), atROld, 0o644)
}

func atReplaceRun(root string) error {
	return ReplaceFileWithBackup(root, "appendonly.aof", filepath.Join(root, "backups", "old.aof"), 0o644,
		func(w io.Writer) error { _, err := w.Write(atRNew); return err })
}

func atReplaceCheck(t *testing.T, root string) bool {
	got := atReadFile(t, filepath.Join(root, "appendonly.aof"))
	isNew := bytes.Equal(got, atRNew)
	if !isNew && !bytes.Equal(got, atROld) {
		t.Fatalf("appendonly.aof is neither old nor new: %d bytes", len(got))
	}
	b, err := os.ReadFile(filepath.Join(root, "backups", "old.aof"))
	if isNew && (err != nil || !bytes.Equal(b, atROld)) {
		t.Fatalf("the file was replaced but the backup is not the old file (%d bytes, %v)", len(b), err)
	}
	if err == nil && !bytes.Equal(b, atROld) {
		t.Fatal("a backup exists and is not the old file")
	}
	atLeftoversOK(t, root, "appendonly.aof")
	atLeftoversOK(t, filepath.Join(root, "backups"), "old.aof")
	return isNew
}

func atScenarios() []atScenario {
	moveFiles := map[string]string{"x1.aof": string(atPattern("x1", 30000)), "x2.aof": string(atPattern("x2", 50000))}
	moveCheck := func(t *testing.T, root string) bool {
		dir, backup := filepath.Join(root, "aof"), filepath.Join(root, "backup")
		in := atDirFiles(t, dir)
		var aside map[string][]byte
		if _, err := os.Stat(backup); err == nil {
			aside = atDirFiles(t, backup)
		}
		allAside := true
		for n, c := range moveFiles {
			a, inDir := in[n]
			b, inBackup := aside[n]
			if !inDir && !inBackup {
				t.Fatalf("%s is gone from both directories", n)
			}
			if inDir && string(a) != c || inBackup && string(b) != c {
				t.Fatalf("%s: content changed", n)
			}
			allAside = allAside && !inDir
		}
		atLeftoversOK(t, dir, "x1.aof", "x2.aof")
		if aside != nil {
			atLeftoversOK(t, backup, "x1.aof", "x2.aof")
		}
		return allAside
	}
	moveSetup := func(t *testing.T, root string) {
		os.Mkdir(filepath.Join(root, "aof"), 0o755)
		atMultiPart(t, filepath.Join(root, "aof"), moveFiles, "")
	}
	return []atScenario{
		{
			name: "write",
			steps: []string{"temp-created", "fill-0", "fill-3", "fill-7", "temp-written", "temp-synced",
				"renamed", "dir-synced"},
			newFrom: "renamed",
			setup: func(t *testing.T, root string) {
				atWriteFile(t, filepath.Join(root, "appendonly.aof"), atWOld, 0o644)
				atWriteFile(t, filepath.Join(root, "src"), atWSrc, 0o644)
			},
			run: func(root string) error {
				src, err := os.Open(filepath.Join(root, "src"))
				if err != nil {
					return err
				}
				defer src.Close()
				return WriteFileAtomic(root, "appendonly.aof", 0o644, func(w io.Writer) error {
					for i := 0; i < 8; i++ {
						if _, err := w.Write(atPattern("new"+strconv.Itoa(i), 40000)); err != nil {
							return err
						}
						reach("fill-" + strconv.Itoa(i))
					}
					return CopyRanges(w, src, atWRanges)
				})
			},
			check: func(t *testing.T, root string) bool {
				got := atReadFile(t, filepath.Join(root, "appendonly.aof"))
				isNew := bytes.Equal(got, atWNew())
				if !isNew && !bytes.Equal(got, atWOld) {
					t.Fatalf("appendonly.aof is neither old nor new: %d bytes", len(got))
				}
				atLeftoversOK(t, root, "appendonly.aof", "src")
				return isNew
			},
		},
		{
			name: "manifest",
			steps: []string{"manifest-temp-created", "manifest-temp-written", "manifest-temp-synced",
				"manifest-renamed", "manifest-dir-synced"},
			newFrom: "manifest-renamed",
			setup: func(t *testing.T, root string) {
				atMultiPart(t, root, map[string]string{atMBase: "REDIS0011", atMIncr1: "", atMIncr2: "",
					"temp-appendonly.aof.manifest": "a crashed rewrite's leftover"}, atOldManifest)
			},
			run: func(root string) error { return ReplaceManifest(root, "appendonly.aof.manifest", atNewManifest()) },
			check: func(t *testing.T, root string) bool {
				got := atReadFile(t, filepath.Join(root, "appendonly.aof.manifest"))
				if _, err := ParseManifest(got); err != nil {
					t.Fatalf("manifest does not parse: %v", err)
				}
				isNew := bytes.Equal(got, AppendManifest(nil, atNewManifest()))
				if !isNew && string(got) != atOldManifest {
					t.Fatalf("manifest is neither old nor new:\n%s", got)
				}
				atLeftoversOK(t, root, "appendonly.aof.manifest", atMBase, atMIncr1, atMIncr2)
				return isNew
			},
		},
		{
			name:    "tail",
			steps:   []string{"sidecar-created", "sidecar-written", "sidecar-synced", "truncated", "truncate-synced"},
			newFrom: "truncated",
			setup: func(t *testing.T, root string) {
				atWriteFile(t, filepath.Join(root, "appendonly.aof"), slices.Concat(atTGood, atTTail), 0o644)
			},
			run: func(root string) error {
				_, err := SaveTailAndTruncate(filepath.Join(root, "appendonly.aof"), int64(len(atTGood)),
					int64(len(atTGood)+len(atTTail)), filepath.Join(root, "appendonly.aof.aofkit-tail"))
				return err
			},
			check: func(t *testing.T, root string) bool {
				got := atReadFile(t, filepath.Join(root, "appendonly.aof"))
				side, err := os.ReadFile(filepath.Join(root, "appendonly.aof.aofkit-tail"))
				switch {
				case bytes.Equal(got, atTGood):
					if err != nil || !bytes.Equal(side, atTTail) {
						t.Fatalf("file cut but the sidecar holds %q (%v)", side, err)
					}
				case bytes.Equal(got, slices.Concat(atTGood, atTTail)):
					if err == nil && !bytes.HasPrefix(atTTail, side) {
						t.Fatalf("sidecar holds %q, not a prefix of the tail", side)
					}
				default:
					t.Fatalf("file is neither old nor new: %q", got)
				}
				atLeftoversOK(t, root, "appendonly.aof", "appendonly.aof.aofkit-tail")
				return bytes.Equal(got, atTGood)
			},
		},
		{
			name:    "move",
			steps:   []string{"moved", "moved#2", "aside-synced"},
			newFrom: "moved#2",
			setup:   moveSetup,
			run: func(root string) error {
				_, err := MoveAside(filepath.Join(root, "aof"), []string{"x1.aof", "x2.aof"}, filepath.Join(root, "backup"))
				return err
			},
			check: moveCheck,
		},
		{
			name: "move-copy",
			steps: []string{"aside-copied", "aside-copy-synced", "aside-copy-renamed", "aside-source-removed", "moved",
				"aside-copied#2", "aside-copy-synced#2", "aside-copy-renamed#2", "aside-source-removed#2", "moved#2",
				"aside-synced"},
			newFrom: "aside-source-removed#2",
			setup:   moveSetup,
			run: func(root string) error {
				forceCopy = true
				defer func() { forceCopy = false }()
				_, err := MoveAside(filepath.Join(root, "aof"), []string{"x1.aof", "x2.aof"}, filepath.Join(root, "backup"))
				return err
			},
			check: moveCheck,
		},
		{
			name: "replace-backup",
			steps: []string{"temp-created", "temp-written", "temp-synced", "backup-linked", "backup-synced",
				"renamed", "dir-synced"},
			newFrom: "renamed",
			setup:   atReplaceSetup,
			run:     atReplaceRun,
			check:   atReplaceCheck,
		},
		{
			name: "replace-backup-copy",
			steps: []string{"temp-created", "temp-written", "temp-synced", "backup-copied", "backup-copy-synced",
				"backup-copy-renamed", "backup-synced", "renamed", "dir-synced"},
			newFrom: "renamed",
			setup:   atReplaceSetup,
			run: func(root string) error {
				forceCopy = true
				defer func() { forceCopy = false }()
				return atReplaceRun(root)
			},
			check: atReplaceCheck,
		},
	}
}

// TestAtomicCrashSteps checks that each scenario passes exactly its steps, in order (the
// list crashPoint's comment documents), so that the crash tests stop at every one.
func TestAtomicCrashSteps(t *testing.T) {
	for _, s := range atScenarios() {
		t.Run(s.name, func(t *testing.T) {
			root := t.TempDir()
			s.setup(t, root)
			got, err := atTraceSteps(func() error { return s.run(root) })
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, st := range s.steps {
				name, _ := atParseStep(st)
				want = append(want, name)
			}
			got = slices.DeleteFunc(got, func(st string) bool {
				return strings.HasPrefix(st, "fill-") && !slices.Contains(want, st)
			})
			if !slices.Equal(got, want) {
				t.Fatalf("steps:\n got %v\nwant %v", got, want)
			}
			if !s.check(t, root) {
				t.Fatal("finished, but the state is the old one")
			}
		})
	}
	// Without a sidecar only the truncation steps are passed.
	dir := t.TempDir()
	atWriteFile(t, filepath.Join(dir, "f"), []byte("abc"), 0o644)
	got, err := atTraceSteps(func() error { _, err := SaveTailAndTruncate(filepath.Join(dir, "f"), 1, 3, ""); return err })
	if err != nil || !slices.Equal(got, []string{"truncated", "truncate-synced"}) {
		t.Fatalf("without sidecar: %v %v", got, err)
	}
}

// TestAtomicCrashInProcess stops each scenario at each step (a panic from crashPoint: no cleanup
// runs, as in a crash) and checks the state is the old one before the switching step and the
// new one from it on, with only temp- leftovers.
func TestAtomicCrashInProcess(t *testing.T) {
	for _, s := range atScenarios() {
		for _, step := range s.steps {
			t.Run(s.name+"/"+step, func(t *testing.T) {
				root := t.TempDir()
				s.setup(t, root)
				name, n := atParseStep(step)
				hit, err := atStopAt(t, name, n, func() error { return s.run(root) })
				forceCopy = false
				if !hit {
					t.Fatalf("step %s not reached (err %v)", step, err)
				}
				if got, want := s.check(t, root), s.expectNew(step); got != want {
					t.Fatalf("crash at %s: new state %v, want %v", step, got, want)
				}
			})
		}
	}
}

// ---- kill -9 in a child process ----

const (
	atEnvChild = "AOFKIT_ATOMIC_CRASH_CHILD" // scenario name
	atEnvRoot  = "AOFKIT_ATOMIC_CRASH_ROOT"
	atEnvStop  = "AOFKIT_ATOMIC_CRASH_STOP" // step[#n], or "" to finish
)

// TestAtomicCrashChild is not a test: it is the child process of the kill -9 tests. It runs
// one scenario; at the stop step it writes the step's name on fd 3 and blocks reading stdin
// (which the parent never writes) until the parent SIGKILLs it.
func TestAtomicCrashChild(t *testing.T) {
	name := os.Getenv(atEnvChild)
	if name == "" {
		t.Skip("child process of TestAtomicCrashKill9")
	}
	report := os.NewFile(3, "report")
	var run func(string) error
	for _, s := range atScenarios() {
		if s.name == name {
			run = s.run
		}
	}
	if run == nil {
		for _, s := range atRedisScenarios() {
			if s.name == name {
				run = s.run
			}
		}
	}
	if run == nil {
		fmt.Fprintf(report, "error: no scenario %q\n", name)
		os.Exit(2)
	}
	stepName, stepN := atParseStep(os.Getenv(atEnvStop))
	seen := 0
	crashPoint = func(s string) {
		if s != stepName {
			return
		}
		if seen++; seen < stepN {
			return
		}
		fmt.Fprintf(report, "%s\n", os.Getenv(atEnvStop))
		io.Copy(io.Discard, os.Stdin) // blocks until killed
		os.Exit(3)
	}
	if err := run(os.Getenv(atEnvRoot)); err != nil {
		fmt.Fprintf(report, "error: %v\n", err)
		os.Exit(2)
	}
	fmt.Fprintf(report, "done\n")
}

// atKillAt runs scenario name on root in a child process and SIGKILLs it when it reports it
// reached stop (a step, or "" to let it finish).
func atKillAt(t *testing.T, name, root, stop string) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdinW.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAtomicCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), atEnvChild+"="+name, atEnvRoot+"="+root, atEnvStop+"="+stop)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Stdin = stdinR
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	stdinR.Close()
	line, rerr := bufio.NewReader(pr).ReadString('\n')
	line = strings.TrimSuffix(line, "\n")
	want := stop
	if stop == "" {
		want = "done"
	}
	if line == want && stop != "" {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	werr := cmd.Wait()
	if line != want {
		t.Fatalf("child reported %q (%v), want %q; exit %v; output:\n%s", line, rerr, want, werr, out.String())
	}
	if stop != "" {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child was not killed: %v\n%s", werr, out.String())
		}
	} else if werr != nil {
		t.Fatalf("child failed: %v\n%s", werr, out.String())
	}
}

// TestAtomicCrashKill9 SIGKILLs a child process at every step of every scenario (and lets it finish
// once), then checks the state. With AOFKIT_LONG=1 it adds 300 runs at random steps.
func TestAtomicCrashKill9(t *testing.T) {
	type run struct {
		s    atScenario
		step string
	}
	var runs []run
	for _, s := range atScenarios() {
		for _, st := range append(slices.Clone(s.steps), "") {
			runs = append(runs, run{s, st})
		}
	}
	if os.Getenv("AOFKIT_LONG") == "1" {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		all := atScenarios()
		for i := 0; i < 300; i++ {
			s := all[rng.IntN(len(all))]
			runs = append(runs, run{s, s.steps[rng.IntN(len(s.steps))]})
		}
	}
	counts := map[bool]int{}
	for i, r := range runs {
		label := r.step
		if label == "" {
			label = "finish"
		}
		t.Run(fmt.Sprintf("%s/%s/%d", r.s.name, label, i), func(t *testing.T) {
			root := t.TempDir()
			r.s.setup(t, root)
			atKillAt(t, r.s.name, root, r.step)
			isNew := r.s.check(t, root)
			if want := r.s.expectNew(r.step); isNew != want {
				t.Fatalf("killed at %s: new state %v, want %v", label, isNew, want)
			}
			counts[isNew]++
		})
	}
	t.Logf("%d kill -9 runs: %d left the old state, %d the new", len(runs), counts[false], counts[true])
}

// ---- against a real server ----

// A change made the way fix makes one to a multi-part set: write a replacement incr file,
// swap the manifest, move the dropped file aside. Old dataset: FLUSHALL in incr 2 leaves only
// c. New: the FLUSHALL record dropped, every key is there.
const (
	atRBase  = "appendonly.aof.1.base.aof"
	atRIncr1 = "appendonly.aof.1.incr.aof"
	atRIncr2 = "appendonly.aof.2.incr.aof"
	atRIncr3 = "appendonly.aof.3.incr.aof"
)

func atRESP(args ...string) string {
	s := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		s += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	return s
}

var (
	atROldManifest = "file " + atRBase + " seq 1 type b\nfile " + atRIncr1 + " seq 1 type i\nfile " + atRIncr2 + " seq 2 type i\n"
	atRIncr2Data   = atRESP("SELECT", "0") + atRESP("SET", "b", "2") + atRESP("FLUSHALL") + atRESP("SET", "c", "3")
)

// atKeysOf returns the sorted keys of db 0 of s.
func atKeysOf(t *testing.T, s *redistest.Server) []string {
	var got []string
	for _, k := range s.Do(t, "KEYS", "*").([]any) {
		got = append(got, k.(string))
	}
	sort.Strings(got)
	return got
}

func atRedisScenarios() []atScenario {
	return []atScenario{
		{
			name: "fix-multipart",
			steps: []string{"temp-created", "temp-written", "temp-synced", "renamed", "dir-synced",
				"manifest-temp-created", "manifest-temp-written", "manifest-temp-synced", "manifest-renamed",
				"manifest-dir-synced", "moved", "aside-synced"},
			newFrom: "manifest-renamed",
			setup: func(t *testing.T, root string) {
				dir := filepath.Join(root, "appendonlydir")
				os.Mkdir(dir, 0o755)
				atMultiPart(t, dir, map[string]string{
					atRBase:  atRESP("SET", "k", "base"),
					atRIncr1: atRESP("SELECT", "0") + atRESP("SET", "a", "1"),
					atRIncr2: atRIncr2Data,
				}, "")
				atWriteFile(t, filepath.Join(dir, "appendonly.aof.manifest"), []byte(atROldManifest), 0o644)
			},
			run: func(root string) error {
				dir := filepath.Join(root, "appendonlydir")
				src, err := os.Open(filepath.Join(dir, atRIncr2))
				if err != nil {
					return err
				}
				defer src.Close()
				cut := int64(strings.Index(atRIncr2Data, atRESP("FLUSHALL")))
				err = WriteFileAtomic(dir, atRIncr3, 0o644, func(w io.Writer) error {
					return CopyRanges(w, src, [][2]int64{{0, cut}, {cut + int64(len(atRESP("FLUSHALL"))), int64(len(atRIncr2Data))}})
				})
				if err != nil {
					return err
				}
				m := &Manifest{Entries: []ManifestEntry{
					{Name: atRBase, Seq: 1, Type: FileTypeBase},
					{Name: atRIncr1, Seq: 1, Type: FileTypeIncr},
					{Name: atRIncr3, Seq: 3, Type: FileTypeIncr},
				}}
				if err := ReplaceManifest(dir, "appendonly.aof.manifest", m); err != nil {
					return err
				}
				_, err = MoveAside(dir, []string{atRIncr2}, filepath.Join(root, "backup"))
				return err
			},
			check: func(t *testing.T, root string) bool {
				dir := filepath.Join(root, "appendonlydir")
				s, log, err := redistest.LoadAOF(t, dir, redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
				if err != nil {
					t.Fatalf("the set does not load: %v\n%s", err, log)
				}
				got := atKeysOf(t, s)
				isNew := slices.Equal(got, []string{"a", "b", "c", "k"})
				if !isNew && !slices.Equal(got, []string{"c"}) {
					t.Fatalf("keys %v: neither the old dataset [c] nor the new [a b c k]", got)
				}
				return isNew
			},
		},
		{
			name: "fix-single-rewrite",
			steps: []string{"temp-created", "temp-written", "temp-synced", "backup-linked", "backup-synced",
				"renamed", "dir-synced"},
			newFrom: "renamed",
			setup: func(t *testing.T, root string) {
				atWriteFile(t, filepath.Join(root, "appendonly.aof"), []byte(atRESP("SET", "k", "v")+atRIncr2Data), 0o644)
			},
			run: func(root string) error {
				path := filepath.Join(root, "appendonly.aof")
				src, err := os.Open(path)
				if err != nil {
					return err
				}
				defer src.Close()
				data := atRESP("SET", "k", "v") + atRIncr2Data
				cut := int64(strings.Index(data, atRESP("FLUSHALL")))
				return ReplaceFileWithBackup(root, "appendonly.aof", filepath.Join(root, "appendonly.aof.bak"), 0o644,
					func(w io.Writer) error {
						return CopyRanges(w, src, [][2]int64{{0, cut}, {cut + int64(len(atRESP("FLUSHALL"))), int64(len(data))}})
					})
			},
			check: func(t *testing.T, root string) bool {
				s, log, err := redistest.LoadAOF(t, filepath.Join(root, "appendonly.aof"), redistest.AOFOptions{LoadTruncated: redistest.Bool(false)})
				if err != nil {
					t.Fatalf("does not load: %v\n%s", err, log)
				}
				got := atKeysOf(t, s)
				isNew := slices.Equal(got, []string{"b", "c", "k"})
				if !isNew && !slices.Equal(got, []string{"c"}) {
					t.Fatalf("keys %v: neither the old dataset [c] nor the new [b c k]", got)
				}
				if isNew {
					if b, err := os.ReadFile(filepath.Join(root, "appendonly.aof.bak")); err != nil || string(b) != atRESP("SET", "k", "v")+atRIncr2Data {
						t.Fatalf("new state without the old file as backup: %q %v", b, err)
					}
				}
				return isNew
			},
		},
		{
			name:    "fix-tail",
			steps:   []string{"sidecar-created", "sidecar-written", "sidecar-synced", "truncated", "truncate-synced"},
			newFrom: "truncated",
			setup: func(t *testing.T, root string) {
				atWriteFile(t, filepath.Join(root, "appendonly.aof"), slices.Concat(atTGood, atTTail), 0o644)
			},
			run: func(root string) error {
				_, err := SaveTailAndTruncate(filepath.Join(root, "appendonly.aof"), int64(len(atTGood)),
					int64(len(atTGood)+len(atTTail)), filepath.Join(root, "tail.aofkit"))
				return err
			},
			check: func(t *testing.T, root string) bool {
				path := filepath.Join(root, "appendonly.aof")
				isNew := bytes.Equal(atReadFile(t, path), atTGood)
				// The old state loads with aof-load-truncated yes (the default); the new one
				// also with no.
				s, log, err := redistest.LoadAOF(t, path, redistest.AOFOptions{LoadTruncated: redistest.Bool(!isNew)})
				if err != nil {
					t.Fatalf("does not load (new state %v): %v\n%s", isNew, err, log)
				}
				if got := s.Do(t, "DBSIZE"); got != int64(2) {
					t.Fatalf("DBSIZE %v, want 2", got)
				}
				return isNew
			},
		},
	}
}

// TestAtomicCrashKill9LoadsInRedis SIGKILLs a fix-like change at every step and loads what is left
// in a real redis-server: it must load (aof-load-truncated no for complete files) to the old
// or the new dataset, and to the new one exactly when the manifest switched.
func TestAtomicCrashKill9LoadsInRedis(t *testing.T) {
	redistest.RequireBinary(t, "redis-server")
	type run struct {
		s    atScenario
		step string
	}
	var runs []run
	all := atRedisScenarios()
	for _, s := range all {
		for _, step := range append(slices.Clone(s.steps), "") {
			runs = append(runs, run{s, step})
		}
	}
	if os.Getenv("AOFKIT_LONG") == "1" {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
		for i := 0; i < 60; i++ {
			s := all[rng.IntN(len(all))]
			runs = append(runs, run{s, s.steps[rng.IntN(len(s.steps))]})
		}
	}
	counts := map[bool]int{}
	for i, r := range runs {
		label := r.step
		if label == "" {
			label = "finish"
		}
		t.Run(fmt.Sprintf("%s/%s/%d", r.s.name, label, i), func(t *testing.T) {
			root := t.TempDir()
			r.s.setup(t, root)
			atKillAt(t, r.s.name, root, r.step)
			isNew := r.s.check(t, root)
			if want := r.s.expectNew(r.step); isNew != want {
				t.Fatalf("killed at %s: new dataset %v, want %v", label, isNew, want)
			}
			counts[isNew]++
		})
	}
	t.Logf("%d kill -9 runs loaded in redis-server: %d to the old dataset, %d to the new", len(runs), counts[false], counts[true])
}
