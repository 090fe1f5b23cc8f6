package keyspace

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/mmapfile"
	"github.com/aofkit/aofkit/rdb"
)

// ReplayOptions for Replay.
type ReplayOptions struct {
	NowMs int64 // the clock relative TTLs count from (the loader's "now")
	// Progress, if set, is called now and then with bytes done and total.
	Progress func(done, total int64)
	// Shards is how many goroutines apply records: 1 (serial) or 2 (parallel.go); 0 means 2
	// when GOMAXPROCS allows two, else 1. Both give the same keyspace.
	Shards int
}

// ReplayStats counts what a replay read. When Replay fails, Records and FirstErrors go up to
// the failing record, but Errors may count command errors a parallel replay met past it.
type ReplayStats struct {
	Files       int
	Bytes       int64
	Records     int64 // RESP records applied (MULTI/EXEC included)
	Errors      int64 // records Redis would have answered with an error (no effect)
	RDBKeys     int64 // keys loaded from RDB sections
	FirstErrors []string
	RDBVersion  int // version of the first RDB section, 0 if none
}

// ReplayError stops a replay: a record that cannot be replayed faithfully, or damage.
type ReplayError struct {
	File    string
	Offset  int64
	Command string
	Key     string
	Err     error
}

func (e *ReplayError) Error() string {
	s := fmt.Sprintf("%s: offset %d", e.File, e.Offset)
	if e.Command != "" {
		s += ": " + e.Command
	}
	if e.Key != "" {
		s += fmt.Sprintf(" (key %q)", e.Key)
	}
	return s + ": " + e.Err.Error()
}

func (e *ReplayError) Unwrap() error { return e.Err }

// Replay loads a whole source into a new keyspace as the server's loader would: RDB sections
// through the rdb decoder, RESP records through Client.Apply with a new client per file. The
// source must be valid (see check): damage, unknown commands and records this engine cannot
// replay stop it with a *ReplayError naming file, offset, command and key.
func Replay(ctx context.Context, src *aof.Source, opt ReplayOptions) (*Keyspace, *ReplayStats, error) {
	shards := opt.Shards
	if shards == 0 {
		shards = min(2, runtime.GOMAXPROCS(0))
	}
	if shards >= 2 {
		ks, st, err := replayParallel(ctx, src, opt)
		if err != errMisrouted {
			return ks, st, err
		}
		// A command reached a key its shard does not own: a routing bug. The serial
		// replay below is always right; tests count these (misroutes) and fail.
		misroutes.Add(1)
	}
	ks := New(opt.NowMs)
	st, err := eachPart(src, func(p aof.Part, m *mmapfile.File, done, total int64, st *ReplayStats) error {
		return replayFile(ctx, ks, st, p, m, opt, done, total)
	})
	if err != nil {
		return nil, st, err
	}
	return ks, st, nil
}

// eachPart maps each file of src that holds data in turn and calls fn on it (under
// mmapfile.Guard), counting files and bytes in the stats it returns. A part listed but
// missing or unreadable is a *ReplayError.
func eachPart(src *aof.Source, fn func(p aof.Part, m *mmapfile.File, done, total int64, st *ReplayStats) error) (*ReplayStats, error) {
	st := &ReplayStats{}
	var total, done int64
	for _, p := range src.Parts {
		total += p.Size
	}
	for _, p := range src.Parts {
		switch p.Format {
		case aof.FormatEmpty:
			continue
		case aof.FormatMissing:
			return st, &ReplayError{File: p.Name, Offset: -1, Err: errors.New("listed in the manifest but missing")}
		case aof.FormatUnread:
			return st, &ReplayError{File: p.Name, Offset: -1, Err: p.Err}
		}
		st.Files++
		m, err := mmapfile.Open(p.Path)
		if err != nil {
			return st, err
		}
		err = mmapfile.Guard(func() error { return fn(p, m, done, total, st) })
		m.Close()
		if err != nil {
			return st, err
		}
		done += p.Size
		st.Bytes += p.Size
	}
	return st, nil
}

