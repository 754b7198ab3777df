#!/usr/bin/env bash
# Builds LOCAL STAND-INS for the base images that the project's Dockerfiles name in their FROM lines, so that the
# container test (scripts/container-test.sh) can build and run the real Dockerfiles where no registry is reachable:
#   docker.io/library/debian:bookworm-slim  Debian 12 from debootstrap --variant=minbase, with the mirror and the
#                                           settings this machine's apt uses
#   mcr.microsoft.com/dotnet/runtime:10.0   that Debian + this machine's .NET runtime, user "app" uid 1654, APP_UID
#   mcr.microsoft.com/dotnet/aspnet:10.0    that runtime + this machine's ASP.NET Core shared framework
#   mcr.microsoft.com/dotnet/sdk:10.0       that runtime + the rest of this machine's /usr/share/dotnet + its CA bundle
# THEY ARE STAND-INS FOR TESTS ONLY: never push them, never build a release on them. They are stored in podman's
# local storage under the real names (that is how FROM finds them with --pull=never), each labelled
# org.smtp-collector.stand-in with a key of its inputs; a stand-in whose inputs did not change is not rebuilt.
# Installs podman, podman-compose, debootstrap, runc, netavark and aardvark-dns with apt-get when they are missing.
# Podman's settings come from tests/containers/containers.conf (CONTAINERS_CONF), not the machine's /etc.
# Options: --force rebuilds all three.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export CONTAINERS_CONF="$repo/tests/containers/containers.conf"
force=false
[ "${1:-}" != "--force" ] || force=true

say() { echo "container-images: $*"; }

need=()
for tool in podman podman-compose debootstrap runc; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/lib/podman/netavark ] || need+=(netavark)
[ -x /usr/lib/podman/aardvark-dns ] || need+=(aardvark-dns)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ "$(id -u)" -eq 0 ] || { say "run as root: the stand-ins go into root's podman storage, as the test uses it" >&2; exit 2; }

label=org.smtp-collector.stand-in
# The key an image was built with ("" when there is no such image).
built_key() { podman image inspect --format "{{index .Labels \"$label\"}}" "$1" 2>/dev/null || true; }
key_of() { sha256sum | cut -c1-64; }

# --- Debian ---------------------------------------------------------------------------------------------------
debian=docker.io/library/debian:bookworm-slim
suite=bookworm
# The mirror apt uses: the first Debian archive (not -security) in the machine's sources.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\?[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)\/\?[[:space:]]\+'"$suite"'[[:space:]].*/\2/p' \
    /etc/apt/sources.list 2>/dev/null | head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
# apt's settings in the image: the machine's Debian sources, and its Acquire:: settings for them (validity checks of
# a snapshot mirror, a proxy), so that apt-get in the project's Dockerfiles reaches what the machine reaches.
sources=$(for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  case $f in
    *.sources) grep -q '/debian' "$f" && cat "$f" ;;
    *) grep -E '^deb[[:space:]].*/debian(-security)?/?[[:space:]]' "$f" || true ;;
  esac
done)
acquire=$(apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy|Retries) ' || true)
debian_key=$(printf 'debian v1\n%s\n%s\n%s\n%s\n' "$suite" "$mirror" "$sources" "$acquire" | key_of)
if ! $force && [ "$(built_key "$debian")" = "$debian_key" ]; then
  say "$debian: stand-in up to date"
else
  say "$debian: building the STAND-IN (debootstrap --variant=minbase $suite $mirror)"
  old_debian=$(podman image inspect --format '{{.Id}}' "$debian" 2>/dev/null || true)
  rootfs=$(mktemp -d /var/tmp/smtp-collector-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" > "$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; say "debootstrap failed" >&2; exit 1; }
  rm -f "$rootfs.log"
  rm -f "$rootfs/etc/apt/sources.list"
  if [[ $sources == *Types:* ]]; then
    printf '%s\n' "$sources" > "$rootfs/etc/apt/sources.list.d/debian.sources"
  else
    printf '%s\n' "${sources:-deb $mirror $suite main}" > "$rootfs/etc/apt/sources.list"
  fi
  [ -z "$acquire" ] || printf '%s\n' "$acquire" > "$rootfs/etc/apt/apt.conf.d/90stand-in-host"
  # As slim as the real one: no package lists, no caches, no docs.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
  tar --numeric-owner -C "$rootfs" -c . |
    podman import --quiet --change 'CMD ["bash"]' --change "LABEL $label=$debian_key" - "$debian" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  [ -z "$old_debian" ] || podman rmi "$old_debian" >/dev/null 2>&1 || true
  say "$debian: built"
fi

# --- .NET SDK and runtime ---------------------------------------------------------------------------------------
dotnet_root=/usr/share/dotnet
[ -x "$dotnet_root/dotnet" ] || { say "no .NET at $dotnet_root" >&2; exit 2; }
versions=$(cd "$dotnet_root" && ls -d sdk/* shared/*/* host/fxr/* 2>/dev/null)
ca_bundle=/etc/ssl/certs/ca-certificates.crt
revocation=${NUGET_CERT_REVOCATION_MODE:-online}

build_dotnet() { # name containerfile base-image extra-key-input
  local name=$1 file=$2 key context old_id
  key=$(printf '%s\n%s\n%s\n%s\n%s\n' "$(podman image inspect --format '{{.Id}}' "$3")" "$(cat "$file")" "$versions" \
    "$4" "$revocation" | key_of)
  if ! $force && [ "$(built_key "$name")" = "$key" ]; then
    say "$name: stand-in up to date"
    return
  fi
  say "$name: building the STAND-IN from this machine's $dotnet_root"
  old_id=$(podman image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  context=$(mktemp -d /var/tmp/smtp-collector-standin.XXXXXX)
  cp "$ca_bundle" "$context/ca-certificates.crt"
  if ! podman build --pull=never --format docker --label "$label=$key" -v "$dotnet_root:/mnt/dotnet:ro" \
    --build-arg "NUGET_CERT_REVOCATION_MODE=$revocation" -f "$file" -t "$name" "$context" > "$context.log" 2>&1; then
    tail -n 30 "$context.log" >&2
    rm -rf "$context" "$context.log"
    say "$name: build failed" >&2
    exit 1
  fi
  rm -rf "$context" "$context.log"
  # The replaced stand-in, unless images still use it (podman image prune would also drop every build's layer cache).
  [ -z "$old_id" ] || podman rmi "$old_id" >/dev/null 2>&1 || true
  say "$name: built"
}
build_dotnet mcr.microsoft.com/dotnet/runtime:10.0 tests/containers/standins/runtime.Containerfile "$debian" ""
build_dotnet mcr.microsoft.com/dotnet/aspnet:10.0 tests/containers/standins/aspnet.Containerfile mcr.microsoft.com/dotnet/runtime:10.0 ""
build_dotnet mcr.microsoft.com/dotnet/sdk:10.0 tests/containers/standins/sdk.Containerfile \
  mcr.microsoft.com/dotnet/runtime:10.0 "$(sha256sum < "$ca_bundle")"
say "stand-ins ready (for tests only): $debian mcr.microsoft.com/dotnet/sdk:10.0 mcr.microsoft.com/dotnet/runtime:10.0 mcr.microsoft.com/dotnet/aspnet:10.0"
