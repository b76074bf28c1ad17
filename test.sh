#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs every test in the solution.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The MCP end-to-end tests run the reference filesystem server with node: install it under tests/.npm, exactly as
# tests/.npm/package-lock.json pins it (the server and every package it pulls in), whenever the lockfile changes.
npm_dir=tests/.npm
if ! cmp -s "$npm_dir/package-lock.json" "$npm_dir/node_modules/.installed-lock.json" 2>/dev/null; then
  if npm ci --prefix "$npm_dir" --no-audit --no-fund; then
    cp "$npm_dir/package-lock.json" "$npm_dir/node_modules/.installed-lock.json"
  else
    echo "warning: could not install tests/.npm (the MCP filesystem server); the MCP tests will fail" >&2
  fi
fi

# The browser tests (tests/ChatUi.Tests) drive Debian's chromium headless; Playwright never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! command -v chromium >/dev/null 2>&1; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  if ! { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; then
    echo "warning: could not install chromium; the browser tests will fail" >&2
  fi
fi

# The cluster tests (tests/Orleans.Tests) start Debian's redis-server on 127.0.0.1 for clustering and grain storage.
if ! command -v redis-server >/dev/null 2>&1; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  if ! { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }; then
    echo "warning: could not install redis-server; the cluster tests will fail" >&2
  fi
fi

dotnet restore Dataflow.sln
dotnet build Dataflow.sln --no-restore
status=0
dotnet test Dataflow.sln --no-build "$@" || status=$?

report=tests/StreamParsers.Tests/bin/Debug/net10.0/conformance-report.txt
if [ -f "$report" ]; then
  echo "Parser conformance (cases passed per format, whole, at every split, in recorded chunks and at real token boundaries, o200k_base and cl100k_base):"
  cat "$report"
fi
exit $status
