#!/usr/bin/env bash
# End-to-end throughput: smtp-source -> Postfix (the project's postfix/ templates) -> the collector over LMTP -> the
# in-repo test broker (one subscriber draining), against the same load into a second Postfix, rendered from the same
# templates, whose LMTP destination is smtp-sink -L (a discard server: the ceiling). Rounds interleave the two; the
# table gives medians. A run's rate is messages / (first SMTP connection .. last "status=sent" in Postfix's log).
# Needs root (Postfix's master), postfix, python3. See bench/README.md.
#
# Environment:
#   BENCH_E2E_MESSAGES  messages per run (default 3000)
#   BENCH_E2E_SIZE      message size in bytes (default 5120)
#   BENCH_E2E_SESSIONS  parallel smtp-source sessions (default 20)
#   BENCH_ROUNDS        rounds (default 3)
#   BENCH_E2E_WARMUP_CONNECTIONS  LMTP connections made straight to the collector, twice, before the runs (default 1000)
#   BENCH_CONFIRM       true: the collector waits for the broker's confirmation marker (default false)
#   BENCH_NO_BUILD=1    use what is in bench/out
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
messages="${BENCH_E2E_MESSAGES:-3000}"
size="${BENCH_E2E_SIZE:-5120}"
sessions="${BENCH_E2E_SESSIONS:-20}"
rounds="${BENCH_ROUNDS:-3}"
warmup_connections="${BENCH_E2E_WARMUP_CONNECTIONS:-1000}"
confirm="${BENCH_CONFIRM:-false}"
smtp_source=/usr/sbin/smtp-source
smtp_sink=/usr/sbin/smtp-sink

[[ "$(id -u)" == 0 ]] || { echo "e2e.sh: Postfix's master needs root" >&2; exit 1; }
for tool in "$smtp_source" "$smtp_sink" postfix dotnet python3 timeout; do
    command -v "$tool" >/dev/null || { echo "e2e.sh: $tool not found" >&2; exit 1; }
done

# Queues on tmpfs for both instances: the disk is the same for both and would only hide the collector's share.
work="$(mktemp -d /dev/shm/smtp-collector-e2e.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
    local pid
    for instance in collector sink; do
        if [[ -d "$work/$instance/etc" ]]; then postfix -c "$work/$instance/etc" stop >/dev/null 2>&1 || true; fi
    done
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "== dotnet publish src/Host and build tests/TestBroker (Release) into bench/out" >&2
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
    dotnet build "$root/tests/TestBroker" -c Release --nologo -v quiet -o "$out/broker" >&2
fi

