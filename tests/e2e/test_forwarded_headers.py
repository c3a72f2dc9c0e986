"""One forwarded-header layer: a real server (scripts/serve.sh) believes X-Forwarded-For only
from TRUSTED_PROXY_IPS. With the setting empty, a loopback client that sends a different
X-Forwarded-For each time still shares one per-address login limit; with 127.0.0.1 trusted,
each forwarded address has its own.

Regression: uvicorn's own default (--forwarded-allow-ips 127.0.0.1) rewrote the client address
from X-Forwarded-For for every loopback peer, whatever TRUSTED_PROXY_IPS said, so a local client
could pick any address for the rate limits."""

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.servers import real_stack_reason, running_servers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIMITS = {"RATE_LOGIN": "2/min", "RATE_LOGIN_ACCOUNT": "1000/min", "RATE_WRITES": "1000/min"}


def login_status(base: str, forwarded_for: str) -> int:
    body = json.dumps({"email": "nobody@example.test", "password": "not the password"}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/auth/login/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def statuses(trusted: str, addresses: list[str]) -> list[int]:
    env = {**LIMITS, "TRUSTED_PROXY_IPS": trusted}
    with running_servers(1, extra_env=env) as (base,):
        return [login_status(base, address) for address in addresses]


@pytest.fixture(autouse=True)
def _real_stack():
    reason = real_stack_reason()
    if reason:
        pytest.skip(reason)


def test_without_trusted_proxies_a_loopback_client_cannot_choose_its_address():
    got = statuses("", ["203.0.113.1", "203.0.113.2", "203.0.113.3"])

    assert got == [400, 400, 429]  # one address: the peer's


def test_a_trusted_proxy_forwards_each_clients_own_address():
    different = statuses("127.0.0.1", ["203.0.113.4", "203.0.113.5", "203.0.113.6"])
    same = statuses("127.0.0.1", ["203.0.113.7", "203.0.113.7", "203.0.113.7"])

    assert different == [400, 400, 400]
    assert same == [400, 400, 429]
