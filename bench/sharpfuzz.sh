#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ and SharpFuzz: bench/sharpfuzz/Program.cs drives the LMTP core (through the same
# driver and checks as the property tests) and the hpfeeds decoder (against the whole-buffer reference). Installs afl++
# (apt) and the SharpFuzz instrumenter (dotnet tool) where missing. Prints AFL's figures; exits 1 if it saved a crash.
#
# Environment:
#   AFL_SECONDS   how long to fuzz (default 600)
#   AFL_OUT       findings folder (default bench/out/afl; crashes in $AFL_OUT/default/crashes, replay one with
#                 `dotnet bench/out/sharpfuzz/SmtpCollector.Fuzz.dll < FILE`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
seconds="${AFL_SECONDS:-600}"
findings="${AFL_OUT:-$out/afl}"

if ! command -v afl-fuzz >/dev/null; then
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq afl++ >/dev/null
fi
if [[ ! -x "$out/sharpfuzz-tool/sharpfuzz" ]]; then
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$out/sharpfuzz-tool" >&2
fi

echo "== build and instrument bench/sharpfuzz" >&2
rm -rf "$out/sharpfuzz"
dotnet build "$root/bench/sharpfuzz" -c Release -o "$out/sharpfuzz" --nologo -v quiet >&2
"$out/sharpfuzz-tool/sharpfuzz" "$out/sharpfuzz/SmtpCollector.Protocol.dll" >&2

# Seeds: first byte even = LMTP, odd = hpfeeds; then limits and the read size (see Program.cs); then the peer's bytes.
corpus="$out/afl-seeds"
rm -rf "$corpus"
mkdir -p "$corpus"
printf '\x00\x80\x10\x00\x03\x07LHLO x\r\nMAIL FROM:<> SIZE=4\r\nRCPT TO:<a@trap.example>\r\nDATA\r\n..a\r\n.\r\nQUIT\r\n' >"$corpus/data"
printf '\x02\x80\x10\x00\x03\x05LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<"q"@[192.0.2.1]>\r\nBDAT 3\r\nab\nBDAT 0 LAST\r\nRSET\r\n' >"$corpus/bdat"
printf '\x01\x10\x00\x00\x00\x03\x00\x00\x00\x18\x03\x05ident\x04chansomedata\x00\x00\x00\x0f\x04\x05identchan' >"$corpus/hpfeeds"

echo "== afl-fuzz for $seconds s" >&2
rm -rf "$findings"
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    afl-fuzz -i "$corpus" -o "$findings" -t 10000 -m none -V "$seconds" -- dotnet "$out/sharpfuzz/SmtpCollector.Fuzz.dll" >"$out/afl.log" 2>&1 || {
    tail -20 "$out/afl.log" >&2
    exit 1
}

stats="$findings/default/fuzzer_stats"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|edges_found|saved_crashes|saved_hangs) ' "$stats"
crashes="$(awk '$1 == "saved_crashes" { print $3 }' "$stats")"
if [[ "$crashes" != 0 ]]; then
    echo "sharpfuzz.sh: $crashes crashes in $findings/default/crashes" >&2
    exit 1
fi
