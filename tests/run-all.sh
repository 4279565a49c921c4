#!/usr/bin/env bash
# Sets up and runs every test: installs the pinned Azurite (and Debian's Chromium for the browser
# test), builds the solution (warnings are errors; the Azure Functions app included), publishes the
# Functions app into artifacts/functions-app (its functions.metadata is held to the trigger table by
# the suite), runs the xunit suite (unit, integration on a real Azurite that the tests start
# in-memory, end-to-end over HTTP), and checks the Bicep templates. Prints one closing line:
# "N passed, N failed". Test results (TRX) land in artifacts/test-results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$(date +%s)

infra/local/setup.sh

# The OpenAPI document's linter (Redocly CLI, pinned in tests/openapi/package-lock.json); the suite
# runs it on the document the hub serves, so a lint error fails the run like any test.
openapi_stamp="tests/openapi/node_modules/.stationhub-lock"
if [ ! -x tests/openapi/node_modules/.bin/redocly ] || ! cmp -s tests/openapi/package-lock.json "$openapi_stamp" 2>/dev/null; then
  echo "tests: installing the OpenAPI linter (pinned in tests/openapi/package-lock.json)"
  (cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/openapi/package-lock.json "$openapi_stamp"
fi

# The ledger and map pages' browser tests run Debian's Chromium headless; install it when missing.
if ! command -v chromium >/dev/null 2>&1; then
  echo "tests: installing Chromium (Debian package) for the ledger page's browser test"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

echo "tests: building"
dotnet build StationHub.slnx -c Release --nologo -v quiet -clp:ErrorsOnly

echo "tests: publishing the Azure Functions app"
rm -rf artifacts/functions-app
dotnet publish functions/StationHub.Functions -c Release --no-build --nologo -v quiet -o artifacts/functions-app
for file in functions.metadata extensions.json worker.config.json .azurefunctions StationHub.Functions.dll host.json; do
  [ -e "artifacts/functions-app/$file" ] || { echo "tests: the published Functions app lacks $file" >&2; exit 1; }
done
export STATIONHUB_FUNCTIONS_APP="$root/artifacts/functions-app"

results="$root/artifacts/test-results"
rm -rf "$results"
echo "tests: running the suite"
set +e
dotnet test StationHub.slnx -c Release --no-build --nologo \
  --logger "trx;LogFileName=stationhub.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" -- RunConfiguration.TestSessionTimeout=2400000
suite=$?
set -e

infra_status=0
if [ -x infra/check.sh ]; then
  echo "tests: checking the Bicep templates"
  infra/check.sh || infra_status=$?
fi

trx="$(ls "$results"/*.trx 2>/dev/null | head -n 1 || true)"
passed=0; failed=0
if [ -n "$trx" ]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  passed="$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')"
  failed="$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')"
fi
[ "$infra_status" -eq 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
if [ -n "$trx" ] && [ "${failed:-0}" -gt 0 ]; then
  # CI keeps only the end of the output: name each failed test there, with the start of its message.
  node "$root/tests/failed-tests.mjs" "$trx" || true
fi
echo "tests: took $(( $(date +%s) - started )) s"
echo "${passed:-0} passed, ${failed:-0} failed"
[ "$suite" -eq 0 ] && [ "$infra_status" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
