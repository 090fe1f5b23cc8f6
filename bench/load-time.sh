#!/usr/bin/env bash
# Starts redis-server on a copy of an AOF directory, waits until the dataset is loaded, prints
# the key count and shuts the server down. Timed by bench/compact.sh with hyperfine to compare
# how fast the server loads aofkit compact's output and its own BGREWRITEAOF.
#   bench/load-time.sh AOFDIR [PORT]
set -euo pipefail
src=${1:?AOFDIR}; port=${2:-7411}
w=$(mktemp -d)
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$w"' EXIT
cp -r "$src" "$w/appendonlydir"
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$w" --appendonly yes \
  --appenddirname appendonlydir --save "" --auto-aof-rewrite-percentage 0 --logfile "$w/log"
for _ in $(seq 1 60000); do
  redis-cli -p "$port" dbsize 2>/dev/null | grep -q '^[0-9]' && break
  if ! redis-cli -p "$port" ping >/dev/null 2>&1 && grep -q -e 'Unrecoverable' -e 'aborted' -e "Can't" "$w/log"; then
    tail -3 "$w/log" >&2; exit 1
  fi
  sleep 0.01
done
redis-cli -p "$port" dbsize
