// Safe file replacement for the commands that change files (fix, compact --in-place).
//
// Every function here keeps the rule of DESIGN.md "Safety rules": a kill -9 at any moment
// leaves either the old or the new state. New content is written under a temp- name in the
// destination directory, fsynced, renamed over the old name, and the directory is fsynced; a
// manifest is replaced the way Redis replaces its own (writeAofManifestFile, src/aof.c @
// 7.4.1: temp-<name> in the AOF directory, fsync, rename, fsync the directory), and it must
// be the last step of a multi-part change. Directory fsync errors EINVAL and EBADF are
// ignored, as fsyncFileDir (src/util.c @ 7.4.1) does: some file systems cannot sync a
// directory.
//
// Durability against power loss rests on fsync doing its job; what the tests prove is the
// ordering (old or new, never partial) under SIGKILL at every step.

package aof

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// crashPoint, when not nil (tests only), is called between the steps of the functions of
// this file, so that a test can stop the process at a known step: panic to see the state a
// crash leaves, or block and be SIGKILLed by a parent process. The steps, in order:
//
//	WriteFileAtomic:     "temp-created", "temp-written", "temp-synced", "renamed", "dir-synced"
//	ReplaceManifest:     "manifest-temp-created", "manifest-temp-written",
//	                     "manifest-temp-synced", "manifest-renamed", "manifest-dir-synced"
//	SaveTailAndTruncate: "sidecar-created", "sidecar-written", "sidecar-synced" (only with a
//	                     sidecar), "truncated", "truncate-synced"
//	ReplaceFileWithBackup: "temp-created", "temp-written", "temp-synced", then (with a
//	                     backup) "backup-linked" or, when a hard link is impossible,
//	                     "backup-copied", "backup-copy-synced", "backup-copy-renamed"; then
//	                     "backup-synced", "renamed", "dir-synced"
//	MoveAside:           "moved" after each file, then "aside-synced" once both directories
//	                     are synced; a file that rename cannot move (EXDEV) goes through
//	                     "aside-copied", "aside-copy-synced", "aside-copy-renamed",
//	                     "aside-source-removed" before its "moved".
var crashPoint func(step string)

func reach(step string) {
	if crashPoint != nil {
		crashPoint(step)
	}
}

// forceCopy, when true (tests only), makes MoveAside and ReplaceFileWithBackup behave as if
// every rename or hard link between their two directories failed with EXDEV, so that the
// copy paths are exercised on one file system.
var forceCopy bool

// tempPrefix starts the names of the temp files WriteFileAtomic creates. Names starting with
// "temp-" are ignored by Open and by the server (they are a crashed rewrite's leftovers).
const tempPrefix = "temp-aofkit-"

// writeBufSize is the buffer of the writer WriteFileAtomic hands to fill.
const writeBufSize = 256 << 10

// ErrFileChanged is matched (errors.Is) when a file is not what the caller analysed: its size
// differs from the one expected. Nothing was changed.
var ErrFileChanged = errors.New("file changed since it was analysed")

// FileChangedError is the error of SaveTailAndTruncate when the file's size is not the
// expected one. It matches ErrFileChanged.
type FileChangedError struct {
	Path           string
	Expected, Size int64
}

// Error says which file and both sizes.
func (e *FileChangedError) Error() string {
	return fmt.Sprintf("%s: size is %d bytes, expected %d: the file changed since it was analysed; nothing was changed",
		e.Path, e.Size, e.Expected)
}

// Unwrap returns ErrFileChanged.
func (e *FileChangedError) Unwrap() error { return ErrFileChanged }

// ErrNotDurable is matched (errors.Is) when a change was made (the new state is what a reader
// sees now) but a final fsync failed, so after a power loss the old state may come back. The
// change must not be made again blindly: look at the files first.
var ErrNotDurable = errors.New("change made but not known to be durable")

// ErrUnsafeManifest is matched (errors.Is) when ReplaceManifest refuses a manifest the server
// could not load: it lists no base and no incr file, or a listed base/incr file is not a
// regular file in the directory. Nothing was changed.
var ErrUnsafeManifest = errors.New("manifest would not load")

// ErrBadRange is matched (errors.Is) when a byte range given to CopyRanges or
// SaveTailAndTruncate is negative or reversed, or an offset is past the end of the file.
var ErrBadRange = errors.New("invalid byte range")

