package fix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/aofkit/aofkit/aof"
)

// Result is what Apply did.
type Result struct {
	// Output is where the repaired set is (the input path when repairing in place).
	Output string `json:"output"`
	// Written are the files created; Backups the sidecars, backup copies and moved-aside files
	// that keep what the repair removed (empty with NoBackup); Deleted the files removed for
	// good (only with NoBackup).
	Written []string `json:"written,omitempty"`
	Backups []string `json:"backups,omitempty"`
	Deleted []string `json:"deleted,omitempty"`
}

var seqName = regexp.MustCompile(`^(.*)\.(\d+)\.(base|incr)\.(aof|rdb)$`)

// namePrefix is the appendfilename the set's files are named after ("appendonly.aof").
func (p *Plan) namePrefix() string {
	for _, f := range p.Files {
		if m := seqName.FindStringSubmatch(f.Name); m != nil {
			return m[1]
		}
	}
	n := filepath.Base(p.src.ManifestPath)
	if ext := filepath.Ext(n); ext == ".manifest" {
		return n[:len(n)-len(ext)]
	}
	return "appendonly.aof"
}

// renumber gives kept content new names and sequence numbers in a multi-part set, from the
// first rewritten file on: a changed file never replaces one the current manifest lists, and
// incr sequence numbers stay strictly increasing.
func (p *Plan) renumber() {
	if p.src.Layout != aof.LayoutMultiPart {
		return
	}
	first := -1
	for i, f := range p.Files {
		if f.Action == ActionRewrite {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	next := int64(0)
	for _, e := range p.src.Manifest.Entries {
		if e.Seq > next {
			next = e.Seq
		}
	}
	next++
	prefix := p.namePrefix()
	taken := map[string]bool{}
	for _, e := range p.src.Manifest.Entries {
		taken[e.Name] = true
	}
	for _, n := range p.src.Unlisted {
		taken[n] = true
	}
	for i := first; i < len(p.Files); i++ {
		f := &p.Files[i]
		if f.Action == ActionRemove {
			continue
		}
		kind := "incr.aof"
		if f.part.Role == aof.RoleBase {
			kind = "base.aof"
			if f.part.Format == aof.FormatRDB {
				kind = "base.rdb"
			}
		}
		for {
			name := fmt.Sprintf("%s.%d.%s", prefix, next, kind)
			_, err := os.Lstat(filepath.Join(p.src.Dir, name))
			if !taken[name] && errors.Is(err, fs.ErrNotExist) {
				f.NewName, f.seq = name, next
				next++
				break
			}
			next++
		}
	}
}

// kept is the complement of f.Removed within [0, SizeBefore).
func (f *FileChange) kept() [][2]int64 {
	var out [][2]int64
	pos := int64(0)
	for _, r := range f.Removed {
		if r.From > pos {
			out = append(out, [2]int64{pos, r.From})
		}
		pos = r.To
	}
	if pos < f.SizeBefore {
		out = append(out, [2]int64{pos, f.SizeBefore})
	}
	return out
}

// writeKept writes the kept ranges of f as dir/name, atomically.
func writeKept(f *FileChange, dir, name string) error {
	src, err := os.Open(f.part.Path)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	if st.Size() != f.SizeBefore {
		return fmt.Errorf("%s changed size since it was analysed (%d, now %d bytes): run fix again", f.part.Path, f.SizeBefore, st.Size())
	}
	return aof.WriteFileAtomic(dir, name, 0o644, func(w io.Writer) error {
		return aof.CopyRanges(w, src, f.kept())
	})
}

// Apply carries out the plan: into opt.Output when set (the input is left untouched; with
// nothing to change OUT gets an unchanged copy), else in
// place under DESIGN.md's safety rules — a tail cut of the last file saves the tail to a sidecar
// first; any other change writes new files and swaps the manifest last, so a kill -9 at any
// moment leaves a set that loads to the old or the new state. Errors leave the input as it was
// or fully repaired, never in between.
func (p *Plan) Apply(ctx context.Context) (*Result, error) {
	if !p.Change {
		if p.opt.Output != "" {
			return p.applyCopy() // the unchanged copy OUT asks for
		}
		return &Result{Output: p.Path}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.opt.Output != "" {
		return p.applyCopy()
	}
	if p.src.Layout == aof.LayoutSingle {
		return p.applySingle()
	}
	return p.applyMulti()
}

func (p *Plan) stamp() string { return p.opt.Now.UTC().Format("20060102T150405Z") }

func (p *Plan) applyCopy() (*Result, error) {
	out := p.opt.Output
	res := &Result{Output: out}
	if p.src.Layout == aof.LayoutSingle {
		if _, err := os.Lstat(out); err == nil {
			return nil, &UsageError{out + " already exists: give a new file name for -o"}
		}
		f := &p.Files[0]
		if err := writeKept(f, filepath.Dir(out), filepath.Base(out)); err != nil {
			return nil, err
		}
		res.Written = append(res.Written, out)
		return res, nil
	}
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return nil, &UsageError{out + " is not empty: give a new or empty directory for -o"}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	m := &aof.Manifest{}
	for i := range p.Files {
		f := &p.Files[i]
		if f.Action == ActionRemove || f.part.Format == aof.FormatMissing {
			continue
		}
		name := f.Name
		if f.NewName != "" {
			name = f.NewName
		}
		if err := writeKept(f, out, name); err != nil {
			return nil, err
		}
		res.Written = append(res.Written, filepath.Join(out, name))
		m.Entries = append(m.Entries, manifestEntry(f, name))
	}
	mname := filepath.Base(p.src.ManifestPath)
	if err := aof.ReplaceManifest(out, mname, m); err != nil {
		return nil, err
	}
	res.Written = append(res.Written, filepath.Join(out, mname))
	return res, nil
}

func manifestEntry(f *FileChange, name string) aof.ManifestEntry {
	t := aof.FileType('i')
	if f.part.Role == aof.RoleBase {
		t = aof.FileType('b')
	}
	return aof.ManifestEntry{Name: name, Seq: f.seq, Type: t}
}

func (p *Plan) applySingle() (*Result, error) {
	f := &p.Files[0]
	path := f.part.Path
	dir, base := filepath.Dir(path), filepath.Base(path)
	res := &Result{Output: path}
	switch f.Action {
	case ActionCutTail:
		sidecar := ""
		if !p.opt.NoBackup {
			sidecar = filepath.Join(dir, aof.BackupName(dir, base, "tail", p.opt.Now))
		}
		if _, err := aof.SaveTailAndTruncate(path, f.SizeAfter, f.SizeBefore, sidecar); err != nil {
			return nil, err
		}
		if sidecar != "" {
			res.Backups = append(res.Backups, sidecar)
		}
	case ActionRewrite:
		bk := ""
		if !p.opt.NoBackup {
			bk = filepath.Join(dir, aof.BackupName(dir, base, "backup", p.opt.Now))
		}
		src, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer src.Close()
		if st, err := src.Stat(); err != nil || st.Size() != f.SizeBefore {
			return nil, fmt.Errorf("%s changed size since it was analysed: run fix again", path)
		}
		err = aof.ReplaceFileWithBackup(dir, base, bk, 0o644, func(w io.Writer) error {
			return aof.CopyRanges(w, src, f.kept())
		})
		if err != nil {
			return nil, err
		}
		if bk != "" {
			res.Backups = append(res.Backups, bk)
		}
		res.Written = append(res.Written, path)
	}
	return res, nil
}

func (p *Plan) backupDir() string {
	if p.opt.BackupDir != "" {
		return p.opt.BackupDir
	}
	d := filepath.Clean(p.src.Dir)
	return filepath.Join(filepath.Dir(d), filepath.Base(d)+".aofkit-backup-"+p.stamp())
}

func (p *Plan) applyMulti() (*Result, error) {
	dir := p.src.Dir
	res := &Result{Output: p.Path}
	// The simple case: only the last file loses its tail.
	changed, tailOnly := 0, -1
	for i, f := range p.Files {
		if f.Action != ActionKeep {
			changed++
			if f.Action == ActionCutTail && i == len(p.Files)-1 {
				tailOnly = i
			}
		}
	}
	if changed == 1 && tailOnly >= 0 {
		f := &p.Files[tailOnly]
		sidecar := ""
		if !p.opt.NoBackup {
			bd := p.backupDir()
			if err := os.MkdirAll(bd, 0o755); err != nil {
				return nil, err
			}
			sidecar = filepath.Join(bd, aof.BackupName(bd, f.Name, "tail", p.opt.Now))
		}
		if _, err := aof.SaveTailAndTruncate(f.part.Path, f.SizeAfter, f.SizeBefore, sidecar); err != nil {
			return nil, err
		}
		if sidecar != "" {
			res.Backups = append(res.Backups, sidecar)
		}
		return res, nil
	}
	// 1. New files under new names: nothing the current manifest lists is touched.
	m := &aof.Manifest{}
	var retired []string
	for i := range p.Files {
		f := &p.Files[i]
		switch {
		case f.part.Format == aof.FormatMissing:
			continue
		case f.Action == ActionRemove:
			retired = append(retired, f.Name)
			continue
		case f.NewName != "":
			if f.Action == ActionKeep {
				if err := linkOrCopy(f.part.Path, filepath.Join(dir, f.NewName)); err != nil {
					return nil, err
				}
			} else if err := writeKept(f, dir, f.NewName); err != nil {
				return nil, err
			}
			res.Written = append(res.Written, filepath.Join(dir, f.NewName))
			retired = append(retired, f.Name)
			m.Entries = append(m.Entries, manifestEntry(f, f.NewName))
		case f.Action == ActionCutTail:
			// Cannot happen with other changes (a cut drops every later file, and earlier
			// files are unchanged), but stay safe: copy instead of truncating in place.
			return nil, fmt.Errorf("internal error: tail cut of %s combined with other changes", f.Name)
		default:
			m.Entries = append(m.Entries, manifestEntry(f, f.Name))
		}
	}
	// A set must keep listing an incr file: a server that finds none makes one up under the
	// first sequence number, which may be the name of a file this repair retired — it would
	// append to it and refuse to start next time. List a new empty one instead.
	if !hasIncr(m) {
		name, seq := p.freeIncrName(m)
		if err := aof.WriteFileAtomic(dir, name, 0o644, func(io.Writer) error { return nil }); err != nil {
			return nil, err
		}
		res.Written = append(res.Written, filepath.Join(dir, name))
		m.Entries = append(m.Entries, aof.ManifestEntry{Name: name, Seq: seq, Type: aof.FileType('i')})
	}
	if err := aof.SyncDir(dir); err != nil {
		return nil, err
	}
	// History entries stay listed as they were, after the base (the order Redis writes).
	var hist []aof.ManifestEntry
	for _, e := range p.src.Manifest.Entries {
		if e.Type == aof.FileType('h') {
			hist = append(hist, e)
		}
	}
	if len(hist) > 0 {
		at := 0
		if len(m.Entries) > 0 && m.Entries[0].Type == aof.FileType('b') {
			at = 1
		}
		m.Entries = append(m.Entries[:at], append(hist, m.Entries[at:]...)...)
	}
	// 2. The switch: the manifest, replaced atomically.
	if err := aof.ReplaceManifest(dir, filepath.Base(p.src.ManifestPath), m); err != nil {
		return nil, err
	}
	// 3. Files the manifest no longer lists go aside (or away with NoBackup).
	if len(retired) > 0 {
		if p.opt.NoBackup {
			for _, n := range retired {
				if err := os.Remove(filepath.Join(dir, n)); err != nil {
					return res, err
				}
				res.Deleted = append(res.Deleted, filepath.Join(dir, n))
			}
			if err := aof.SyncDir(dir); err != nil {
				return res, err
			}
		} else {
			moved, err := aof.MoveAside(dir, retired, p.backupDir())
			res.Backups = append(res.Backups, moved...)
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func hasIncr(m *aof.Manifest) bool {
	for _, e := range m.Entries {
		if e.Type == aof.FileType('i') {
			return true
		}
	}
	return false
}

// freeIncrName is an incr file name with a sequence number above every one the old and new
// manifests use, that no file in the directory has.
func (p *Plan) freeIncrName(m *aof.Manifest) (string, int64) {
	next := int64(0)
	for _, e := range append(append([]aof.ManifestEntry{}, p.src.Manifest.Entries...), m.Entries...) {
		if e.Seq > next {
			next = e.Seq
		}
	}
	prefix := p.namePrefix()
	for {
		next++
		name := fmt.Sprintf("%s.%d.incr.aof", prefix, next)
		if _, err := os.Lstat(filepath.Join(p.src.Dir, name)); errors.Is(err, fs.ErrNotExist) {
			return name, next
		}
	}
}

// linkOrCopy makes dst hold the same bytes as src: a hard link when possible, else a synced copy.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return aof.SyncDir(filepath.Dir(dst))
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	return aof.WriteFileAtomic(filepath.Dir(dst), filepath.Base(dst), 0o644, func(w io.Writer) error {
		return aof.CopyRanges(w, in, [][2]int64{{0, st.Size()}})
	})
}
