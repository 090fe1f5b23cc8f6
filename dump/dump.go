// Package dump prints the dataset a source holds as canonical JSON lines, in the schema of
// shared/tools/keyspace_dump.py (internal/canon): one object per key sorted by db then raw key
// bytes, then a functions line. Sources: an RDB file (any version rdb/ decodes), an AOF of any
// layout (replayed in memory by keyspace), or a live server given as
// redis://[user:pass@]host:port.
package dump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/livedump"
	"github.com/aofkit/aofkit/internal/mmapfile"
	"github.com/aofkit/aofkit/keyspace"
	"github.com/aofkit/aofkit/rdb"
)

// Options for Run.
type Options struct {
	Path  string    // a file or directory, or a redis:// / rediss:// URL
	Now   time.Time // keys and hash fields expired as of Now are left out (file sources)
	DB    int       // only this database, when >= 0
	Match string    // only keys matching this glob (Redis MATCH syntax), when not ""
}

// Report says what was dumped.
type Report struct {
	Source    string `json:"source"`
	Keys      int64  `json:"keys"`
	Expired   int64  `json:"expired"`   // keys left out because they expired as of Now
	Functions int    `json:"functions"` // libraries
}

// SourceError is a damaged source: file, byte offset and reason.
type SourceError struct {
	File   string
	Offset int64
	Reason string
	Err    error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, e.Reason)
}
func (e *SourceError) Unwrap() error { return e.Err }

// IsURL reports whether path names a live server.
func IsURL(path string) bool {
	return strings.HasPrefix(path, "redis://") || strings.HasPrefix(path, "rediss://")
}

// Run writes the dataset of opt.Path to w. Memory: the whole dataset of a file source is held
// (the output is sorted by key); a live server is read key by key but also sorted in memory.
// Errors: *aof.UsageError (unusable PATH), *SourceError (damaged input), a *keyspace.ReplayError
// wrapping an *keyspace.UnsupportedError (a record that cannot be replayed faithfully),
// a connection error for a URL, or a write error on w.
func Run(ctx context.Context, w io.Writer, opt Options) (*Report, error) {
	if IsURL(opt.Path) {
		return runLive(ctx, w, opt)
	}
	src, err := aof.Open(opt.Path)
	if err != nil {
		return nil, err
	}
	if src.Layout != aof.LayoutSingle || src.Parts[0].Format != aof.FormatRDB {
		return runReplay(ctx, w, src, opt)
	}
	p := src.Parts[0]
	m, err := mmapfile.Open(p.Path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	rep := &Report{Source: opt.Path}
	nowMs := opt.Now.UnixMilli()
	var keys []canon.Key
	var funcs []canon.Function
	var info *rdb.Info
	err = mmapfile.Guard(func() error {
		var derr error
		funcs, info, derr = rdb.CollectFunc(m.Bytes(), 0, rdb.Options{Verify: true, Checksum: true}, func(k *canon.Key) error {
			if !keep(k, opt) {
				return nil
			}
			if dropExpired(k, nowMs) {
				rep.Expired++
				return nil
			}
			keys = append(keys, *k)
			return nil
		})
		return derr
	})
	var re *rdb.Error
	switch {
	case errors.As(err, &re):
		return nil, &SourceError{File: p.Path, Offset: re.Offset, Reason: re.Reason, Err: err}
	case err != nil:
		return nil, err
	}
	if info.End != m.Size() {
		return runReplay(ctx, w, src, opt) // an RDB preamble followed by a RESP tail
	}
	return rep, write(w, rep, keys, funcs)
}

func write(w io.Writer, rep *Report, keys []canon.Key, funcs []canon.Function) error {
	canon.Sort(keys)
	enc := canon.NewEncoder(w)
	for i := range keys {
		if err := enc.EncodeKey(&keys[i]); err != nil {
			return err
		}
	}
	rep.Keys = int64(len(keys))
	rep.Functions = len(funcs)
	if len(funcs) > 0 {
		return enc.EncodeFunctions(funcs)
	}
	return nil
}

// runReplay replays an AOF source in memory and prints its dataset.
func runReplay(ctx context.Context, w io.Writer, src *aof.Source, opt Options) (*Report, error) {
	ks, _, err := keyspace.Replay(ctx, src, keyspace.ReplayOptions{NowMs: opt.Now.UnixMilli()})
	if err != nil {
		var re *keyspace.ReplayError
		var ue *keyspace.UnsupportedError
		if errors.As(err, &re) && !errors.As(err, &ue) {
			return nil, &SourceError{File: re.File, Offset: re.Offset, Reason: re.Err.Error(), Err: err}
		}
		return nil, err
	}
	rep := &Report{Source: opt.Path}
	nowMs := opt.Now.UnixMilli()
	enc := canon.NewEncoder(w)
	err = ks.Each(true, func(k *canon.Key) error {
		if !keep(k, opt) {
			return nil
		}
		if dropExpired(k, nowMs) {
			rep.Expired++
			return nil
		}
		rep.Keys++
		return enc.EncodeKey(k)
	})
	if err != nil {
		return nil, err
	}
	if funcs := ks.Functions(); len(funcs) > 0 {
		rep.Functions = len(funcs)
		return rep, enc.EncodeFunctions(funcs)
	}
	return rep, nil
}

func runLive(ctx context.Context, w io.Writer, opt Options) (*Report, error) {
	ro, err := livedump.ParseURL(opt.Path)
	if err != nil {
		return nil, &aof.UsageError{Path: opt.Path, Reason: err.Error()}
	}
	ro.Protocol = 2
	c := redis.NewClient(ro)
	defer c.Close()
	lo := livedump.Options{Match: opt.Match}
	if opt.DB >= 0 {
		lo.DB, lo.DBs = opt.DB, 1
	}
	keys, funcs, err := livedump.Dump(ctx, c, lo)
	if err != nil {
		return nil, err
	}
	rep := &Report{Source: opt.Path}
	return rep, write(w, rep, keys, funcs)
}

func keep(k *canon.Key, opt Options) bool {
	if opt.DB >= 0 && k.DB != opt.DB {
		return false
	}
	return opt.Match == "" || Match([]byte(opt.Match), k.Key)
}

// dropExpired reports whether k expired as of nowMs (Redis: a key is expired when now > its
// time), and removes hash fields that expired (a field is expired when its time < now); a hash
// left without fields is dropped too.
func dropExpired(k *canon.Key, nowMs int64) bool {
	if k.ExpireMs != canon.NoExpiry && nowMs > k.ExpireMs {
		return true
	}
	if k.Type != canon.TypeHash {
		return false
	}
	out := k.Hash[:0]
	for _, f := range k.Hash {
		if f.ExpireMs != canon.NoExpiry && f.ExpireMs < nowMs {
			continue
		}
		out = append(out, f)
	}
	k.Hash = out
	return len(out) == 0
}
