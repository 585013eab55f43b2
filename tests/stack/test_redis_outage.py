"""Redis stops for a few seconds while the manager confirms a wave on the real stack (issue 12, point 8).

scripts/stack-e2e.sh gives the stack its own redis-server and tells this test how to stop and start it
(STACK_REDIS_PORT, STACK_REDIS_PIDFILE, STACK_REDIS_START). The confirmation must answer, and once Redis is
back, beat's sweeps must deliver every « Attribution confirmée » email and render every certificate, once.
"""

import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.stack.conftest import body_of, confirm_wave, log_in, open_desk, open_wave_plan, read_emails, wait_until

pytestmark = pytest.mark.e2e

WAVE = "Lot final – Petits besoins"  # wave 3 of the demo (a final lot)


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def stack_redis(stack_url):
    if not os.environ.get("STACK_REDIS_START"):
        pytest.skip("the stack runs on a Redis of its own only when STACK_REDIS_URL is not given")
    port, pidfile = int(os.environ["STACK_REDIS_PORT"]), Path(os.environ["STACK_REDIS_PIDFILE"])

    def stop():
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        wait_until(lambda: not redis_answers(port), timeout=10, interval=0.1, what="Redis to stop")

    def start():
        subprocess.run(os.environ["STACK_REDIS_START"], shell=True, check=True)
        wait_until(lambda: redis_answers(port), timeout=10, interval=0.1, what="Redis to start")

    yield stop, start
    if not redis_answers(port):  # never leave the stack without its Redis
        start()


def confirmed_emails(mail_dir: Path) -> list[tuple[str, str]]:
    """(recipient, association) of each « Attribution confirmée » email of the wave, duplicates included."""
    found = []
    for message in read_emails(mail_dir):
        body = body_of(message)
        if "Attribution confirmée" in str(message["Subject"]) and WAVE in body:
            association = re.search(r"L'attribution de (.+?) pour la campagne", body)
            for recipient in str(message["To"]).split(","):
                found.append((recipient.strip(), association.group(1) if association else "?"))
    return found


def test_redis_stopped_during_a_wave_confirmation_loses_nothing(open_page, stack_redis, mail_dir):
    stop_redis, start_redis = stack_redis
    manager = open_page()
    log_in(manager, "manager@demo.test", admin=True)
    open_wave_plan(manager, WAVE)
    manager.get_by_role("link", name="Confirmer la vague…").click()

    stop_redis()
    stopped_at = time.monotonic()
    count = confirm_wave(manager)
    assert count > 0
    public = open_page()
    public.goto("/")
    expect(public.locator("main")).to_be_visible()  # the public pages answer without their cache
    time.sleep(max(0.0, 4 - (time.monotonic() - stopped_at)))
    start_redis()

    # Beat's sweeps (every 5 s) send the emails written during the outage and queue the renders again.
    desk = open_page()
    open_desk(desk, WAVE)
    expect(desk.locator("#content-main[data-done=true]")).to_be_attached(timeout=150_000)
    expect(desk.locator('[data-count="ready"]')).to_have_text(str(count))
    progress = desk.request.get(desk.locator("#content-main").get_attribute("data-progress-url")).json()
    assert [row["attempts"] for row in progress["rows"]] == [1] * count  # each rendered once

    wait_until(
        lambda: len({association for _to, association in confirmed_emails(mail_dir)}) == count,
        timeout=90,
        what=f"the « Attribution confirmée » emails of {count} associations",
    )
    time.sleep(6)  # one more sweep: a duplicate would arrive now
    counted = Counter(confirmed_emails(mail_dir))
    assert set(counted.values()) == {1}, counted
    assert len({association for _to, association in counted}) == count
