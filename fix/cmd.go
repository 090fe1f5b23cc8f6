package fix

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/cliutil"
)

// Command is `aofkit fix`.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "fix",
		Usage:     "repair an AOF: truncate at the damage, salvage around it, cut to a time, or drop commands",
		ArgsUsage: "PATH",
		UsageText: "aofkit fix [--dry-run] [--salvage | --truncate-to-timestamp T | --drop NAME[,NAME…] [--since T]] [-o OUT] [--no-backup] [--yes] [--json] PATH",
		Description: `Runs the same analysis as check, says what it will change (files, bytes before and after,
records dropped with offsets, command names and the keys they touched), then does it.

Modes:
  (default)                 cut at the first record that makes the set invalid: the earlier of
                            where redis-check-aof --fix cuts and the first record the loader
                            refuses, in any file; files after a cut leave the manifest (moved
                            aside), so the result is the dataset as of the damage point
  --salvage                 drop only damaged bytes and the records around them, in every file;
                            a transaction with damage inside goes whole (not a point in time)
  --truncate-to-timestamp T cut at the first #TS annotation later than T (unix seconds or
                            RFC 3339), in any file
  --drop NAME[,NAME…]       remove every record of these commands (e.g. flushall,flushdb),
                            keeping the rest byte for byte; --since T only those at or after T

Safety: -o OUT writes the repaired copy to OUT (a file for a single AOF, a directory for a
multi-part set) and leaves the input untouched. In place, a tail cut of the last file saves the
tail to a sidecar first; any other change writes new files and swaps the manifest last, so a
kill -9 at any moment leaves a set that loads to the old or the new state. What is removed is
kept (sidecars, backups, moved-aside files, named in the report) unless --no-backup. On a
terminal fix asks before changing anything; otherwise it needs --yes.

` + cliutil.ExitCodesHelp,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "report what would change and change nothing (exit 1 when something would change)"},
			&cli.BoolFlag{Name: "salvage", Usage: "drop only the damaged bytes, keep everything else"},
			&cli.StringFlag{Name: "truncate-to-timestamp", Usage: "cut at the first #TS annotation later than `T`"},
			&cli.StringFlag{Name: "drop", Usage: "remove every record of these commands (`NAME[,NAME…]`)"},
			&cli.StringFlag{Name: "since", Usage: "with --drop: only records at or after `T` (needs #TS annotations)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the repaired copy to `OUT` and leave the input untouched"},
			&cli.BoolFlag{Name: "no-backup", Usage: "do not keep what the repair removes"},
			&cli.StringFlag{Name: "backup-dir", Usage: "move files that leave the manifest to `DIR` (default: a sibling of the AOF directory)"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			cliutil.JSONFlag,
			cliutil.QuietFlag,
		},
		Action: action,
	}
}

func action(c *cli.Context) error {
	if c.NArg() != 1 {
		return cliutil.Usagef("fix needs exactly one PATH (flags go before it)")
	}
	opt := Options{Path: c.Args().First(), Mode: ModeTruncate, Output: c.String("output"),
		NoBackup: c.Bool("no-backup"), BackupDir: c.String("backup-dir"), Now: time.Now()}
	modes := 0
	if c.Bool("salvage") {
		opt.Mode = ModeSalvage
		modes++
	}
	if s := c.String("truncate-to-timestamp"); s != "" {
		t, err := cliutil.ParseTime(s)
		if err != nil {
			return cliutil.Usagef("--truncate-to-timestamp %q: %v", s, err)
		}
		opt.Mode, opt.Timestamp = ModeTimestamp, t
		modes++
	}
	if s := c.String("drop"); s != "" {
		opt.Mode = ModeDrop
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				opt.Drop = append(opt.Drop, n)
			}
		}
		modes++
	}
	if s := c.String("since"); s != "" {
		if opt.Mode != ModeDrop {
			return cliutil.Usagef("--since goes with --drop")
		}
		t, err := cliutil.ParseTime(s)
		if err != nil {
			return cliutil.Usagef("--since %q: %v", s, err)
		}
		opt.Since = &t
	}
	if modes > 1 {
		return cliutil.Usagef("--salvage, --truncate-to-timestamp and --drop are separate modes: give one")
	}
	w := c.App.Writer
	asJSON := c.Bool("json")
	out := &report{Mode: opt.Mode, Path: opt.Path, DryRun: c.Bool("dry-run")}
	fail := func(code int, err error) error {
		out.Error = err.Error()
		if asJSON {
			_ = cliutil.WriteJSON(w, out)
		}
		return cliutil.Exit("aofkit fix: "+err.Error(), code)
	}
	plan, err := MakePlan(c.Context, opt)
	var ue *UsageError
	var aue *aof.UsageError
	var unf *UnfixableError
	var oe *OpError
	switch {
	case errors.As(err, &ue), errors.As(err, &aue), errors.Is(err, fs.ErrNotExist):
		return fail(cliutil.ExitUsage, err)
	case errors.As(err, &unf):
		return fail(cliutil.ExitDamaged, err)
	case errors.As(err, &oe):
		return fail(cliutil.ExitOperational, err)
	case err != nil:
		return fail(cliutil.ExitOperational, err)
	}
	out.Plan = plan
	if !asJSON {
		renderPlan(w, plan, out.DryRun)
	}
	// With nothing to change, -o OUT still gets its copy (a script may use OUT after exit 0).
	if !plan.Change && (opt.Output == "" || out.DryRun) {
		if asJSON {
			return cliutil.WriteJSON(w, out)
		}
		fmt.Fprintln(w, "Nothing to change.")
		return nil
	}
	if out.DryRun {
		if asJSON {
			_ = cliutil.WriteJSON(w, out)
		}
		return cliutil.Exit("", cliutil.ExitDamaged)
	}
	if !c.Bool("yes") {
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return fail(cliutil.ExitUsage, errors.New("not a terminal: add --yes to apply these changes (or --dry-run to only see them)"))
		}
		fmt.Fprint(os.Stderr, "Apply these changes? [y/N]: ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.TrimSpace(strings.ToLower(line)); a != "y" && a != "yes" {
			return fail(cliutil.ExitDamaged, errors.New("aborted: nothing was changed"))
		}
	}
	res, err := plan.Apply(c.Context)
	if err != nil {
		if errors.As(err, &ue) {
			return fail(cliutil.ExitUsage, err)
		}
		return fail(cliutil.ExitOperational, err)
	}
	out.Result = res
	if asJSON {
		return cliutil.WriteJSON(w, out)
	}
	renderResult(w, plan, res)
	return nil
}

