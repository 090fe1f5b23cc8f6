package redistest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
)

func TestStartDoDumpDigestStop(t *testing.T) {
	s := Start(t, Options{})
	if got := s.Do(t, "SET", "k", "v"); got != "OK" {
		t.Fatalf("SET: %v", got)
	}
	s.Do(t, "RPUSH", "l", "a", "b")
	if s.Do(t, "GET", "missing") != nil {
		t.Fatal("GET of a missing key should be nil")
	}
	keys, funcs := s.Dump(t)
	if len(keys) != 2 || len(funcs) != 0 {
		t.Fatalf("dump: %d keys %d funcs", len(keys), len(funcs))
	}
	if keys[0].Type != canon.TypeString || string(keys[1].Key) != "l" {
		t.Fatalf("dump: %+v", keys)
	}
	d1 := s.Digest(t)
	if len(d1) != 40 || d1 == strings.Repeat("0", 40) {
		t.Fatalf("digest %q", d1)
	}
	s.Stop(t)
	if !s.Exited() {
		t.Fatal("not exited after Stop")
	}
	s.Stop(t) // stopping twice is harmless
	if !strings.Contains(s.Log(), readyLine) {
		t.Fatalf("log lacks the ready line:\n%s", s.Log())
	}
}

func TestTwoServersSameTest(t *testing.T) {
	a := Start(t, Options{})
	b := Start(t, Options{})
	if a.Port == b.Port {
		t.Fatal("same port")
	}
	a.Do(t, "SET", "x", "1")
	if b.Do(t, "EXISTS", "x") != int64(0) {
		t.Fatal("servers share data")
	}
}

func TestTryStartReportsBadArgs(t *testing.T) {
	s, log, err := TryStart(t, Options{Args: []string{"--no-such-option", "1"}})
	if err == nil {
		t.Fatal("started with a bad option")
	}
	if s != nil || !errors.Is(err, ErrExited) {
		t.Fatalf("s=%v err=%v", s, err)
	}
	if !strings.Contains(log, "no-such-option") {
		t.Fatalf("log does not name the option:\n%s", log)
	}
}

// writeAOF records a small multi-part AOF with a real server and returns its data dir.
func writeAOF(t *testing.T) string {
	s := Start(t, Options{Args: AOFArgs("", "", nil)})
	s.Do(t, "SET", "a", "1")
	s.Do(t, "HSET", "h", "f", "v")
	s.Stop(t)
	return s.Dir
}

func TestLoadAOF(t *testing.T) {
	dir := writeAOF(t)
	aofDir := filepath.Join(dir, "appendonlydir")

	// Multi-part directory, and its manifest.
	for _, p := range []string{aofDir, filepath.Join(aofDir, "appendonly.aof.manifest")} {
		s, log, err := LoadAOF(t, p, AOFOptions{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", p, err, log)
		}
		if got := s.Do(t, "DBSIZE"); got != int64(2) {
			t.Fatalf("%s: DBSIZE %v", p, got)
		}
	}

	// A single RESP file, then the same file with a torn tail: loads with
	// aof-load-truncated yes, refused with no.
	single := filepath.Join(t.TempDir(), "x.aof")
	body := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	if err := os.WriteFile(single, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s, log, err := LoadAOF(t, single, AOFOptions{})
	if err != nil {
		t.Fatalf("single file: %v\n%s", err, log)
	}
	if got := s.Do(t, "GET", "k"); got != "v" {
		t.Fatalf("GET k = %v", got)
	}
	torn := filepath.Join(t.TempDir(), "torn.aof")
	if err := os.WriteFile(torn, []byte(body+"*3\r\n$3\r\nSET\r\n$1\r\nz"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, log, err := LoadAOF(t, torn, AOFOptions{LoadTruncated: Bool(true)}); err != nil {
		t.Fatalf("torn tail with aof-load-truncated yes: %v\n%s", err, log)
	}
	_, log, err = LoadAOF(t, torn, AOFOptions{LoadTruncated: Bool(false)})
	if !errors.Is(err, ErrExited) {
		t.Fatalf("torn tail with aof-load-truncated no loaded: %v", err)
	}
	if !strings.Contains(log, "truncated") && !strings.Contains(log, "Unexpected end of file") {
		t.Fatalf("log does not explain the refusal:\n%s", log)
	}
	// The input is never touched (the server upgrades a single file in place).
	if b, err := os.ReadFile(single); err != nil || string(b) != body {
		t.Fatalf("input changed: %q %v", b, err)
	}
}

func TestKill(t *testing.T) {
	s := Start(t, Options{})
	s.Kill(t)
	if !s.Exited() {
		t.Fatal("alive after Kill")
	}
	if err := s.Wait(); err == nil {
		t.Fatal("a killed server should report a non-zero exit")
	}
}

func TestRequireBinaryPresent(t *testing.T) {
	if p := RequireBinary(t, "redis-server"); !filepath.IsAbs(p) {
		t.Fatalf("path %q", p)
	}
}

// fakeTB records Skip/Fatal instead of ending a real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(string, ...any) {
	f.skipped = true
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}

func TestRequireBinaryMissing(t *testing.T) {
	for _, env := range []string{"", "1"} {
		t.Setenv(EnvRequire, env)
		f := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			RequireBinary(f, "aofkit-no-such-binary")
		}()
		<-done
		if env == "1" && (!f.failed || f.skipped) {
			t.Errorf("%s=1: want a failure, got skipped=%v failed=%v", EnvRequire, f.skipped, f.failed)
		}
		if env == "" && (!f.skipped || f.failed) {
			t.Errorf("%s unset: want a skip, got skipped=%v failed=%v", EnvRequire, f.skipped, f.failed)
		}
	}
}
