#!/usr/bin/env bash
# Throughput benchmark: smtp-collector (LMTP, json lines sink on tmpfs) against Postfix's smtp-sink, both driven by
# smtp-source over loopback. Prints a markdown table and writes it to bench/out/results.md. See bench/README.md.
#
# Environment:
#   BENCH_MESSAGES_SMALL  messages per 5 KB run   (default 3000)
#   BENCH_MESSAGES_LARGE  messages per 100 KB run (default 2000)
#   BENCH_ROUNDS          rounds of all runs; the table has the medians (default 3)
#   BENCH_WARMUP          messages of each size in the warm-up against the collector (default 8000)
#   BENCH_TIMEOUT         seconds any single smtp-source run may take (default 120)
#   BENCH_NO_BUILD=1      skip `dotnet publish` (use what is in bench/out)
#   BENCH_FEED=0          skip the hpfeeds rows (the collector publishing to the in-repo test broker, a subscriber draining)
# Every combination runs twice: one connection per message (smtp-source's default) and connections reused for many
# messages (smtp-source -d), which is what Postfix's LMTP connection cache does.
# Any DOTNET_* variable set by the caller (DOTNET_gcServer, DOTNET_TieredPGO, ...) reaches the collector.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
small="${BENCH_MESSAGES_SMALL:-3000}"
large="${BENCH_MESSAGES_LARGE:-2000}"
warmup="${BENCH_WARMUP:-8000}"
rounds="${BENCH_ROUNDS:-3}"
run_timeout="${BENCH_TIMEOUT:-120}"
smtp_source=/usr/sbin/smtp-source
smtp_sink=/usr/sbin/smtp-sink

for tool in "$smtp_source" "$smtp_sink" dotnet python3 timeout; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 1; }
done

work="$(mktemp -d /dev/shm/smtp-collector-bench.XXXXXX)"
collector_pid=""
sink_pid=""
broker_pid=""
feed_pids=()
declare -A pid_of=()

cleanup() {
    local pid
    for pid in "$collector_pid" "$sink_pid" "$broker_pid" "${feed_pids[@]}"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            # Bounded wait: the collector drains gracefully, smtp-sink exits at once.
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ -f "$work/collector.log" && -d "$out" ]]; then
        cp "$work/collector.log" "$out/collector.log" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "== dotnet publish src/Host -c Release -o bench/out" >&2
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
fi
[[ -f "$out/smtp-collector.dll" ]] || { echo "run.sh: $out/smtp-collector.dll missing" >&2; exit 1; }

# Two distinct free loopback ports (both held while picking, so they differ).
read -r collector_port sink_port < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

# Started directly (bash forks and execs dotnet), so $! is the dotnet process whose /proc status we read.
dotnet "$out/smtp-collector.dll" lmtp --http none --listen "127.0.0.1:$collector_port" --sink "file:$work/messages.jsonl" \
    >"$work/collector.log" 2>&1 &
collector_pid=$!
"$smtp_sink" -L -u nobody "127.0.0.1:$sink_port" 256 >"$work/sink.log" 2>&1 &
sink_pid=$!
pid_of[$collector_port]=$collector_pid
pid_of[$sink_port]=$sink_pid

ready=""
for _ in $(seq 300); do
    kill -0 "$collector_pid" 2>/dev/null || break
    if grep -q "LMTP listening on 127.0.0.1:$collector_port" "$work/collector.log"; then ready=1; break; fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "run.sh: the collector did not start listening within 30 s:" >&2
    cat "$work/collector.log" >&2
    exit 1
fi
if [[ "$(cat "/proc/$collector_pid/comm")" != dotnet ]]; then
    echo "run.sh: pid $collector_pid is not the dotnet process" >&2
    exit 1
fi
ready=""
for _ in $(seq 100); do
    kill -0 "$sink_pid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$sink_port") 2>/dev/null; then ready=1; break; fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "run.sh: smtp-sink did not start listening within 10 s:" >&2
    cat "$work/sink.log" >&2
    exit 1
fi

