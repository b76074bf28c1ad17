#!/usr/bin/env bash
# The 1,000,000-call soak: tests/Blocks.Tests/Mesh/SoakTests.cs (100,000 calls in the test suite) run at 40 waves of
# 1,000 concurrent conversations x 25 calls on one executor, fault-injected, in a Release build. Not part of ./test.sh.
# Usage: perf/soak.sh [waves] (default 40); TOOLFLOW_SOAK_SEED replays another seed. Prints the soak's report.
set -euo pipefail
cd "$(dirname "$0")/.."
export TOOLFLOW_SOAK_WAVES="${1:-40}"
dotnet test tests/Blocks.Tests/ToolFlow.Blocks.Tests.csproj -c Release -nologo \
    --filter "FullyQualifiedName~ToolFlow.Blocks.Tests.SoakTests" \
    --logger "console;verbosity=detailed"
