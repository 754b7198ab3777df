#!/usr/bin/env bash
# The containers, run for real: builds the project's images (Dockerfile, postfix/Dockerfile) and a test broker image,
# brings the stack up with docker-compose.yml plus tests/containers/compose.test.yml under podman-compose, and checks:
#   - a message for a trap domain sent to the published SMTP port reaches a broker subscriber byte-exact (only
#     Postfix's Received: in front, sha256 the hash of those bytes); a message for another domain gets 554 5.7.1
#   - every container's health check passes; the collector runs as uid 1654 and can write its volume
#   - the collector stopped (podman-compose stop) or killed (podman kill), or the broker stopped: Postfix queues the
#     mail (deferred, never bounced), and delivers it once they are back
#   - podman-compose down and up again keep the queue (volume postfix-queue)
# Everything it starts is removed on exit, failure included; a failure names its step. Waits are polls with
# deadlines. Only loopback and the compose network are used. Base images: scripts/container-images.sh (local
# stand-ins, for tests only). Run as root (CI runs it from .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export CONTAINERS_CONF="$repo/tests/containers/containers.conf"
project=smtp-collector-test
tool=(python3 "$repo/tests/containers/mailtool.py")
started=$SECONDS
step_name="start"
step_started=$SECONDS
declare -a timings=()