read -r broker_port lmtp_port sink_port smtp_a smtp_b < <(python3 -c '
import socket
s = [socket.socket() for _ in range(5)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

wait_for() { # FILE PATTERN WHAT
    for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "e2e.sh: $3 did not start:" >&2; cat "$1" >&2; exit 1
}

dotnet "$out/broker/SmtpCollector.TestBroker.dll" --port "$broker_port" \
    --user "writer:secret:spam.mails,writer.confirm:writer.confirm" --user "reader:reader-secret::spam.mails" \
    --drain "reader:reader-secret:spam.mails" >"$work/broker.log" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
wait_for "$work/broker.log" "broker listening" "the test broker"

echo "trap.example" >"$work/domains"
printf 'domains_file: %s\n' "$work/domains" >"$work/collector.yml"
printf 'broker: 127.0.0.1\nport: %s\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nconfirm: %s\nspool_directory: %s\n' \
    "$broker_port" "$confirm" "$work/spool" >"$work/feed.yml"
dotnet "$out/smtp-collector.dll" lmtp --http none --config "$work/collector.yml" --listen "127.0.0.1:$lmtp_port" \
    --feed-config "$work/feed.yml" >"$work/collector.log" 2>&1 &
collector_pid=$!
pids+=("$collector_pid")
wait_for "$work/collector.log" "LMTP listening" "the collector"

"$smtp_sink" -L -u nobody "127.0.0.1:$sink_port" 256 >"$work/sink.log" 2>&1 &
pids+=("$!")

start_postfix() { # NAME SMTP_PORT LMTP_PORT
    local dir="$work/$1"
    TRAP_DOMAINS_FILE="$work/domains" LMTP_DESTINATION="inet:127.0.0.1:$3" MYHOSTNAME="bench-$1.test" \
    SMTP_LISTEN="127.0.0.1:$2" INET_PROTOCOLS=ipv4 POSTFIX_CONFIG_DIR="$dir/etc" POSTFIX_QUEUE_DIR="$dir/queue" \
    POSTFIX_DATA_DIR="$dir/data" POSTFIX_LOG="$dir/maillog" sh "$root/postfix/configure" >/dev/null
    postfix -c "$dir/etc" check
    postfix -c "$dir/etc" start >/dev/null 2>&1
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0; sleep 0.1; done
    echo "e2e.sh: Postfix $1 did not start" >&2; cat "$dir/maillog" >&2; exit 1
}
start_postfix collector "$smtp_a" "$lmtp_port"
start_postfix sink "$smtp_b" "$sink_port"

# measure NAME SMTP_PORT COUNT: seconds from the first connection until Postfix has logged COUNT more deliveries.
measure() {
    local log="$work/$1/maillog"
    # The log is read from where it ended before the run, and only what is new on each look: reading it whole every
    # 20 ms took 4% of the machine (perf), while Postfix and the collector were draining the queue.
    python3 -c '
import subprocess, sys, time
log, target, port, sessions, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(log, "rb") as f:
    f.seek(0, 2)
    start = time.monotonic()
    subprocess.run(["timeout", "300", "/usr/sbin/smtp-source", "-s", sessions, "-l", size, "-m", str(target), "-r", "1",
                    "-f", "from@bench.example", "-t", "to@trap.example", "127.0.0.1:" + port], check=True)
    accepted = time.monotonic() - start
    sent, partial = 0, b""
    while True:
        lines = (partial + f.read()).split(b"\n")
        partial = lines.pop()
        sent += sum(1 for line in lines if b"status=sent" in line)
        if sent >= target:
            break
        if time.monotonic() - start > 600:
            sys.exit(f"only {sent} of {target} delivered")
        time.sleep(0.02)
print(f"{time.monotonic() - start:.3f} {accepted:.3f}")' "$log" "$3" "$2" "$sessions" "$size"
}

# The runtime compiles a method fully only after it has run some 60 times in two rounds of call counting, and counting
# starts only once it has gone 100 ms without compiling anything new. Postfix opens only its 20 or so LMTP connections in
# a run and reuses them, so with a warm-up of one run the code that sets up a connection was compiled fully in the middle
# of the measured runs: a third of the collector's CPU in the first of them (perf, .NET's tiered-compilation thread). A
# collector in service is past that within minutes. So first connections straight to the collector, one per message,
# twice with a pause between (the pause lets the counting start), so that the runs measure the steady state.
echo "== warm-up: 2 x $warmup_connections LMTP connections straight to the collector, then $messages messages through each Postfix" >&2
for pass in 1 2; do
    "$smtp_source" -L -s "$sessions" -m "$warmup_connections" -l "$size" -f from@bench.example -t to@trap.example "127.0.0.1:$lmtp_port"
    [[ "$pass" == 2 ]] || sleep 1
done
measure collector "$smtp_a" "$messages" >/dev/null
measure sink "$smtp_b" "$messages" >/dev/null

cpu_seconds() { # PID: user + system CPU seconds so far
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / hz }' "/proc/$1/stat"
}

: >"$work/runs.txt"
for round in $(seq "$rounds"); do
    c0="$(cpu_seconds "$collector_pid")"; b0="$(cpu_seconds "$broker_pid")"
    read -r c_secs c_acc <<<"$(measure collector "$smtp_a" "$messages")"
    c1="$(cpu_seconds "$collector_pid")"; b1="$(cpu_seconds "$broker_pid")"
    echo "== round $round: collector used $(awk -v a="$c0" -v b="$c1" -v t="$c_secs" 'BEGIN { printf "%.2f", (b - a) / t }') cores," \
        "the test broker and its subscriber $(awk -v a="$b0" -v b="$b1" -v t="$c_secs" 'BEGIN { printf "%.2f", (b - a) / t }') cores" >&2
    read -r s_secs s_acc <<<"$(measure sink "$smtp_b" "$messages")"
    echo "== round $round: collector ${c_secs}s (smtpd accepted in ${c_acc}s), smtp-sink ${s_secs}s (accepted in ${s_acc}s)" >&2
    echo "$c_secs $s_secs" >>"$work/runs.txt"
done

deferred="$(grep -c 'status=deferred' "$work/collector/maillog" || true)"
hwm="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$collector_pid/status")"
python3 -c '
import statistics, sys
runs = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
n = int(sys.argv[2])
c = statistics.median(n / r[0] for r in runs)
s = statistics.median(n / r[1] for r in runs)
print("| size | sessions | messages | Postfix -> collector -> broker msg/s | Postfix -> smtp-sink msg/s | ratio |")
print("|---:|---:|---:|---:|---:|---:|")
print(f"| {int(sys.argv[3]) // 1024} KB | {sys.argv[4]} | {n} x {len(runs)} | {c:.0f} | {s:.0f} | {c / s:.2f} |")
' "$work/runs.txt" "$messages" "$size" "$sessions" | tee "$out/e2e-results.md"
{
    echo
    echo "confirm: $confirm; deliveries Postfix deferred in the collector's runs: $deferred; collector peak RSS (VmHWM): $hwm MB"
} | tee -a "$out/e2e-results.md"