// SyncDir fsyncs the directory dir, so that names created, renamed or removed in it survive a
// power loss. EINVAL and EBADF from fsync are ignored (file systems that cannot sync a
// directory), as Redis does; on Windows it does nothing. Cost: one open, fsync and close.
// Errors are the *fs.PathError of open or fsync.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EBADF) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFileAtomic writes the data produced by fill into dir/name, replacing what is there only
// once the new content is complete and on disk: it creates "temp-aofkit-<random hex>" in dir
// (exclusively; temp- names are ignored by Open and by the server), calls fill with a buffered
// writer on it, flushes and fsyncs it, renames it over dir/name, and fsyncs dir. fill may write
// any amount: nothing is held in memory beyond a 256 KiB buffer. The writer implements
// io.ReaderFrom, so io.Copy from an *os.File (or CopyRanges) into it uses copy_file_range on
// Linux.
//
// The new file's mode is exactly perm (the umask does not apply). Its owner and group are
// those of the file it replaces, else of dir, when the process may set them (as root); this
// keeps a file the server must reopen for append writable by the server. A symbolic link at
// dir/name is replaced, not followed, as the server's own rename would.
//
// Errors: name that fails ValidFileName (*FileNameError), fill's error as is, I/O errors
// (*fs.PathError, *os.LinkError). On any error before the rename, dir/name is unchanged and
// the temp file is removed; an error after the rename wraps ErrNotDurable. A process killed
// meanwhile leaves dir/name old or new, never partial, plus at most one temp- file.
func WriteFileAtomic(dir, name string, perm fs.FileMode, fill func(w io.Writer) error) error {
	if err := ValidFileName(name); err != nil {
		return err
	}
	f, tmp, err := createTemp(dir)
	if err != nil {
		return err
	}
	return commitTemp(f, tmp, dir, name, &perm, fill, "", nil)
}

// ReplaceFileWithBackup replaces dir/name like WriteFileAtomic, and keeps the file it
// replaces at the path backup: once the new content is complete and fsynced, and before the
// rename, the old file is hard-linked as backup (no copy; when backup is on another file
// system or the file system has no hard links, it is copied: temp- name next to backup,
// fsync, rename), and backup's directory is fsynced. This is the way to rewrite a file in
// place when no manifest can point elsewhere (a single-file AOF), since moving the old file
// aside first would leave a moment with no file. backup "" keeps nothing (WriteFileAtomic).
// Cost: WriteFileAtomic's plus one link (or a copy of the old file) and one fsync.
//
// It refuses, changing nothing, when backup exists (errors.Is fs.ErrExist; see BackupName) or
// dir/name is not a regular file (errors.Is fs.ErrNotExist when missing). Other errors are
// WriteFileAtomic's; an error before the rename leaves dir/name unchanged (a backup made
// before the error stays: it is the old file). A process killed meanwhile leaves dir/name old
// or new, never partial, and whenever it is new, backup holds the old file.
func ReplaceFileWithBackup(dir, name, backup string, perm fs.FileMode, fill func(w io.Writer) error) error {
	if backup == "" {
		return WriteFileAtomic(dir, name, perm, fill)
	}
	if err := ValidFileName(name); err != nil {
		return err
	}
	old := filepath.Join(dir, name)
	fi, err := os.Lstat(old)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", old)
	}
	if _, err := os.Lstat(backup); err == nil {
		return &os.LinkError{Op: "backup", Old: old, New: backup, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, tmp, err := createTemp(dir)
	if err != nil {
		return err
	}
	return commitTemp(f, tmp, dir, name, &perm, fill, "", func() error {
		bdir := filepath.Dir(backup)
		var err error
		if forceCopy {
			err = &os.LinkError{Op: "link", Old: old, New: backup, Err: syscall.EXDEV}
		} else {
			err = os.Link(old, backup)
		}
		switch {
		case err == nil:
			reach("backup-linked")
		case errors.Is(err, fs.ErrExist):
			return err
		default: // EXDEV, EPERM (no hard links here), EMLINK, ...
			if err := copyDurable(old, backup, bdir, "backup-"); err != nil {
				return err
			}
		}
		if err := SyncDir(bdir); err != nil {
			return err
		}
		reach("backup-synced")
		return nil
	})
}

// createTemp creates a new file "temp-aofkit-<random hex>" in dir, mode 0600.
func createTemp(dir string) (*os.File, string, error) {
	for i := 0; ; i++ {
		var rnd [8]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, "", err
		}
		tmp := filepath.Join(dir, tempPrefix+hex.EncodeToString(rnd[:]))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, tmp, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 9 {
			return nil, "", err
		}
	}
}