say() { echo "container-test: $*"; }
step() {
  [ "$step_name" = start ] || timings+=("$(printf '%4ss  %s' $((SECONDS - step_started)) "$step_name")")
  step_name=$1
  step_started=$SECONDS
  say "--- $step_name"
}
fail() { say "FAILED at step \"$step_name\": $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "container-test: needs root (podman's root storage and networks, as CI runs it)" >&2
  exit 2
fi
if [ -e .env ]; then
  # podman-compose 1.0 reads .env over the environment: the test's settings would lose to a developer's own.
  echo "container-test: a .env in $repo would override the test's settings under podman-compose 1.0; move it away" >&2
  exit 2
fi

work=$(mktemp -d /var/tmp/smtp-collector-container-test.XXXXXX)
subscriber_pid=""
postfix_build=""
compose() {
  podman-compose -p "$project" -f docker-compose.yml -f tests/containers/compose.test.yml "$@" >> "$work/compose.log" 2>&1
}
container() { echo "${project}_$1_1"; }
teardown() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  if [ "$status" -ne 0 ]; then
    [ "$step_name" = start ] || say "FAILED at step \"$step_name\" (exit $status); the containers' last words:" >&2
    for service in postfix collector broker; do
      podman logs "$(container "$service")" 2>&1 | grep -v 'unable to get systemd connection' | tail -n 25 |
        sed "s/^/  $service| /" >&2
    done
    [ ! -s "$work/compose.log" ] || tail -n 15 "$work/compose.log" | sed 's/^/  compose| /' >&2
    [ ! -s "$work/subscriber.log" ] || tail -n 15 "$work/subscriber.log" | sed 's/^/  subscriber| /' >&2
    echo "  subscriber| subscribed $(cat "$work/payloads/subscribed" 2>/dev/null) times; $(ss -tn "dport = :$broker_port" | tail -n +2 | wc -l) connection(s) to the broker's port" >&2
  fi
  [ -z "$subscriber_pid" ] || kill "$subscriber_pid" 2>/dev/null
  [ -z "$postfix_build" ] || { kill "$postfix_build" 2>/dev/null; wait "$postfix_build" 2>/dev/null; }
  compose down -v -t 5 || true
  for service in postfix collector broker; do podman rm -f "$(container "$service")" >/dev/null 2>&1; done
  podman volume rm -f "${project}_postfix-queue" "${project}_postfix-tls" "${project}_collector-spool" >/dev/null 2>&1
  podman network rm -f "${project}_default" >/dev/null 2>&1
  rm -rf "$work"
  if [ "$status" -eq 0 ]; then
    say "passed in $((SECONDS - started)) s"
  else
    say "failed after $((SECONDS - started)) s" >&2
  fi
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# until DEADLINE_SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s until it succeeds; fails the step at the deadline.
until_ok() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what: not within the deadline"
    sleep 0.5
  done
}

# --- the stack's settings, as .env would give them --------------------------------------------------------------
smtp_port=$("${tool[@]}" free-port)
broker_port=$("${tool[@]}" free-port)
[ "$smtp_port" != "$broker_port" ] || broker_port=$("${tool[@]}" free-port)
mkdir -p "$work/config" "$work/payloads" "$work/broker-context"
cp deploy/collector.yml deploy/feed_config.yml "$work/config/"
# Shorter than the defaults (60 s, 30 s), documented settings, to keep the broker-down step short: the collector answers
# 451 after sink_deadline_seconds, and finds the restarted broker within max_backoff_seconds.
printf '\n# container test\nsink_deadline_seconds: 10\n' >> "$work/config/collector.yml"
printf '\n# container test\nmax_backoff_seconds: 2\n' >> "$work/config/feed_config.yml"
printf '# the container test\ntrap.example\n' > "$work/config/domains"
# Mounted read-only into the collector, which runs as uid 1654: world-readable, as a checkout is.
chmod 755 "$work" "$work/config"
chmod 644 "$work/config"/*
export CONFIG_DIR="$work/config" MYHOSTNAME=mx.trap.example SMTP_PUBLISH="127.0.0.1:$smtp_port" \
  BROKER_PUBLISH="127.0.0.1:$broker_port" BROKER_IMAGE=localhost/smtp-collector-test-broker \
  HPFEEDS_WRITER_SECRET="writer-$RANDOM$RANDOM" HPFEEDS_READER_SECRET="reader-$RANDOM$RANDOM" \
  DOMAINS_POLL_SECONDS=5 DOMAINS_RELOAD_DELAY_SECONDS=3 MESSAGE_SIZE_LIMIT=10240000 INET_PROTOCOLS=ipv4
postfix_c=$(container postfix)
collector_c=$(container collector)
broker_c=$(container broker)

# A stack left over from an interrupted run.
compose down -v -t 5 || true

step "stand-in base images (scripts/container-images.sh)"
bash scripts/container-images.sh

step "build the images"
build_started=$SECONDS
# --format docker: the OCI format has no HEALTHCHECK. --pull=never: the FROM lines are the stand-ins.
# image WHAT LOG ARGS...: podman build; on failure, the end of its output and the step.
image() {
  local what=$1 log=$2
  shift 2
  podman build --pull=never --format docker "$@" > "$log" 2>&1 ||
    { tail -n 30 "$log" >&2; fail "podman build of $what"; }
}
# Postfix's image mostly waits for apt; it is built meanwhile.
image postfix/Dockerfile "$work/postfix-build.log" -t smtp-collector-postfix postfix/ &
postfix_build=$!
image "the collector (Dockerfile)" "$work/collector-build.log" -t smtp-collector -f Dockerfile .
# Debug, as scripts/test.sh builds it just before in CI: then this is only an up-to-date check and a copy.
dotnet build tests/TestBroker/SmtpCollector.TestBroker.csproj -o "$work/broker-context/app" \
  -nologo -v quiet > "$work/broker-build.log" 2>&1 || { cat "$work/broker-build.log" >&2; fail "dotnet build of tests/TestBroker"; }
cp tests/containers/broker/entrypoint tests/containers/broker/healthcheck "$work/broker-context/"
image "the test broker" "$work/broker-image.log" -t smtp-collector-test-broker -f tests/containers/broker/Containerfile \
  "$work/broker-context"
wait "$postfix_build" || exit 1
postfix_build=""
build_seconds=$((SECONDS - build_started))
say "images built in ${build_seconds} s"

# The subscriber (the spamtrap backend's place): reconnects by itself whenever the broker goes away.
"${tool[@]}" subscribe --port "$broker_port" --ident reader --secret "$HPFEEDS_READER_SECRET" --channel spam.mails \
  --out "$work/payloads" 2> "$work/subscriber.log" &
subscriber_pid=$!
subscriptions() { cat "$work/payloads/subscribed" 2>/dev/null || echo 0; }
subscribed_more_than() { [ "$(subscriptions)" -gt "$1" ]; }

# --- helpers over the running stack -----------------------------------------------------------------------------
n=0
# new_message NAME DOMAIN: writes the message file $work/NAME.eml for a fresh recipient; sets rcpt and token.
new_message() {
  n=$((n + 1))
  token="ct$n-$RANDOM$RANDOM"
  rcpt="$token@$2"
  "${tool[@]}" message --token "$token" --to "$rcpt" > "$work/$1.eml"
}
send() { "${tool[@]}" send --port "$smtp_port" --to "$rcpt" --file "$work/$1.eml"; }
payload_of() { grep -l -F "token $1" "$work"/payloads/*.payload 2>/dev/null | head -n 1; }
queue_state() { podman exec "$postfix_c" postqueue -j 2>/dev/null | "${tool[@]}" queue-state --rcpt "$1"; }
postfix_log() { podman logs "$postfix_c" 2>&1; }
no_bounce() {
  if postfix_log | grep -F "to=<$1>" | grep -q 'status=bounced'; then
    postfix_log | grep -F "to=<$1>" >&2
    fail "Postfix bounced the mail for $1 (bounces are discarded here: the mail is lost)"
  fi
}
# wait_queued RCPT: Postfix has tried and deferred the mail (not bounced it); prints the reason.
wait_queued() {
  local deadline=$((SECONDS + 90)) state
  while :; do
    no_bounce "$1"
    state=$(queue_state "$1")
    case $state in
      deferred\ ?*) say "queued: $state"; return 0 ;;
      none) postfix_log | grep -F "to=<$1>" | grep -q 'status=sent' && fail "delivered although it should have been queued" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || fail "the mail for $1 was not deferred in time (queue: $state)"
    sleep 0.5
  done
}
# wait_delivered NAME: the message arrives at the subscriber; Postfix's deferred queue is flushed every 2 s
# meanwhile (what an operator does: postqueue -f), since its own retry comes only after 300 s. Checks the bytes.
wait_delivered() {
  local deadline=$((SECONDS + ${2:-120})) next_flush=$((SECONDS + 2)) file
  until file=$(payload_of "$token") && [ -n "$file" ]; do
    no_bounce "$rcpt"
    [ "$SECONDS" -lt "$deadline" ] || fail "the message for $rcpt did not reach the subscriber (queue: $(queue_state "$rcpt"))"
    if [ "$SECONDS" -ge "$next_flush" ]; then
      podman exec "$postfix_c" postqueue -f >/dev/null 2>&1 || true
      next_flush=$((SECONDS + 2))
    fi
    sleep 0.2
  done
  "${tool[@]}" check --payload "$file" --sent "$work/$1.eml" --hostname "$MYHOSTNAME" ||
    fail "the payload for $rcpt is not the message sent"
  no_bounce "$rcpt"
}
running() { [ "$(podman inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
all_running() { running "$postfix_c" && running "$collector_c" && running "$broker_c"; }
# A container whose entrypoint or program dies at once is restarted by its policy, again and again: say so.
no_restarts() {
  local c count
  for c in "$postfix_c" "$collector_c" "$broker_c"; do
    count=$(podman inspect --format '{{.RestartCount}}' "$c" 2>/dev/null || echo 0)
    [ "$count" = 0 ] || fail "$c keeps exiting (restarted $count times); its last lines:
$(podman logs "$c" 2>&1 | grep -v 'unable to get systemd connection' | tail -n 5)"
  done
}
smtp_up() { no_restarts && "${tool[@]}" banner --port "$smtp_port"; }
healthy() { podman healthcheck run "$1" >/dev/null 2>&1; }
check_health() {
  local c
  for c in "$postfix_c" "$collector_c" "$broker_c"; do
    until_ok 60 "the health check of $c" healthy "$c"
    say "healthy: $c ($(podman inspect --format '{{.Config.Healthcheck.Test}}' "$c" | cut -c1-90))"
  done
}
# stopped_cleanly CONTAINER: it ended on SIGTERM by itself, not killed when the stop timeout ran out.
stopped_cleanly() {
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
  [ "$code" != 137 ] || fail "$1 did not stop on SIGTERM within the timeout (exit 137: killed)"
  say "$1 stopped with exit code $code"
}

step "compose up"
up_started=$SECONDS
# The three services by name: podman-compose 1.0 does not know profiles, and would start the monitoring profile's
# Prometheus and Grafana too (images this test does not have).
compose up -d postfix collector broker || fail "podman-compose up"
until_ok 60 "all three containers running" all_running
until_ok 90 "Postfix's banner on 127.0.0.1:$smtp_port" smtp_up

step "first message: delivered byte-exact"
until_ok 30 "the subscriber subscribed" subscribed_more_than 0
new_message first trap.example
send first || fail "Postfix did not accept the message for $rcpt"
wait_delivered first 180
first_delivery_seconds=$((SECONDS - up_started))
say "first message delivered ${first_delivery_seconds} s after up"

step "another domain: refused 554 5.7.1"
new_message relay elsewhere.example
reply=$(send relay) && fail "the message for $rcpt was accepted: $reply"
[[ $reply == "554 5.7.1"* ]] || fail "the message for $rcpt got \"$reply\", not 554 5.7.1"
say "refused: $reply"

step "health checks"
check_health

step "the collector's user and volume"
uid=$(podman exec "$collector_c" id -u)
[ "$uid" = 1654 ] || fail "the collector runs as uid $uid, not 1654"
podman exec "$collector_c" sh -c 'touch /var/lib/smtp-collector/.write-test && rm /var/lib/smtp-collector/.write-test' ||
  fail "the collector (uid 1654) cannot write its volume /var/lib/smtp-collector"
say "collector runs as uid 1654 and can write its volume"

step "collector stopped (podman-compose stop): mail queued, then delivered"
compose stop -t 40 collector || fail "podman-compose stop collector"
stopped_cleanly "$collector_c"
new_message stopped trap.example
send stopped || fail "Postfix did not accept the message for $rcpt"
wait_queued "$rcpt"
compose start collector || fail "podman-compose start collector"
wait_delivered stopped

step "collector killed (podman kill): mail queued, then delivered"
podman kill "$collector_c" >/dev/null || fail "podman kill"
until_ok 30 "the killed collector gone" bash -c "! podman inspect --format '{{.State.Running}}' $collector_c | grep -q true"
new_message killed trap.example
send killed || fail "Postfix did not accept the message for $rcpt"
wait_queued "$rcpt"
compose start collector || fail "podman-compose start collector"
wait_delivered killed

step "broker stopped: mail queued, then delivered"
before=$(subscriptions)
compose stop -t 40 broker || fail "podman-compose stop broker"
new_message nobroker trap.example
send nobroker || fail "Postfix did not accept the message for $rcpt"
wait_queued "$rcpt"
compose start broker || fail "podman-compose start broker"
kill -USR1 "$subscriber_pid"
until_ok 60 "the subscriber back on the restarted broker" subscribed_more_than "$before"
wait_delivered nobroker

step "down and up keep the queue"
compose stop -t 40 collector || fail "podman-compose stop collector"
new_message downup trap.example
send downup || fail "Postfix did not accept the message for $rcpt"
wait_queued "$rcpt"
before=$(subscriptions)
compose stop -t 40 postfix broker || fail "podman-compose stop postfix broker"
stopped_cleanly "$postfix_c"
stopped_cleanly "$broker_c"
compose down -t 40 || fail "podman-compose down"
podman container exists "$postfix_c" && fail "podman-compose down left $postfix_c"
compose up -d postfix collector broker || fail "podman-compose up"
until_ok 60 "all three containers running again" all_running
kill -USR1 "$subscriber_pid"
until_ok 60 "the subscriber back on the new broker" subscribed_more_than "$before"
wait_delivered downup

step "health checks after up"
check_health

step "done"
say "figures: images built in ${build_seconds} s; first message delivered ${first_delivery_seconds} s after up"
say "images: $(podman image inspect --format '{{index .RepoTags 0}} {{.Size}}' smtp-collector smtp-collector-postfix smtp-collector-test-broker |
  awk '{printf "%s%s %.0f MB", sep, $1, $2 / 1e6; sep = ", "}')"
printf '%s\n' "${timings[@]}"
