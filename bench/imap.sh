#!/usr/bin/env bash
# One pass of `smtp-collector imap -a` over a private Dovecot holding BENCH_IMAP_MESSAGES (default 10,000) corpus
# messages: messages per second fetched and stored (file sink) and the collector's peak RSS. Maildir, sink and state on
# tmpfs, so that the figure is the collector's and Dovecot's, not the disk's. Needs root, dovecot-imapd and python3.
# BENCH_NO_BUILD=1 uses the existing Release build of src/Host (and tests/TestBroker). BENCH_IMAP_FEED=1 publishes to the
# in-repo test broker (tests/TestBroker, confirm on, one subscriber draining) instead of the file sink.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
messages="${BENCH_IMAP_MESSAGES:-10000}"
corpus="${BENCH_CORPUS:-$root/../shared/corpus/messages}"
program="$root/src/Host/bin/Release/net10.0/smtp-collector.dll"
broker_program="$root/tests/TestBroker/bin/Release/net10.0/SmtpCollector.TestBroker.dll"
feed="${BENCH_IMAP_FEED:-0}"
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  dotnet build "$root/src/Host" -c Release --nologo -v quiet >&2
  [ "$feed" != 1 ] || dotnet build "$root/tests/TestBroker" -c Release --nologo -v quiet >&2
fi

d="$(mktemp -d /dev/shm/imap-bench.XXXXXX)"
chmod 755 "$d"
broker_pid=""
cleanup() {
  doveadm -c "$d/dovecot.conf" stop 2>/dev/null || true
  [ -z "$broker_pid" ] || kill "$broker_pid" 2>/dev/null || true
  rm -rf "$d"
}
trap cleanup EXIT
mkdir -p "$d/run" "$d/state" "$d/home/trap1/Maildir/"{tmp,new,cur}
echo 'trap1:{PLAIN}secret1::::::' > "$d/passwd"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$d/dovecot.conf" <<CONF
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$d/home/%u allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
CONF

# The corpus in CRLF form, cycled to $messages files, straight into Maildir/new (as a local delivery would).
python3 - "$corpus" "$d/home/trap1/Maildir/new" "$messages" <<'PY'
import os, re, sys
corpus, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = []
for name in sorted(os.listdir(corpus)):
    data = open(os.path.join(corpus, name), 'rb').read()
    if b'\0' in data or re.search(rb'\r(?!\n)', data):
        continue
    files.append(re.sub(rb'(?<!\r)\n', b'\r\n', data))
total = 0
for i in range(count):
    data = files[i % len(files)]
    total += len(data)
    with open(os.path.join(target, f"{1700000000 + i}.bench{i}.host"), 'wb') as f:
        f.write(data)
print(f"{count} messages, {total / 1e6:.1f} MB", file=sys.stderr)
PY
chown -R dovecot:dovecot "$d/home"
dovecot -c "$d/dovecot.conf"
# Dovecot indexes a new Maildir on its first SELECT; done here so that the pass measures fetching, not indexing.
doveadm -c "$d/dovecot.conf" mailbox status -u trap1 messages INBOX >&2

cat > "$d/mailboxes.yml" <<YML
- username: trap1
  password: secret1
  protocol: imap
  host: 127.0.0.1
  port: $port
  tls: none
YML
sink=(--sink "file:$d/published.jsonl")
if [ "$feed" = 1 ]; then
  broker_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  dotnet "$broker_program" --port "$broker_port" \
    --user "writer:secret:spam.mails,writer.confirm:writer.confirm" --user "reader:reader-secret::spam.mails" \
    --drain "reader:reader-secret:spam.mails" > "$d/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 300); do grep -q "broker listening" "$d/broker.log" && break; sleep 0.1; done
  printf 'broker: 127.0.0.1\nport: %s\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nconfirm: true\nspool_directory: %s\n' \
    "$broker_port" "$d/spool" > "$d/feed.yml"
  sink=(-f "$d/feed.yml")
fi
/usr/bin/time -f "%e %M" -o "$d/time" dotnet "$program" imap -m "$d/mailboxes.yml" -a \
  "${sink[@]}" --state-dir "$d/imap-state" > "$d/collector.log" 2>&1 || {
  tail -20 "$d/collector.log" >&2
  exit 1
}
read -r seconds rss_kb < "$d/time"
published="$(sed -n 's/.*pass finished: \([0-9]*\) published.*/\1/p' "$d/collector.log")"
[ "$published" -eq "$messages" ] || { echo "published $published of $messages" >&2; exit 1; }
python3 -c "import sys; n, s, k = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]); print(f'{n} messages in {s:.1f} s (process start to exit): {n / s:.0f} msg/s; peak RSS {k / 1024:.1f} MB')" \
  "$messages" "$seconds" "$rss_kb"
