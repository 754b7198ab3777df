#!/usr/bin/env bash
# What the archive (archive: maildir:DIR) and summary: true cost beside the plain hpfeeds sink: four collectors
# publishing to the in-repo test broker (one subscriber draining), driven in turn by Postfix's smtp-source -L with 20
# sessions on reused connections (-d, as Postfix's LMTP connection cache does), 5 KB and 100 KB. Prints a markdown
# table (medians of the rounds) and writes it to bench/out/archive-results.md. See bench/README.md.
#
# Environment:
#   BENCH_MESSAGES   messages per timed run (default 2000)
#   BENCH_WARMUP     messages of each size to warm up each collector (default 4000)
#   BENCH_ROUNDS     rounds; the table has the medians (default 3)
#   BENCH_NO_BUILD=1 use what is in bench/out
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
messages="${BENCH_MESSAGES:-2000}"
warmup="${BENCH_WARMUP:-4000}"
rounds="${BENCH_ROUNDS:-3}"
smtp_source=/usr/sbin/smtp-source
for tool in "$smtp_source" dotnet python3 timeout; do
    command -v "$tool" >/dev/null || { echo "archive.sh: $tool not found" >&2; exit 1; }
done

work="$(mktemp -d /dev/shm/smtp-collector-archive-bench.XXXXXX)"
disk="$(mktemp -d /var/tmp/smtp-collector-archive-bench.XXXXXX)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work" "$disk"
}
trap cleanup EXIT

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
    dotnet build "$root/tests/TestBroker" -c Release --nologo -v quiet -o "$out/broker" >&2
fi

read -r broker_port p_plain p_shm p_disk p_summary < <(python3 -c '
import socket
s = [socket.socket() for _ in range(5)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

dotnet "$out/broker/SmtpCollector.TestBroker.dll" --port "$broker_port" \
    --user "writer:secret:spam.mails,writer.confirm:writer.confirm" --user "reader:reader-secret::spam.mails" \
    --drain "reader:reader-secret:spam.mails" >"$work/broker.log" 2>&1 &
pids+=("$!")
for _ in $(seq 300); do grep -q "broker listening" "$work/broker.log" && break; sleep 0.1; done
printf 'broker: 127.0.0.1\nport: %s\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nspool_directory: %s\n' \
    "$broker_port" "$work/spool" >"$work/feed.yml"

declare -A pid_of=()
start() { # NAME PORT CONFIG-LINES
    printf '%b' "$3" >"$work/$1.yml"
    dotnet "$out/smtp-collector.dll" lmtp --listen "127.0.0.1:$2" --config "$work/$1.yml" --feed-config "$work/feed.yml" --http none \
        >"$work/$1.log" 2>&1 &
    pids+=("$!")
    pid_of[$2]=$!
    for _ in $(seq 300); do grep -q "LMTP listening" "$work/$1.log" && return; sleep 0.1; done
    echo "archive.sh: $1 did not start" >&2; cat "$work/$1.log" >&2; exit 1
}
start plain "$p_plain" ""
start archive-tmpfs "$p_shm" "archive: maildir:$work/archive\n"
start archive-disk "$p_disk" "archive: maildir:$disk/archive\n"
start summary "$p_summary" "summary: true\n"

# measure PORT SIZE COUNT: "seconds cores" (wall time, the collector's CPU in cores meanwhile).
measure() {
    python3 -c '
import os, subprocess, sys, time
hz = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz
pid = sys.argv[1]
c0, t0 = cpu(pid), time.monotonic()
code = subprocess.run(sys.argv[2:]).returncode
t = time.monotonic() - t0
print(f"{t:.3f} {(cpu(pid) - c0) / t:.2f}")
sys.exit(code)' "${pid_of[$1]}" timeout 300 "$smtp_source" -L -d -s 20 -l "$2" -m "$3" -r 1 \
        -f from@bench.example -t to@trap.example "127.0.0.1:$1"
}

ports=("$p_plain" "$p_shm" "$p_disk" "$p_summary")
names=(plain archive-tmpfs archive-disk summary)
echo "== warm-up: $warmup messages of 5 KB and of 100 KB per collector" >&2
for port in "${ports[@]}"; do
    for size in 5120 102400; do measure "$port" "$size" "$warmup" >/dev/null; done
done

: >"$work/runs.txt"
for round in $(seq "$rounds"); do
    for size in 5120 102400; do
        for i in "${!ports[@]}"; do
            read -r secs cores <<<"$(measure "${ports[$i]}" "$size" "$messages")"
            echo "== round $round: ${names[$i]} $size B: $secs s, $cores cores" >&2
            echo "${names[$i]} $size $secs $cores" >>"$work/runs.txt"
        done
    done
done

archived="$(find "$work/archive/new" -type f | wc -l)"
table="$(python3 -c '
import statistics, sys
n = int(sys.argv[2])
runs = {}
for line in open(sys.argv[1]):
    name, size, secs, cores = line.split()
    runs.setdefault((int(size), name), []).append((n / float(secs), float(cores) * float(secs) / n * 1e6))
print("| size | collector | msg/s (median) | vs plain | CPU per message (us, median) | vs plain |")
print("|---:|---|---:|---:|---:|---:|")
for size in (5120, 102400):
    base_rate = statistics.median(r[0] for r in runs[(size, "plain")])
    base_cpu = statistics.median(r[1] for r in runs[(size, "plain")])
    for name in ("plain", "archive-tmpfs", "archive-disk", "summary"):
        rate = statistics.median(r[0] for r in runs[(size, name)])
        cpu = statistics.median(r[1] for r in runs[(size, name)])
        print(f"| {size // 1024} KB | {name} | {rate:.0f} | {rate / base_rate - 1:+.0%} | {cpu:.0f} | {cpu / base_cpu - 1:+.0%} |")
' "$work/runs.txt" "$messages")"
{
    echo "$table"
    echo
    echo "20 sessions, connections reused (-d), $messages messages per run x $rounds rounds; archive-tmpfs holds $archived files."
} | tee "$out/archive-results.md"
