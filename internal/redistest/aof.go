package redistest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// AOFOptions configures LoadAOF.
type AOFOptions struct {
	// DirName is --appenddirname; "" means "appendonlydir".
	DirName string
	// FileName is --appendfilename. "" means: for a multi-part input the manifest's name
	// without ".manifest", for a single file "appendonly.aof".
	FileName string
	// LoadTruncated sets --aof-load-truncated; nil keeps the server default (yes).
	LoadTruncated *bool
	// Args are further server arguments (after the AOF ones).
	Args []string
	// Binary is the server program; "" means redis-server from PATH.
	Binary string
}

// Bool returns a pointer to b, for AOFOptions.LoadTruncated.
func Bool(b bool) *bool { return &b }

// AOFArgs returns the server arguments that turn on appendonly with the given directory and
// file names ("" keeps the server defaults) and aof-load-truncated setting (nil: default).
func AOFArgs(dirName, fileName string, loadTruncated *bool) []string {
	args := []string{"--appendonly", "yes"}
	if dirName != "" {
		args = append(args, "--appenddirname", dirName)
	}
	if fileName != "" {
		args = append(args, "--appendfilename", fileName)
	}
	if loadTruncated != nil {
		v := "no"
		if *loadTruncated {
			v = "yes"
		}
		args = append(args, "--aof-load-truncated", v)
	}
	return args
}

// LoadAOF answers "does the real server load this AOF, and into what?". path is a single AOF
// file (RESP, possibly with an RDB preamble), a Redis 7+ multi-part directory, or its
// .manifest file. The input is copied into a fresh data directory first, because the server
// rewrites what it loads (it upgrades a single file into a multi-part directory, and deletes
// history files). The server then starts with appendonly yes on the copy.
//
// It returns the ready server (stopped by t.Cleanup) and its log, or a nil server, the whole
// log and an error wrapping ErrExited when the server refused to load. Problems with the
// input path itself (missing, no manifest or several in a directory) fail the test.
func LoadAOF(t testing.TB, path string, opt AOFOptions) (*Server, string, error) {
	t.Helper()
	bin := opt.Binary
	if bin == "" {
		bin = RequireBinary(t, "redis-server")
	}
	dataDir := t.TempDir()
	dirName := opt.DirName
	if dirName == "" {
		dirName = "appendonlydir"
	}
	fileName, err := stageAOF(path, dataDir, dirName, opt.FileName)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	args := append(AOFArgs(dirName, fileName, opt.LoadTruncated), opt.Args...)
	return TryStart(t, Options{Args: args, Dir: dataDir, Binary: bin})
}

// stageAOF copies the AOF at path into dataDir the way the server expects to find it and
// returns the appendfilename to use.
func stageAOF(path, dataDir, dirName, fileName string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	srcDir, manifest := "", ""
	switch {
	case st.IsDir():
		srcDir = path
		ents, err := os.ReadDir(path)
		if err != nil {
			return "", err
		}
		var found []string
		for _, e := range ents {
			n := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(n, ".manifest") && !strings.HasPrefix(n, "temp-") {
				found = append(found, n)
			}
		}
		if len(found) != 1 {
			return "", fmt.Errorf("%s: want exactly one .manifest, found %d %v", path, len(found), found)
		}
		manifest = found[0]
	case strings.HasSuffix(path, ".manifest"):
		srcDir, manifest = filepath.Dir(path), filepath.Base(path)
	}
	if srcDir == "" { // a single file
		if fileName == "" {
			fileName = "appendonly.aof"
		}
		return fileName, copyFile(path, filepath.Join(dataDir, fileName))
	}
	if fileName == "" {
		fileName = strings.TrimSuffix(manifest, ".manifest")
	}
	dst := filepath.Join(dataDir, dirName)
	if err := os.Mkdir(dst, 0o755); err != nil {
		return "", err
	}
	ents, err := os.ReadDir(srcDir)
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(srcDir, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return "", err
		}
	}
	return fileName, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