// commitTemp fills the open temp file f (path tmp in dir), makes it durable, calls
// beforeRename (when not nil) and renames it to dir/name. perm nil keeps the mode the file
// was created with. Steps are reported to crashPoint with the given prefix. On an error
// before the rename, f is closed and tmp removed. A panic (in fill) leaves tmp behind, as a
// crash would.
func commitTemp(f *os.File, tmp, dir, name string, perm *fs.FileMode, fill func(w io.Writer) error, step string, beforeRename func() error) error {
	dst := filepath.Join(dir, name)
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	reach(step + "temp-created")
	if perm != nil {
		if err := f.Chmod(*perm); err != nil {
			return fail(err)
		}
	}
	if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() {
		matchOwner(f, fi)
	} else if di, err := os.Stat(dir); err == nil {
		matchOwner(f, di)
	}
	w := &fileWriter{f: f, buf: make([]byte, 0, writeBufSize)}
	if err := fill(w); err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	w.f = nil // a fill that kept w cannot write any more
	reach(step + "temp-written")
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	reach(step + "temp-synced")
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	reach(step + "renamed")
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("%s written: %w: %w", dst, ErrNotDurable, err)
	}
	reach(step + "dir-synced")
	return nil
}

// matchOwner gives f the owner and group of fi when they differ from f's and the system lets
// us (root, or a group we are in). Best effort: errors are ignored.
func matchOwner(f *os.File, fi fs.FileInfo) {
	uid, gid, ok := ownerOf(fi)
	if !ok {
		return
	}
	cur, err := f.Stat()
	if err != nil {
		return
	}
	if cuid, cgid, ok := ownerOf(cur); ok && (cuid != uid || cgid != gid) {
		f.Chown(uid, gid)
	}
}

// ownerOf returns the Uid and Gid fields of fi.Sys() (a *syscall.Stat_t on Unix systems),
// found by name so that this file builds on every system.
func ownerOf(fi fs.FileInfo) (uid, gid int, ok bool) {
	v := reflect.ValueOf(fi.Sys())
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0, 0, false
	}
	u, g := v.FieldByName("Uid"), v.FieldByName("Gid")
	if !u.IsValid() || !g.IsValid() || !u.CanUint() || !g.CanUint() {
		return 0, 0, false
	}
	return int(u.Uint()), int(g.Uint()), true
}

// fileWriter is the writer WriteFileAtomic hands to fill: buffered writes to the temp file,
// and ReadFrom straight into the file (after a flush) so that copies from files can use
// copy_file_range.
type fileWriter struct {
	f   *os.File
	buf []byte
	err error
}

var errWriterClosed = errors.New("aof: WriteFileAtomic's writer used after fill returned")

