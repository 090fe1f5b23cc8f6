package dump

import (
	"bufio"
	"errors"
	"io/fs"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/aofkit/aofkit/aof"
	"github.com/aofkit/aofkit/internal/cliutil"
)

// Command is `aofkit dump`.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "dump",
		Usage:     "print the dataset a file or a live server holds as canonical JSON lines",
		ArgsUsage: "PATH|redis://[user:pass@]host:port",
		UsageText: "aofkit dump [--now TIME] [--db N] [--match PATTERN] PATH",
		Description: `One JSON object per key, sorted by db then raw key bytes, then a {"functions": [...]} line,
in the schema of keyspace_dump.py. Keys and hash fields already expired as of --now (default: now)
are left out. PATH is an AOF (any layout; replayed in memory), an RDB file, or a live server URL
(the password may also come from REDISCLI_AUTH).

` + cliutil.ExitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "now", Usage: "evaluate expiry as of `TIME` (unix seconds or RFC 3339)"},
			&cli.IntFlag{Name: "db", Value: -1, Usage: "only database `N`"},
			&cli.StringFlag{Name: "match", Usage: "only keys matching `PATTERN` (Redis glob)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cliutil.Usagef("dump needs exactly one PATH (flags go before it)")
			}
			opt := Options{Path: c.Args().First(), Now: time.Now(), DB: c.Int("db"), Match: c.String("match")}
			if s := c.String("now"); s != "" {
				t, err := cliutil.ParseTime(s)
				if err != nil {
					return cliutil.Usagef("--now %q: %v", s, err)
				}
				opt.Now = t
			}
			w := bufio.NewWriterSize(c.App.Writer, 1<<16)
			_, err := Run(c.Context, w, opt)
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			var ue *aof.UsageError
			var se *SourceError
			switch {
			case err == nil:
				return nil
			case errors.As(err, &ue), errors.Is(err, fs.ErrNotExist):
				return cliutil.Usagef("%v", err)
			case errors.As(err, &se):
				return cliutil.Exit("aofkit dump: "+se.Error(), cliutil.ExitDamaged)
			default:
				return cliutil.Exit("aofkit dump: "+err.Error(), cliutil.ExitOperational)
			}
		},
	}
}
