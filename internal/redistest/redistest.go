// Package redistest runs real redis-server processes for tests: started in the foreground on
// 127.0.0.1 with a free port, `--save ""` and `--enable-debug-command yes` (Redis 7.0 refuses
// DEBUG otherwise), readiness detected from the server's own log ("Ready to accept
// connections"), stopped by t.Cleanup. When a binary is missing the test is skipped, or fails
// when the environment sets AOFKIT_REQUIRE_REDIS=1 (CI).
//
// Nothing here sleeps or polls: readiness and exit are events (the log line, the process
// exit). A server that neither becomes ready nor exits (say, loading a huge file) blocks until
// the test binary's -timeout.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aofkit/aofkit/internal/canon"
	"github.com/aofkit/aofkit/internal/livedump"
	"github.com/redis/go-redis/v9"
)

// EnvRequire is the environment variable that turns "binary missing: skip" into a failure.
const EnvRequire = "AOFKIT_REQUIRE_REDIS"

// readyLine is what redis-server (3.2 to 8.x, Valkey) logs once it serves clients, after
// loading its data files.
const readyLine = "Ready to accept connections"

// ErrExited is wrapped by TryStart's error when the server exited before becoming ready.
var ErrExited = errors.New("redistest: redis-server exited before it was ready")

// RequireBinary returns the path of the named program (redis-server, redis-check-aof,
// redis-check-rdb, redis-cli, ...) found on PATH. When it is missing it skips the test, or
// fails it when AOFKIT_REQUIRE_REDIS=1.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("redistest: %s not found on PATH and %s=1: %v", name, EnvRequire, err)
		}
		t.Skipf("redistest: %s not found on PATH (set %s=1 to make this a failure)", name, EnvRequire)
	}
	return p
}

// Options configures Start and TryStart.
type Options struct {
	// Args are extra server arguments, e.g. {"--appendonly", "yes"}; they come after the
	// defaults, so they can override them.
	Args []string
	// Dir is the data directory (--dir); "" means a new t.TempDir().
	Dir string
	// Binary is the server program; "" means redis-server from PATH.
	Binary string
}

// Server is a running (or stopped) redis-server child process.
type Server struct {
	Addr string // "127.0.0.1:port"
	Port int
	Dir  string // the data directory; it stays after Stop for inspection

	cmd     *exec.Cmd
	log     *logBuf
	exited  chan struct{} // closed when the process has exited and been reaped
	waitErr error         // set before exited is closed
	outDone chan struct{} // closed when the log pipe reached EOF

	mu     sync.Mutex
	client *redis.Client
}

// Start starts a server and waits until it is ready. It registers t.Cleanup to stop it.
// Start fails the test when the server cannot start (the log is in the message); see
// TryStart for servers that are expected to refuse their data. Port clashes are retried on
// another port.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	s, log, err := TryStart(t, opt)
	if err != nil {
		t.Fatalf("redistest: %v\n--- server log ---\n%s", err, log)
	}
	return s
}

// TryStart starts a server like Start, but when the process exits before it is ready (for
// example because it refuses a damaged AOF) it returns a nil *Server, the whole log the
// server wrote, and an error wrapping ErrExited (whose text has the exit status). When the
// server became ready it returns it, the log so far, and nil. A missing binary skips or fails
// the test as RequireBinary does.
func TryStart(t testing.TB, opt Options) (*Server, string, error) {
	t.Helper()
	bin := opt.Binary
	if bin == "" {
		bin = RequireBinary(t, "redis-server")
	}
	dir := opt.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	const attempts = 20
	var log string
	var err error
	for i := 0; i < attempts; i++ {
		var port int
		port, err = freePort()
		if err != nil {
			return nil, "", err
		}
		var s *Server
		s, log, err = launch(bin, dir, port, opt.Args)
		if err == nil {
			t.Cleanup(func() { s.shutdown(t) })
			return s, log, nil
		}
		if !strings.Contains(log, "Address already in use") {
			return nil, log, err
		}
	}
	return nil, log, fmt.Errorf("redistest: no free port after %d attempts: %w", attempts, err)
}

// freePort asks the kernel for a free port. Another process may take it before the server
// binds it; TryStart retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(bin, dir string, port int, extra []string) (*Server, string, error) {
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--enable-debug-command", "yes",
		"--dir", dir,
		"--daemonize", "no",
		"--logfile", "",
	}
	args = append(args, extra...)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Dir = dir
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, "", fmt.Errorf("redistest: start %s: %w", bin, err)
	}
	w.Close() // the child holds its own copy; EOF comes when it (and its forks) exit
	s := &Server{
		Addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Port:    port,
		Dir:     dir,
		cmd:     cmd,
		log:     &logBuf{},
		exited:  make(chan struct{}),
		outDone: make(chan struct{}),
	}
	ready := make(chan struct{})
	go s.readLog(r, ready)
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
		return s, s.log.String(), nil
	case <-s.exited:
		<-s.outDone // the whole log
		return nil, s.log.String(), fmt.Errorf("%w (%s %s): %v", ErrExited, bin, strings.Join(quoteArgs(args), " "), s.waitErr)
	}
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

