#!/usr/bin/env bash
# Lints what the tests do not run: docker-compose.yml (resolved with .env.example, as a fresh deployment would, and
# with the container test's override), every shell script, and the Dockerfiles with hadolint where it is installed
# (Debian 12 does not package it). Installs docker-compose and shellcheck with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --env-file instead of copying .env.example to .env: nothing is left behind, and a developer's own .env is not
# what gets checked.
docker-compose --env-file .env.example -f docker-compose.yml config -q
docker-compose --env-file .env.example -f docker-compose.yml -f tests/containers/compose.test.yml config -q
docker-compose --env-file .env.example -f docker-compose.yml --profile monitoring config -q
docker-compose --env-file .env.example -f docker-compose.yml -f docker-compose.cluster.yml config -q
echo "lint: docker-compose.yml ok (alone, with tests/containers/compose.test.yml, with the monitoring profile, and with docker-compose.cluster.yml)"

# Shell scripts by their first line too, so an extensionless one (postfix/entrypoint) is not missed.
scripts=()
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue
  case $file in
    *.sh) scripts+=("$file") ;;
    *) head -n 1 "$file" | grep -qE '^#!.*\b(ba|da)?sh\b' && scripts+=("$file") ;;
  esac
done < <(git ls-files -z --cached --others --exclude-standard)
shellcheck "${scripts[@]}"
echo "lint: shellcheck ok on ${#scripts[@]} scripts"

dockerfiles=(Dockerfile postfix/Dockerfile tests/containers/broker/Containerfile tests/containers/standins/*.Containerfile)
if command -v hadolint >/dev/null 2>&1; then
  hadolint "${dockerfiles[@]}"
  echo "lint: hadolint ok on ${#dockerfiles[@]} Dockerfiles"
else
  echo "lint: hadolint is not installed (Debian 12 has no package): the Dockerfiles are checked by building them" \
    "(scripts/container-test.sh)"
fi
