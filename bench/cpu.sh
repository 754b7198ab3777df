#!/usr/bin/env bash
# Collector CPU and context switches per message, for comparing two builds on a busy machine (where rates and ratios
# against smtp-sink are noise, CPU time spent per message mostly is not). Usage:
#   bash bench/cpu.sh [PUBLISHED_DIR]     (default: publishes src/Host to bench/out-cpu)
# Starts the collector (json lines sink on tmpfs), warms it up (BENCH_WARMUP messages of each size, default 8000: the
# JIT's dynamic PGO), then for 5 KB and 100 KB, 20 sessions, one connection per message and reused connections (-d),
# sends BENCH_MESSAGES (default 3000) with smtp-source and prints the collector's CPU (user+system, from /proc) and its
# threads' context switches (voluntary+involuntary) per message.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/bench/out-cpu}"
messages="${BENCH_MESSAGES:-3000}"
warmup="${BENCH_WARMUP:-8000}"
smtp_source=/usr/sbin/smtp-source
if [[ $# -eq 0 ]]; then
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
fi
work="$(mktemp -d /dev/shm/smtp-collector-cpu.XXXXXX)"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
dotnet "$out/smtp-collector.dll" lmtp --http none --listen "127.0.0.1:$port" --sink "file:$work/messages.jsonl" >"$work/collector.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
    grep -q "LMTP listening on" "$work/collector.log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/collector.log" >&2; exit 1; }
    sleep 0.1
done
counters() {
    python3 - "$pid" <<'PY'
import os, sys, glob
pid = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")
f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
cpu = (int(f[11]) + int(f[12])) / hz
switches = 0
for status in glob.glob(f"/proc/{pid}/task/*/status"):
    try:
        for line in open(status):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    except FileNotFoundError:
        pass
print(cpu, switches)
PY
}
send() { timeout 300 "$smtp_source" -L ${4:+"$4"} -s 20 -l "$1" -m "$2" -r 1 -f from@bench.example -t to@trap.example "127.0.0.1:$port"; }
# BENCH_WARMUP=0: the cold figures, what a collector restarted by its container pays until the JIT has caught up.
[[ "$warmup" -eq 0 ]] || for size in 5120 102400; do send "$size" "$warmup"; done
echo "| size | connections | messages | collector CPU per message (us) | context switches per message |"
echo "|---|---|---:|---:|---:|"
for size in 5120 102400; do
    for mode in "" -d; do
        read -r cpu0 cs0 < <(counters)
        send "$size" "$messages" "$mode"
        read -r cpu1 cs1 < <(counters)
        python3 -c "import sys; c0,c1,s0,s1,n=map(float,sys.argv[1:6]); print(f'| {int(sys.argv[6])//1024} KB | {sys.argv[7]} | {int(n)} | {(c1-c0)/n*1e6:.0f} | {(s1-s0)/n:.1f} |')" \
            "$cpu0" "$cpu1" "$cs0" "$cs1" "$messages" "$size" "$([[ -n $mode ]] && echo reused || echo "one per message")"
    done
done
