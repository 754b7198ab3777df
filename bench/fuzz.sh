#!/usr/bin/env bash
# Long fuzz run: the property tests of tests/Protocol.Tests/Fuzz (LMTP core driven as a byte stream, hpfeeds frame
# decoder) with a random seed and a time budget per property instead of CI's fixed seed and iteration counts.
# Prints the executions each property ran and how to replay the run. Exit status: that of the test run.
#
# Environment:
#   FUZZ_SEED        seed (decimal or 0x hex; default: random, printed)
#   FUZZ_SECONDS     time budget per property (default 120; the two test classes run in parallel)
#   FUZZ_ITERATIONS  iteration cap per property (default: none, the time budget decides)
#   FUZZ_FILTER      dotnet test filter (default FullyQualifiedName~Fuzz)
#   FUZZ_NO_BUILD=1  skip the Release build
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seed="${FUZZ_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')}"
seconds="${FUZZ_SECONDS:-120}"
iterations="${FUZZ_ITERATIONS:-1000000000000}"
filter="${FUZZ_FILTER:-FullyQualifiedName~Fuzz}"
report="$(mktemp "${TMPDIR:-/tmp}/smtp-collector-fuzz.XXXXXX")"
trap 'rm -f "$report"' EXIT

if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
    echo "== dotnet build tests/Protocol.Tests -c Release" >&2
    dotnet build "$root/tests/Protocol.Tests" -c Release --nologo -v quiet >&2
fi

echo "== fuzzing: FUZZ_SEED=$seed FUZZ_SECONDS=$seconds per property" >&2
start=$SECONDS
status=0
FUZZ_SEED="$seed" FUZZ_SECONDS="$seconds" FUZZ_ITERATIONS="$iterations" FUZZ_REPORT="$report" \
    dotnet test "$root/tests/Protocol.Tests" -c Release --no-build --nologo --filter "$filter" >&2 || status=$?
elapsed=$((SECONDS - start))

printf '| property | executions | seconds | result |\n|---|---:|---:|---|\n'
awk -F '\t' -v seed="$seed" -v elapsed="$elapsed" '
    { printf "| %s | %d | %s | %s |\n", $1, $2, $4, $5; total += $2 }
    END { printf "\nexecutions: %d in total, seed %s, %d s wall clock\n", total, seed, elapsed }' "$report"
if [[ "$status" != 0 ]]; then
    echo "fuzz.sh: failures (see above); replay with FUZZ_SEED=$seed FUZZ_SECONDS=$seconds bench/fuzz.sh" >&2
fi
exit "$status"