func (s *Server) readLog(r *os.File, ready chan struct{}) {
	defer close(s.outDone)
	defer r.Close()
	br := bufio.NewReader(r)
	seen := false
	for {
		line, err := br.ReadString('\n')
		s.log.add(line)
		if !seen && strings.Contains(line, readyLine) {
			seen = true
			close(ready)
		}
		if err != nil {
			return
		}
	}
}

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) add(s string) {
	l.mu.Lock()
	l.b.WriteString(s)
	l.mu.Unlock()
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Log returns everything the server has logged so far (stdout and stderr).
func (s *Server) Log() string { return s.log.String() }

// Client returns a go-redis client (RESP2, no CLIENT SETINFO) for the server, made on first
// use and closed when the server is stopped.
func (s *Server) Client() *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		s.client = redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2, DisableIdentity: true})
	}
	return s.client
}

// Do runs one command on db 0 of the pooled client and returns its reply (nil for a nil
// reply). A server error fails the test.
func (s *Server) Do(t testing.TB, args ...any) any {
	t.Helper()
	v, err := s.Client().Do(context.Background(), args...).Result()
	if err != nil && err != redis.Nil {
		t.Fatalf("redistest: %v: %v", args, err)
	}
	return v
}

// Dump returns the server's whole dataset in canonical form (package livedump: every
// database, sorted, normalized) and its function libraries. Errors fail the test.
func (s *Server) Dump(t testing.TB) ([]canon.Key, []canon.Function) {
	t.Helper()
	keys, funcs, err := livedump.Dump(context.Background(), s.Client(), livedump.Options{})
	if err != nil {
		t.Fatalf("redistest: dump of %s: %v", s.Addr, err)
	}
	return keys, funcs
}

// Digest SCANs every database to the end (so keys whose TTL has passed are expired rather
// than counted) and returns DEBUG DIGEST. Note that DIGEST ignores stream consumers and
// pending entries: prefer comparing Dump output. Errors fail the test.
func (s *Server) Digest(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn := s.Client().Conn()
	defer conn.Close()
	dbs := 16
	if v, err := conn.ConfigGet(ctx, "databases").Result(); err == nil {
		if n, err := strconv.Atoi(v["databases"]); err == nil && n > 0 {
			dbs = n
		}
	}
	for db := 0; db < dbs; db++ {
		if err := conn.Select(ctx, db).Err(); err != nil {
			t.Fatalf("redistest: SELECT %d: %v", db, err)
		}
		var cursor uint64
		for {
			_, next, err := conn.Scan(ctx, cursor, "", 1000).Result()
			if err != nil {
				t.Fatalf("redistest: SCAN db %d: %v", db, err)
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	v, err := conn.Do(ctx, "DEBUG", "DIGEST").Text()
	if err != nil {
		t.Fatalf("redistest: DEBUG DIGEST: %v", err)
	}
	return v
}

// Exited reports whether the server process has exited (after Stop, Kill, SHUTDOWN or a
// crash).
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Wait waits for the process to exit by itself (for a test that sent SHUTDOWN or expects a
// crash) and returns its exit error (nil for status 0).
func (s *Server) Wait() error {
	<-s.exited
	<-s.outDone
	return s.waitErr
}

// Stop shuts the server down with SHUTDOWN NOSAVE (the AOF is flushed, nothing else is
// written) and waits for the process to exit. When SHUTDOWN is refused or the server cannot
// be reached it is killed instead. Stopping a stopped server does nothing. Failures fail the
// test.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatalf("redistest: stop %s: %v", s.Addr, err)
	}
}

// Kill sends SIGKILL (a crash: nothing is flushed) and waits for the exit.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.closeClient()
	if !s.Exited() {
		_ = s.cmd.Process.Kill()
	}
	<-s.exited
	<-s.outDone
}

func (s *Server) shutdown(t testing.TB) {
	if err := s.stop(); err != nil {
		t.Errorf("redistest: cleanup of %s: %v", s.Addr, err)
	}
}

func (s *Server) closeClient() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
}

func (s *Server) stop() error {
	s.closeClient()
	if s.Exited() {
		return nil
	}
	if err := sendShutdown(s.Addr); err != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.exited
	<-s.outDone
	return nil
}

// sendShutdown sends SHUTDOWN NOSAVE on a raw connection. Success is the server closing the
// connection without a reply; an error reply (or no connection) is returned as an error.
func sendShutdown(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err == io.EOF || errors.Is(err, net.ErrClosed) || (err != nil && strings.Contains(err.Error(), "reset")) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("SHUTDOWN NOSAVE: %s", strings.TrimSpace(line))
}
