#!/usr/bin/env bash
# make.sh — regenerate the real-server AOF fixtures in this directory (and ../sample).
#
# Needs redis-server and redis-cli (written for the Debian package 7.0.15). The servers listen on
# a unix socket only (--port 0), so no TCP port is used. See README.md for what each output is.
#
# Usage: testdata/real/make.sh            (writes next to this script)
#        OUT=/some/dir testdata/real/make.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
SAMPLE=${SAMPLE:-$HERE/../sample}
SERVER=${REDIS_SERVER:-redis-server}
CLI=${REDIS_CLI:-redis-cli}

WORK=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME EXTRA-ARGS...: a fresh server with AOF on, data dir $WORK/NAME.
start() {
	local name=$1; shift
	DIR=$WORK/$name
	SOCK=$WORK/$name.sock
	mkdir -p "$DIR"
	"$SERVER" --port 0 --unixsocket "$SOCK" --dir "$DIR" --save '' \
		--appendonly yes --appenddirname appendonlydir --appendfsync always \
		--enable-debug-command yes --logfile "$DIR/server.log" "$@" &
	PID=$!
	for _ in $(seq 100); do
		if "$CLI" -s "$SOCK" ping >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	echo "server $name did not start; log:" >&2
	cat "$DIR/server.log" >&2
	exit 1
}

# cli: run commands read from stdin on ONE connection (so MULTI/EXEC and SELECT hold).
cli() { "$CLI" -s "$SOCK" >/dev/null; }

# wait_rewrite: wait until no AOF rewrite is in progress.
wait_rewrite() {
	for _ in $(seq 300); do
		if "$CLI" -s "$SOCK" info persistence | grep -q '^aof_rewrite_in_progress:0'; then
			if ! "$CLI" -s "$SOCK" info persistence | grep -q '^aof_rewrite_scheduled:1'; then return 0; fi
		fi
		sleep 0.1
	done
	echo "rewrite did not finish" >&2; exit 1
}

stop_nosave() {
	"$CLI" -s "$SOCK" shutdown nosave >/dev/null 2>&1 || true
	wait "$PID" 2>/dev/null || true
	PID=
}

# Far-future absolute expiries (2100-01-01) so nothing expires under a test.
T2100_MS=4102444800000
T2100_S=4102444800

phase1() { # several types, a TTL, MULTI/EXEC, three DBs
	cli <<CMDS
SET str:plain hello
SET str:int 12345
SET str:ttl expiring PXAT $T2100_MS
RPUSH list a b c d
SADD set x y z
ZADD zset 1 one 2.5 two -3 three
HSET hash f1 v1 f2 v2
XADD stream 1-1 name alice
XADD stream 2-1 name bob
XGROUP CREATE stream grp 0
XREADGROUP GROUP grp consumer1 COUNT 1 STREAMS stream >
MULTI
INCR counter
LPUSH list z
SADD set w
EXEC
SELECT 1
SET db1:key one
HSET db1:hash a 1
SELECT 3
RPUSH db3:list p q
EXPIREAT db3:list $T2100_S
CMDS
}

phase2() { # after the first rewrite: updates, deletes, another transaction
	cli <<CMDS
SET str:plain world
DEL str:int
LPOP list
SREM set x
ZINCRBY zset 10 one
CMDS
	sleep 1.1 # a second #TS line inside this incr file
	cli <<CMDS
HDEL hash f2
XACK stream grp 1-1
XADD stream 3-1 name carol
MULTI
SET tx:a 1
SET tx:b 2
EXEC
SELECT 2
SET db2:key two
CMDS
}

phase3() { # written to the second incr file while the slow rewrite runs
	cli <<CMDS
SET str:late late
RPUSH list tail
MULTI
HSET hash f3 v3
ZADD zset 7 seven
EXEC
SELECT 1
DEL db1:key
SET db1:other x
CMDS
}

# multipart NAME EXTRA-ARGS...: base (after one completed BGREWRITEAOF) + two incr files.
multipart() {
	local name=$1; shift
	start "$name" --aof-timestamp-enabled yes "$@"
	phase1
	sleep 1.1
	"$CLI" -s "$SOCK" bgrewriteaof >/dev/null
	wait_rewrite
	sleep 1.1
	phase2
	sleep 1.1
	"$CLI" -s "$SOCK" config set rdb-key-save-delay 100000 >/dev/null
	"$CLI" -s "$SOCK" bgrewriteaof >/dev/null
	# the rewrite has opened the second incr file when the manifest lists two incr files
	for _ in $(seq 100); do
		if [ "$(grep -c 'type i' "$DIR/appendonlydir/appendonly.aof.manifest")" -ge 2 ]; then break; fi
		sleep 0.1
	done
	phase3
	stop_nosave
	rm -rf "${OUT:?}/$name"
	mkdir -p "$OUT/$name"
	# copy only what the manifest lists (a killed rewrite leaves nothing else in the aof dir)
	cp "$DIR"/appendonlydir/* "$OUT/$name/"
	chmod 644 "$OUT/$name"/*
}

multipart multipart-resp --aof-use-rdb-preamble no
multipart multipart-rdb --aof-use-rdb-preamble yes

# single-resp.aof: what Redis <= 6 kept in one file: a RESP rewrite followed by the commands
# written after it. Made from a 7.0 base + incr (no timestamps), concatenated.
start single --aof-use-rdb-preamble no
cli <<CMDS
SET s1 alpha
SET s2 "a longer string value with spaces, to have a bulk of some size"
SET s3 42
RPUSH l1 1 2 3 four five six
SADD st a b c d
SADD ints 1 2 3 100
HSET h f v name "some name" city Paris
ZADD z 1 m 2 n 3.25 o -1 p
XADD st:events 1-1 type login user u1
XADD st:events 2-1 type logout user u1
XGROUP CREATE st:events readers 0
SET expiring v PXAT $T2100_MS
SELECT 5
SET s5 five
RPUSH l5 x y
CMDS
"$CLI" -s "$SOCK" bgrewriteaof >/dev/null
wait_rewrite
cli <<CMDS
SET s1 beta
APPEND s2 " and more"
MULTI
INCR n
RPUSH l1 4
SADD st e
EXEC
XADD st:events 3-1 type login user u2
SELECT 5
DEL s5
MULTI
SET s6 six
HSET h5 a 1 b 2
EXEC
SELECT 2
ZADD z2 5 five
CMDS
stop_nosave
m=$DIR/appendonlydir/appendonly.aof.manifest
base=$(awk '$6=="b"{print $2}' "$m")
incr=$(awk '$6=="i"{print $2}' "$m")
cat "$DIR/appendonlydir/$base" "$DIR/appendonlydir/$incr" >"$OUT/single-resp.aof"
chmod 644 "$OUT/single-resp.aof"

# ../sample: the bundled sample for the README (a copy of multipart-resp).
rm -rf "${SAMPLE:?}/appendonlydir"
mkdir -p "$SAMPLE/appendonlydir"
cp "$OUT"/multipart-resp/* "$SAMPLE/appendonlydir/"

"$SERVER" --version | awk '{print $3}' >"$OUT/VERSION"
echo "done: $OUT"
