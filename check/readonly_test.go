//go:build linux

package check_test

// `check` never writes to its input and needs no write permission (DESIGN.md, safety rules).
//
// Tests run as root, where permission bits do not stop anything, so besides chmod 0444/0555
// the test uses two things the kernel enforces on root too:
//   - the immutable attribute (chattr +i, FS_IOC_SETFLAGS): opening an immutable file for
//     writing, truncating it, or creating a file in an immutable directory fails with EPERM
//     even for root. Skipped (with a log line) where the filesystem or the container does not
//     allow it.
//   - inotify on the input directories: the kernel queues an event for every open, close,
//     modification, attribute change, creation, deletion and rename in them, synchronously,
//     so once check has returned the queue holds everything it did. IN_CLOSE_WRITE is
//     reported for any file that was open for writing, even if nothing was written: its
//     absence shows that no file was opened with a write flag.
// Afterwards every file must have the same bytes (SHA-256), size, mode and mtime, and the
// directories the same entries.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/aofkit/aofkit/check"
)

// roEntry is what the test remembers of one file or directory.
type roEntry struct {
	mode  fs.FileMode
	size  int64
	mtime int64 // nanoseconds
	hash  string
	list  string // directories: the sorted entry names
}

// roSnapshot records every file and directory under root.
func roSnapshot(t *testing.T, root string) map[string]roEntry {
	t.Helper()
	snap := map[string]roEntry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := roEntry{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
		if d.IsDir() {
			ents, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			var names []string
			for _, x := range ents {
				names = append(names, x.Name())
			}
			sort.Strings(names)
			e.list = strings.Join(names, "/")
		} else {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			e.hash = hex.EncodeToString(sum[:])
		}
		rel, _ := filepath.Rel(root, p)
		snap[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// roLock makes everything under root read-only: mode 0444 for files, 0555 for directories,
// and, where allowed, the immutable attribute. It returns the directories (for inotify) and
// whether the immutable attribute is set; cleanup removes the attribute so t.TempDir can be
// deleted.
func roLock(t *testing.T, root string) (dirs []string, immutable bool) {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Deepest first, so a directory is locked after what is in it.
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	immutable = true
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		mode := fs.FileMode(0o444)
		if fi.IsDir() {
			mode = 0o555
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if immutable {
			if err := roSetImmutable(p, true); err != nil {
				t.Logf("immutable attribute not available here (%v): checking with mode bits and inotify only", err)
				immutable = false
			} else {
				t.Cleanup(func() { _ = roSetImmutable(p, false) })
			}
		}
	}
	return dirs, immutable
}

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h.
const fsImmutableFL = 0x10

func roSetImmutable(path string, on bool) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetInt(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	if on {
		flags |= fsImmutableFL
	} else {
		flags &^= fsImmutableFL
	}
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, flags)
}

// roWatch watches dirs with inotify. The returned function drains the queue: file name (or
// "." for a directory itself) → the OR of the event masks seen.
func roWatch(t *testing.T, dirs []string) func() map[string]uint32 {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	wds := map[int32]string{}
	for _, d := range dirs {
		wd, err := unix.InotifyAddWatch(fd, d, unix.IN_ALL_EVENTS)
		if err != nil {
			t.Fatalf("inotify watch %s: %v", d, err)
		}
		wds[int32(wd)] = d
	}
	return func() map[string]uint32 {
		seen := map[string]uint32{}
		buf := make([]byte, 1<<16)
		for {
			n, err := unix.Read(fd, buf)
			if errors.Is(err, unix.EAGAIN) {
				return seen
			}
			if err != nil {
				t.Fatalf("inotify read: %v", err)
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := "."
				if ev.Len > 0 {
					raw := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
					name = strings.TrimRight(string(raw), "\x00")
				}
				if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
					t.Fatal("inotify queue overflow")
				}
				key := filepath.Join(wds[ev.Wd], name)
				seen[key] |= ev.Mask
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}

// roForbidden are the events a reader must not cause.
const roForbidden = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_MOVED_FROM | unix.IN_MOVED_TO

type roCase struct {
	name  string
	setup func(t *testing.T) string // in the current directory; returns PATH
	valid bool
}

func roCases() []roCase {
	multi := func(fixture string, edit func(t *testing.T)) func(t *testing.T) string {
		return func(t *testing.T) string {
			gcCopy(t, fixture, gcDir)
			if edit != nil {
				edit(t)
			}
			return gcDir
		}
	}
	return []roCase{
		{"single-valid", func(t *testing.T) string { gcCopy(t, gcSingle, gcSingle); return gcSingle }, true},
		{"single-truncated-garbage-zero-tail", func(t *testing.T) string {
			gcCopy(t, gcSingle, gcSingle)
			gcEdit(t, gcSingle, func(b []byte) []byte {
				b = gcInsertAfter(t, b, 3, "garbage\r\n")
				return append(b[:len(b)-7], make([]byte, 100)...)
			})
			return gcSingle
		}, false},
		{"multipart-resp-with-unlisted-and-temp", multi("multipart-resp", func(t *testing.T) {
			gcWrite(t, filepath.Join(gcDir, "appendonly.aof.1.incr.aof"), []byte(gcSet))
			gcWrite(t, filepath.Join(gcDir, "temp-rewriteaof-bg-1.aof"), []byte(gcSet))
		}), true},
		{"multipart-rdb", multi("multipart-rdb", nil), true},
		// The loader itself would truncate this non-last incr file on disk (reference §3.3).
		{"multipart-truncated-not-last", multi("multipart-resp", func(t *testing.T) {
			gcEdit(t, filepath.Join(gcDir, gcIncr2), func(b []byte) []byte { return b[:len(b)-3] })
		}), false},
		{"multipart-truncated-last-in-multi", multi("multipart-resp", func(t *testing.T) {
			gcEdit(t, filepath.Join(gcDir, gcIncr3), func(b []byte) []byte {
				return append(append(b, gcMulti...), gcSet[:20]...)
			})
		}), false},
	}
}

func TestCheckLeavesInputUntouched(t *testing.T) {
	for _, tc := range roCases() {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			t.Chdir(root)
			path := tc.setup(t)

			// The verdict on writable files, for comparison.
			want, err := check.Run(context.Background(), check.Options{Path: path})
			if err != nil {
				t.Fatalf("check on writable files: %v", err)
			}
			if want.Valid != tc.valid {
				t.Fatalf("valid = %v, want %v", want.Valid, tc.valid)
			}

			dirs, immutable := roLock(t, root)
			before := roSnapshot(t, root)
			drain := roWatch(t, dirs)

			got, err := check.Run(context.Background(), check.Options{Path: path})
			if err != nil {
				t.Fatalf("check on read-only files (immutable %v): %v", immutable, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("report on read-only files differs from the one on writable files:\n got %+v\nwant %+v", got, want)
			}
			text := runCheckCLI(path)
			js := runCheckCLI("--json", path)
			wantCode := 0
			if !tc.valid {
				wantCode = 1
			}
			if text.code != wantCode || js.code != wantCode {
				t.Errorf("CLI on read-only files: exit %d (text), %d (json), want %d; stderr %q %q", text.code, js.code, wantCode, text.stderr, js.stderr)
			}

			events := drain()
			read := map[string]bool{}
			for name, mask := range events {
				if mask&roForbidden != 0 {
					t.Errorf("%s: inotify events %#x include a write, create, delete, rename or attribute change", name, mask)
				}
				if mask&unix.IN_CLOSE_NOWRITE != 0 {
					read[filepath.Base(name)] = true
				}
			}
			// The watch must have seen check read every file it reports on.
			for _, f := range got.Files {
				if f.Status != "missing" && !read[filepath.Base(f.Name)] {
					t.Errorf("no inotify close-nowrite for %s: the watch did not see it read (events: %v)", f.Name, events)
				}
			}

			after := roSnapshot(t, root)
			if !reflect.DeepEqual(before, after) {
				for k, a := range after {
					if b, ok := before[k]; !ok || a != b {
						t.Errorf("%s changed: %+v -> %+v", k, before[k], a)
					}
				}
				for k := range before {
					if _, ok := after[k]; !ok {
						t.Errorf("%s disappeared", k)
					}
				}
			}
		})
	}
}
