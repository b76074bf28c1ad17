#!/usr/bin/env bash
# Pipes SIZE_MIB MiB (default 1024) of plain text without tool calls through `toolflow parse` and reports the
# process's peak resident memory (GNU time's maximum resident set size), the output's line count and its longest
# text line. Usage: perf/ParseMemory/run.sh [SIZE_MIB] [FORMAT]
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-1024}
format=${2:-hermes}
dotnet build src/Cli/ToolFlow.Cli.csproj -c Release -v q -nologo >/dev/null
cli=src/Cli/bin/Release/net10.0/toolflow.dll
line='Plain words, no calls: café, naïve 😀 ok'
line_bytes=$(( $(printf '%s\n' "$line" | wc -c) ))
lines=$(( size_mib * 1024 * 1024 / line_bytes ))
stats=$(mktemp)
summary=$(mktemp)
trap 'rm -f "$stats" "$summary"' EXIT
start=$(date +%s.%N)
# yes(1) ends on SIGPIPE when head has enough; that is not a failure.
set +o pipefail
yes "$line" | head -n "$lines" \
  | /usr/bin/time -f '%M %e' -o "$stats" dotnet exec "$cli" parse --format "$format" \
  | awk '{ n++; if (length($0) > longest) longest = length($0) } END { print n, longest }' > "$summary"
end=$(date +%s.%N)
set -o pipefail
read -r peak_kib seconds < "$stats"
read -r out_lines longest < "$summary"
echo "input: $(( lines * line_bytes )) bytes ($size_mib MiB) of text, format $format"
echo "peak resident memory: $(( peak_kib / 1024 )) MiB"
echo "output: $out_lines lines, the longest $longest bytes"
echo "toolflow parse: ${seconds} s; whole pipeline: $(echo "$end - $start" | bc) s"
