#!/usr/bin/env bash
# Sets up and runs the hub locally: Azurite (disk mode, data in .azurite/) and the local host
# on http://127.0.0.1:7071/api with the sample registry and sandbox city/platform receivers.
# Ctrl-C stops both. Settings: local.settings.json (made from the sample on first run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

"$here/setup.sh"
[ -f local.settings.json ] || { cp local.settings.sample.json local.settings.json; echo "run: made local.settings.json from the sample"; }

echo "run: building"
dotnet build functions/StationHub.LocalHost -c Release --nologo -v quiet -clp:ErrorsOnly

"$here/azurite.sh" start
hub=""
stop() {
  trap - EXIT INT TERM
  if [ -n "$hub" ] && kill -0 "$hub" 2>/dev/null; then
    kill -TERM "$hub" 2>/dev/null || true   # graceful: work in flight finishes or is returned
    wait "$hub" 2>/dev/null || true
  fi
  "$here/azurite.sh" stop
}
trap stop EXIT INT TERM

echo "run: the hub is starting on http://127.0.0.1:7071/api (Ctrl-C to stop)"
echo "run: try it: dotnet run --project functions/StationHub.Cli -- sample"
dotnet functions/StationHub.LocalHost/bin/Release/net10.0/StationHub.LocalHost.dll --contentRoot "$root" &
hub=$!
wait "$hub"