# measure PORT SESSIONS SIZE MESSAGES [-d]: runs smtp-source against PORT and prints "elapsed server_cores foreign_cores
# peak_mb": the wall time on a monotonic clock, the CPU the server on PORT used (in cores), the CPU that processes other
# than the servers and smtp-source used meanwhile (other tenants of the machine make the figures noisy), and the
# server's peak resident memory during this run alone (VmHWM, reset before it through /proc/PID/clear_refs).
measure() {
    local server=${pid_of[$1]} others=()
    local pid
    for pid in "${pid_of[@]}"; do [[ "$pid" != "$server" ]] && others+=("$pid"); done
    python3 -c '
import os, resource, subprocess, sys, time
hz = os.sysconf("SC_CLK_TCK")
def proc_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz
def busy():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / hz
def hwm_kb(pid):
    return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM:"))
server, others = sys.argv[1], [p for p in sys.argv[2].split(",") if p]
with open(f"/proc/{server}/clear_refs", "w") as f:
    f.write("5")
s0, o0, b0 = proc_cpu(server), sum(proc_cpu(p) for p in others), busy()
start = time.monotonic()
code = subprocess.run(sys.argv[3:]).returncode
elapsed = time.monotonic() - start
s1, o1, b1 = proc_cpu(server), sum(proc_cpu(p) for p in others), busy()
children = resource.getrusage(resource.RUSAGE_CHILDREN)
foreign = (b1 - b0) - (s1 - s0) - (o1 - o0) - (children.ru_utime + children.ru_stime)
print(f"{elapsed:.3f} {(s1 - s0) / elapsed:.2f} {max(foreign, 0) / elapsed:.2f} {hwm_kb(server) / 1024:.1f}")
sys.exit(code)' "$server" "$(IFS=,; echo "${others[*]}")" timeout "$run_timeout" "$smtp_source" -L ${5:+"$5"} -s "$2" -l "$3" -m "$4" -r 1 \
        -f from@bench.example -t to@trap.example "127.0.0.1:$1"
}

# The tiered JIT keeps promoting methods for several thousand messages (Akka, Akka.Streams, sockets), and with dynamic
# PGO (the runtime's default) the first ones run instrumented code: rounds of 2,000 messages of 100 KB, 20 sessions,
# one connection each, cost 1,350-1,535 us of collector CPU per message at first, 770-885 us from about the 8,000th
# on (sixth session; with DOTNET_TieredPGO=0 a flat 850-900 us from the start). One warm-up phase through both message
# sizes, long enough for that, comes before anything is timed.
sent=0
echo "== warm-up: $warmup messages of 5 KB and $warmup of 100 KB, 20 sessions, against the collector" >&2
warmup_peaks=""
for size in 5120 102400; do
    read -r _ _ _ peak <<<"$(measure "$collector_port" 20 "$size" "$warmup")"
    warmup_peaks+=" $peak"
done
sent=$((sent + 2 * warmup))
sleep 2

# Rounds interleave the collector and smtp-sink runs of every combination; the table gives the median of the rounds.
: >"$work/runs.txt"
for round in $(seq "$rounds"); do
    for size in 5120 102400; do
        messages="$small"
        if [[ "$size" == 102400 ]]; then messages="$large"; fi
        for sessions in 1 20; do
          for reuse in "" -d; do
            result="$(measure "$collector_port" "$sessions" "$size" "$messages" "$reuse")"
            read -r c_secs c_cpu c_foreign c_peak <<<"$result"
            sent=$((sent + messages))
            result="$(measure "$sink_port" "$sessions" "$size" "$messages" "$reuse")"
            read -r s_secs s_cpu s_foreign _ <<<"$result"
            printf "== round %d: %6d B, %2d sessions, %d messages %s: collector %6.3fs (%s cores, others %s, peak %s MB), smtp-sink %6.3fs (%s cores, others %s)\n" \
                "$round" "$size" "$sessions" "$messages" "${reuse:-new}" "$c_secs" "$c_cpu" "$c_foreign" "$c_peak" "$s_secs" "$s_cpu" "$s_foreign" >&2
            echo "$size $sessions ${reuse:-new} $messages $c_secs $c_cpu $c_foreign $s_secs $s_foreign $c_peak" >>"$work/runs.txt"
          done
        done
    done
done

table="$(python3 -c '
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    size, sessions, reuse, n, c_secs, c_cpu, c_foreign, s_secs, s_foreign, c_peak = line.split()
    rows.setdefault((int(size), int(sessions), reuse, int(n)), []).append(
        (int(n) / float(c_secs), float(c_cpu), int(n) / float(s_secs), float(c_foreign), float(s_foreign), float(c_peak)))
print("| size | sessions | connections | messages | collector msg/s | smtp-sink msg/s | ratio | collector CPU (cores) | collector peak RSS (MB) |")
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
foreign = []
for (size, sessions, reuse, n), runs in rows.items():
    med = [statistics.median(r[i] for r in runs) for i in range(3)]
    foreign += [r[3] for r in runs] + [r[4] for r in runs]
    mode = "one per message" if reuse == "new" else "reused (-d)"
    peak = max(r[5] for r in runs)
    print(f"| {size // 1024} KB | {sessions} | {mode} | {n} x {len(runs)} | {med[0]:.0f} | {med[2]:.0f} | {med[0] / med[2]:.2f} | {med[1]:.2f} | {peak:.1f} |")
print()
print(f"Other processes on the machine during the timed runs: {statistics.mean(foreign):.2f} cores on average, {max(foreign):.2f} at most.")
' "$work/runs.txt")"

# The largest of the per-run peaks, warm-up included: the peak over the whole run.
peak="$(python3 -c 'import sys; print(max(float(x) for x in sys.argv[1].split() + [l.split()[-1] for l in open(sys.argv[2])]))' "$warmup_peaks" "$work/runs.txt")"
stored="$(wc -l <"$work/messages.jsonl")"

