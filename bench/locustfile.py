"""Locust scenarios for the load test: run by `bench/load_test.py` (read it first), loopback only.

A realistic mix (`Visitor Verifier Member`): mostly anonymous visitors on the public pages, people checking a
certificate through its QR code, and association members who log in through the allauth form and browse their
space. `MinimalViewUser` alone requests the minimal view (`/bench/minimal/`, `bench/urls.py`), the yardstick.

The campaign slugs, verification codes and member accounts come from the JSON file `LOAD_DATA` (default
`bench/out/load_data.json`) that the runner dumps from the database. `--max-requests N` stops the run after N
requests, whichever comes first with `--run-time`.

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8200 -u 20 -r 10 -t 30s \
        --max-requests 20000 --think-time 1 Visitor Verifier Member
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, events, task

DATA_FILE = Path(os.environ.get("LOAD_DATA", Path(__file__).resolve().parent / "out" / "load_data.json"))
LOOPBACK = {"127.0.0.1", "localhost"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
APPLICATION_LINK = re.compile(r'href="(/space/applications/\d+/)"')

DATA: dict = {}
_accounts = None  # an endless, shared cycle of member emails: one account per logged-in Member at a time


@events.init_command_line_parser.add_listener
def _add_arguments(parser) -> None:
    parser.add_argument("--max-requests", type=int, default=0, help="Stop after this many requests (0: no limit)")
    parser.add_argument("--think-time", type=float, default=1.0, help="Pause between requests: 0 to this, seconds")
    parser.add_argument("--summary-json", default="", help="Write the final figures to this JSON file")


def think(factor: float = 1.0):
    """A random pause between two requests of a user, up to `--think-time` seconds (times `factor`)."""

    def wait_time(user) -> float:
        options = user.environment.parsed_options
        return random.uniform(0, factor * (options.think_time if options else 1.0))

    return wait_time


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:
    global _accounts
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refused host {environment.host!r}: this load test only targets 127.0.0.1 or localhost")
    DATA.update(json.loads(DATA_FILE.read_text()))
    _accounts = itertools.cycle(DATA["members"])

    limit = environment.parsed_options.max_requests if environment.parsed_options else 0
    if not limit:
        return
    counter = {"requests": 0, "stopping": False}

    def count(**_kwargs) -> None:
        counter["requests"] += 1
        if counter["requests"] >= limit and not counter["stopping"]:
            counter["stopping"] = True
            # Same path as --run-time's end: quit the runner (from its own greenlet, not a user's).
            gevent.spawn(environment.runner.quit)

    environment.events.request.add_listener(count)


def _figures(entry) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.total_rps,
        **{f"p{round(q * 100)}": entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)},
    }


@events.quitting.add_listener
def _write_summary(environment, **_kwargs) -> None:
    """The final figures (the CSV files of --csv are written every 2 s, so they can miss the last requests)."""
    path = environment.parsed_options.summary_json if environment.parsed_options else ""
    if not path:
        return
    stats = environment.stats
    summary = {
        "total": _figures(stats.total),
        "entries": [{"method": e.method, "name": e.name, **_figures(e)} for e in stats.entries.values()],
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
    }
    Path(path).write_text(json.dumps(summary, indent=1))


class Visitor(FastHttpUser):
    """An anonymous visitor: home page, campaign pages and their figures, sometimes the privacy page."""

    weight = 14
    wait_time = think()

    def on_start(self) -> None:
        response = self.client.get("/", name="/")
        # Static files sparingly: a browser fetches them on its first page, then keeps them in its cache.
        if random.random() < 0.3:
            for path in sorted(set(STATIC_LINK.findall(response.text or "")))[:3]:
                self.client.get(path, name="/static/[file]")

    @task(4)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(6)
    def campaign(self) -> None:
        self.client.get(f"/campaigns/{random.choice(DATA['campaigns'])}/", name="/campaigns/[slug]/")

    @task(2)
    def stats_json(self) -> None:
        self.client.get(
            f"/campaigns/{random.choice(DATA['campaigns'])}/stats.json", name="/campaigns/[slug]/stats.json"
        )

    @task(1)
    def privacy(self) -> None:
        self.client.get("/privacy/", name="/privacy/")


class Verifier(FastHttpUser):
    """Someone who scanned a certificate's QR code; one time in ten the code is unknown (404 is the right answer)."""

    weight = 3
    wait_time = think()

    @task(9)
    def known_code(self) -> None:
        self.client.get(f"/verify/{random.choice(DATA['codes'])}/", name="/verify/[code]/")

    @task(1)
    def unknown_code(self) -> None:
        with self.client.get(
            f"/verify/{secrets.token_urlsafe(16)}/", name="/verify/[unknown code]/", catch_response=True
        ) as response:
            if response.status_code == 404:
                response.success()
            else:
                response.failure(f"expected 404, got {response.status_code}")


class Member(FastHttpUser):
    """A member of an association: logs in through the real form (one account per visit), browses the space
    for 5 to 15 pages, logs out and comes back as another member."""

    weight = 3
    wait_time = think(2)  # a member reads a little longer

    def on_start(self) -> None:
        self.applications: list[str] = []
        self.pages_left = 0
        self.csrf = ""  # the token of the logout form on the last page seen
        self.log_in()

    def log_in(self) -> None:
        if self.csrf:
            self.client.post(
                "/accounts/logout/",
                data={"csrfmiddlewaretoken": self.csrf},
                headers={"Referer": f"{self.host}/space/"},
                name="/accounts/logout/",
            )
            self.csrf = ""
        self.client.cookiejar.clear()  # a new visit, as from another browser
        self.applications = []
        email = next(_accounts)
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = self._token(page.text)
        if not token:
            raise RuntimeError("no CSRF token in the login form")
        with self.client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "login": email, "password": DATA["password"]},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'action="/accounts/logout/"' not in (response.text or ""):
                response.failure(f"login of {email} failed ({response.status_code})")
                return
        self.applications = sorted(set(APPLICATION_LINK.findall(response.text or "")))
        self.csrf = self._token(response.text)
        self.pages_left = random.randint(5, 15)

    @staticmethod
    def _token(html: str | None) -> str:
        match = CSRF_FIELD.search(html or "")
        return match.group(1) if match else ""

    def browse(self, path: str, name: str) -> None:
        self.pages_left -= 1
        with self.client.get(path, name=name, catch_response=True) as response:
            if "/accounts/login/" in (response.url or ""):
                response.failure("redirected to the login page")
            else:
                self.csrf = self._token(response.text) or self.csrf
        if self.pages_left <= 0:  # end of this visit: log out, the next page is another member's
            self.log_in()

    @task(4)
    def space(self) -> None:
        self.browse("/space/", "/space/")

    @task(3)
    def application(self) -> None:
        if self.applications:
            self.browse(random.choice(self.applications), "/space/applications/[id]/")
        else:
            self.browse("/space/", "/space/")

    @task(2)
    def certificates(self) -> None:
        self.browse("/space/certificates/", "/space/certificates/")

    @task(2)
    def reports(self) -> None:
        self.browse("/space/reports/", "/space/reports/")


class MinimalViewUser(FastHttpUser):
    """The yardstick: the minimal view, same think time as the visitors."""

    wait_time = think()

    @task
    def minimal(self) -> None:
        self.client.get("/bench/minimal/", name="/bench/minimal/")
