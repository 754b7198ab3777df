#!/usr/bin/env python3
"""The container test's hands (scripts/container-test.sh): a free loopback port, a test message, SMTP sending, an
hpfeeds subscriber that keeps every payload it receives, and the check of a payload against the bytes sent.
Standard library only (python3 is there wherever podman-compose is). Only ever talks to 127.0.0.1."""
import argparse
import hashlib
import json
import os
import signal
import smtplib
import socket
import struct
import sys
import time


def free_port(_):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def message(args):
    """A message that shows whether anything touched the bytes: CRLF endings, a line that starts with a dot (stuffed
    and unstuffed on the way), 8-bit UTF-8, trailing spaces, a tab, a long header folded by hand."""
    text = (
        f"From: Spammer <spammer@example.net>\r\n"
        f"To: <{args.to}>\r\n"
        f"Subject: container test {args.token} =?utf-8?q?caf=C3=A9?=\r\n"
        f"Message-ID: <{args.token}@example.net>\r\n"
        f"X-Folded: first part\r\n\tsecond part   \r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n"
        f"\r\n"
        f"token {args.token}\r\n"
        f".a line that starts with a dot\r\n"
        f"..two dots\r\n"
        f"caf\u00e9 \u2014 \u65e5\u672c\u8a9e \U0001f600   \r\n"
        f"\tindented\r\n"
        + "".join(f"line {i:04d} {'x' * 60}\r\n" for i in range(200))
    )
    sys.stdout.buffer.write(text.encode("utf-8"))


def send(args):
    with open(args.file, "rb") as f:
        data = f.read()
    try:
        with smtplib.SMTP("127.0.0.1", args.port, timeout=60) as smtp:
            smtp.ehlo("sender.example.net")
            smtp.sendmail(args.sender, [args.to], data, mail_options=["BODY=8BITMIME"])
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients[args.to]
        print(f"{code} {text.decode(errors='replace')}")
        return 3
    except smtplib.SMTPResponseException as e:
        print(f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}")
        return 3
    print("250 accepted")
    return 0


def banner(args):
    """Exit 0 once the port answers 220 (one try)."""
    try:
        with socket.create_connection(("127.0.0.1", args.port), timeout=5) as s:
            line = s.makefile("rb").readline()
            s.sendall(b"QUIT\r\n")
            return 0 if line.startswith(b"220") else 1
    except OSError:
        return 1


def _frame(op, body):
    return struct.pack(">IB", 5 + len(body), op) + body


def _read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _write(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def subscribe(args):
    """Subscribes and keeps each PUBLISH payload as OUT/NNNNNN.payload; reconnects whenever the broker goes away
    (restarts, down/up). OUT/subscribed holds how many times it has subscribed. Ends when killed.
    SIGUSR1 makes it reconnect now: a connection through a published port to a container that is gone gets no reset,
    so the test says when the broker has been replaced."""
    os.makedirs(args.out, exist_ok=True)

    current = []

    def reconnect(*_):
        for s in current:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    signal.signal(signal.SIGUSR1, reconnect)
    count = sessions = last_logged = 0
    while True:
        current.clear()
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=5) as s:
                current.append(s)
                length, op = struct.unpack(">IB", _read_exact(s, 5))
                body = _read_exact(s, length - 5)
                if op != 1:
                    raise ConnectionError(f"first frame was op {op}, not INFO")
                nonce = body[1 + body[0]:]
                ident = args.ident.encode()
                digest = hashlib.sha1(nonce + args.secret.encode()).digest()
                s.sendall(_frame(2, bytes([len(ident)]) + ident + digest))
                s.sendall(_frame(4, bytes([len(ident)]) + ident + args.channel.encode()))
                s.settimeout(None)
                sessions += 1
                _write(os.path.join(args.out, "subscribed"), str(sessions).encode())
                while True:
                    length, op = struct.unpack(">IB", _read_exact(s, 5))
                    body = _read_exact(s, length - 5)
                    if op == 0:
                        print(f"subscriber: broker error: {body.decode(errors='replace')}", file=sys.stderr)
                        break
                    if op != 3:
                        continue
                    at = 1 + body[0]
                    at += 1 + body[at]
                    count += 1
                    _write(os.path.join(args.out, f"{count:06d}.payload"), body[at:])
        except (OSError, ConnectionError, struct.error) as e:
            if sessions == last_logged:
                pass
            else:
                print(f"subscriber: session {sessions} ended: {e!r}", file=sys.stderr, flush=True)
                last_logged = sessions
            time.sleep(0.2)