func (w *fileWriter) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, errWriterClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(w.buf)+len(p) > cap(w.buf) {
		if err := w.Flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(w.buf) {
			n, err := w.f.Write(p)
			w.err = err
			return n, err
		}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush writes out the buffer.
func (w *fileWriter) Flush() error {
	if w.err != nil || len(w.buf) == 0 {
		return w.err
	}
	if w.f == nil {
		return errWriterClosed
	}
	_, w.err = w.f.Write(w.buf)
	w.buf = w.buf[:0]
	return w.err
}

// ReadFrom flushes the buffer and lets the file read from r (copy_file_range when r is an
// *os.File or an *io.LimitedReader of one, on Linux).
func (w *fileWriter) ReadFrom(r io.Reader) (int64, error) {
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if w.f == nil {
		return 0, errWriterClosed
	}
	n, err := w.f.ReadFrom(r)
	if err != nil {
		w.err = err
	}
	return n, err
}

// CopyRanges is a fill helper for WriteFileAtomic: it copies the byte ranges [from, to) of src
// to w, in the order given (ranges may repeat or overlap). When src is an *os.File and w is
// the writer WriteFileAtomic hands to fill (or an *os.File), it uses the kernel's file-to-file
// copy (copy_file_range on Linux, no user-space buffer) and moves src's file offset (ReadAt
// callers are unaffected); otherwise it copies through a 32 KiB buffer. Cost: the bytes copied.
//
// Errors: a range with from < 0 or to < from wraps ErrBadRange (nothing of that range is
// written); a range past the end of src wraps io.ErrUnexpectedEOF after writing what there
// was; read and write errors are returned as they come.
func CopyRanges(w io.Writer, src io.ReaderAt, ranges [][2]int64) error {
	sf, _ := src.(*os.File)
	for _, r := range ranges {
		from, to := r[0], r[1]
		if from < 0 || to < from {
			return fmt.Errorf("%w: [%d, %d)", ErrBadRange, from, to)
		}
		n := to - from
		if n == 0 {
			continue
		}
		var done int64
		if df := writerFile(w); df != nil && sf != nil {
			if _, err := sf.Seek(from, io.SeekStart); err == nil {
				var err error
				done, err = df.ReadFrom(&io.LimitedReader{R: sf, N: n})
				if err != nil {
					return err
				}
			}
		}
		if done < n {
			m, err := io.Copy(w, io.NewSectionReader(src, from+done, n-done))
			done += m
			if err != nil {
				return err
			}
		}
		if done < n {
			return fmt.Errorf("copying bytes [%d, %d): source ends at %d: %w", from, to, from+done, io.ErrUnexpectedEOF)
		}
	}
	return nil
}

// writerFile returns the file behind w when w is WriteFileAtomic's writer (flushed) or an
// *os.File, else nil.
func writerFile(w io.Writer) *os.File {
	switch v := w.(type) {
	case *fileWriter:
		if v.Flush() != nil || v.f == nil {
			return nil
		}
		return v.f
	case *os.File:
		return v
	}
	return nil
}

// SaveTailAndTruncate cuts path at off without copying what stays: it saves bytes [off, size)
// to sidecar (created exclusively with path's mode, fsynced, its directory fsynced) unless
// sidecar is "", then truncates path to off and fsyncs it. It returns the number of bytes cut
// (0 when off is the size: then nothing is created or changed). Cost: the tail's bytes, copied
// with copy_file_range where possible.
//
// It refuses, changing nothing, when path's size is not expectSize (*FileChangedError,
// errors.Is ErrFileChanged: the file changed since it was analysed), when off is outside
// [0, size] (ErrBadRange), when path is not a regular file, or when sidecar exists
// (errors.Is fs.ErrExist; see BackupName). A failure while writing the sidecar removes it and
// leaves path untouched. A failure of the final fsync returns the count and wraps
// ErrNotDurable. A process killed meanwhile leaves path whole (and maybe a partial sidecar),
// or cut with the complete sidecar on disk.
func SaveTailAndTruncate(path string, off, expectSize int64, sidecar string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: not a regular file", path)
	}
	size := fi.Size()
	if size != expectSize {
		return 0, &FileChangedError{Path: path, Expected: expectSize, Size: size}
	}
	if off < 0 || off > size {
		return 0, fmt.Errorf("%s: %w: cut at %d of a %d-byte file", path, ErrBadRange, off, size)
	}
	cut := size - off
	if cut == 0 {
		return 0, nil
	}
	if sidecar != "" {
		if err := saveTail(f, fi, off, size, sidecar); err != nil {
			return 0, err
		}
	}
	if err := f.Truncate(off); err != nil {
		return 0, err
	}
	reach("truncated")
	if err := f.Sync(); err != nil {
		return cut, fmt.Errorf("%s truncated: %w: %w", path, ErrNotDurable, err)
	}
	reach("truncate-synced")
	return cut, nil
}

