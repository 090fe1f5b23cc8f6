package compact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/cliutil"
	"github.com/aofkit/aofkit/keyspace"
)

// The collector's targets (GOGC) while compact replays and while it writes, unless GOGC is set.
// Measured on the 1.3 GB bench AOF (BENCHMARKS.md): see there for the time and memory they buy.
// The engine keeps large data in pointer-free memory (key table, arenas, field tables), so a
// collection cycle is cheap and a low target costs little time (0.2 s of GC in a 5 s compact
// of the bench AOF) while keeping peak memory near the live data instead of twice it.
var (
	replayGCPercent = 5
	writeGCPercent  = 5
)

// gcTargets sets the collector's targets for a compact run unless GOGC is set: during replay
// the heap is mostly live data; while the output is written, what is allocated is short-lived
// (a batch's encoding) on top of it. A low target keeps the garbage from adding to peak memory
// in both phases. It chains opt.Replayed and returns the function that restores the previous
// target.
func gcTargets(opt *Options) (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(replayGCPercent)
	next := opt.Replayed
	opt.Replayed = func() {
		// Hand back what the replay freed (old indexes, merged tables) before the writer
		// allocates its buffers: a full collection, tens of milliseconds.
		debug.FreeOSMemory()
		debug.SetGCPercent(writeGCPercent)
		if next != nil {
			next()
		}
	}
	return func() { debug.SetGCPercent(old) }
}

// Command is `aofkit compact`.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "compact",
		Usage:     "replay an AOF in memory and write its minimal form (what BGREWRITEAOF would write)",
		ArgsUsage: "PATH",
		UsageText: "aofkit compact [--format aof|rdb] [--rdb-version N] [--now TIME] (-o OUT | --in-place [--backup-dir DIR]) [--json] PATH",
		Description: `Replays every file of PATH (any layout) with the loader's semantics, then writes every live
key as minimal commands (functions first, SELECT per database, batches of 64, PEXPIREAT for TTLs,
HPEXPIREAT per field, streams with their groups, consumers and pending entries — including pending
entries whose stream entry was deleted, which Redis's own RESP rewrite loses) or as an RDB.
Default format: RDB of the input's RDB version when it has an RDB section, RESP otherwise. Keys
and hash fields already expired as of --now (default now) are dropped. The output mirrors the
input: a multi-part set becomes a new base, an empty incr file and a manifest (next sequence
numbers); a single file becomes a single file. --in-place replaces the input (new files first,
the manifest last; the old files are removed, or moved to --backup-dir). Records that cannot be
replayed faithfully (module commands, scripts logged verbatim) stop the job with file, offset,
command and key.

` + cliutil.ExitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "`aof` (RESP commands) or rdb"},
			&cli.IntFlag{Name: "rdb-version", Usage: "RDB version `N` to write (9-12; default: the input's, else the oldest its server loads: 10 for a multi-part set, 9 for a single file, 12 with hash field TTLs)"},
			&cli.StringFlag{Name: "now", Usage: "drop keys expired as of `TIME` (unix seconds or RFC 3339; default now)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `OUT` (a file, or a directory for a multi-part set)"},
			&cli.BoolFlag{Name: "in-place", Usage: "replace the input"},
			&cli.StringFlag{Name: "backup-dir", Usage: "with --in-place, move the old files to `DIR`"},
			cliutil.JSONFlag,
			cliutil.QuietFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cliutil.Usagef("compact needs exactly one PATH (flags go before it)")
			}
			opt := Options{Path: c.Args().First(), Output: c.String("output"), InPlace: c.Bool("in-place"),
				BackupDir: c.String("backup-dir"), Format: c.String("format"), RDBVersion: c.Int("rdb-version"), Now: time.Now()}
			if s := c.String("now"); s != "" {
				t, err := cliutil.ParseTime(s)
				if err != nil {
					return cliutil.Usagef("--now %q: %v", s, err)
				}
				opt.Now = t
			}
			var prog *cliutil.Progress
			if !c.Bool("quiet") {
				opt.Progress = func(done, total int64) {
					if prog == nil {
						prog = cliutil.NewProgress("compact", total, false)
					}
					prog.Update(done, total)
				}
			}
			defer gcTargets(&opt)()
			rep, err := Run(c.Context, opt)
			prog.Done()
			asJSON := c.Bool("json")
			if err != nil {
				if asJSON {
					_ = cliutil.WriteJSON(c.App.Writer, map[string]any{"error": err.Error()})
				}
				var ue *UsageError
				var aue *aof.UsageError
				var re *keyspace.ReplayError
				switch {
				case errors.As(err, &ue), errors.As(err, &aue), errors.Is(err, fs.ErrNotExist):
					return cliutil.Usagef("%v", err)
				case errors.As(err, &re):
					var unsup *keyspace.UnsupportedError
					if errors.As(err, &unsup) {
						return cliutil.Exit("aofkit compact: "+err.Error(), cliutil.ExitOperational)
					}
					return cliutil.Exit("aofkit compact: "+err.Error(), cliutil.ExitDamaged)
				}
				return cliutil.Exit("aofkit compact: "+err.Error(), cliutil.ExitOperational)
			}
			if asJSON {
				return cliutil.WriteJSON(c.App.Writer, rep)
			}
			render(c.App.Writer, rep)
			return nil
		},
	}
}

func render(w io.Writer, r *Report) {
	fmt.Fprintf(w, "compacted %s → %s (%s", r.Input, r.Output, r.Format)
	if r.RDBVersion > 0 {
		fmt.Fprintf(w, " version %d", r.RDBVersion)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "  input:  %s, %d records, %d keys from RDB sections, %d commands Redis answers with an error\n",
		cliutil.Bytes(r.InputBytes), r.InputRecords, r.RDBKeysIn, r.CommandErrors)
	unit := "records"
	if r.Format == FormatRDB {
		unit = "keys"
	}
	fmt.Fprintf(w, "  output: %s, %d %s, %d function libraries\n", cliutil.Bytes(r.OutputBytes), r.OutputRecords, unit, r.Functions)
	if r.Expired > 0 || r.ExpiredFields > 0 {
		fmt.Fprintf(w, "  dropped as expired: %d keys, %d hash fields\n", r.Expired, r.ExpiredFields)
	}
	for _, k := range r.Keys {
		fmt.Fprintf(w, "  db %d: %d %s\n", k.DB, k.Count, k.Type)
	}
	fmt.Fprintf(w, "  time %.2fs, peak memory %s\n", r.Seconds, cliutil.Bytes(r.PeakRSSBytes))
	for _, b := range r.Backups {
		fmt.Fprintf(w, "  old file kept: %s\n", b)
	}
}