type report struct {
	Mode   string  `json:"mode"`
	Path   string  `json:"path"`
	DryRun bool    `json:"dry_run"`
	Plan   *Plan   `json:"plan,omitempty"`
	Result *Result `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

func renderPlan(w io.Writer, p *Plan, dry bool) {
	verb := "will"
	if dry {
		verb = "would"
	}
	fmt.Fprintf(w, "aofkit fix (%s) %s\n", p.Mode, p.Path)
	for _, f := range p.Files {
		switch f.Action {
		case ActionKeep:
			if f.NewName != "" {
				fmt.Fprintf(w, "  %s: unchanged, renamed %s\n", f.Name, f.NewName)
			}
			continue
		case ActionRemove:
			fmt.Fprintf(w, "  %s %s leave the manifest (%s, %d records)\n", f.Name, verb, cliutil.Bytes(f.SizeBefore), f.DroppedRecords)
		default:
			name := f.Name
			if f.NewName != "" {
				name += " → " + f.NewName
			}
			fmt.Fprintf(w, "  %s: %s from %d to %d bytes (%d removed in %d range%s)\n", name, f.Action, f.SizeBefore, f.SizeAfter,
				f.SizeBefore-f.SizeAfter, len(f.Removed), plural(len(f.Removed)))
		}
		fmt.Fprintf(w, "      %d record%s dropped", f.DroppedRecords, plural(int(f.DroppedRecords)))
		if f.DamagedBytes > 0 {
			fmt.Fprintf(w, ", %d damaged bytes", f.DamagedBytes)
		}
		if f.KeyCount > 0 {
			fmt.Fprintf(w, ", touching %d key%s: %s", f.KeyCount, plural(int(f.KeyCount)), quoteList(f.Keys, f.KeyCount))
		}
		fmt.Fprintln(w)
		for i, d := range f.Dropped {
			if i == 10 {
				fmt.Fprintf(w, "      … (--json lists up to %d)\n", maxListed)
				break
			}
			what := d.Command
			if what == "" {
				what = "damaged bytes"
			} else if strings.IndexFunc(what, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				what = fmt.Sprintf("%q", what) // a damaged record's name may hold CR, LF or binary
			}
			line := fmt.Sprintf("      offset %d-%d: %s %s", d.Offset, d.End, what, strings.Join(quoteAll(d.Keys), " "))
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if p.Change && !p.PointInTime {
		fmt.Fprintln(w, "  note: the result is not a point-in-time state of the dataset")
	}
}

func renderResult(w io.Writer, p *Plan, r *Result) {
	if !p.Change {
		fmt.Fprintf(w, "Nothing to change: the input is copied unchanged to %s.\n", r.Output)
		return
	}
	fmt.Fprintf(w, "Done: %s repaired.\n", r.Output)
	for _, b := range r.Backups {
		fmt.Fprintf(w, "  kept: %s\n", b)
	}
	for _, d := range r.Deleted {
		fmt.Fprintf(w, "  deleted: %s\n", d)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func quoteAll(ks []string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprintf("%q", k)
	}
	return out
}

func quoteList(ks []string, total int64) string {
	s := strings.Join(quoteAll(ks), ", ")
	if total > int64(len(ks)) {
		s += fmt.Sprintf(" and %d more", total-int64(len(ks)))
	}
	return s
}
