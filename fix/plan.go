// Package fix repairs AOFs of every layout check reads: it truncates at the first record that
// makes the set invalid (the earlier of where redis-check-aof --fix cuts and the first record
// the server's loader refuses), salvages around damage, cuts to a point in time, or drops the
// records of given commands (the undo of an accidental FLUSHALL). It plans first (Plan, no
// writes), then applies the plan under DESIGN.md's safety rules (Apply). Formats follow
// redis-check-aof.c and aof.c @ 7.0.15–7.4.1 (reference §2.5, §2.6, §3).
package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/internal/mmapfile"
	"github.com/aofkit/aofkit/rdb"
)

// Modes.
const (
	ModeTruncate  = "truncate"
	ModeSalvage   = "salvage"
	ModeTimestamp = "truncate-to-timestamp"
	ModeDrop      = "drop"
)

// Options for Plan.
type Options struct {
	Path      string
	Mode      string
	Timestamp time.Time  // ModeTimestamp: cut at the first #TS annotation later than this
	Drop      []string   // ModeDrop: command names, any case
	Since     *time.Time // ModeDrop: only records whose #TS time is at or after this
	Output    string     // -o OUT: write the repaired copy here; "" repairs in place
	NoBackup  bool       // do not keep what the repair removes
	BackupDir string     // where files leaving a manifest go ("" = a sibling of the AOF directory)
	Now       time.Time  // names of sidecars and backups
}

// Range is the byte range [From, To) of a file.
type Range struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Dropped is one record (or damaged range) a repair removes.
type Dropped struct {
	Offset  int64    `json:"offset"`
	End     int64    `json:"end"`
	Command string   `json:"command,omitempty"` // "" for damaged bytes
	Keys    []string `json:"keys,omitempty"`
}

// File actions.
const (
	ActionKeep    = "keep"     // unchanged (it may still get a new name, see NewName)
	ActionCutTail = "cut-tail" // the file ends earlier
	ActionRewrite = "rewrite"  // byte ranges are removed from inside the file
	ActionRemove  = "remove"   // the file leaves the manifest
)

// maxListed bounds the dropped records and keys listed per file; counts are always complete.
const (
	maxListed     = 100
	maxListedKeys = 10
	maxKeyCount   = 1 << 20
)

// FileChange is what the plan does to one file of the set.
type FileChange struct {
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	SizeBefore int64     `json:"size_before"`
	SizeAfter  int64     `json:"size_after"`
	Removed    []Range   `json:"removed,omitempty"`
	Dropped    []Dropped `json:"dropped,omitempty"` // the first maxListed
	// DroppedRecords counts the records removed; DamagedBytes the bytes of removed ranges
	// that were not records.
	DroppedRecords int64 `json:"dropped_records"`
	DamagedBytes   int64 `json:"damaged_bytes"`
	// Keys are the first keys the dropped records touched; KeyCount how many distinct keys.
	Keys     []string `json:"keys,omitempty"`
	KeyCount int64    `json:"key_count"`
	// NewName is the name the kept content gets in a multi-part set when it must be renumbered
	// (every file from the first changed one on gets the next sequence numbers).
	NewName string `json:"new_name,omitempty"`

	part aof.Part
	seq  int64
}

// Plan is what a repair will do. Making it reads the input and writes nothing.
type Plan struct {
	Path   string        `json:"path"`
	Mode   string        `json:"mode"`
	Layout string        `json:"layout"`
	Files  []FileChange  `json:"files"`
	Notes  []string      `json:"notes,omitempty"`
	Check  *check.Report `json:"-"`
	Change bool          `json:"change"`
	// PointInTime is false when the result is not a state the server was ever in (salvage,
	// drop): say so to the operator.
	PointInTime bool `json:"point_in_time"`

	opt Options
	src *aof.Source
}

