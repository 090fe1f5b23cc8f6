#!/usr/bin/env bash
# Whole-command timings for BENCHMARKS.md, side by side with the tools users have today.
#   bench/run.sh AOFDIR RDBFILE
# AOFDIR: the 1.3 GB AOF of shared/bench/make-bench-aof.sh; RDBFILE: the ~330 MB RDB of
# shared/bench/make-bench-rdb.sh. Needs hyperfine, redis-check-aof, redis-check-rdb and
# /usr/bin/time (Debian packages hyperfine, redis-tools, time). Run on a quiet machine.
set -euo pipefail
aofdir=${1:?AOFDIR}; rdbfile=${2:?RDBFILE}
cd "$(dirname "$0")/.."
go build -o aofkit .
manifest=$(ls "$aofdir"/*.manifest)
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(date -u +%F)"
echo "== check vs redis-check-aof on $aofdir ($(du -sh "$aofdir" | cut -f1))"
hyperfine --warmup 1 --runs 5 \
  "./aofkit check --quiet $aofdir" \
  "redis-check-aof $manifest"
echo "== peak RSS of aofkit check (AOF)"
/usr/bin/time -f "%M KB max RSS, %e s" ./aofkit check --quiet "$aofdir" >/dev/null
echo "== check vs redis-check-rdb on $rdbfile ($(du -sh "$rdbfile" | cut -f1))"
hyperfine --warmup 1 --runs 5 \
  "./aofkit check --quiet $rdbfile" \
  "redis-check-rdb $rdbfile"
echo "== peak RSS of aofkit check (RDB)"
/usr/bin/time -f "%M KB max RSS, %e s" ./aofkit check --quiet "$rdbfile" >/dev/null