{
    echo "$table"
    echo
    echo "Collector peak RSS (VmHWM): $peak MB"
    echo
    echo "Sink file lines: $stored (messages sent to the collector, warm-up included: $sent)"
} | tee "$out/results.md"

# hpfeeds: the same load through the publisher to the in-repo test broker (tests/TestBroker), one subscriber draining,
# without and with confirmation, beside the file sink and smtp-sink in the same run (20 sessions, median of the rounds).
if [[ "${BENCH_FEED:-1}" != 0 ]]; then
    dotnet build "$root/tests/TestBroker" -c Release --nologo -v quiet -o "$out/broker" >&2
    read -r broker_port feed_port confirm_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
    dotnet "$out/broker/SmtpCollector.TestBroker.dll" --port "$broker_port" \
        --user "writer:secret:spam.mails,writer.confirm:writer.confirm" --user "reader:reader-secret::spam.mails" \
        --drain "reader:reader-secret:spam.mails" >"$work/broker.log" 2>&1 &
    broker_pid=$!
    pid_of[$broker_port]=$broker_pid
    for _ in $(seq 300); do grep -q "broker listening" "$work/broker.log" && break; sleep 0.1; done
    feed_pids=()
    for mode in plain confirm; do
        port=$feed_port; confirm=false
        if [[ "$mode" == confirm ]]; then port=$confirm_port; confirm=true; fi
        printf 'broker: 127.0.0.1\nport: %s\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nconfirm: %s\nspool_directory: %s\n' \
            "$broker_port" "$confirm" "$work/spool-$mode" >"$work/feed-$mode.yml"
        dotnet "$out/smtp-collector.dll" lmtp --http none --listen "127.0.0.1:$port" --feed-config "$work/feed-$mode.yml" >"$work/collector-$mode.log" 2>&1 &
        feed_pids+=("$!")
        pid_of[$port]=$!
        for _ in $(seq 300); do grep -q "LMTP listening" "$work/collector-$mode.log" && break; sleep 0.1; done
        # The publisher takes messages once the connection has settled (auth_settle_seconds).
        measure "$port" 20 5120 500 -d >/dev/null
        measure "$port" 20 102400 500 -d >/dev/null
    done
    : >"$work/feed.txt"
    for round in $(seq "$rounds"); do
        for size in 5120 102400; do
            messages="$small"
            if [[ "$size" == 102400 ]]; then messages="$large"; fi
            for reuse in "" -d; do
                line="$size ${reuse:-new}"
                for port in "$collector_port" "$feed_port" "$confirm_port" "$sink_port"; do
                    read -r secs _ _ peak <<<"$(measure "$port" 20 "$size" "$messages" "$reuse")"
                    if [[ "$port" == "$collector_port" ]]; then sent=$((sent + messages)); fi
                    line+=" $(awk -v n="$messages" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')"
                    if [[ "$port" == "$feed_port" ]]; then feed_peak=$peak; fi
                    if [[ "$port" == "$confirm_port" ]]; then confirm_peak=$peak; fi
                done
                line+=" $feed_peak $confirm_peak"
                echo "== feed round $round: $line" >&2
                echo "$line" >>"$work/feed.txt"
            done
        done
    done
    feed_table="$(python3 -c '
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    size, reuse, *rates = line.split()
    rows.setdefault((int(size), reuse), []).append([float(r) for r in rates])
print("| size | connections | file sink msg/s | hpfeeds msg/s | hpfeeds + confirm msg/s | smtp-sink msg/s | hpfeeds / file | confirm / file | hpfeeds / smtp-sink | peak RSS hpfeeds / confirm (MB) |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for (size, reuse), runs in rows.items():
    f, h, c, s = (statistics.median(r[i] for r in runs) for i in range(4))
    hp, cp = (max(r[i] for r in runs) for i in (4, 5))
    mode = "one per message" if reuse == "new" else "reused (-d)"
    print(f"| {size // 1024} KB | {mode} | {f:.0f} | {h:.0f} | {c:.0f} | {s:.0f} | {h / f:.2f} | {c / f:.2f} | {h / s:.2f} | {hp:.0f} / {cp:.0f} |")
' "$work/feed.txt")"
    peaks="$(python3 -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
print(" ".join(f"{max(float(r[i]) for r in rows):.1f} MB" for i in (-2, -1)))' "$work/feed.txt")"
    for pid in "${feed_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    kill "$broker_pid" 2>/dev/null || true
    {
        echo
        echo "hpfeeds (20 sessions; test broker with one subscriber draining):"
        echo
        echo "$feed_table"
        echo
        echo "Publishing collectors' peak RSS over the timed runs (VmHWM), without and with confirm: $peaks"
    } | tee -a "$out/results.md"
fi

stored="$(wc -l <"$work/messages.jsonl")"
if [[ "$stored" != "$sent" ]]; then
    echo "run.sh: the sink file has $stored lines, expected $sent" >&2
    exit 1
fi