// loadRDB loads the RDB section at the start of a part: each key through load, function
// libraries into ks. It returns the offset just past the section.
func loadRDB(p aof.Part, m *mmapfile.File, st *ReplayStats, ks *Keyspace, load func(k *canon.Key) error) (int64, error) {
	funcs, info, err := rdb.CollectFunc(m.Bytes(), 0, rdb.Options{Progress: m.Release}, func(k *canon.Key) error {
		st.RDBKeys++
		return load(k)
	})
	if err != nil {
		var re *rdb.Error
		if errors.As(err, &re) {
			return 0, &ReplayError{File: p.Name, Offset: re.Offset, Key: string(re.Key), Err: err}
		}
		return 0, &ReplayError{File: p.Name, Offset: -1, Err: err}
	}
	if st.RDBVersion == 0 {
		st.RDBVersion = info.Version
	}
	for _, f := range funcs {
		// Name and engine as FUNCTION LOAD reads the header (quotes included), not the
		// rdb package's plain split.
		name, engine, reason := LibraryMeta(f.Code)
		if reason != "" {
			return 0, &ReplayError{File: p.Name, Offset: -1, Err: fmt.Errorf("function library in the RDB section: %s", reason)}
		}
		ks.Libraries[name] = &Library{Name: name, Engine: engine, Code: Clone(f.Code)}
	}
	return info.End, nil
}

// pipelineMin is the size from which a file is scanned on a second goroutine.
var pipelineMin = 4 << 20

func replayFile(ctx context.Context, ks *Keyspace, st *ReplayStats, p aof.Part, m *mmapfile.File, opt ReplayOptions, done, total int64) (err error) {
	data := m.Bytes()
	start := int64(0)
	if p.Format == aof.FormatRDB {
		if start, err = loadRDB(p, m, st, ks, ks.Import); err != nil {
			return err
		}
	}
	c := ks.NewClient()
	var sc interface {
		Next() bool
		Record() *aof.Record
	}
	if len(data)-int(start) >= pipelineMin {
		// Scanning runs on a second core, ahead of the replay.
		pl := aof.NewPipelined(data[start:], start, m.Release)
		defer pl.Close()
		sc = pl
		defer func() {
			if err == nil {
				err = pl.Err()
			}
		}()
	} else {
		sc = aof.NewScanner(data[start:], start, m.Release)
	}
	n := 0
	for sc.Next() {
		r := sc.Record()
		if n++; n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if opt.Progress != nil {
				opt.Progress(done+r.Offset, total)
			}
		}
		switch r.Kind {
		case aof.KindAnnotation:
			continue
		case aof.KindDamage:
			return &ReplayError{File: p.Name, Offset: r.Offset, Err: errors.New("damaged bytes (run aofkit check / fix first)")}
		}
		if !r.Loader.OK() {
			return &ReplayError{File: p.Name, Offset: r.Offset, Err: errors.New(r.Loader.Reason)}
		}
		st.Records++
		if err := c.Apply(r.Args); err != nil {
			if IsCommandError(err) {
				st.Errors++
				if len(st.FirstErrors) < maxFirstErrors {
					st.FirstErrors = append(st.FirstErrors, fmt.Sprintf("%s offset %d: %s: %v", p.Name, r.Offset, printable(r.Args[0]), err))
				}
				continue
			}
			re := &ReplayError{File: p.Name, Offset: r.Offset, Command: string(r.Args[0]), Err: err}
			var ue *UnsupportedError
			if errors.As(err, &ue) {
				re.Key = ue.Key
			}
			return re
		}
	}
	// MULTI without EXEC at the end of a file: the loader reverts it (nothing was applied).
	return nil
}

// maxFirstErrors is how many command errors ReplayStats.FirstErrors keeps.
var maxFirstErrors = 10
