#!/usr/bin/env bash
# Runs the parser and provider-body benchmarks of two checkouts back to back, alternating, in one session, so that
# both see the same machine. Usage: perf/Benchmarks/compare-parsers.sh BEFORE_DIR AFTER_DIR OUT_DIR
# Each checkout must hold the same perf/Benchmarks/Parsers (copy it into BEFORE_DIR when the older commit lacks it).
set -euo pipefail
before=$1 after=$2 out=$3
mkdir -p "$out"
filters=(
  '*ProviderBodyThroughputBenchmarks.Body_Whole*'
  '*StreamParserThroughputBenchmarks.Incremental_Whole*'
  '*StreamParserThroughputBenchmarks.Incremental_Chunks1*'
)
for dir in "$before" "$after"; do
  dotnet build "$dir/perf/Benchmarks/ToolFlow.Benchmarks.csproj" -c Release -v q -nologo > /dev/null
done
uptime | tee "$out/load.txt"
n=0
for filter in "${filters[@]}"; do
  for side in before after; do
    dir=$before; [[ $side == after ]] && dir=$after
    n=$((n + 1))
    (cd "$dir/perf/Benchmarks" && dotnet run -c Release --no-build -- --filter "$filter" --artifacts "$out/$n-$side") \
      | grep -E '^\|' > "$out/$n-$side.md" || true
    uptime | tee -a "$out/load.txt"
  done
done
