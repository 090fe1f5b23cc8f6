// Package check says whether an AOF (any layout) or RDB will load, and exactly where and why
// not. It judges every file twice, as redis-check-aof 7.x does (src/redis-check-aof.c @ 7.0.15
// = 7.4.1) and as the server's loader does (loadSingleAppendOnlyFile, src/aof.c @ 7.0.15 /
// 7.4.1), records both verdicts for every problem, and reports every problem rather than the
// first (reference §2, §3 of shared/reference/aof-format.md).
package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/command"
	"github.com/aofkit/aofkit/internal/mmapfile"
	"github.com/aofkit/aofkit/rdb"
)

// Severity of a problem (DESIGN.md): fatal — the server refuses to load (or its behaviour is
// undefined); error — redis-check-aof rejects it, or data would be lost or wrong; warning — it
// loads, but look; info — for the record.
type Severity string

const (
	Fatal   Severity = "fatal"
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// What redis-check-aof 7.x does with a problem.
const (
	CheckerRejects = "rejects" // it reports the file invalid (its --fix would truncate here)
	CheckerAccepts = "accepts" // it says nothing
)

// What the server's loader does with a problem.
const (
	LoaderRefuses   = "refuses"   // it refuses to start
	LoaderTruncates = "truncates" // it truncates the file and loads under aof-load-truncated yes (the default); refuses under no
	LoaderIgnores   = "ignores"   // it logs an error for the command and goes on
	LoaderAccepts   = "accepts"   // it loads it without complaint
	LoaderUndefined = "undefined" // undefined behaviour: it may crash, or load garbage
)

// Options for Run.
type Options struct {
	Path   string
	Strict bool // warnings make the input invalid
	// Progress, if set, is called now and then with bytes done and total.
	Progress func(done, total int64)
}

// Problem is one thing wrong with the input.
type Problem struct {
	File     string   `json:"file"`
	Offset   int64    `json:"offset"`  // byte offset in File (-1: not tied to an offset)
	Line     int64    `json:"line"`    // 1-based line of Offset in File (0: unknown)
	Record   int64    `json:"record"`  // 0-based index of the record in File (-1: none)
	Command  string   `json:"command"` // the record's command name, if any
	Severity Severity `json:"severity"`
	Reason   string   `json:"reason"`
	Checker  string   `json:"checker"` // CheckerRejects or CheckerAccepts
	Loader   string   `json:"loader"`  // LoaderRefuses, LoaderTruncates, LoaderIgnores, LoaderAccepts, LoaderUndefined
	// AfterDamage is true for problems found after an earlier problem that already stops the
	// loader in this file: the server never gets there, but a salvage would.
	AfterDamage bool `json:"after_damage,omitempty"`
	// CutAt is where a truncating repair must cut File for this problem to go: the record's
	// offset, or the start of the MULTI it sits in (what redis-check-aof --fix does). -1 when
	// cutting does not help (an RDB section, a missing file, a problem outside any record).
	CutAt int64 `json:"cut_at"`
	// End is the offset just after the record or damaged range (-1 when not a record).
	End int64 `json:"end"`
}

// FileReport is the verdict on one file.
type FileReport struct {
	Name string `json:"name"`
	// Kind: "base-rdb", "base-aof", "incr", "history", "single-aof", "single-rdb" (an RDB file,
	// possibly with a RESP tail), "manifest".
	Kind string `json:"kind"`
	Size int64  `json:"size"`
	// OkUpTo, OkUpToLine and Diff mean what redis-check-aof prints (reference §2.4): the offset
	// of the first record it rejects (or of the MULTI opening the broken transaction), its
	// cumulative line counter, and Size-OkUpTo.
	OkUpTo     int64 `json:"ok_up_to"`
	OkUpToLine int64 `json:"ok_up_to_line"`
	// Line is the real 1-based line of OkUpTo in this file.
	Line int64 `json:"line"`
	// LoaderOkUpTo is where the server's loader stops: Size when it loads the whole file, the
	// offset it truncates the file at, or the end of the last record it executed before refusing.
	LoaderOkUpTo int64 `json:"loader_ok_up_to"`
	Diff         int64 `json:"diff"`
	Records      int64 `json:"records"`     // RESP records (annotations excluded)
	Annotations  int64 `json:"annotations"` // '#' lines
	// RDBEnd is the offset where an RDB section ends and the RESP tail starts (0: no RDB).
	RDBEnd int64 `json:"rdb_end,omitempty"`
	// Status: "ok", "invalid", "empty", "missing", "unreadable", "not-verified".
	Status string `json:"status"`
	// CheckerReached is false for files redis-check-aof never gets to: it stops at the first
	// file it finds invalid.
	CheckerReached bool `json:"checker_reached"`
	// CheckerValid is redis-check-aof's verdict on this file (meaningful when CheckerReached).
	CheckerValid bool `json:"checker_valid"`
}

// Report is the verdict on a whole source.
type Report struct {
	Path   string `json:"path"`
	Layout string `json:"layout"`
	// Valid: both redis-check-aof and the loader accept the source, nothing is unverified, and
	// (with Strict) there is no warning.
	Valid bool `json:"valid"`
	// CheckerValid is what redis-check-aof 7.x would say; LoaderValid whether the server loads
	// everything without truncating or refusing.
	CheckerValid bool `json:"checker_valid"`
	LoaderValid  bool `json:"loader_valid"`
	// NotVerified is true when part of the input is content this version cannot verify yet.
	NotVerified bool `json:"not_verified"`
	// Unreadable is true when a present file could not be read (exit code 3).
	Unreadable bool         `json:"unreadable,omitempty"`
	Files      []FileReport `json:"files"`
	Problems   []Problem    `json:"problems"`
}

// Counts returns how many problems of each severity the report holds.
func (r *Report) Counts() map[Severity]int {
	c := map[Severity]int{}
	for _, p := range r.Problems {
		c[p.Severity]++
	}
	return c
}

// UsageError is returned for a PATH that cannot be checked as given (exit code 2).
type UsageError = aof.UsageError

// Run checks the source at opt.Path. It never opens anything for writing. Damage is reported in
// the Report, not as an error; the error is non-nil only for a usage problem (*aof.UsageError),
// cancellation (ctx.Err()), or a file that is present but cannot be read (an *OpError, with the
// report of what was checked).
func Run(ctx context.Context, opt Options) (*Report, error) {
	src, err := aof.Open(opt.Path)
	var de *aof.DamageError
	switch {
	case errors.As(err, &de):
		r := &Report{Path: opt.Path, Layout: string(aof.LayoutMultiPart)}
		r.Files = append(r.Files, FileReport{Name: de.Path, Kind: "manifest", Status: "invalid", CheckerReached: true})
		r.add(Problem{File: de.Path, Offset: de.Offset, Line: int64(de.Line), Record: -1, Severity: Fatal,
			Reason: "manifest: " + de.Reason, Checker: CheckerRejects, Loader: LoaderRefuses, CutAt: -1, End: -1})
		r.finish(opt.Strict)
		return r, nil
	case err != nil:
		return nil, err
	}
	c := &checker{ctx: ctx, opt: opt, src: src, line: 1,
		r: &Report{Path: opt.Path, Layout: string(src.Layout)}}
	for _, p := range src.Parts {
		c.total += p.Size
	}
	err = c.run()
	c.r.finish(opt.Strict)
	return c.r, err
}

// OpError is a present file that could not be read (exit code 3).
type OpError struct {
	File string
	Err  error
}

func (e *OpError) Error() string {
	if msg := e.Err.Error(); strings.HasPrefix(msg, e.File) || strings.Contains(msg, " "+e.File+":") {
		return msg
	}
	return e.File + ": " + e.Err.Error()
}
func (e *OpError) Unwrap() error { return e.Err }

type checker struct {
	ctx       context.Context
	opt       Options
	src       *aof.Source
	r         *Report
	line      int64 // redis-check-aof's line counter: global across files, never reset
	checkerOn bool  // redis-check-aof is still going (it exits at the first invalid file)
	loaderOn  bool  // the loader is still going (it stops at the first file it refuses)
	done      int64 // bytes of earlier parts, for progress
	total     int64
	// a one-entry cache of command.Lookup for commands without sub-commands: AOFs repeat
	// the same command name in runs
	lastName []byte
	lastSpec *command.Spec
}

// lookup is command.Lookup with a cache of the last plain (non-container) name.
func (c *checker) lookup(args [][]byte) (*command.Spec, error) {
	if c.lastSpec != nil && bytes.Equal(args[0], c.lastName) {
		return c.lastSpec, nil
	}
	spec, err := command.Lookup(args)
	if err == nil && len(spec.Subcommands) == 0 && !strings.Contains(spec.Name, "|") {
		c.lastName = append(c.lastName[:0], args[0]...)
		c.lastSpec = spec
	}
	return spec, err
}

func (c *checker) run() error {
	src := c.src
	c.checkerOn, c.loaderOn = true, true
	var opErr error
	for i, p := range src.Parts {
		last := i == len(src.Parts)-1
		if err := c.part(p, last); err != nil {
			var oe *OpError
			if !errors.As(err, &oe) {
				return err
			}
			if opErr == nil {
				opErr = err
			}
		}
		c.done += p.Size
	}
	for _, h := range src.History {
		st := "ok"
		switch h.Format {
		case aof.FormatMissing:
			st = "missing"
		case aof.FormatEmpty:
			st = "empty"
		}
		c.r.Files = append(c.r.Files, FileReport{Name: h.Name, Kind: "history", Size: h.Size, Status: st})
		c.r.add(Problem{File: h.Name, Offset: -1, Record: -1, Severity: Info, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: fmt.Sprintf("history file (manifest line %d): listed but never loaded; the server deletes history files at startup", h.ManifestLine), CutAt: -1, End: -1})
	}
	for _, n := range src.Unlisted {
		c.r.add(Problem{File: n, Offset: -1, Record: -1, Severity: Warning, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: "file in the AOF directory that the manifest does not list: the server ignores it", CutAt: -1, End: -1})
	}
	for _, n := range src.Leftovers {
		c.r.add(Problem{File: n, Offset: -1, Record: -1, Severity: Info, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: "temp- file left by an interrupted rewrite: ignored", CutAt: -1, End: -1})
	}
	return opErr
}

func kindOf(p aof.Part) string {
	switch p.Role {
	case aof.RoleBase:
		if p.Format == aof.FormatRDB {
			return "base-rdb"
		}
		return "base-aof"
	case aof.RoleIncr:
		return "incr"
	case aof.RoleHistory:
		return "history"
	}
	if p.Format == aof.FormatRDB {
		return "single-rdb"
	}
	return "single-aof"
}

// part checks one loaded file.
func (c *checker) part(p aof.Part, last bool) error {
	fr := FileReport{Name: p.Name, Kind: kindOf(p), Size: p.Size, CheckerReached: c.checkerOn}
	idx := len(c.r.Files)
	c.r.Files = append(c.r.Files, fr)
	f := &c.r.Files[idx]
	fail := func(sev Severity, reason string) {
		c.r.add(Problem{File: p.Name, Offset: -1, Record: -1, Severity: sev, Reason: reason, Checker: CheckerRejects, Loader: LoaderRefuses, CutAt: -1, End: -1})
	}
	switch p.Format {
	case aof.FormatMissing:
		f.Status = "missing"
		fail(Fatal, fmt.Sprintf("listed in the manifest (line %d) but missing: the server refuses to start", p.ManifestLine))
		c.checkerOn, c.loaderOn = false, false
		return nil
	case aof.FormatUnread:
		f.Status = "unreadable"
		c.checkerOn = false
		return &OpError{File: p.Path, Err: p.Err}
	case aof.FormatEmpty:
		f.Status, f.CheckerValid = "empty", true
		return nil
	}
	m, err := mmapfile.Open(p.Path)
	if err != nil {
		f.Status = "unreadable"
		c.checkerOn = false
		return &OpError{File: p.Path, Err: err}
	}
	defer m.Close()
	f.Size = m.Size()
	err = mmapfile.Guard(func() error { return c.scanPart(p, f, m, last) })
	if errors.Is(err, mmapfile.ErrFault) {
		f.Status = "unreadable"
		return &OpError{File: p.Path, Err: err}
	}
	return err
}

// scanPart runs both readers over one file's bytes.
func (c *checker) scanPart(p aof.Part, f *FileReport, m *mmapfile.File, last bool) error {
	data := m.Bytes()
	start := int64(0)
	if p.Role == aof.RoleIncr && p.Format == aof.FormatRDB {
		// redis-check-aof checks every incr file as RESP: "REDIS" is a format error at 0.
		f.OkUpTo, f.OkUpToLine, f.Diff, f.Line, f.CheckerValid = 0, c.line, f.Size, 1, false
		c.checkerOn = false
		c.r.add(Problem{File: p.Name, Offset: 0, Line: 1, Record: -1, Severity: Error, Checker: CheckerRejects, Loader: LoaderAccepts,
			Reason: "AOF " + p.Name + " format error: redis-check-aof reads incr files as RESP only; the loader loads an incr file that starts with an RDB", CutAt: -1, End: -1})
	}
	if p.Format == aof.FormatRDB {
		end, verified, err := c.rdbSection(p, f, m)
		if err != nil || !verified {
			return err
		}
		start = end
		f.RDBEnd = end
	}
	var sc records
	if len(data)-int(start) >= pipelineMin {
		pl := aof.NewPipelined(data[start:], start, m.Release)
		defer pl.Close()
		sc = pl
	} else {
		sc = aof.NewScanner(data[start:], start, m.Release)
	}
	st := fileState{c: c, p: p, f: f, sc: sc, last: last,
		checkerOn: true, checkerPos: start, loaderOn: c.loaderOn}
	if p.Role == aof.RoleIncr && p.Format == aof.FormatRDB {
		st.checkerOn, st.checkerFound = false, true
	}
	n := 0
	for sc.Next() {
		if n++; n&0xffff == 0 {
			if err := c.ctx.Err(); err != nil {
				return err
			}
			if c.opt.Progress != nil {
				c.opt.Progress(c.done+sc.Offset(), c.total)
			}
		}
		st.record(sc.Record())
	}
	if pl, ok := sc.(*aof.Pipelined); ok && pl.Err() != nil {
		return pl.Err()
	}
	st.finish()
	return nil
}

// pipelineMin is the size from which a file is scanned on a second goroutine.
var pipelineMin = 4 << 20

// records is what both aof.Scanner and aof.Pipelined provide.
type records interface {
	Next() bool
	Record() *aof.Record
	LineAt(off int64) int64
	Size() int64
	Offset() int64
}

// rdbSection verifies an RDB at the start of a file (an RDB base, a preamble, a plain RDB
// file) the way redis-check-aof does with sanitize-dump-payload yes, CRC-64 included, and
// returns the offset where the RESP tail starts. A damaged RDB cannot be truncated away: the
// problem says what the options are.
func (c *checker) rdbSection(p aof.Part, f *FileReport, m *mmapfile.File) (end int64, verified bool, err error) {
	info, derr := rdb.Decode(m.Bytes(), 0, rdb.NopHandler{}, rdb.Options{Verify: true, Checksum: true, Progress: m.Release})
	var re *rdb.Error
	switch {
	case derr == nil:
	case errors.As(derr, &re) && re.Kind == rdb.KindUnsupported:
		f.Status = "not-verified"
		c.r.NotVerified = true
		c.checkerOn = false
		c.r.add(Problem{File: p.Name, Offset: re.Offset, Line: 0, Record: -1, Severity: Warning, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: "RDB section not verified: " + re.Reason + keyNote(re), CutAt: -1, End: -1})
		return 0, false, nil
	case errors.As(derr, &re):
		f.Status = "invalid"
		c.checkerOn, c.loaderOn = false, false
		f.LoaderOkUpTo = 0
		reason := "RDB section damaged: " + re.Reason + keyNote(re) +
			". An RDB section cannot be truncated away: restore this file from a backup, or give up the data it holds" +
			" (for a multi-part set, the base plus every incr file written after it depend on each other)." +
			" redis-check-aof says \"RDB preamble of AOF file is not sane\"; Redis 7.2+ refuses to start, while Redis 7.0 and ≤6.2 treat it as a short read and, under aof-load-truncated yes, may truncate the file to its start"
		c.r.add(Problem{File: p.Name, Offset: re.Offset, Record: -1, Severity: Fatal, Reason: reason,
			Checker: checkerVerdict(p.Role != aof.RoleIncr), Loader: LoaderRefuses, CutAt: -1, End: -1})
		return 0, false, nil
	default:
		return 0, false, derr
	}
	if info.EmptyKeys > 0 {
		c.r.add(Problem{File: p.Name, Offset: -1, Record: -1, Severity: Info, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: fmt.Sprintf("RDB section holds %d keys with an empty value: the server skips them on load", info.EmptyKeys), CutAt: -1, End: -1})
	}
	if info.ModuleKeys > 0 {
		c.r.add(Problem{File: p.Name, Offset: -1, Record: -1, Severity: Warning, Checker: CheckerAccepts, Loader: LoaderAccepts,
			Reason: fmt.Sprintf("RDB section holds %d module values: only their framing is verified, and the server needs the module to load them", info.ModuleKeys), CutAt: -1, End: -1})
	}
	return info.End, true, nil
}

func keyNote(e *rdb.Error) string {
	if e.Key == nil {
		return ""
	}
	k := string(e.Key)
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return fmt.Sprintf(" (key %q)", k)
}

// fileState is the state of both readers inside one file.
type fileState struct {
	c    *checker
	p    aof.Part
	f    *FileReport
	sc   records
	last bool

	// redis-check-aof
	checkerOn    bool
	checkerMulti int   // its MULTI counter
	checkerPos   int64 // its `pos`: the last record start seen outside a MULTI
	checkerFound bool  // it found a problem in this file

	// the loader
	loaderOn         bool
	loaderMulti      bool
	validUpTo        int64
	validBeforeMulti int64
	multiStart       int64 // offset of the MULTI the loader has open

	records, annotations int64
}

func (s *fileState) name(r *aof.Record) string {
	n := r.Name()
	if len(n) > 64 {
		n = n[:64]
	}
	return string(n)
}

// verdict is one record's outcome for both readers.
type verdict struct {
	checkerRejects bool
	checkerReason  string
	checkerCut     int64  // redis-check-aof's ok_up_to when it rejects (-1: none)
	loader         string // LoaderAccepts when fine
	loaderReason   string
	inMulti        bool  // the record sits inside a MULTI the loader opened
	multiStart     int64 // that MULTI's offset
}

// record feeds one scanned record to both readers and reports what either objects to.
func (s *fileState) record(r *aof.Record) {
	var v verdict
	switch r.Kind {
	case aof.KindAnnotation:
		s.annotations++
		s.annotation(r)
		return
	}
	inMulti, multiStart := s.loaderMulti, s.multiStart
	s.records++
	if r.Kind == aof.KindDamage {
		v = s.damage(r)
	} else {
		v = s.command(r)
	}
	v.inMulti, v.multiStart = inMulti, multiStart
	s.report(r, v)
}

// report adds the problem a record's verdict describes, and stops the loader where it stops.
func (s *fileState) report(r *aof.Record, v verdict) {
	wasOn := s.loaderOn
	if v.loader == LoaderTruncates {
		if s.last {
			v.loaderReason += fmt.Sprintf("; the server truncates the file at offset %d and loads it (aof-load-truncated yes, the default), or refuses to start (no)", s.validUpTo)
		} else {
			v.loader = LoaderRefuses
			v.loaderReason += fmt.Sprintf("; not the last file, so the server refuses to start (under aof-load-truncated yes after truncating this file on disk at offset %d)", s.validUpTo)
		}
	}
	switch v.loader {
	case LoaderRefuses, LoaderTruncates, LoaderUndefined:
		if s.loaderOn {
			s.loaderOn = false
			s.c.loaderOn = false
			s.f.LoaderOkUpTo = s.validUpTo
		}
	}
	if !v.checkerRejects && v.loader == LoaderAccepts {
		return
	}
	sev := Error
	switch v.loader {
	case LoaderRefuses, LoaderUndefined:
		sev = Fatal
	}
	reason := v.loaderReason
	switch {
	case reason == "":
		reason = v.checkerReason + " (redis-check-aof rejects it; the loader accepts it)"
	case v.checkerRejects && v.checkerReason != "":
		reason += "; redis-check-aof: " + v.checkerReason
	}
	off := r.Offset
	cut := off
	if v.inMulti {
		cut = v.multiStart
	}
	if v.checkerRejects && v.checkerCut >= 0 && v.checkerCut < cut {
		cut = v.checkerCut
	}
	end := r.End()
	if r.Index < 0 {
		end = -1
	}
	s.c.r.add(Problem{File: s.p.Name, Offset: off, Line: s.sc.LineAt(off), Record: r.Index, Command: s.name(r),
		Severity: sev, Reason: reason, Checker: checkerVerdict(v.checkerRejects), Loader: v.loader, AfterDamage: !wasOn,
		CutAt: cut, End: end})
}

// checkerStep runs redis-check-aof's record loop on r: it returns whether and why it rejects
// the record. Once the checker has stopped in this file, later records are judged as it would
// judge them on their own (framing only), without moving its ok_up_to or line counter.
func (s *fileState) checkerStep(r *aof.Record) (bool, string) {
	if !s.checkerOn {
		if !r.Checker.OK() {
			if r.Checker.Reason == "format error" {
				return true, "AOF " + s.p.Name + " format error"
			}
			return true, r.Checker.Reason
		}
		return false, ""
	}
	if s.checkerMulti == 0 {
		s.checkerPos = r.Offset
	}
	s.c.line += r.CheckerLines
	reason := ""
	if !r.Checker.OK() {
		reason = r.Checker.Reason
		if reason == "format error" {
			reason = "AOF " + s.p.Name + " format error"
		}
		if r.Checker.At != r.Offset {
			reason += fmt.Sprintf(" (at offset %d)", r.Checker.At)
		}
	} else if r.Kind == aof.KindCommand {
		// strcasecmp on a NUL-terminated copy of argument 0
		switch name := r.Name(); {
		case len(name) < 4 || len(name) > 5 || name[0]|0x20 != 'm' && name[0]|0x20 != 'e':
		case cEqualFold(name, "multi"):
			if s.checkerMulti++; s.checkerMulti != 1 {
				reason = "Unexpected MULTI in AOF " + s.p.Name
			}
		case cEqualFold(name, "exec"):
			if s.checkerMulti--; s.checkerMulti != 0 {
				reason = "Unexpected EXEC in AOF " + s.p.Name
			}
		}
	}
	if reason == "" {
		return false, ""
	}
	s.checkerOn = false
	s.checkerFound = true
	s.c.checkerOn = false
	return true, reason
}

// command judges a RESP record.
func (s *fileState) command(r *aof.Record) verdict {
	v := verdict{checkerCut: -1}
	v.checkerRejects, v.checkerReason = s.checkerStep(r)
	if v.checkerRejects {
		v.checkerCut = s.checkerPos
	}
	v.loader = LoaderAccepts
	if !r.Loader.OK() {
		// `*0`, `*-1`: only redis-check-aof accepts it.
		v.loader, v.loaderReason = LoaderRefuses, "bad file format: "+r.Loader.Reason
		return v
	}
	spec, err := s.c.lookup(r.Args)
	if err != nil {
		v.loader, v.loaderReason = LoaderRefuses, err.Error()+": the loader refuses to start"
		return v
	}
	if !spec.ArityOK(len(r.Args)) {
		v.loader = LoaderUndefined
		v.loaderReason = fmt.Sprintf("wrong number of arguments (%d) for '%s': the loader does not check arity and runs the command on missing arguments (undefined behaviour)", len(r.Args), spec.Name)
	}
	switch spec.Name {
	case "multi":
		s.validBeforeMulti = s.validUpTo
		if !s.loaderMulti {
			s.multiStart = r.Offset
		}
		if s.loaderMulti && v.loader == LoaderAccepts {
			v.loader, v.loaderReason = LoaderIgnores, "MULTI inside a transaction: the loader queues it and logs \"MULTI calls can not be nested\" at EXEC"
		}
		s.loaderMulti = true
	case "exec":
		if !s.loaderMulti && v.loader == LoaderAccepts {
			v.loader, v.loaderReason = LoaderIgnores, "EXEC without MULTI: the loader logs the error and goes on"
		}
		s.loaderMulti = false
	}
	if s.loaderOn {
		s.validUpTo = r.End()
	}
	return v
}

// damage judges bytes neither reader can frame.
func (s *fileState) damage(r *aof.Record) verdict {
	v := verdict{checkerCut: -1}
	v.checkerRejects, v.checkerReason = s.checkerStep(r)
	if v.checkerRejects {
		v.checkerCut = s.checkerPos
	}
	switch r.Loader.Kind {
	case aof.FaultTruncated:
		v.loader, v.loaderReason = LoaderTruncates, r.Loader.Reason
		if s.loaderMulti && s.loaderOn {
			// A short read skips the loader's "revert incomplete MULTI" step (that runs only on
			// a clean end of file): it cuts after the last queued command and leaves the MULTI
			// open, so the next restart reverts the transaction and drops every write appended
			// after it. Cut at the MULTI instead (redis-check-aof's ok_up_to).
			v.loaderReason += fmt.Sprintf(" inside a MULTI opened at offset %d: the loader leaves the MULTI open in the file, so the next restart drops the transaction and every write made after it", s.validBeforeMulti)
		}
	case aof.FaultCrash:
		v.loader, v.loaderReason = LoaderUndefined, r.Loader.Reason
	default:
		v.loader, v.loaderReason = LoaderRefuses, "bad file format: "+r.Loader.Reason
	}
	if r.End() == s.sc.Size() {
		v.loaderReason += fmt.Sprintf(" (%d bytes to the end of the file)", len(r.Raw))
	} else {
		v.loaderReason += fmt.Sprintf(" (%d bytes until records parse again)", len(r.Raw))
	}
	s.loaderMulti = false
	return v
}

func checkerVerdict(rejects bool) string {
	if rejects {
		return CheckerRejects
	}
	return CheckerAccepts
}

// cEqualFold reports whether b, read as C strcasecmp reads it (up to a NUL byte), equals the
// lower-case ASCII word w. No allocation.
func cEqualFold(b []byte, w string) bool {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) != len(w) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

func (s *fileState) annotation(r *aof.Record) {
	if len(r.Raw) < 4 || string(r.Raw[:4]) != "#TS:" {
		return
	}
	// redis-check-aof --truncate-to-timestamp: strtol, then the next byte must be '\r'.
	b := r.Raw[4:]
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	ok := j > i && j-i <= 18 && j < len(b) && b[j] == '\r'
	if !ok {
		txt := strings.TrimRight(string(r.Raw), "\r\n")
		if len(txt) > 40 {
			txt = txt[:40] + "…"
		}
		s.c.r.add(Problem{File: s.p.Name, Offset: r.Offset, Line: s.sc.LineAt(r.Offset), Record: r.Index, Severity: Warning,
			Reason:  fmt.Sprintf("malformed timestamp annotation %q: skipped on load, but redis-check-aof --truncate-to-timestamp stops with \"Invalid timestamp annotation\"", txt),
			Checker: CheckerAccepts, Loader: LoaderAccepts, AfterDamage: !s.loaderOn, CutAt: -1, End: -1})
	}
}

func (s *fileState) finish() {
	f := s.f
	size := f.Size
	if s.checkerOn {
		if s.checkerMulti != 0 {
			s.checkerOn, s.checkerFound, s.c.checkerOn = false, true, false
			if !s.loaderMulti || !s.loaderOn {
				s.c.r.add(Problem{File: s.p.Name, Offset: s.checkerPos, Line: s.sc.LineAt(s.checkerPos), Record: -1, Command: "multi", Severity: Error,
					Reason: "Reached EOF before reading EXEC for MULTI", Checker: CheckerRejects, Loader: LoaderAccepts, CutAt: s.checkerPos, End: -1})
			}
		} else {
			s.checkerPos = size
		}
	}
	if s.loaderOn {
		if s.loaderMulti {
			s.validUpTo = s.validBeforeMulti
			r := &aof.Record{Offset: s.validBeforeMulti, Index: -1}
			s.report(r, verdict{checkerRejects: s.checkerFound && s.checkerMulti != 0, checkerReason: "Reached EOF before reading EXEC for MULTI",
				checkerCut: s.checkerPos, inMulti: true, multiStart: s.multiStart,
				loader: LoaderTruncates, loaderReason: "MULTI without EXEC at the end of the file: the loader reverts the transaction"})
		} else {
			f.LoaderOkUpTo = size
		}
	}
	if !(s.p.Role == aof.RoleIncr && s.p.Format == aof.FormatRDB) { // else set in scanPart
		f.OkUpTo = s.checkerPos
		f.OkUpToLine = s.c.line
		f.Diff = size - f.OkUpTo
		f.CheckerValid = !s.checkerFound
		f.Line = s.sc.LineAt(f.OkUpTo)
	}
	f.Records, f.Annotations = s.records, s.annotations
	if f.Status == "" {
		f.Status = "ok"
		if (f.CheckerReached && !f.CheckerValid) || f.LoaderOkUpTo != size {
			f.Status = "invalid"
		}
		for _, p := range s.c.r.Problems {
			if p.File == s.p.Name && (p.Severity == Fatal || p.Severity == Error) {
				f.Status = "invalid"
			}
		}
	}
}

func (r *Report) add(p Problem) { r.Problems = append(r.Problems, p) }

// finish computes the overall verdicts.
func (r *Report) finish(strict bool) {
	r.CheckerValid, r.LoaderValid = true, true
	warn := false
	for _, p := range r.Problems {
		if p.Checker == CheckerRejects {
			r.CheckerValid = false
		}
		switch p.Loader {
		case LoaderRefuses, LoaderTruncates, LoaderUndefined:
			r.LoaderValid = false
		}
		if p.Severity == Warning {
			warn = true
		}
	}
	for _, f := range r.Files {
		if f.Status == "missing" && f.Kind != "history" {
			r.CheckerValid, r.LoaderValid = false, false
		}
		if f.Status == "unreadable" {
			r.Unreadable = true
		}
	}
	r.Valid = r.CheckerValid && r.LoaderValid && !r.NotVerified && !r.Unreadable
	if strict && warn {
		r.Valid = false
	}
	for _, p := range r.Problems {
		if p.Severity == Fatal || p.Severity == Error {
			r.Valid = false
		}
	}
}
