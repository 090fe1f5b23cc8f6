package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout is the shape of a source.
type Layout string

const (
	// LayoutSingle is one file: a RESP AOF (Redis ≤ 6 style), an RDB-preamble AOF, or a plain
	// RDB file such as dump.rdb (Part.Format tells RESP from RDB).
	LayoutSingle Layout = "single"
	// LayoutMultiPart is a Redis 7+ AOF directory driven by a manifest.
	LayoutMultiPart Layout = "multi-part"
)

// Role is what a file is to the loader.
type Role string

const (
	RoleSingle  Role = "single"  // the only file of a LayoutSingle source
	RoleBase    Role = "base"    // the manifest's base file (type b)
	RoleIncr    Role = "incr"    // an incremental file (type i)
	RoleHistory Role = "history" // a history file (type h): listed, never loaded
)

// Format is what a file holds, judged by its first bytes.
type Format string

const (
	FormatEmpty   Format = "empty"   // zero bytes
	FormatRESP    Format = "resp"    // RESP records (and annotations)
	FormatRDB     Format = "rdb"     // starts with "REDIS" or "VALKEY": an RDB, maybe followed by RESP
	FormatMissing Format = "missing" // listed but not there
	FormatUnread  Format = "unread"  // could not be opened or read (Part.Err says why)
)

// Part is one file of a source.
type Part struct {
	Name         string // as the manifest lists it; the path as given for a single file (as redis-check-aof names it)
	Path         string // where it is on disk
	Role         Role
	Seq          int64 // manifest sequence number (0 for a single file)
	Size         int64
	Format       Format
	ManifestLine int   // 1-based line of the manifest entry (0 for a single file)
	Err          error // why Format is FormatUnread
}

// Source is an AOF (any layout) or RDB given as one PATH, detected by content.
type Source struct {
	Path         string // as given
	Layout       Layout
	Dir          string    // directory the parts live in
	ManifestPath string    // "" for LayoutSingle
	Manifest     *Manifest // nil for LayoutSingle
	// Parts are the files the server loads, in load order: the base, then the incr files in
	// manifest order (for LayoutSingle: the one file).
	Parts []Part
	// History are the manifest's history entries: reported, never read.
	History []Part
	// Unlisted are files in Dir that the manifest does not list (the manifest itself, temp-*
	// leftovers and subdirectories excluded).
	Unlisted []string
	// Leftovers are temp-* files in Dir (a crashed rewrite's), ignored.
	Leftovers []string
}

// UsageError is a PATH that cannot be used as given (exit code 2).
type UsageError struct {
	Path   string
	Reason string
}

func (e *UsageError) Error() string { return e.Path + ": " + e.Reason }

// DamageError is a source whose layout itself is damaged (an unreadable manifest, a name that
// escapes the directory): the input is invalid (exit code 1).
type DamageError struct {
	Path   string
	Offset int64 // byte offset in Path, -1 when unknown
	Line   int   // 1-based line, 0 when unknown
	Reason string
	Err    error
}

func (e *DamageError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d", e.Line)
	}
	if e.Offset >= 0 {
		loc += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	return loc + ": " + e.Reason
}

func (e *DamageError) Unwrap() error { return e.Err }

// prefixLen is how much of a file Open reads to tell what it is.
const prefixLen = 4096

// Open detects what path is, by content only: an AOF directory (the one manifest in it drives
// it), a manifest file, an RDB file (magic REDIS or VALKEY, possibly followed by a RESP tail),
// or a single RESP AOF. It reads at most a few KB of each file and never opens anything for
// writing. Listed files that are missing are returned as parts with FormatMissing, not as an
// error. Errors: *UsageError (no manifest or several in a directory, not a regular file),
// *DamageError (the manifest cannot be parsed, a listed name escapes the directory), or the
// *fs.PathError of a file that cannot be read.
func Open(path string) (*Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openDir(path)
	}
	if !st.Mode().IsRegular() {
		return nil, &UsageError{path, "not a regular file or directory"}
	}
	prefix, err := readPrefix(path)
	if err != nil {
		return nil, err
	}
	if LooksLikeManifest(prefix) {
		return openManifest(path, filepath.Dir(path))
	}
	p := Part{Name: path, Path: path, Role: RoleSingle}
	p.Size, p.Format = st.Size(), formatOf(prefix, st.Size())
	return &Source{Path: path, Layout: LayoutSingle, Dir: filepath.Dir(path), Parts: []Part{p}}, nil
}

