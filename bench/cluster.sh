#!/usr/bin/env bash
# What a cluster costs (README "Cluster"): collector CPU per message with 1, 2 and 3 nodes, each with its own broker
# link, all driven at once (smtp-source -L -d per node, the sessions split between them); and the cross-node hop: two
# nodes, node 1's broker address dead, so everything node 1 takes is published by node 0, beside node 0 taking the same
# load itself. CPU is summed over every node's process. Prints markdown tables (medians of the rounds) and writes them to
# bench/out/cluster-results.md. See bench/README.md.
#
# Environment:
#   BENCH_MESSAGES   messages per timed run (default 1500)
#   BENCH_WARMUP     messages of each size to warm up each node with (default 1500)
#   BENCH_ROUNDS     rounds; the tables have the medians (default 3)
#   BENCH_NO_BUILD=1 use what is in bench/out
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
messages="${BENCH_MESSAGES:-1500}"
warmup="${BENCH_WARMUP:-1500}"
rounds="${BENCH_ROUNDS:-3}"
sessions=20
smtp_source=/usr/sbin/smtp-source
for tool in "$smtp_source" dotnet python3 timeout; do
    command -v "$tool" >/dev/null || { echo "cluster.sh: $tool not found" >&2; exit 1; }
done

work="$(mktemp -d /dev/shm/smtp-collector-cluster-bench.XXXXXX)"
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() { stop_all; kill "$broker_pid" 2>/dev/null || true; rm -rf "$work"; }
broker_pid=""
trap cleanup EXIT

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
    dotnet build "$root/tests/TestBroker" -c Release --nologo -v quiet -o "$out/broker" >&2
fi

free_ports() { python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))' "$1"; }

read -r broker_port dead_port < <(free_ports 2)
dotnet "$out/broker/SmtpCollector.TestBroker.dll" --port "$broker_port" \
    --user "writer:secret:spam.mails,writer.confirm:writer.confirm" --user "reader:reader-secret::spam.mails" \
    --drain "reader:reader-secret:spam.mails" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 300); do grep -q "broker listening" "$work/broker.log" && break; sleep 0.1; done
for port in "$broker_port" "$dead_port"; do
    printf 'broker: 127.0.0.1\nport: %s\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nspool_directory: %s\nmax_backoff_seconds: 1\n' \
        "$port" "$work/spool" >"$work/feed-$port.yml"
done

lmtp_ports=()
node_pids=()
# start_cluster N DEAD [PLAIN]: N nodes (0: one with no cluster section at all), node 1's broker address dead when DEAD=1;
# PLAIN=1: N independent collectors with no cluster section, to tell the cluster's cost from that of N processes.
start_cluster() {
    local n=$1 dead=$2 plain=${3:-0} count i
    count=$(( n == 0 ? 1 : n ))
    (( plain == 1 )) && n=0
    read -r -a lmtp_ports < <(free_ports "$count")
    read -r -a remoting < <(free_ports "$count")
    node_pids=()
    for i in $(seq 0 $((count - 1))); do
        local feed="$work/feed-$broker_port.yml"
        [[ $dead == 1 && $i == 1 ]] && feed="$work/feed-$dead_port.yml"
        if (( n == 0 )); then
            : >"$work/node-$i.yml"
        else
            printf 'cluster:\n  host: 127.0.0.1\n  port: %s\n  seed_nodes: ["127.0.0.1:%s"]\n' "${remoting[$i]}" "${remoting[0]}" >"$work/node-$i.yml"
        fi
        dotnet "$out/smtp-collector.dll" lmtp --listen "127.0.0.1:${lmtp_ports[$i]}" --http none --config "$work/node-$i.yml" \
            --feed-config "$feed" >"$work/node-$i.log" 2>&1 &
        pids+=("$!")
        node_pids+=("$!")
    done
    for i in $(seq 0 $((count - 1))); do
        local want="LMTP listening"
        (( n > 1 )) && want="connected peers: $((dead == 1 && i != 1 ? 0 : n - 1)) "
        (( n > 1 && dead == 1 && i == 0 )) && want="local link up, connected peers: 0 "
        (( n > 1 && dead == 1 && i == 1 )) && want="local link down, connected peers: 1 "
        for _ in $(seq 600); do grep -q "$want" "$work/node-$i.log" && continue 2; sleep 0.1; done
        echo "cluster.sh: node $i never said '$want'" >&2; cat "$work/node-$i.log" >&2; exit 1
    done
}