// saveTail writes bytes [off, size) of f to a new file sidecar and makes it durable. On error
// the sidecar is removed.
func saveTail(f *os.File, fi fs.FileInfo, off, size int64, sidecar string) error {
	sc, err := os.OpenFile(sidecar, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		sc.Close()
		os.Remove(sidecar)
		return err
	}
	reach("sidecar-created")
	if err := sc.Chmod(fi.Mode().Perm()); err != nil {
		return fail(err)
	}
	matchOwner(sc, fi)
	if err := CopyRanges(sc, f, [][2]int64{{off, size}}); err != nil {
		return fail(err)
	}
	reach("sidecar-written")
	if err := sc.Sync(); err != nil {
		return fail(err)
	}
	st, err := sc.Stat()
	if err != nil {
		return fail(err)
	}
	if st.Size() != size-off {
		return fail(fmt.Errorf("%s: wrote %d bytes, expected %d", sidecar, st.Size(), size-off))
	}
	if err := sc.Close(); err != nil {
		os.Remove(sidecar)
		return err
	}
	if err := SyncDir(filepath.Dir(sidecar)); err != nil {
		os.Remove(sidecar)
		return err
	}
	reach("sidecar-synced")
	return nil
}

// ReplaceManifest writes m, in AppendManifest's format (m.Entries order), to dir/name the way
// Redis replaces its manifest: it writes temp-<name> in dir (a leftover of that name is
// removed first; a symbolic link there is not followed), fsyncs it, renames it over dir/name
// and fsyncs dir. The new manifest keeps the mode, owner and group of the one it replaces;
// a new one gets mode 0644 less the umask, as Redis creates it. Call it last, after every
// file it lists is in place and durable (WriteFileAtomic), and before moving aside the files
// it no longer lists (MoveAside). Cost: a few small writes and three fsyncs.
//
// It refuses, changing nothing: a name failing ValidFileName (*FileNameError); a manifest
// failing m.Validate (*ManifestError), or whose written form does not parse back to the same
// entries (ErrManifest); one that lists no base and no incr file, or a base/incr file that is
// not a regular file in dir (both wrap ErrUnsafeManifest, the latter also the stat error).
// I/O errors before the rename leave dir/name unchanged; after it they wrap ErrNotDurable.
func ReplaceManifest(dir, name string, m *Manifest) error {
	if err := ValidFileName(name); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Base() == nil && len(m.Incrs()) == 0 {
		return fmt.Errorf("%w: it lists no base and no incr file", ErrUnsafeManifest)
	}
	for _, e := range m.Entries {
		if e.Type == FileTypeHistory {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.Name))
		if err == nil && !fi.Mode().IsRegular() {
			err = errors.New("not a regular file")
		}
		if err != nil {
			return fmt.Errorf("%w: %s file %s: %w", ErrUnsafeManifest, e.Type, strconv.Quote(e.Name), err)
		}
	}
	data := AppendManifest(nil, m)
	back, err := ParseManifest(data)
	if err != nil {
		return fmt.Errorf("written manifest does not parse back: %w", err)
	}
	if len(back.Entries) != len(m.Entries) {
		return fmt.Errorf("%w: written manifest parses back to %d entries, not %d", ErrManifest, len(back.Entries), len(m.Entries))
	}
	for i, e := range back.Entries {
		if o := m.Entries[i]; e.Name != o.Name || e.Seq != o.Seq || e.Type != o.Type {
			return fmt.Errorf("%w: written entry %d parses back as %s seq %d type %s", ErrManifest, i+1, strconv.Quote(e.Name), e.Seq, e.Type)
		}
	}

	tmp := filepath.Join(dir, "temp-"+name)
	if err := syscall.Unlink(tmp); err != nil && !errors.Is(err, syscall.ENOENT) {
		return &fs.PathError{Op: "unlink", Path: tmp, Err: err}
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	var perm *fs.FileMode
	if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
		p := fi.Mode().Perm()
		perm = &p
	}
	return commitTemp(f, tmp, dir, name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, "manifest-", nil)
}

