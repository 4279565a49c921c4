#!/usr/bin/env bash
# Starts or stops the Azurite the run command uses: disk mode (data kept between runs in the
# git-ignored .azurite/ folder), default ports, with the flags the pinned Azure SDKs need.
#   azurite.sh start   -> starts it in the background, waits until queues and tables answer
#   azurite.sh stop    -> stops it cleanly (SIGTERM: it saves its data, see shared AZURITE.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="$root/.azurite"
pidfile="$data/azurite.pid"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "${1:-}" in
  start)
    mkdir -p "$data"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "azurite: already running (pid $(cat "$pidfile"))"; exit 0
    fi
    for port in 10000 10001 10002; do
      if port_open "$port"; then
        echo "azurite: port $port is taken by another program; stop it first" >&2; exit 1
      fi
    done
    "$here/node_modules/.bin/azurite" -l "$data" --skipApiVersionCheck --disableTelemetry --silent \
      --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$data/azurite.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 150); do
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "azurite: exited at start; see $data/azurite.log" >&2; cat "$data/azurite.log" >&2; exit 1
      fi
      if port_open 10001 && port_open 10002; then
        echo "azurite: ready (pid $(cat "$pidfile"), data in .azurite/)"; exit 0
      fi
      sleep 0.2
    done
    echo "azurite: did not answer within 30 s" >&2; exit 1
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "azurite: stopped"
      fi
      rm -f "$pidfile"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
