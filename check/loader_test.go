package check_test

// Loader confirmations: where our report says the server's loader does something other than
// what redis-check-aof says (reference §3.9), a real redis-server (Debian 7.0.15) loads a copy
// of the variant and we check that it did what the report says: started or refused, the log
// line, and for "truncates" that the file on disk was cut at our LoaderOkUpTo.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/check"
	"github.com/aofkit/aofkit/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// serverAOFName is the appendfilename the servers run with: a single-file variant is written
// under this name so the server picks it up (and upgrades it into appendonlydir/).
const serverAOFName = "appendonly.aof"

// prepareForServer writes a variant into a fresh data directory as a server expects to find
// it: a single file as <dir>/appendonly.aof, a multi-part set as <dir>/appendonlydir/.
func prepareForServer(t testing.TB, fixtures map[string]fileSet, v variant) prepared {
	t.Helper()
	fs := fixtures[v.fixture].clone()
	if v.mutate != nil {
		v.mutate(t, fs)
	}
	dir := t.TempDir()
	p := prepared{dir: dir, aofDir: dir, files: fs}
	if v.fixture == fxSingle {
		fs = fileSet{serverAOFName: fs[fxSingle]}
		p.files = fs
		p.rel = serverAOFName
		if err := os.WriteFile(filepath.Join(dir, serverAOFName), fs[serverAOFName], 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p.rel = materialize(t, dir, v.fixture, fs)
	p.aofDir = filepath.Join(dir, aofSubdir)
	return p
}

// onDisk returns where a file of the variant is after the server started (or tried to): a
// single file has been moved into appendonlydir/ by the upgrade (if the server got that far).
func onDisk(p prepared, name string) string {
	name = filepath.Base(name)
	moved := filepath.Join(p.dir, aofSubdir, name)
	if _, err := os.Stat(moved); err == nil {
		return moved
	}
	return filepath.Join(p.aofDir, name)
}

// loadVariant starts a real server on the prepared variant. It returns the server (nil when it
// refused to start) and its whole log.
func loadVariant(t testing.TB, p prepared, loadTruncated bool) (*redistest.Server, string) {
	t.Helper()
	args := redistest.AOFArgs(aofSubdir, serverAOFName, redistest.Bool(loadTruncated))
	s, log, err := redistest.TryStart(t, redistest.Options{Dir: p.dir, Args: args})
	if err != nil {
		if s != nil {
			t.Fatalf("TryStart returned a server and an error: %v", err)
		}
		return nil, log
	}
	return s, log // everything the loader logs comes before "Ready to accept connections"
}

// decisive returns the first problem that stops or changes the load (Loader refuses,
// truncates or undefined, not after earlier damage), or nil when the loader goes through.
func decisive(rep *check.Report) *check.Problem {
	for i := range rep.Problems {
		p := &rep.Problems[i]
		if p.AfterDamage {
			continue
		}
		switch p.Loader {
		case check.LoaderRefuses, check.LoaderTruncates, check.LoaderUndefined:
			return p
		}
	}
	return nil
}

// loaderWord is what our report says the loader does with the whole input: the decisive
// problem's Loader, else "ignores" when some problem is ignored, else "accepts".
func loaderWord(rep *check.Report) string {
	if p := decisive(rep); p != nil {
		return p.Loader
	}
	for _, p := range rep.Problems {
		if p.Loader == check.LoaderIgnores {
			return check.LoaderIgnores
		}
	}
	return check.LoaderAccepts
}

func fileReport(rep *check.Report, name string) *check.FileReport {
	for i := range rep.Files {
		if filepath.Base(rep.Files[i].Name) == filepath.Base(name) && rep.Files[i].Kind != "history" {
			return &rep.Files[i]
		}
	}
	return nil
}

// loaderCase is one §3.9 disagreement (or agreement) confirmed on a real server.
type loaderCase struct {
	variant       string // a name from namedVariants
	loadTruncated bool   // --aof-load-truncated
	loader        string // what our report must say the loader does (loaderWord)
	starts        bool   // the server must start (else refuse to)
	log           string // the server log must contain this
	// cut: the file the server truncates on disk (at our LoaderOkUpTo), "" for none.
	cut string
	// string keys after a successful load: value, or "" for "must not exist".
	keys []keyWant
}

// keyWant is a string key expected in (or absent from) a database after a load.
type keyWant struct {
	db       int
	key, val string // val "": the key must not exist
}

func loaderCases() []loaderCase {
	s1beta := []keyWant{{0, "s1", "beta"}} // SET s1 beta: the record right after the damage point
	return []loaderCase{
		// the checker accepts, the loader refuses
		{variant: "single/star-zero-mid", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Bad file format reading the append only file"},
		{variant: "single/star-minus-one", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Bad file format reading the append only file"},
		{variant: "single/unknown-command", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Unknown command 'NOSUCHX' reading the append only file"},
		// the checker rejects, the loader accepts
		{variant: "single/junk-after-argc-at-incr-start", loadTruncated: true, loader: check.LoaderAccepts, starts: true, keys: s1beta},
		{variant: "single/junk-after-bulk-len", loadTruncated: true, loader: check.LoaderAccepts, starts: true, keys: s1beta},
		{variant: "single/bulk-not-followed-by-crlf", loadTruncated: true, loader: check.LoaderAccepts, starts: true, keys: s1beta},
		{variant: "single/stray-exec-mid", loadTruncated: true, loader: check.LoaderIgnores, starts: true,
			log: "EXEC without MULTI", keys: s1beta},
		{variant: "single/stray-exec-at-end", loadTruncated: true, loader: check.LoaderIgnores, starts: true,
			log: "EXEC without MULTI", keys: s1beta},
		{variant: "multipart-resp/stray-exec-in-incr3", loadTruncated: true, loader: check.LoaderIgnores, starts: true,
			log: "EXEC without MULTI", keys: []keyWant{{0, "str:late", "late"}}},
		{variant: "single/nested-multi", loadTruncated: true, loader: check.LoaderIgnores, starts: true,
			log: "MULTI calls can not be nested"},
		// both accept, a malformed #TS is only a warning
		{variant: "single/ts-abc-mid", loadTruncated: true, loader: check.LoaderAccepts, starts: true, keys: s1beta},
		{variant: "multipart-resp/ts-abc-in-incr3", loadTruncated: true, loader: check.LoaderAccepts, starts: true,
			keys: []keyWant{{0, "str:late", "late"}}},
		// redis-check-aof 7.0 misreads it as a manifest; the server loads it
		{variant: "single/line-starting-file", loadTruncated: true, loader: check.LoaderAccepts, starts: true,
			keys: []keyWant{{2, "filename", "x"}, {0, "s1", "beta"}}},
		// truncated last file: truncates under yes, refuses under no
		{variant: "single/truncated-mid-record", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: fxSingle},
		{variant: "single/truncated-mid-record", loadTruncated: false, loader: check.LoaderTruncates,
			log: "Unexpected end of file reading the append only file"},
		{variant: "multipart-resp/incr3-truncated-mid-record", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: incr3},
		{variant: "multipart-resp/incr3-truncated-mid-record", loadTruncated: false, loader: check.LoaderTruncates,
			log: "Unexpected end of file reading the append only file"},
		// short read inside a MULTI: cut after the last complete queued command, not at the MULTI
		// (the queued commands are not executed)
		{variant: "single/truncated-inside-multi-exec", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: fxSingle, keys: []keyWant{{5, "s6", ""}, {0, "s1", "beta"}}},
		{variant: "single/truncated-inside-multi-queued", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: fxSingle, keys: []keyWant{{5, "s6", ""}}},
		{variant: "multipart-resp/incr3-truncated-inside-multi", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: incr3, keys: []keyWant{{0, "str:late", "late"}}},
		// the loader cuts before a trailing #TS line, redis-check-aof keeps it
		{variant: "single/annotation-then-truncated-record", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "!!! Truncating the AOF", cut: fxSingle},
		// truncated non-last file: refuses (after cutting it on disk under yes)
		{variant: "multipart-resp/incr2-truncated-mid-record", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Fatal error: the truncated file is not the last file", cut: incr2},
		{variant: "multipart-resp/incr2-truncated-mid-record", loadTruncated: false, loader: check.LoaderRefuses,
			log: "Unexpected end of file reading the append only file"},
		// MULTI open at EOF: reverted, truncated at the MULTI
		{variant: "single/open-multi-at-end", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "Revert incomplete MULTI/EXEC transaction", cut: fxSingle, keys: []keyWant{{2, "k", ""}, {0, "s1", "beta"}}},
		{variant: "multipart-resp/open-multi-at-end", loadTruncated: true, loader: check.LoaderTruncates, starts: true,
			log: "Revert incomplete MULTI/EXEC transaction", cut: incr3, keys: []keyWant{{1, "k", ""}, {1, "db1:other", "x"}}},
		{variant: "single/open-multi-at-end", loadTruncated: false, loader: check.LoaderTruncates,
			log: "Unexpected end of file reading the append only file"},
		// zero-filled tail and garbage: format errors, never truncated
		{variant: "single/zero-tail-4k", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Bad file format reading the append only file"},
		{variant: "multipart-resp/zero-tail-4k-last-incr", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Bad file format reading the append only file"},
		{variant: "single/garbage-line-between-records", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Bad file format reading the append only file"},
		// a manifest naming a missing file
		{variant: "multipart-resp/manifest-names-missing-incr", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Unable to obtain the AOF file"},
		{variant: "multipart-resp/missing-base", loadTruncated: true, loader: check.LoaderRefuses,
			log: "Unable to obtain the AOF file"},
	}
}

// TestLoaderConfirms runs the §3.9 cases on a real server: our report's loader verdict is the
// expected one, and the server does exactly that.
func TestLoaderConfirms(t *testing.T) {
	fixtures := loadAllFixtures(t)
	byName := map[string]variant{}
	for _, v := range namedVariants() {
		byName[v.name] = v
	}
	for _, lc := range loaderCases() {
		v, ok := byName[lc.variant]
		if !ok {
			t.Fatalf("no variant %q", lc.variant)
		}
		t.Run(fmt.Sprintf("%s/aof-load-truncated=%v", lc.variant, lc.loadTruncated), func(t *testing.T) {
			t.Parallel()
			p := prepareForServer(t, fixtures, v)
			rep := runOurs(t, p)
			if got := loaderWord(rep); got != lc.loader {
				t.Fatalf("our report says the loader %s, want %s\n%s", got, lc.loader, describe(rep))
			}
			if lc.loader == check.LoaderAccepts || lc.loader == check.LoaderIgnores {
				if !rep.LoaderValid {
					t.Errorf("LoaderValid=false for a variant the loader %s\n%s", lc.loader, describe(rep))
				}
			}
			s, log := loadVariant(t, p, lc.loadTruncated)
			if started := s != nil; started != lc.starts {
				t.Fatalf("server started=%v, want %v\n%s--- server log:\n%s", started, lc.starts, describe(rep), log)
			}
			if lc.log != "" && !strings.Contains(log, lc.log) {
				t.Errorf("server log lacks %q\n--- server log:\n%s", lc.log, log)
			}
			for _, kw := range lc.keys {
				checkKey(t, s, kw)
			}
			if s != nil {
				s.Stop(t)
			}
			if lc.cut != "" {
				name := lc.cut
				if v.fixture == fxSingle {
					name = serverAOFName
				}
				fr := fileReport(rep, name)
				if fr == nil {
					t.Fatalf("our report has no file %s\n%s", name, describe(rep))
				}
				assertCut(t, p, name, fr.LoaderOkUpTo, log)
			}
		})
	}
}

// checkKey asserts a string key's value (or absence) in a database of a running server.
func checkKey(t *testing.T, s *redistest.Server, kw keyWant) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DB: kw.db, Protocol: 2})
	defer c.Close()
	got, err := c.Get(context.Background(), kw.key).Result()
	switch {
	case kw.val == "" && err == redis.Nil:
	case kw.val == "":
		t.Errorf("db %d key %q: %q, %v; want no such key", kw.db, kw.key, got, err)
	case err != nil || got != kw.val:
		t.Errorf("db %d GET %q = %q, %v; want %q", kw.db, kw.key, got, err, kw.val)
	}
}

// assertCut asserts that the server cut the file at off: its size on disk, its content (the
// original prefix), and the offset in the log's "Truncating the AOF … at offset N" line when
// there is one.
func assertCut(t *testing.T, p prepared, name string, off int64, log string) {
	t.Helper()
	got, err := os.ReadFile(onDisk(p, name))
	if err != nil {
		t.Fatal(err)
	}
	orig := p.files[name]
	if int64(len(got)) != off || off > int64(len(orig)) || !bytes.Equal(got, orig[:off]) {
		t.Errorf("%s: %d bytes on disk after the load (of %d), our LoaderOkUpTo=%d\n--- server log:\n%s", name, len(got), len(orig), off, log)
	}
	if i := strings.Index(log, "Truncating the AOF"); i >= 0 {
		var n int64
		rest := log[i:]
		if j := strings.Index(rest, " at offset "); j >= 0 {
			if _, err := fmt.Sscanf(rest[j:], " at offset %d", &n); err == nil && n != off {
				t.Errorf("server log truncates at offset %d, our LoaderOkUpTo=%d", n, off)
			}
		}
	}
}

// TestLoaderAgreesWithReport starts a real server on every named variant and checks what our
// report predicts: it refuses when a problem says "refuses"; it starts and cuts the file at
// LoaderOkUpTo when one says "truncates"; otherwise it starts and leaves every file as it was.
// Variants with undefined loader behaviour, and those our engine cannot verify (RDB parts),
// are skipped. Under AOFKIT_LONG also every 5th truncation of single-resp.aof and every
// truncation of the last incr file.
func TestLoaderAgreesWithReport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	fixtures := loadAllFixtures(t)
	vs := namedVariants()
	if longMode() {
		for _, v := range exhaustiveVariants(t) {
			if strings.HasPrefix(v.name, "truncate/multipart-incr3/") {
				vs = append(vs, v)
			}
		}
		for n := 0; n < len(fixtures[fxSingle][fxSingle]); n += 5 {
			vs = append(vs, variant{name: fmt.Sprintf("truncate/single/%d", n), fixture: fxSingle, mutate: truncateAt(fxSingle, n)})
		}
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			p := prepareForServer(t, fixtures, v)
			rep := runOurs(t, p)
			if rep.NotVerified {
				t.Skip("our engine did not verify every part (RDB)")
			}
			d := decisive(rep)
			if d != nil && d.Loader == check.LoaderUndefined {
				t.Skipf("undefined loader behaviour: %s", d.Reason)
			}
			s, log := loadVariant(t, p, true)
			wantStart := d == nil || d.Loader == check.LoaderTruncates
			if started := s != nil; started != wantStart {
				t.Fatalf("server started=%v, our report predicts %v\n%s--- server log:\n%s", started, wantStart, describe(rep), log)
			}
			if s == nil {
				return
			}
			s.Stop(t)
			for name, orig := range p.files {
				if name == manifest {
					continue
				}
				fr := fileReport(rep, name)
				if fr == nil {
					continue // not loaded (e.g. not listed)
				}
				if d != nil && filepath.Base(d.File) == name {
					assertCut(t, p, name, fr.LoaderOkUpTo, log)
					continue
				}
				got, err := os.ReadFile(onDisk(p, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, orig) {
					t.Errorf("%s changed by the load (%d -> %d bytes) though our report says it loads as is\n%s--- server log:\n%s",
						name, len(orig), len(got), describe(rep), log)
				}
			}
		})
	}
}

// TestLoaderDanglingMultiAfterTruncation records what a server does after it truncated a
// multi-part set inside a MULTI (see "truncated-inside-multi"): the cut leaves the MULTI open at
// the end of the last incr file, the server appends new writes after it, and the next restart
// queues those writes into the dangling transaction, reverts it and truncates the file at the
// MULTI: the writes made after the first restart are lost. This is why such a set must be cut
// at the MULTI (what redis-check-aof --fix and our ok_up_to say), not where the loader cuts.
func TestLoaderDanglingMultiAfterTruncation(t *testing.T) {
	fixtures := loadAllFixtures(t)
	var v variant
	for _, nv := range namedVariants() {
		if nv.name == "multipart-resp/incr3-truncated-inside-multi" {
			v = nv
		}
	}
	p := prepareForServer(t, fixtures, v)
	rep := runOurs(t, p)
	fr := fileReport(rep, incr3)
	if fr == nil {
		t.Fatalf("no %s in our report\n%s", incr3, describe(rep))
	}
	multiAt := int64(mustIndex(t, p.files[incr3], multiRec, 0))
	if fr.OkUpTo != multiAt {
		t.Errorf("ok_up_to=%d, want the MULTI at %d", fr.OkUpTo, multiAt)
	}

	s, log := loadVariant(t, p, true)
	if s == nil {
		t.Fatalf("first load refused\n%s", log)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2})
	if err := c.Set(context.Background(), "after:restart", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Stop(t)

	s2, log2 := loadVariant(t, p, true)
	if s2 == nil {
		t.Fatalf("second load refused\n%s", log2)
	}
	if !strings.Contains(log2, "Revert incomplete MULTI/EXEC transaction") {
		t.Errorf("second load did not revert the dangling MULTI\n%s", log2)
	}
	checkKey(t, s2, keyWant{0, "after:restart", ""})
	s2.Stop(t)
	got, err := os.ReadFile(onDisk(p, incr3))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) != multiAt {
		t.Errorf("after the second load %s has %d bytes, want it cut at the MULTI (%d)", incr3, len(got), multiAt)
	}
}
