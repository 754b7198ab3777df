#!/usr/bin/env bash
# Flood benchmark: the published collector (bench/out, file sink on /dev/shm) under connection floods, slow clients, a
# client pipelining without reading and a memory flood, while a probe client runs one full transaction every 200 ms.
# Writes the table to bench/flood-results.md. The driver is bench/Flood (see bench/README.md, "Floods").
#
# Environment:
#   FLOOD_SECONDS     how long each load lasts (default 30)
#   FLOOD_ONLY        run one scenario only: idle-2000-raised, idle-2000-default, slow-50, pipeline-100k, pipeline-1m,
#                     size-limit-200
#   BENCH_NO_BUILD=1  skip `dotnet publish` (use what is in bench/out)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
seconds="${FLOOD_SECONDS:-30}"
only="${FLOOD_ONLY:-}"

# 2,000 idle connections are 2,000 sockets in the collector and 2,000 in the driver, each process with its own limit.
need=4500
limit="$(ulimit -n)"
if [[ "$limit" != unlimited && "$limit" -lt "$need" ]]; then
    ulimit -n "$need" 2>/dev/null || { echo "flood.sh: ulimit -n is $limit and cannot be raised to $need (hard limit $(ulimit -Hn))" >&2; exit 1; }
fi
echo "== ulimit -n: $(ulimit -n) (soft), $(ulimit -Hn) (hard)" >&2

work="$(mktemp -d /dev/shm/smtp-collector-flood.XXXXXX)"
cleanup() {
    if [[ -d "$out" ]]; then
        cp "$work"/*.log "$out/" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "== dotnet publish src/Host -c Release -o bench/out" >&2
    dotnet publish "$root/src/Host" -c Release -o "$out" --nologo -v quiet >&2
fi
[[ -f "$out/smtp-collector.dll" ]] || { echo "flood.sh: $out/smtp-collector.dll missing" >&2; exit 1; }

command="bash bench/flood.sh"
if [[ "$seconds" != 30 ]]; then command="FLOOD_SECONDS=$seconds $command"; fi
if [[ -n "$only" ]]; then command="FLOOD_ONLY=$only $command"; fi

args=(--collector "$out/smtp-collector.dll" --work "$work" --out "$root/bench/flood-results.md" --command "$command" --seconds "$seconds")
if [[ -n "$only" ]]; then args+=(--only "$only"); fi
dotnet run --project "$root/bench/Flood" -c Release -- "${args[@]}"
