"""Faults on real processes: a Celery worker killed with SIGKILL in the middle of a delivery run, and a new
worker started. The message comes back (acks late, reject on worker lost, visibility timeout) and the new
worker finishes the run: no email goes out twice and every notification is delivered, except at most the one
whose send was cut off by the kill."""

from __future__ import annotations

import contextlib
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from apcommission.celery import app
from tests.factories import NotificationFactory, TrustFactory, UserFactory
from tests.security.servers import ROOT, free_port
from trusts.models import Notification
from trusts.tasks import deliver_pending_notifications

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
COUNT = 40
VISIBILITY_TIMEOUT = 3


class Mailbox(socketserver.ThreadingTCPServer):
    """A small SMTP server that keeps the subject of every message and takes its time over each one."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port, delay):
        self.subjects = []
        self.delay = delay
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _SMTPHandler)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 mailbox ready")
        subject = None
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 mailbox")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go ahead")
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    text = data.decode("utf-8", "replace")
                    if text.lower().startswith("subject:"):
                        subject = text.split(":", 1)[1].strip()
                time.sleep(self.server.delay)
                with self.server.lock:
                    self.server.subjects.append(subject)
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@contextlib.contextmanager
def worker_process(name, smtp_port):
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_RESTORE_INTERVAL": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "apcommission",
            "worker",
            "-P",
            "prefork",
            "-c",
            "1",
            "-l",
            "warning",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def statuses(trust):
    with scopes_disabled():
        return Counter(Notification.objects.filter(trust=trust).values_list("email_status", flat=True))


def test_a_worker_killed_mid_delivery_is_replaced_and_nothing_is_sent_twice():
    trust = TrustFactory()
    with scopes_disabled():
        for n in range(COUNT):
            NotificationFactory(trust=trust, recipient=UserFactory(), subject=f"Notice {n:03d}")
        # Older than the delivery job's two-minute grace: all of them are due.
        Notification.objects.filter(trust=trust).update(created_at=timezone.now() - timedelta(minutes=10))
    smtp_port = free_port()
    mailbox = Mailbox(smtp_port, delay=0.1)
    threading.Thread(target=mailbox.serve_forever, daemon=True).start()
    app.conf.update(task_always_eager=False)
    try:
        with worker_process("first", smtp_port) as first:
            deliver_pending_notifications.apply_async(kwargs={"trust_id": trust.pk})
            wait_for(lambda: len(mailbox.subjects) >= COUNT // 4, 60, "the first emails")
            os.killpg(first.pid, signal.SIGKILL)  # the worker and its child, mid-run
            first.wait(timeout=10)
        killed_at = len(mailbox.subjects)
        assert 0 < killed_at < COUNT
        # Nothing new is sent: the new worker gets the same message back once its visibility timeout passes.
        with worker_process("second", smtp_port):
            wait_for(lambda: statuses(trust).get("pending", 0) == 0, 90, "the run to be finished")
            time.sleep(1)
    finally:
        app.conf.update(task_always_eager=True)
        mailbox.shutdown()
        mailbox.server_close()
    received = Counter(mailbox.subjects)
    twice = [subject for subject, count in received.items() if count > 1]
    assert twice == [], f"sent twice: {twice}"
    final = statuses(trust)
    # The one claimed when the worker died stays "sending": counted, never sent a second time.
    assert final.get("sending", 0) <= 1, final
    assert final["sent"] >= COUNT - 1, final
    assert len(received) >= COUNT - 1
    print(
        f"proved: worker SIGKILLed after {killed_at} of {COUNT} emails; the new worker took the run back and "
        f"sent the rest; {len(received)} emails, none twice; final states {dict(final)}"
    )
