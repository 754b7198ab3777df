#!/usr/bin/env bash
# Runs every test on a fresh Debian machine with the .NET SDK: installs the real mail tools the tests drive
# (Postfix itself for the end-to-end tests, its smtp-source/smtp-sink, swaks, Dovecot for the IMAP tests) when they are missing, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || need+=(postfix)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
# postfix/configure makes the front's self-signed STARTTLS certificate with it (the end-to-end tests run configure).
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The status page is tested in real headless Chromium (tests/Host.Tests/StatusPageTests.cs).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# promtool checks deploy/prometheus/alerts.yml (tests/Host.Tests/DashboardTests.cs); the Prometheus server it comes with
# is kept from starting (policy-rc.d) while it is installed.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# The IMAP tests start private Dovecot instances (their own config, base_dir and free loopback ports). Should the package
# start the system's Dovecot (143/993, /run/dovecot), the tests neither use it nor collide with it.
if [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/lib/dovecot/imap ]; then need+=(dovecot-imapd); fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # "No configuration" leaves the system's own Postfix unconfigured and stopped: the tests only use its tools.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi

dotnet restore SmtpCollector.slnx
dotnet test SmtpCollector.slnx --no-restore "$@"
