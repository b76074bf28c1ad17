#!/usr/bin/env bash
# Runs the parser and provider-body benchmarks of two checkouts back to back in one session, so that both see the
# same machine: ROUNDS rounds (default 1), each running every case of BEFORE then of AFTER. Usage: perf/Benchmarks/compare-parsers.sh BEFORE_DIR AFTER_DIR OUT_DIR
# Each checkout must hold the same perf/Benchmarks/Parsers (copy it into BEFORE_DIR when the older commit lacks it).
set -euo pipefail
before=$1 after=$2 out=$3 rounds=${4:-1}
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
for ((round = 1; round <= rounds; round++)); do
  for side in before after; do
    dir=$before; [[ $side == after ]] && dir=$after
    # One run per side: BenchmarkDotNet builds its boilerplate once per run, which takes minutes on a busy machine.
    (cd "$dir/perf/Benchmarks" && dotnet run -c Release --no-build -- --filter "${filters[@]}" --buildTimeout 1200 \
      --artifacts "$out/$round-$side") | grep -E '^\|' > "$out/$round-$side.md" || true
    uptime | tee -a "$out/load.txt"
  done
done
