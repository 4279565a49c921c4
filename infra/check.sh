#!/usr/bin/env bash
# Builds and lints the Bicep templates with a pinned Bicep CLI and fails on any diagnostic.
# Every linter rule is an error (infra/bicepconfig.json); any other output from bicep, such as
# a compiler warning, fails the check too.
#
#   infra/check.sh        (from any directory)
#
# The CLI comes from the NuGet package pinned in infra/tools/bicep.csproj, restored into
# infra/.bicep/ (git-ignored) on first use. Needs the .NET SDK.
set -euo pipefail

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools_project="$infra_dir/tools/bicep.csproj"
cache_dir="$infra_dir/.bicep"
out_dir="$cache_dir/out"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) rid=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) rid=linux-arm64 ;;
  Darwin-x86_64) rid=osx-x64 ;;
  Darwin-arm64) rid=osx-arm64 ;;
  *) echo "check.sh: no Bicep CLI package for $(uname -s) $(uname -m)" >&2; exit 2 ;;
esac

version="$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' "$tools_project")"
if [[ -z "$version" ]]; then
  echo "check.sh: no <BicepVersion> in $tools_project" >&2
  exit 2
fi

package_dir="$cache_dir/packages/azure.bicep.commandline.$rid/$version"
bicep="$package_dir/tools/bicep"

if [[ ! -f "$package_dir/.nupkg.metadata" || ! -f "$bicep" ]]; then
  echo "==> restoring Azure.Bicep.CommandLine.$rid $version into ${cache_dir#"$infra_dir/"}/"
  dotnet restore "$tools_project" -p:BicepRuntimeIdentifier="$rid" --verbosity quiet
fi
if [[ ! -f "$bicep" ]]; then
  echo "check.sh: the restored package has no tools/bicep at $bicep" >&2
  exit 2
fi
chmod +x "$bicep" # NuGet does not keep the executable bit.
echo "==> $("$bicep" --version)"

# Template paths, relative to infra/ so patterns and messages stay short.
cd "$infra_dir"
modules=(app/*.bicep)
failed=0

# Runs one bicep command; any output (a diagnostic) or a non-zero exit fails the check.
run() {
  local description="$1"
  shift
  local output status=0
  output="$("$bicep" "$@" 2>&1)" || status=$?
  if [[ $status -ne 0 || -n "$output" ]]; then
    echo "FAIL  $description"
    [[ -n "$output" ]] && printf '%s\n' "$output" | sed 's/^/      /'
    failed=1
  else
    echo "ok    $description"
  fi
}

rm -rf "$out_dir"
mkdir -p "$out_dir/app"

echo "==> checking main.bicep and ${#modules[@]} modules: ${modules[*]}"
run "build main.bicep (with its modules)" build main.bicep --outfile "$out_dir/main.json"
run "lint  main.bicep (with its modules)" lint main.bicep
run "build app/*.bicep, each on its own" build --pattern 'app/*.bicep' --outdir "$out_dir/app"
run "lint  app/*.bicep, each on its own" lint --pattern 'app/*.bicep'

if [[ $failed -ne 0 ]]; then
  echo "==> infra check FAILED"
  exit 1
fi
echo "==> infra check passed: main.bicep, ${modules[*]}"
