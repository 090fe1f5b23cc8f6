#!/usr/bin/env bash
# The figures of issue 5 for BENCHMARKS.md, in one session on one machine:
#   1. the anchors (shared/bench/anchors.sh: redis-server load time, BGREWRITEAOF time, RSS
#      after load), three runs, median;
#   2. aofkit compact --format rdb on the same AOF: hyperfine, and peak RSS (/usr/bin/time);
#   3. how fast redis-server loads compact's output and its own BGREWRITEAOF of the same AOF.
#   bench/compact.sh AOFDIR ANCHORS_SH
# AOFDIR: the 1.3 GB AOF of shared/bench/make-bench-aof.sh. Needs hyperfine, redis-server,
# redis-cli, python3, bc, /usr/bin/time. Run on a quiet machine.
set -euo pipefail
aofdir=${1:?AOFDIR}; anchors=${2:?path to shared/bench/anchors.sh}
cd "$(dirname "$0")/.."
go build -o aofkit .
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(date -u +%F)"
echo "== anchors (3 runs)"
for i in 1 2 3; do bash "$anchors" "$aofdir" | tr '\n' ' '; echo; done
echo "== aofkit compact --format rdb"
hyperfine --warmup 1 --runs 5 --prepare "rm -rf $out/ours" \
  "./aofkit compact -q --format rdb -o $out/ours $aofdir"
rm -rf "$out/ours"
/usr/bin/time -f "%M KB max RSS, %e s" ./aofkit compact -q --format rdb -o "$out/ours" "$aofdir"
du -sh "$out/ours"
echo "== redis-server's own rewrite of the same AOF"
port=7412; w=$(mktemp -d)
cp -r "$aofdir" "$w/appendonlydir"
redis-server --port $port --bind 127.0.0.1 --daemonize yes --dir "$w" --appendonly yes --save "" \
  --auto-aof-rewrite-percentage 0 --appendfsync no --logfile "$w/log"
until redis-cli -p $port dbsize 2>/dev/null | grep -q '^[0-9]'; do sleep 0.05; done
redis-cli -p $port bgrewriteaof >/dev/null
until grep -q -e 'rewrite finished' -e 'rewrite terminated' "$w/log"; do sleep 0.05; done
redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
while redis-cli -p $port ping >/dev/null 2>&1; do sleep 0.05; done
mkdir -p "$out/theirs"
# the rewritten set: its manifest and the files it lists (the old ones are already gone)
cp "$w"/appendonlydir/* "$out/theirs/"
rm -rf "$w"
du -sh "$out/theirs"
echo "== redis-server load time: compact's output vs its own rewrite"
hyperfine --warmup 1 --runs 5 \
  "bench/load-time.sh $out/ours" \
  "bench/load-time.sh $out/theirs"
