#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs every test in the solution.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The MCP end-to-end tests run the reference filesystem server with node: install it under tests/.npm once.
mcp_fs_version=2026.8.31
mcp_fs=tests/.npm/node_modules/@modelcontextprotocol/server-filesystem
if [ "$(node -p "require('./$mcp_fs/package.json').version" 2>/dev/null || true)" != "$mcp_fs_version" ]; then
  npm install --prefix tests/.npm --no-save --no-audit --no-fund "@modelcontextprotocol/server-filesystem@$mcp_fs_version" ||
    echo "warning: could not install @modelcontextprotocol/server-filesystem; the MCP tests will fail" >&2
fi

dotnet restore Dataflow.sln
dotnet build Dataflow.sln --no-restore
status=0
dotnet test Dataflow.sln --no-build "$@" || status=$?

report=tests/StreamParsers.Tests/bin/Debug/net10.0/conformance-report.txt
if [ -f "$report" ]; then
  echo "Parser conformance (cases passed per format, whole, at every split and in recorded chunks):"
  cat "$report"
fi
exit $status