// MoveAside moves the files names (plain names in dir) into backupDir, keeping their names,
// and returns their new paths in the order given. backupDir is created (mode 0700, with its
// parents) when missing; it should be on dir's file system, else each file is copied (mode,
// owner when allowed, and modification time kept), fsynced, and only then removed from dir.
// A file of the same name already in backupDir is never overwritten. Both directories are
// fsynced at the end. For a multi-part set, call it after ReplaceManifest: a manifest must
// never list a file that is gone. Cost: one rename per file (or a copy of each across file
// systems) and a few fsyncs.
//
// Errors: a name failing ValidFileName, backupDir being dir, an existing target (errors.Is
// fs.ErrExist), I/O errors. On error it returns the paths of the files already moved (the
// others are where they were; a file whose cross-device copy failed stays in dir, its partial
// copy removed), with the directories synced as far as possible.
func MoveAside(dir string, names []string, backupDir string) ([]string, error) {
	for _, n := range names {
		if err := ValidFileName(n); err != nil {
			return nil, err
		}
	}
	if err := mkdirAllSynced(backupDir); err != nil {
		return nil, err
	}
	if a, err1 := os.Stat(dir); err1 == nil {
		if b, err2 := os.Stat(backupDir); err2 == nil && os.SameFile(a, b) {
			return nil, fmt.Errorf("move aside: %s is the directory the files are in", backupDir)
		}
	}
	var moved []string
	finish := func(err error) ([]string, error) {
		serr := SyncDir(backupDir)
		if e := SyncDir(dir); serr == nil {
			serr = e
		}
		if err == nil && serr != nil {
			err = fmt.Errorf("files moved to %s: %w: %w", backupDir, ErrNotDurable, serr)
		}
		if err == nil {
			reach("aside-synced")
		}
		return moved, err
	}
	for _, n := range names {
		src, dst := filepath.Join(dir, n), filepath.Join(backupDir, n)
		if _, err := os.Lstat(dst); err == nil {
			return finish(&os.LinkError{Op: "move aside", Old: src, New: dst, Err: fs.ErrExist})
		} else if !errors.Is(err, fs.ErrNotExist) {
			return finish(err)
		}
		var err error
		if forceCopy {
			err = &os.LinkError{Op: "rename", Old: src, New: dst, Err: syscall.EXDEV}
		} else {
			err = os.Rename(src, dst)
		}
		if errors.Is(err, syscall.EXDEV) {
			err = copyAside(src, dst, backupDir)
		}
		if err != nil {
			return finish(err)
		}
		moved = append(moved, dst)
		reach("moved")
	}
	return finish(nil)
}

// copyAside moves src to dst across file systems: a durable copy (copyDurable), an fsync of
// dstDir, then the removal of src.
func copyAside(src, dst, dstDir string) error {
	if err := copyDurable(src, dst, dstDir, "aside-"); err != nil {
		return err
	}
	if err := SyncDir(dstDir); err != nil {
		return err
	}
	if err := os.Remove(src); err != nil {
		return err
	}
	reach("aside-source-removed")
	return nil
}

// copyDurable copies the regular file src to dst, which must not exist (fs.ErrExist), through
// a temp- name in dstDir (dst's directory): copy (mode, owner when allowed, modification
// time kept), fsync, rename. It does not fsync dstDir. Steps: step+"copied",
// step+"copy-synced", step+"copy-renamed". On error the temp file is removed.
func copyDurable(src, dst, dstDir, step string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	out, tmp, err := createTemp(dstDir)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Chmod(fi.Mode().Perm()); err != nil {
		return fail(err)
	}
	matchOwner(out, fi)
	if err := CopyRanges(out, in, [][2]int64{{0, fi.Size()}}); err != nil {
		return fail(err)
	}
	reach(step + "copied")
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	os.Chtimes(tmp, time.Time{}, fi.ModTime()) // best effort
	reach(step + "copy-synced")
	if _, err := os.Lstat(dst); err == nil {
		os.Remove(tmp)
		return &os.LinkError{Op: "copy", Old: src, New: dst, Err: fs.ErrExist}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	reach(step + "copy-renamed")
	return nil
}

// mkdirAllSynced creates dir and its missing parents (mode 0700) and fsyncs the parent of each
// directory it created.
func mkdirAllSynced(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, d := range missing {
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// BackupName returns a file name, in dir, for a sidecar or backup of base that does not exist
// yet: "<base>.aofkit-<what>-<UTC time as 20060102T150405Z>", with "-2", "-3", ... appended
// while that name is taken. It only looks (Lstat); create the file exclusively to be sure.
// base and what should be plain names (no separators). Keep backups of a manifest out of
// the AOF directory: Open detects manifests by content and would see two. Cost: one Lstat per
// name tried.
func BackupName(dir, base, what string, now time.Time) string {
	stem := base + ".aofkit-" + what + "-" + now.UTC().Format("20060102T150405Z")
	name := stem
	for n := 2; ; n++ {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			name = stem + "-" + strconv.Itoa(n)
			continue
		}
		return name
	}
}
