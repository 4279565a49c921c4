#!/usr/bin/env bash
# Installs what the hub needs locally: checks the .NET SDK and Node, and installs the pinned
# Azurite from infra/local/package-lock.json (npm ci) when it is missing or out of date.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is required" >&2; exit 1; }
command -v node >/dev/null || { echo "setup: Node.js is required (for Azurite)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm is required (for Azurite)" >&2; exit 1; }

stamp="$here/node_modules/.stationhub-lock"
if [ ! -x "$here/node_modules/.bin/azurite" ] || ! cmp -s "$here/package-lock.json" "$stamp" 2>/dev/null; then
  echo "setup: installing Azurite (pinned in infra/local/package-lock.json)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$stamp"
fi
