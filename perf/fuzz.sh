#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with SharpFuzz and afl-fuzz (Debian's afl++). Not part of ./test.sh.
#
#   perf/fuzz.sh [MINUTES] [TARGET...]     each target for MINUTES (default 10), one afl-fuzz at a time
#
# Targets (perf/Fuzzing/FuzzTargets.cs): hermes, marked-json, xml, pythonic, llmcompiler, bodies, sse-framer; default all.
# Each run's output goes to perf/Fuzzing/out/TARGET (ignored by git): queue/, crashes/, hangs/, fuzzer_stats, and
# afl.log; a crash is re-run with `repro` so its exception is printed. Seeds come from ../shared/conformance, read in
# place, and from a few inputs written in perf/Fuzzing/SeedCorpus.cs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=${1:-10}
shift || true
targets=("$@")

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# afl-fuzz checks the machine's core pattern and CPU governor; neither matters for a .NET target, and a container may
# not let us change them.
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
# The target is `dotnet`, which is not instrumented itself: SharpFuzz instruments the parser assembly.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1

if ! command -v afl-fuzz >/dev/null 2>&1; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y afl++
fi

out=perf/Fuzzing/out
bin=$out/bin
plain=$out/bin-plain
tools=$out/tools
mkdir -p "$out"

# The sharpfuzz instrumenter, as a dotnet tool in a local path (never a global install).
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools"
fi

rm -rf "$bin" "$plain"
dotnet publish perf/Fuzzing/ToolFlow.Fuzzing.csproj -c Release -o "$plain" -v q -nologo
cp -r "$plain" "$bin"
# Only the parsers are instrumented: coverage of the harness and the framework would only add noise. An instrumented
# assembly runs only under afl-fuzz, so seeding and re-running crashes use the plain copy.
"$tools/sharpfuzz" "$bin/ToolFlow.StreamParsers.dll"

conformance=
for dir in ../shared/conformance/parsers ../../shared/conformance/parsers /work/shared/conformance/parsers; do
  if [ -d "$dir" ]; then conformance=$(cd "$dir" && pwd); break; fi
done
if [ -z "$conformance" ]; then
  echo "fuzz.sh: no shared/conformance/parsers beside the repository; seeding from the hand-written inputs only" >&2
  conformance=$out/no-conformance
  mkdir -p "$conformance/sse"
fi

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(dotnet "$plain/ToolFlow.Fuzzing.dll" list)
fi

for target in "${targets[@]}"; do
  dir=$out/$target
  rm -rf "$dir"
  mkdir -p "$dir"
  dotnet "$plain/ToolFlow.Fuzzing.dll" seed "$target" "$dir/in" "$conformance"
  echo "== $target: $minutes min, started $(date -u +%H:%M:%S)"
  # -t: a run taking longer than 3 s is a hang; -m none: the CLR reserves far more address space than it uses.
  afl-fuzz -i "$dir/in" -o "$dir/findings" -t 3000 -m none -V $((minutes * 60)) \
    -- dotnet "$bin/ToolFlow.Fuzzing.dll" run "$target" >"$dir/afl.log" 2>&1 || echo "afl-fuzz exited with $?" >&2
  stats=$(find "$dir/findings" -name fuzzer_stats | head -n 1)
  if [ -n "$stats" ]; then
    grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|edges_found|total_edges)\b' "$stats" | tr -s ' '
  fi
  # The first crashes and hangs again, one process each (a stack overflow ends the process), with what broke.
  found=$(find "$dir/findings" \( -path '*/crashes/id*' -o -path '*/hangs/id*' \) | sort)
  if [ -n "$found" ]; then
    echo "crashes and hangs: $(echo "$found" | wc -l), the first 10 re-run in $dir/repro.txt"
    while IFS= read -r input; do
      rc=0
      result=$(timeout 10 dotnet "$plain/ToolFlow.Fuzzing.dll" repro "$target" "$input" 2>&1) || rc=$?
      printf '%s\n' "$result" | head -n 30
      echo "exit $rc (124: still running after 10 s)"
    done < <(echo "$found" | head -n 10) >"$dir/repro.txt"
  fi
done
