"""Faults on real processes (a Celery worker in its own process, a Redis server of the test's own, the test
database): a worker killed with SIGKILL in the middle of a delivery run, Redis restarted while tasks are
queued and while they run, the worker's database connection dropped mid-task. In each case no email goes out
twice and the run (or the next beat) finishes the work; the one email whose send a fault cut off is left
"sending" and never sent twice."""

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
        # A worker killed mid-conversation resets the connection: that message was not received.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            self._converse()

    def _converse(self):
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


def process_env(smtp_port, redis_url=None):
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_url or settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_RESTORE_INTERVAL": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "PYTHONPATH": str(ROOT),
    }


@contextlib.contextmanager
def worker_process(name, smtp_port, redis_url=None):
    env = process_env(smtp_port, redis_url)
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
            "-Q",
            "celery,mail",
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
    # The one claimed when the worker died stays "sending" until its claim expires, and is taken again then
    # (tests/trusts/test_notifications.py); within this run it is never sent a second time.
    assert final.get("sending", 0) <= 1, final
    assert final["sent"] >= COUNT - 1, final
    assert len(received) >= COUNT - 1
    print(
        f"proved: worker SIGKILLed after {killed_at} of {COUNT} emails; the new worker took the run back and "
        f"sent the rest; {len(received)} emails, none twice; final states {dict(final)}"
    )


@contextlib.contextmanager
def mailbox_on(delay=0.1):
    port = free_port()
    box = Mailbox(port, delay=delay)
    threading.Thread(target=box.serve_forever, daemon=True).start()
    try:
        yield port, box
    finally:
        box.shutdown()
        box.server_close()


def due_notifications(count):
    trust = TrustFactory()
    with scopes_disabled():
        made = [
            NotificationFactory(trust=trust, recipient=UserFactory(), subject=f"Notice {n:03d}")
            for n in range(count)
        ]
        Notification.objects.filter(trust=trust).update(created_at=timezone.now() - timedelta(minutes=10))
    return trust, [n.pk for n in made]


class RedisServer:
    """A Redis of the test's own, keeping its data in an append-only file so that a restart keeps the queue."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "redis to start")

    def _answers(self):
        import redis

        with contextlib.suppress(redis.exceptions.ConnectionError):
            return redis.Redis.from_url(self.url).ping()
        return False

    def stop(self):
        self.process.terminate()  # a clean shutdown: the append-only file is complete
        self.process.wait(timeout=10)

    def queued(self):
        import redis

        client = redis.Redis.from_url(self.url)
        return client.llen("celery") + client.llen("mail")


def enqueue(env, trust_id, notification_ids):
    """Send delivery tasks from a process of their own, to the broker named in ``env``."""
    script = (
        "import django; django.setup()\n"
        "from trusts.tasks import deliver_notification\n"
        f"for pk in {notification_ids!r}:\n"
        f"    deliver_notification.apply_async(kwargs={{'trust_id': {trust_id}, 'notification_id': pk}})\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)


def test_redis_restarted_with_tasks_queued_and_again_mid_run(tmp_path):
    trust, ids = due_notifications(COUNT)
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        with mailbox_on() as (smtp_port, mailbox):
            env = process_env(smtp_port, redis_server.url)
            enqueue(env, trust.pk, ids)
            assert redis_server.queued() == COUNT
            # Restart with every task queued and no worker yet: the queue survives.
            redis_server.stop()
            redis_server.start()
            assert redis_server.queued() == COUNT
            with worker_process("redis", smtp_port, redis_server.url):
                wait_for(lambda: len(mailbox.subjects) >= COUNT // 4, 60, "the first emails")
                # And again while the worker is running through them.
                redis_server.stop()
                time.sleep(1)
                redis_server.start()
                wait_for(lambda: statuses(trust).get("pending", 0) == 0, 120, "every task to run")
                time.sleep(1)
            received = Counter(mailbox.subjects)
    finally:
        redis_server.stop()
    assert [s for s, c in received.items() if c > 1] == []
    final = statuses(trust)
    assert final.get("sending", 0) <= 1 and final["sent"] >= COUNT - 1, final
    print(
        f"proved: Redis restarted with {COUNT} tasks queued and again mid-run: {len(received)} emails, "
        f"none twice; final states {dict(final)}"
    )


def test_the_database_connection_dropped_mid_task_and_the_next_beat_catches_up():
    trust, _ids = due_notifications(COUNT)
    database = connection.settings_dict["NAME"]
    with mailbox_on() as (smtp_port, mailbox), worker_process("dbdrop", smtp_port):
        app.conf.update(task_always_eager=False)
        try:
            deliver_pending_notifications.apply_async(kwargs={"trust_id": trust.pk})
            wait_for(lambda: len(mailbox.subjects) >= COUNT // 4, 60, "the first emails")
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    [database],
                )
                dropped = cursor.rowcount
            time.sleep(2)
            cut_at = len(mailbox.subjects)
            # The run was cut short. The next beat's run takes up whatever is still due.
            deliver_pending_notifications.apply_async(kwargs={"trust_id": trust.pk}).get(timeout=60)
            wait_for(lambda: statuses(trust).get("pending", 0) == 0, 60, "the next run to finish")
        finally:
            app.conf.update(task_always_eager=True)
    received = Counter(mailbox.subjects)
    assert dropped >= 1
    assert cut_at < COUNT, "the run was not cut short"
    assert [s for s, c in received.items() if c > 1] == []
    final = statuses(trust)
    assert final.get("sending", 0) <= 1 and final.get("failed", 0) == 0 and final["sent"] >= COUNT - 1, final
    print(
        f"proved: the worker's database connection dropped after {cut_at} emails; the next run sent the rest: "
        f"{len(received)} emails, none twice; final states {dict(final)}"
    )
