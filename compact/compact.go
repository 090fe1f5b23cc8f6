// Package compact replays an AOF (any layout) in memory and writes its minimal form — what
// BGREWRITEAOF would write (reference §4.2, src/aof.c rewriteAppendOnlyFileRio @ 7.0.15–7.4.1) —
// as RESP commands or as an RDB, mirroring the input's layout, optionally in place under
// DESIGN.md's safety rules.
package compact

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/keyspace"
	"github.com/aofkit/aofkit/rdb"
)

// Formats.
const (
	FormatAOF = "aof" // RESP commands
	FormatRDB = "rdb"
)

// Options for Run.
type Options struct {
	Path       string
	Output     string // -o OUT: a file for a single-file input, a directory for a multi-part set
	InPlace    bool   // replace the input
	BackupDir  string // with InPlace: move the old files here instead of removing them
	Format     string // "", FormatAOF or FormatRDB ("": RDB of the input's version when it has one the encoder writes, else AOF)
	RDBVersion int    // 0: the input's RDB version, else the newest the encoder writes (12)
	Now        time.Time
	Progress   func(done, total int64)
	// Replayed, if set, is called once the dataset is in memory, before the output is written
	// (the command lowers the collector's target there: see cmd.go).
	Replayed func()
}

// KeyCount is the number of live keys of one type in one database.
type KeyCount struct {
	DB    int    `json:"db"`
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// Report says what compact read and wrote.
type Report struct {
	Input         string     `json:"input"`
	Output        string     `json:"output"`
	Format        string     `json:"format"`
	RDBVersion    int        `json:"rdb_version,omitempty"`
	InputBytes    int64      `json:"input_bytes"`
	InputRecords  int64      `json:"input_records"`
	RDBKeysIn     int64      `json:"input_rdb_keys"`
	CommandErrors int64      `json:"command_errors"` // records Redis answers with an error (no effect)
	OutputBytes   int64      `json:"output_bytes"`
	OutputRecords int64      `json:"output_records"` // RESP records, or RDB keys
	Keys          []KeyCount `json:"keys"`
	Expired       int64      `json:"expired_keys"`   // dropped: expired as of Now
	ExpiredFields int64      `json:"expired_fields"` // hash fields dropped
	Functions     int        `json:"functions"`
	Seconds       float64    `json:"seconds"`
	PeakRSSBytes  int64      `json:"peak_rss_bytes"`
	Written       []string   `json:"written"`
	Backups       []string   `json:"backups,omitempty"`
	Removed       []string   `json:"removed,omitempty"`
}

// UsageError is an invocation that cannot be carried out (exit code 2).
type UsageError struct{ Reason string }

func (e *UsageError) Error() string { return e.Reason }

// Run replays opt.Path and writes its compact form. Errors: *UsageError, *aof.UsageError,
// *keyspace.ReplayError (damage, or a record that cannot be replayed faithfully: file, offset,
// command, key), or an I/O error. On error nothing of the input has changed.
func Run(ctx context.Context, opt Options) (*Report, error) {
	start := time.Now()
	if opt.Now.IsZero() {
		opt.Now = start
	}
	if (opt.Output == "") == !opt.InPlace {
		return nil, &UsageError{"give either -o OUT or --in-place"}
	}
	switch opt.Format {
	case "", FormatAOF, FormatRDB:
	default:
		return nil, &UsageError{fmt.Sprintf("--format %q: want aof or rdb", opt.Format)}
	}
	if opt.RDBVersion != 0 && (opt.RDBVersion < 9 || opt.RDBVersion > 12) {
		return nil, &UsageError{fmt.Sprintf("--rdb-version %d: the encoder writes versions 9 to 12", opt.RDBVersion)}
	}
	src, err := aof.Open(opt.Path)
	if err != nil {
		return nil, err
	}
	rep := &Report{Input: opt.Path}
	for _, p := range src.Parts {
		rep.InputBytes += p.Size
	}
	ks, st, err := keyspace.Replay(ctx, src, keyspace.ReplayOptions{NowMs: opt.Now.UnixMilli(), Progress: opt.Progress})
	if err != nil {
		return nil, err
	}
	rep.InputRecords, rep.RDBKeysIn, rep.CommandErrors = st.Records, st.RDBKeys, st.Errors
	if opt.Replayed != nil {
		opt.Replayed()
	}
	rep.Format = opt.Format
	if rep.Format == "" {
		rep.Format = FormatAOF
		if st.RDBVersion >= 9 && st.RDBVersion <= 12 {
			rep.Format = FormatRDB
		}
	}
	if rep.Format == FormatRDB {
		rep.RDBVersion = opt.RDBVersion
		if rep.RDBVersion == 0 {
			rep.RDBVersion = defaultRDBVersion(src, st, ks)
		}
	}
	w := &writer{ks: ks, rep: rep, nowMs: opt.Now.UnixMilli(), now: opt.Now}
	if src.Layout == aof.LayoutSingle {
		err = w.single(src, opt)
	} else {
		err = w.multi(src, opt)
	}
	if err != nil {
		return nil, err
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.PeakRSSBytes = peakRSS()
	return rep, nil
}

// defaultRDBVersion is the version compact writes without --rdb-version: the input's RDB
// version when it has one the encoder writes (older ones become 9, newer 12); otherwise the
// oldest version the server that wrote the input can load — 10 for a multi-part set (Redis
// 7.0+ writes those), 9 for a single file (Redis ≤ 6.2) — raised to what the dataset needs:
// 10 for function libraries, 12 for hash field TTLs (Redis 7.4).
func defaultRDBVersion(src *aof.Source, st *keyspace.ReplayStats, ks *keyspace.Keyspace) int {
	if v := st.RDBVersion; v != 0 {
		return min(max(v, 9), 12)
	}
	v := 9
	if src.Layout != aof.LayoutSingle {
		v = 10
	}
	if len(ks.Libraries) > 0 {
		v = max(v, 10)
	}
	if ks.HasFieldTTLs() {
		v = 12
	}
	return v
}

type writer struct {
	ks    *keyspace.Keyspace
	rep   *Report
	nowMs int64
	now   time.Time
	// counts by db and type, filled while writing
	counts map[[2]string]int64
}

// live drops what expired as of now: the key (now > expire) or hash fields (expire < now).
// It reports whether the key stays.
func (w *writer) live(k *canon.Key) bool {
	var st keyStats
	ok := w.liveIn(k, &st)
	w.rep.Expired += st.expired
	w.rep.ExpiredFields += st.expiredFields
	return ok
}

// keyStats is what one batch of keys adds to the report (batches are encoded in parallel).
type keyStats struct {
	expired, expiredFields, records int64
	types                           map[string]int64
}

// liveIn is live counting into st (safe on any goroutine).
func (w *writer) liveIn(k *canon.Key, st *keyStats) bool {
	if k.ExpireMs >= 0 && w.nowMs > k.ExpireMs {
		st.expired++
		return false
	}
	if k.Type == canon.TypeHash {
		expired := 0
		for _, f := range k.Hash {
			if f.ExpireMs >= 0 && f.ExpireMs < w.nowMs {
				expired++
			}
		}
		if expired > 0 {
			// A new slice: k.Hash may alias what the engine keeps.
			out := make([]canon.HField, 0, len(k.Hash)-expired)
			for _, f := range k.Hash {
				if !(f.ExpireMs >= 0 && f.ExpireMs < w.nowMs) {
					out = append(out, f)
				}
			}
			st.expiredFields += int64(expired)
			k.Hash = out
		}
		if len(k.Hash) == 0 {
			st.expired++
			return false
		}
	}
	return true
}

func (w *writer) count(k *canon.Key) {
	if w.counts == nil {
		w.counts = map[[2]string]int64{}
	}
	w.counts[[2]string{strconv.Itoa(k.DB), k.Type}]++
}

func (w *writer) finishCounts() {
	for k, n := range w.counts {
		db, _ := strconv.Atoi(k[0])
		w.rep.Keys = append(w.rep.Keys, KeyCount{DB: db, Type: k[1], Count: n})
	}
	sort.Slice(w.rep.Keys, func(i, j int) bool {
		a, b := w.rep.Keys[i], w.rep.Keys[j]
		if a.DB != b.DB {
			return a.DB < b.DB
		}
		return a.Type < b.Type
	})
}

// countingWriter counts bytes.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// write produces the compact dataset on out.
func (w *writer) write(out io.Writer, aofBase bool) error {
	cw := &countingWriter{w: out}
	bw := bufio.NewWriterSize(cw, 1<<20)
	funcs := w.ks.Functions()
	w.rep.Functions = len(funcs)
	w.counts = nil
	if w.rep.Format == FormatRDB {
		enc, err := rdb.NewEncoder(bw, w.rep.RDBVersion, rdb.EncoderOptions{Now: w.now, AOFBase: aofBase})
		if err != nil {
			return err
		}
		for _, f := range funcs {
			if err := enc.Function(f.Code); err != nil {
				return err
			}
		}
		if err := w.encodeRDB(enc); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	} else {
		buf := keyspace.AppendFunctionLoad(nil, funcs)
		w.rep.OutputRecords += int64(len(funcs))
		db := -1
		err := w.ks.Each(false, func(k *canon.Key) error {
			if !w.live(k) {
				return nil
			}
			if k.DB != db {
				db = k.DB
				buf = aof.AppendCommandStrings(buf, "SELECT", strconv.Itoa(db))
			}
			w.count(k)
			buf = keyspace.AppendRewrite(buf, k)
			if len(buf) >= 1<<20 {
				w.rep.OutputRecords += countRecords(buf)
				if _, err := bw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.rep.OutputRecords += countRecords(buf)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	w.finishCounts()
	w.rep.OutputBytes += cw.n
	return nil
}

// encJob is one batch of keys of one database, encoded on a worker goroutine.
type encJob struct {
	db      int
	large   bool        // ents is one large collection, streamed in pieces through pieces
	pieces  chan []byte // large: the record, in order; closed when the worker is done
	ents    []*keyspace.Entry
	recs    []byte
	dropped rdb.DropReport
	st      keyStats
	err     error
	done    chan struct{}
}

// encodeRDB writes every live key through enc. Keys are exported and encoded (the costly part:
// listpacks, LZF) in batches on one worker per core while this goroutine writes the finished
// batches in order, so the output is the same as encoding one key after another. At most a
// few batches are in flight.
func (w *writer) encodeRDB(enc *rdb.Encoder) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	work := make(chan *encJob, 2*workers)
	inOrder := make(chan *encJob, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ke := enc.NewKeyEncoder()
			var k canon.Key
			for j := range work {
				if j.large {
					j.err = w.encodeLarge(ke, j, stop)
					close(j.pieces)
					j.dropped = ke.TakeDropped()
					close(j.done)
					continue
				}
				for _, e := range j.ents {
					w.ks.Export(j.db, e, &k)
					if !w.liveIn(&k, &j.st) {
						continue
					}
					if w.rep.RDBVersion < 10 && k.Type == canon.TypeStream && k.Stream != nil {
						k.Stream = withoutStreamCounters(k.Stream)
					}
					recs, err := ke.Append(j.recs, &k)
					if err != nil {
						j.err = err
						break
					}
					j.recs = recs
					j.st.records++
					if j.st.types == nil {
						j.st.types = map[string]int64{}
					}
					j.st.types[k.Type]++
				}
				j.dropped = ke.TakeDropped()
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(inOrder)
		defer close(work)
		var k canon.Key
		var el canon.Elems
		send := func(j *encJob) error {
			select {
			case inOrder <- j:
			case <-stop:
				return errStopped
			}
			work <- j
			return nil
		}
		w.ks.Batches(256, func(db int, ents []*keyspace.Entry) error {
			// Large collections leave the batch: a worker encodes each one in pieces that the
			// writing goroutine writes as they come (rdb.KeyEncoder.AppendLarge), so no buffer
			// as large as the value is ever built.
			from := 0
			for i, e := range ents {
				if !w.ks.ExportLarge(db, e, largeElems, &k, &el) {
					continue
				}
				if i > from {
					if err := send(&encJob{db: db, ents: ents[from:i], done: make(chan struct{})}); err != nil {
						return err
					}
				}
				lj := &encJob{db: db, large: true, ents: ents[i : i+1], pieces: make(chan []byte, 4), done: make(chan struct{})}
				if err := send(lj); err != nil {
					return err
				}
				from = i + 1
			}
			if from < len(ents) {
				return send(&encJob{db: db, ents: ents[from:], done: make(chan struct{})})
			}
			return nil
		})
	}()
	var err error
	selected := -1
	// selectDB writes SELECTDB with RESIZEDB when db is not the selected database, as the
	// server writes it: the loader sizes its tables once instead of rehashing as the keys
	// come (expired keys dropped here are still counted: it is a hint).
	selectDB := func(db int) error {
		if db == selected {
			return nil
		}
		keys, expires := w.ks.Sizes(db)
		if e := enc.SelectDB(db, uint64(keys), uint64(expires)); e != nil {
			return e
		}
		selected = db
		return nil
	}
	for j := range inOrder {
		if j.large {
			// The pieces come while the worker encodes.
			for p := range j.pieces {
				if err != nil {
					continue
				}
				e := selectDB(j.db)
				if e == nil {
					e = enc.Records(j.db, p, rdb.DropReport{})
				}
				if e != nil {
					err = e
					close(stop)
				}
			}
		}
		<-j.done
		if err != nil {
			continue // drain
		}
		if e := selectDB(j.db); e != nil {
			err = e
			close(stop)
			continue
		}
		if j.err != nil {
			err = j.err
			close(stop)
			continue
		}
		w.rep.Expired += j.st.expired
		w.rep.ExpiredFields += j.st.expiredFields
		w.rep.OutputRecords += j.st.records
		for t, n := range j.st.types {
			if w.counts == nil {
				w.counts = map[[2]string]int64{}
			}
			w.counts[[2]string{strconv.Itoa(j.db), t}] += n
		}
		if e := enc.Records(j.db, j.recs, j.dropped); e != nil {
			err = e
			close(stop)
		}
	}
	wg.Wait()
	return err
}

var errStopped = errors.New("stopped")

// largeElems is the element count above which a collection is streamed rather than encoded
// in a batch: above every packed encoding's limit, so streaming changes no byte of the output.
const largeElems = 1024

// encodeLarge encodes the large collection of job j element by element, after dropping hash
// fields expired as of now, and sends the record in pieces on j.pieces (until stop is
// closed); it counts into j.st.
func (w *writer) encodeLarge(ke *rdb.KeyEncoder, j *encJob, stop <-chan struct{}) error {
	var k canon.Key
	var el canon.Elems
	if !w.ks.ExportLarge(j.db, j.ents[0], largeElems, &k, &el) {
		return fmt.Errorf("compact: key %q is no longer a large collection", k.Key)
	}
	if k.ExpireMs >= 0 && w.nowMs > k.ExpireMs {
		j.st.expired++
		return nil
	}
	if k.Type == canon.TypeHash {
		expired := 0
		el.Hash(func(_, _ []byte, exp int64) bool {
			if exp >= 0 && exp < w.nowMs {
				expired++
			}
			return true
		})
		if expired > 0 {
			j.st.expiredFields += int64(expired)
			if expired == el.Len {
				j.st.expired++
				return nil
			}
			all := el.Hash
			el.Len -= expired
			el.Hash = func(yield func(f, v []byte, exp int64) bool) {
				all(func(f, v []byte, exp int64) bool {
					if exp >= 0 && exp < w.nowMs {
						return true
					}
					return yield(f, v, exp)
				})
			}
		}
	}
	err := ke.AppendLarge(&k, &el, func(p []byte) ([]byte, error) {
		select {
		case j.pieces <- p:
			return nil, nil // the writer owns p now
		case <-stop:
			return nil, errStopped
		}
	})
	if err != nil {
		return err
	}
	j.st.records++
	j.st.types = map[string]int64{k.Type: 1}
	return nil
}

// withoutStreamCounters returns a copy of s without entries_added, max_deleted_id and the
// groups' entries_read, which RDB 9 (Redis ≤ 6.2) cannot hold: the servers that write and read
// version 9 have no such counters (a 7.x server loading it derives them). The replay computes
// them for every stream, also for a 5.0–6.2 input whose default output version is 9. s (engine
// memory) is not modified.
func withoutStreamCounters(s *canon.Stream) *canon.Stream {
	c := *s
	c.EntriesAdded, c.MaxDeletedID = nil, nil
	c.Groups = make([]canon.Group, len(s.Groups))
	for i, g := range s.Groups {
		g.EntriesRead = nil
		c.Groups[i] = g
	}
	return &c
}

// countRecords counts the RESP records in buf (lines starting with '*' at record starts).
func countRecords(buf []byte) int64 {
	sc := aof.NewScanner(buf, 0, nil)
	var n int64
	for sc.Next() {
		n++
	}
	return n
}

func (w *writer) single(src *aof.Source, opt Options) error {
	in := src.Parts[0].Path
	if opt.InPlace {
		dir, name := filepath.Dir(in), filepath.Base(in)
		if opt.BackupDir != "" {
			if err := os.MkdirAll(opt.BackupDir, 0o755); err != nil {
				return err
			}
			bk := filepath.Join(opt.BackupDir, aof.BackupName(opt.BackupDir, name, "pre-compact", w.now))
			if err := os.Link(in, bk); err != nil {
				return fmt.Errorf("back up %s: %w (the backup directory must be on the same filesystem)", in, err)
			}
			w.rep.Backups = append(w.rep.Backups, bk)
		}
		if err := aof.WriteFileAtomic(dir, name, 0o644, func(f io.Writer) error { return w.write(f, false) }); err != nil {
			return err
		}
		w.rep.Output = in
		w.rep.Written = append(w.rep.Written, in)
		return nil
	}
	if _, err := os.Lstat(opt.Output); err == nil {
		return &UsageError{opt.Output + " already exists: give a new file name for -o"}
	}
	if err := aof.WriteFileAtomic(filepath.Dir(opt.Output), filepath.Base(opt.Output), 0o644, func(f io.Writer) error { return w.write(f, false) }); err != nil {
		return err
	}
	w.rep.Output = opt.Output
	w.rep.Written = append(w.rep.Written, opt.Output)
	return nil
}

var seqName = regexp.MustCompile(`^(.*)\.(\d+)\.(base|incr)\.(aof|rdb)$`)

func (w *writer) multi(src *aof.Source, opt Options) error {
	prefix := ""
	next := int64(0)
	for _, e := range src.Manifest.Entries {
		if m := seqName.FindStringSubmatch(e.Name); m != nil && prefix == "" {
			prefix = m[1]
		}
		if e.Seq > next {
			next = e.Seq
		}
	}
	if prefix == "" {
		prefix = strings.TrimSuffix(filepath.Base(src.ManifestPath), ".manifest")
	}
	next++
	ext := "aof"
	if w.rep.Format == FormatRDB {
		ext = "rdb"
	}
	dir := src.Dir
	if !opt.InPlace {
		dir = opt.Output
		if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
			return &UsageError{dir + " is not empty: give a new or empty directory for -o"}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// The next sequence number whose names are all free: a run killed after renaming its new
	// files but before replacing the manifest leaves them unlisted, under the numbers the
	// manifest implies; a second run must not stop there.
	var baseName, incrName string
	for ; ; next++ {
		baseName = fmt.Sprintf("%s.%d.base.%s", prefix, next, ext)
		incrName = fmt.Sprintf("%s.%d.incr.aof", prefix, next)
		free := true
		for _, n := range []string{fmt.Sprintf("%s.%d.base.aof", prefix, next), fmt.Sprintf("%s.%d.base.rdb", prefix, next), incrName} {
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				free = false
			}
		}
		if free {
			break
		}
	}
	if err := aof.WriteFileAtomic(dir, baseName, 0o644, func(f io.Writer) error { return w.write(f, true) }); err != nil {
		return err
	}
	if err := aof.WriteFileAtomic(dir, incrName, 0o644, func(io.Writer) error { return nil }); err != nil {
		return err
	}
	m := &aof.Manifest{Entries: []aof.ManifestEntry{
		{Name: baseName, Seq: next, Type: aof.FileType('b')},
		{Name: incrName, Seq: next, Type: aof.FileType('i')},
	}}
	mname := filepath.Base(src.ManifestPath)
	if err := aof.ReplaceManifest(dir, mname, m); err != nil {
		return err
	}
	w.rep.Output = dir
	w.rep.Written = append(w.rep.Written, filepath.Join(dir, baseName), filepath.Join(dir, incrName), filepath.Join(dir, mname))
	if !opt.InPlace {
		return nil
	}
	// The switch is done: the old files are no longer listed. Move them aside or remove them.
	var old []string
	for _, e := range src.Manifest.Entries {
		if _, err := os.Lstat(filepath.Join(dir, e.Name)); err == nil {
			old = append(old, e.Name)
		}
	}
	if opt.BackupDir != "" {
		moved, err := aof.MoveAside(dir, old, opt.BackupDir)
		w.rep.Backups = append(w.rep.Backups, moved...)
		return err
	}
	for _, n := range old {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		w.rep.Removed = append(w.rep.Removed, filepath.Join(dir, n))
	}
	return aof.SyncDir(dir)
}

// peakRSS reads the process's peak resident set size (VmHWM) on Linux; 0 elsewhere.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