# measure SIZE COUNT PORT...: "seconds cores", the wall time and every node's CPU (in cores) while smtp-source runs
# against each PORT at once, with the sessions and messages split between them.
measure() {
    python3 -c '
import os, subprocess, sys, time
hz = os.sysconf("SC_CLK_TCK")
def cpu(pids):
    total = 0
    for pid in pids:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += int(f[11]) + int(f[12])
    return total / hz
size, count, sessions, source, pids, ports = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5].split(), sys.argv[6:]
c0, t0 = cpu(pids), time.monotonic()
runs = [subprocess.Popen(["timeout", "300", source, "-L", "-d", "-s", str(sessions // len(ports)), "-l", size, "-m", str(count // len(ports)),
    "-r", "1", "-f", "from@bench.example", "-t", "to@trap.example", f"127.0.0.1:{port}"]) for port in ports]
codes = [r.wait() for r in runs]
t = time.monotonic() - t0
print(f"{t:.3f} {(cpu(pids) - c0) / t:.2f}")
sys.exit(max(codes))' "$1" "$2" "$sessions" "$smtp_source" "${node_pids[*]}" "${@:3}"
}

: >"$work/runs.txt"
# run NAME PORT...: warm-up, then the rounds, at 5 KB and 100 KB.
run() {
    local name=$1 size round secs cores
    shift
    # Every node warms up on as many messages as a lone one does: split between three, 2,000 left the nodes still
    # compiling their hot paths (tiered JIT) in the first timed round, which then cost up to three times the next ones.
    for size in 5120 102400; do measure "$size" "$((warmup * $#))" "$@" >/dev/null; done
    for round in $(seq "$rounds"); do
        for size in 5120 102400; do
            read -r secs cores <<<"$(measure "$size" "$messages" "$@")"
            echo "== round $round: $name $size B: $secs s, $cores cores" >&2
            echo "$name $size $secs $cores" >>"$work/runs.txt"
        done
    done
}

start_cluster 0 0; run single "${lmtp_ports[0]}"; stop_all
start_cluster 1 0; run nodes-1 "${lmtp_ports[0]}"; stop_all
start_cluster 2 0; run nodes-2 "${lmtp_ports[@]}"; stop_all
start_cluster 3 0; run nodes-3 "${lmtp_ports[@]}"; stop_all
start_cluster 3 0 1; run singles-3 "${lmtp_ports[@]}"; stop_all
start_cluster 2 1; run hop-local "${lmtp_ports[0]}"; run hop-remote "${lmtp_ports[1]}"; stop_all

table="$(python3 -c '
import statistics, sys
n = int(sys.argv[2])
runs = {}
for line in open(sys.argv[1]):
    name, size, secs, cores = line.split()
    runs.setdefault((int(size), name), []).append((n / float(secs), float(cores) * float(secs) / n * 1e6))
def row(size, name, base):
    rate = statistics.median(r[0] for r in runs[(size, name)])
    cpu = statistics.median(r[1] for r in runs[(size, name)])
    base_cpu = statistics.median(r[1] for r in runs[(size, base)])
    print(f"| {size // 1024} KB | {name} | {rate:.0f} | {cpu:.0f} | {cpu / base_cpu - 1:+.0%} |")
print("| size | setup | msg/s (median) | CPU per message, all nodes (us, median) | vs nodes-1 |")
print("|---:|---|---:|---:|---:|")
for size in (5120, 102400):
    for name in ("single", "nodes-1", "nodes-2", "nodes-3", "singles-3"):
        row(size, name, "nodes-1")
print()
print("| size | setup | msg/s (median) | CPU per message, both nodes (us, median) | vs hop-local |")
print("|---:|---|---:|---:|---:|")
for size in (5120, 102400):
    for name in ("hop-local", "hop-remote"):
        row(size, name, "hop-local")
' "$work/runs.txt" "$messages")"
{
    echo "$table"
    echo
    echo "$sessions sessions split between the nodes driven, connections reused (-d), $messages messages per run x $rounds rounds."
} | tee "$out/cluster-results.md"