func openDir(dir string) (*Source, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var manifests []string
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), "temp-") {
			continue
		}
		prefix, err := readPrefix(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // reported as unlisted/unreadable later if it matters
		}
		if LooksLikeManifest(prefix) {
			manifests = append(manifests, e.Name())
		}
	}
	switch len(manifests) {
	case 0:
		return nil, &UsageError{dir, "no AOF manifest in this directory (give the AOF file itself for a single-file AOF)"}
	case 1:
		return openManifest(filepath.Join(dir, manifests[0]), dir)
	}
	return nil, &UsageError{dir, "more than one AOF manifest in this directory: " + strings.Join(manifests, ", ") + " (give the one to use as PATH)"}
}

func openManifest(mpath, dir string) (*Source, error) {
	data, err := os.ReadFile(mpath)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data)
	if err != nil {
		de := &DamageError{Path: mpath, Offset: -1, Reason: err.Error(), Err: err}
		var me *ManifestError
		if errors.As(err, &me) {
			de.Line, de.Offset, de.Reason = me.Line, me.Offset, me.Reason
		}
		return nil, de
	}
	src := &Source{Path: mpath, Layout: LayoutMultiPart, Dir: dir, ManifestPath: mpath, Manifest: m}
	listed := map[string]bool{filepath.Base(mpath): true}
	var base *Part
	var incrs []Part
	for _, e := range m.Entries {
		if err := ValidFileName(e.Name); err != nil {
			return nil, &DamageError{Path: mpath, Offset: e.Offset, Line: e.Line, Reason: fmt.Sprintf("file name %q: %v", e.Name, err), Err: err}
		}
		listed[e.Name] = true
		p := Part{Name: e.Name, Path: filepath.Join(dir, e.Name), Seq: e.Seq, ManifestLine: e.Line}
		switch e.Type {
		case 'b':
			p.Role = RoleBase
			base = &p
		case 'i':
			p.Role = RoleIncr
			incrs = append(incrs, p)
		default:
			p.Role = RoleHistory
			src.History = append(src.History, p)
			continue
		}
	}
	if base != nil {
		src.Parts = append(src.Parts, *base)
	}
	src.Parts = append(src.Parts, incrs...)
	for i := range src.Parts {
		statPart(&src.Parts[i])
	}
	for i := range src.History {
		statPart(&src.History[i])
	}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			n := e.Name()
			switch {
			case e.IsDir() || listed[n]:
			case strings.HasPrefix(n, "temp-"):
				src.Leftovers = append(src.Leftovers, n)
			default:
				src.Unlisted = append(src.Unlisted, n)
			}
		}
	}
	sort.Strings(src.Unlisted)
	sort.Strings(src.Leftovers)
	return src, nil
}

func statPart(p *Part) {
	st, err := os.Stat(p.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Format = FormatMissing
		return
	case err != nil:
		p.Format, p.Err = FormatUnread, err
		return
	case !st.Mode().IsRegular():
		p.Format, p.Err = FormatUnread, fmt.Errorf("%s: not a regular file", p.Path)
		return
	}
	prefix, err := readPrefix(p.Path)
	if err != nil {
		p.Format, p.Err = FormatUnread, err
		return
	}
	p.Size, p.Format = st.Size(), formatOf(prefix, st.Size())
}

// formatOf classifies a file by its first bytes the way the loader does: "REDIS" (or Valkey
// 9's "VALKEY") starts an RDB.
func formatOf(prefix []byte, size int64) Format {
	switch {
	case size == 0:
		return FormatEmpty
	case bytes.HasPrefix(prefix, []byte("REDIS")), bytes.HasPrefix(prefix, []byte("VALKEY")):
		return FormatRDB
	}
	return FormatRESP
}

func readPrefix(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, prefixLen)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return buf[:n], nil
}