// UnfixableError is damage this mode cannot repair (exit code 1): an RDB section, a missing
// base, a damaged manifest, a timestamp before the base. Reason says what the options are.
type UnfixableError struct {
	File   string
	Offset int64
	Reason string
}

func (e *UnfixableError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, e.Reason)
	}
	return e.File + ": " + e.Reason
}

// UsageError is a request that cannot be carried out as given (exit code 2).
type UsageError struct{ Reason string }

func (e *UsageError) Error() string { return e.Reason }

// OpError is an input that could not be read or verified (exit code 3).
type OpError struct{ Err error }

func (e *OpError) Error() string { return e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

// MakePlan analyses opt.Path (the same analysis as check) and works out the repair. Cost: one
// check of the whole source plus a scan of what is removed. Errors: *UnfixableError,
// *UsageError, *OpError, *aof.UsageError, or the error of a file that cannot be opened.
func MakePlan(ctx context.Context, opt Options) (*Plan, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	rep, err := check.Run(ctx, check.Options{Path: opt.Path})
	if err != nil {
		var ue *aof.UsageError
		if errors.As(err, &ue) {
			return nil, err
		}
		if rep == nil {
			return nil, err
		}
		return nil, &OpError{err}
	}
	if rep.Unreadable {
		return nil, &OpError{errors.New("a file of the set could not be read (see aofkit check)")}
	}
	if rep.NotVerified {
		return nil, &OpError{errors.New("the input holds content this version cannot verify (see aofkit check)")}
	}
	for _, f := range rep.Files {
		if f.Kind == "manifest" {
			return nil, &UnfixableError{File: f.Name, Offset: -1, Reason: "the manifest itself is damaged (" + firstReason(rep, f.Name) + "): repair it by hand (one `file NAME seq N type b|i` line per file, base first, incr files in order) and run fix again"}
		}
	}
	src, err := aof.Open(opt.Path)
	if err != nil {
		return nil, err
	}
	p := &Plan{Path: opt.Path, Mode: opt.Mode, Layout: string(src.Layout), Check: rep, opt: opt, src: src, PointInTime: true}
	for i, part := range src.Parts {
		fc := FileChange{Name: part.Name, Role: string(part.Role), Action: ActionKeep, SizeBefore: part.Size, SizeAfter: part.Size, part: part, seq: part.Seq}
		if i < len(rep.Files) {
			fc.SizeBefore, fc.SizeAfter = rep.Files[i].Size, rep.Files[i].Size
		}
		p.Files = append(p.Files, fc)
	}
	switch opt.Mode {
	case ModeTruncate, "":
		p.Mode = ModeTruncate
		err = p.planTruncate()
	case ModeTimestamp:
		err = p.planTimestamp()
	case ModeDrop:
		err = p.planDrop()
	case ModeSalvage:
		err = p.planSalvage()
	default:
		err = &UsageError{"unknown mode " + strconv.Quote(opt.Mode)}
	}
	if err != nil {
		return nil, err
	}
	for i := range p.Files {
		if p.Files[i].Action != ActionKeep {
			p.Change = true
		}
	}
	if p.Change {
		if err := p.describe(); err != nil {
			return nil, err
		}
		p.renumber()
	}
	return p, nil
}

func firstReason(rep *check.Report, file string) string {
	for _, pr := range rep.Problems {
		if pr.File == file {
			return pr.Reason
		}
	}
	return "unreadable"
}

// rdbEnd is where the RESP part of file i starts.
func (p *Plan) rdbEnd(i int) int64 {
	if i < len(p.Check.Files) {
		return p.Check.Files[i].RDBEnd
	}
	return 0
}

// cutAt makes file i end at off and drops every later file from the set.
func (p *Plan) cutAt(i int, off int64, why string) {
	f := &p.Files[i]
	last := i == len(p.Files)-1
	switch {
	case off == 0 && f.part.Role == aof.RoleIncr:
		f.Action = ActionRemove
		f.SizeAfter = 0
		f.Removed = []Range{{0, f.SizeBefore}}
	case last || p.src.Layout == aof.LayoutSingle:
		f.Action = ActionCutTail
		f.SizeAfter = off
		f.Removed = []Range{{off, f.SizeBefore}}
	default:
		f.Action = ActionRewrite
		f.SizeAfter = off
		f.Removed = []Range{{off, f.SizeBefore}}
	}
	for j := i + 1; j < len(p.Files); j++ {
		g := &p.Files[j]
		g.Action, g.SizeAfter, g.Removed = ActionRemove, 0, []Range{{0, g.SizeBefore}}
	}
	if i+1 < len(p.Files) {
		p.Notes = append(p.Notes, fmt.Sprintf("%s: the files after %s leave the manifest, so the result is the dataset as of the cut point (they are moved aside, not deleted)", why, f.Name))
	}
}

// planTruncate cuts at the first record that makes the set invalid, in any file.
func (p *Plan) planTruncate() error {
	rep := p.Check
	for i, f := range p.Files {
		if f.part.Format == aof.FormatMissing {
			if f.part.Role == aof.RoleBase {
				return &UnfixableError{File: f.Name, Offset: -1, Reason: "the base file is missing: nothing after it can be loaded without it; restore it from a backup"}
			}
			p.cutAt(i, 0, f.Name+" is missing")
			p.Files[i].Removed = nil
			p.Notes = append(p.Notes, f.Name+" is missing: it and every later file leave the manifest")
			return nil
		}
		cut := int64(-1)
		for _, pr := range rep.Problems {
			if pr.File != f.Name || (pr.Severity != check.Fatal && pr.Severity != check.Error) {
				continue
			}
			if pr.CutAt < 0 {
				if strings.Contains(pr.Reason, "RDB section damaged") {
					return &UnfixableError{File: f.Name, Offset: pr.Offset, Reason: pr.Reason}
				}
				continue
			}
			if cut < 0 || pr.CutAt < cut {
				cut = pr.CutAt
			}
		}
		if cut >= 0 {
			if cut < p.rdbEnd(i) {
				return &UnfixableError{File: f.Name, Offset: cut, Reason: "the damage is inside the RDB section, which cannot be cut"}
			}
			if cut == 0 && f.part.Role == aof.RoleBase {
				// Cutting here would keep nothing of the set (an RDB base whose magic is
				// damaged reads as RESP garbage at offset 0, and lands here too).
				return &UnfixableError{File: f.Name, Offset: 0, Reason: "the base file is damaged from its first byte (if it is an RDB base, its REDIS signature is damaged): truncating would keep nothing of the set; restore the base from a backup, or try --salvage"}
			}
			p.cutAt(i, cut, "damage in "+f.Name)
			return nil
		}
	}
	return nil
}

// tsValue parses a `#TS:<seconds>` annotation as redis-check-aof does (strtol, then '\r').
func tsValue(raw []byte) (int64, bool) {
	if !bytes.HasPrefix(raw, []byte("#TS:")) {
		return 0, false
	}
	b := raw[4:]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 || i >= len(b) || b[i] != '\r' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b[:i]), 10, 64)
	return v, err == nil
}