def check(args):
    """The payload as the spamtrap backend reads it (json.loads, msg as UTF-8 bytes; msg_b64 when the bytes are not
    UTF-8): sha256 must be the hash of those bytes, and the bytes must be what was sent with only Postfix's Received:
    header in front."""
    with open(args.payload, "rb") as f:
        payload = json.loads(f.read())
    with open(args.sent, "rb") as f:
        sent = f.read()
    got = payload["msg"].encode("utf-8")
    if "msg_b64" in payload:
        import base64
        got = base64.b64decode(payload["msg_b64"])
    problems = []
    if payload.get("sha256") != hashlib.sha256(got).hexdigest():
        problems.append(f"sha256 {payload.get('sha256')} is not the hash of msg ({hashlib.sha256(got).hexdigest()})")
    if not got.endswith(sent):
        problems.append("the message does not end with the bytes sent")
    else:
        prefix = got[: len(got) - len(sent)]
        lines = prefix.split(b"\r\n")
        if not prefix.startswith(b"Received: ") or not prefix.endswith(b"\r\n") or any(
            line and line[:1] not in (b" ", b"\t") for line in lines[1:]
        ):
            problems.append(f"what is in front of the bytes sent is not one Received: header: {prefix[:300]!r}")
        elif f"by {args.hostname} (Postfix)".encode() not in prefix:
            problems.append(f"the Received: header is not Postfix's on {args.hostname}: {prefix!r}")
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    if not problems:
        print(f"byte-exact: {len(sent)} bytes sent, {len(got)} published (Received: {len(got) - len(sent)} bytes), "
              f"sha256 {payload['sha256']}")
    return 1 if problems else 0


def queue_state(args):
    """Reads `postqueue -j` from stdin; prints "QUEUE REASON" for the recipient, or "none"."""
    for line in sys.stdin:
        if not line.strip():
            continue
        entry = json.loads(line)
        for r in entry.get("recipients", []):
            if r.get("address", "").lower() == args.rcpt.lower():
                print(entry.get("queue_name"), r.get("delay_reason", ""))
                return 0
    print("none")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("free-port").set_defaults(fn=free_port)
    m = sub.add_parser("message")
    m.add_argument("--token", required=True)
    m.add_argument("--to", required=True)
    m.set_defaults(fn=message)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--sender", default="spammer@example.net")
    s.add_argument("--to", required=True)
    s.add_argument("--file", required=True)
    s.set_defaults(fn=send)
    b = sub.add_parser("banner")
    b.add_argument("--port", type=int, required=True)
    b.set_defaults(fn=banner)
    c = sub.add_parser("subscribe")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--ident", required=True)
    c.add_argument("--secret", required=True)
    c.add_argument("--channel", required=True)
    c.add_argument("--out", required=True)
    c.set_defaults(fn=subscribe)
    k = sub.add_parser("check")
    k.add_argument("--payload", required=True)
    k.add_argument("--sent", required=True)
    k.add_argument("--hostname", required=True)
    k.set_defaults(fn=check)
    q = sub.add_parser("queue-state")
    q.add_argument("--rcpt", required=True)
    q.set_defaults(fn=queue_state)
    args = p.parse_args()
    sys.exit(args.fn(args) or 0)


if __name__ == "__main__":
    main()