// requireClean refuses modes that need an undamaged input.
func (p *Plan) requireClean(mode string) error {
	for _, pr := range p.Check.Problems {
		if pr.Severity == check.Fatal || pr.Severity == check.Error {
			return &UnfixableError{File: pr.File, Offset: pr.Offset, Reason: fmt.Sprintf("the input is damaged (%s): repair it first (aofkit fix, or --salvage), then run %s", pr.Reason, mode)}
		}
	}
	return nil
}

// eachRecord scans the RESP part of every file in load order.
func (p *Plan) eachRecord(fn func(i int, r *aof.Record, data []byte) error) error {
	for i, f := range p.Files {
		if f.part.Format != aof.FormatRESP && f.part.Format != aof.FormatRDB {
			continue
		}
		if err := p.scanFile(i, func(r *aof.Record, data []byte) error { return fn(i, r, data) }); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plan) scanFile(i int, fn func(r *aof.Record, data []byte) error) error {
	start := p.rdbEnd(i)
	return p.withData(i, func(data []byte) error {
		sc := aof.NewScanner(data[start:], start, nil)
		for sc.Next() {
			if err := fn(sc.Record(), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// withData maps file i and runs fn on its bytes, with faults of a file truncated under us
// turned into an error.
func (p *Plan) withData(i int, fn func(data []byte) error) error {
	m, err := mmapfile.Open(p.Files[i].part.Path)
	if err != nil {
		return &OpError{err}
	}
	defer m.Close()
	err = mmapfile.Guard(func() error { return fn(m.Bytes()) })
	if errors.Is(err, mmapfile.ErrFault) {
		return &OpError{fmt.Errorf("%s: %w", p.Files[i].part.Path, err)}
	}
	return err
}

var errStop = errors.New("stop")

// planTimestamp cuts at the first #TS annotation later than opt.Timestamp.
func (p *Plan) planTimestamp() error {
	if err := p.requireClean("--truncate-to-timestamp"); err != nil {
		return err
	}
	t := p.opt.Timestamp.Unix()
	// The time of the base: its RDB ctime, or its first #TS.
	if len(p.Files) > 0 && p.Files[0].part.Format == aof.FormatRDB {
		if ctime, ok := p.rdbCtime(0); ok && t < ctime {
			return &UnfixableError{File: p.Files[0].Name, Offset: -1, Reason: fmt.Sprintf("%d is before the base was written (RDB ctime %d): the state at that time is not in these files", t, ctime)}
		}
	}
	found := -1
	var at int64
	first := true
	err := p.eachRecord(func(i int, r *aof.Record, _ []byte) error {
		if r.Kind != aof.KindAnnotation {
			first = false
			return nil
		}
		v, ok := tsValue(r.Raw)
		if !ok {
			return nil
		}
		if v > t {
			if i == 0 && first && p.Files[0].part.Role != aof.RoleIncr {
				return &UnfixableError{File: p.Files[i].Name, Offset: r.Offset, Reason: fmt.Sprintf("%d is before the base file's first timestamp %d: the state at that time is not in these files", t, v)}
			}
			found, at = i, r.Offset
			return errStop
		}
		first = false
		return nil
	})
	if err != nil && err != errStop {
		return err
	}
	if found < 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("no #TS annotation is later than %d: nothing to cut", t))
		return nil
	}
	p.cutAt(found, at, fmt.Sprintf("first #TS later than %d", t))
	return nil
}

func (p *Plan) rdbCtime(i int) (int64, bool) {
	m, err := mmapfile.Open(p.Files[i].part.Path)
	if err != nil {
		return 0, false
	}
	defer m.Close()
	var info *rdb.Info
	err = mmapfile.Guard(func() error {
		var derr error
		info, derr = rdb.Decode(m.Bytes(), 0, rdb.NopHandler{}, rdb.Options{})
		return derr
	})
	if err != nil || info == nil {
		return 0, false
	}
	for _, a := range info.Aux {
		if string(a.Key) == "ctime" {
			v, err := strconv.ParseInt(string(a.Value), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// planDrop removes every record of the given commands (at or after --since), byte for byte
// keeping the rest.
func (p *Plan) planDrop() error {
	if len(p.opt.Drop) == 0 {
		return &UsageError{"--drop needs at least one command name"}
	}
	if err := p.requireClean("--drop"); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, n := range p.opt.Drop {
		names[strings.ToLower(strings.TrimSpace(n))] = true
	}
	if names["multi"] != names["exec"] {
		return &UsageError{"--drop multi or exec alone would leave transactions open or stray EXECs (the server refuses or reverts them): drop both, or neither"}
	}
	if p.opt.Since != nil {
		seen := false
		err := p.eachRecord(func(i int, r *aof.Record, _ []byte) error {
			if _, ok := tsValue(r.Raw); ok && r.Kind == aof.KindAnnotation {
				seen = true
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return err
		}
		if !seen {
			return &UsageError{"--since needs #TS annotations to date records, and this AOF has none (the server writes them only with aof-timestamp-enabled yes); drop without --since, or use --truncate-to-timestamp"}
		}
	}
	var since int64
	if p.opt.Since != nil {
		since = p.opt.Since.Unix()
	}
	ts := int64(-1)
	lower := make([]byte, 0, 32)
	err := p.eachRecord(func(i int, r *aof.Record, _ []byte) error {
		if r.Kind == aof.KindAnnotation {
			if v, ok := tsValue(r.Raw); ok {
				ts = v
			}
			return nil
		}
		if r.Kind != aof.KindCommand || len(r.Args) == 0 || len(r.Args[0]) > 32 {
			return nil
		}
		lower = append(lower[:0], r.Args[0]...)
		for j, c := range lower {
			if c >= 'A' && c <= 'Z' {
				lower[j] = c + 'a' - 'A'
			}
		}
		if !names[string(lower)] {
			return nil
		}
		if p.opt.Since != nil && (ts < 0 || ts < since) {
			return nil
		}
		f := &p.Files[i]
		f.Action = ActionRewrite
		f.Removed = appendRange(f.Removed, Range{r.Offset, r.End()})
		f.SizeAfter -= r.End() - r.Offset
		return nil
	})
	if err != nil {
		return err
	}
	p.PointInTime = false
	p.Notes = append(p.Notes, "records were removed from the middle of the history: the result is not a state the server was ever in, it is the history without those commands")
	return nil
}

func appendRange(rs []Range, r Range) []Range {
	if n := len(rs); n > 0 && rs[n-1].To == r.From {
		rs[n-1].To = r.To
		return rs
	}
	return append(rs, r)
}

// describe lists the records each removed range held, with the keys they touched.
func (p *Plan) describe() error {
	for i := range p.Files {
		f := &p.Files[i]
		if len(f.Removed) == 0 || f.part.Format == aof.FormatMissing {
			continue
		}
		keys := map[string]bool{}
		var kbuf []int
		err := p.scanFile(i, func(r *aof.Record, data []byte) error {
			if !inRanges(f.Removed, r.Offset) {
				return nil
			}
			switch r.Kind {
			case aof.KindAnnotation:
				return nil
			case aof.KindDamage:
				f.DamagedBytes += int64(len(r.Raw))
				if len(f.Dropped) < maxListed {
					f.Dropped = append(f.Dropped, Dropped{Offset: r.Offset, End: r.End()})
				}
				return nil
			}
			f.DroppedRecords++
			d := Dropped{Offset: r.Offset, End: r.End()}
			if len(r.Args) > 0 && r.Loader.OK() {
				d.Command = string(r.Args[0])
				if spec, err := command.Lookup(r.Args); err == nil {
					kbuf = spec.Keys(r.Args, kbuf[:0])
					for _, ki := range kbuf {
						k := string(r.Args[ki])
						if len(d.Keys) < maxListedKeys {
							d.Keys = append(d.Keys, k)
						}
						if !keys[k] && len(keys) < maxKeyCount {
							keys[k] = true
							if len(f.Keys) < maxListedKeys {
								f.Keys = append(f.Keys, k)
							}
						}
					}
				}
			}
			if len(f.Dropped) < maxListed {
				f.Dropped = append(f.Dropped, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
		f.KeyCount = int64(len(keys))
	}
	return nil
}

func inRanges(rs []Range, off int64) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].To > off })
	return i < len(rs) && rs[i].From <= off
}
