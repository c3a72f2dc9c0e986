#!/usr/bin/env python
"""The deployment recipe (docs/deploy.md), exercised end to end on this machine.

    .venv/bin/python scripts/deploy_local.py

Production settings (DEBUG=false, generated keys, TRUSTED_PROXY_IPS=127.0.0.1), a private
PostgreSQL and Redis (as the fault drills), ``collectstatic`` and ``migrate``, DEPLOY_PROCESSES=2
uvicorn processes (scripts/serve.sh), the ``expire_presence --loop`` worker and one ``segment_sweep`` pass, and nginx
(deploy/nginx/wya.conf, installed by scripts/install-nginx.sh) on DEPLOY_PORT=22200 in front.
Then, through nginx: /healthz, a static file, register + ticket + WebSocket ping/pong, the
security headers, a 4 MB body refused by nginx, and one ASGI process stopped while requests go
on. Prints one JSON line; exits non-zero if a check failed. Everything it started is stopped.
"""

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from websockets.asyncio.client import connect as ws_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack  # noqa: E402
from fault_drills import PG_PORT, PYTHON, REDIS_PORT  # noqa: E402
from stack import ROOT  # noqa: E402

PORT = int(os.environ.get("DEPLOY_PORT", "22200"))
PROCESSES = int(os.environ.get("DEPLOY_PROCESSES", "2"))
NGINX = "/usr/sbin/nginx"


def request(
    method: str, path: str, body: bytes | None = None, headers=None
) -> tuple[int, Message, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=body, method=method)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=15) as response:  # noqa: S310 (loopback)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def nginx_conf(run_dir: Path, static_root: Path, ports: list[int]) -> Path:
    conf_dir = ROOT / "deploy" / "nginx"
    upstreams = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports
    )
    text = (conf_dir / "wya.conf").read_text()
    for key, value in {
        "@RUN_DIR@": str(run_dir),
        "@CONF_DIR@": str(conf_dir),
        "@STATIC_ROOT@": str(static_root),
        "@LISTEN_PORT@": str(PORT),
        "@UPSTREAMS@": upstreams,
    }.items():
        text = text.replace(key, value)
    path = run_dir / "nginx.conf"
    path.write_text(text)
    return path


async def socket_round_trip(token: str) -> bool:
    status, _, body = request("POST", "/api/ws-ticket/", b"", {"Authorization": f"Token {token}"})
    if status != 201:
        return False
    ticket = json.loads(body)["ticket"]
    async with ws_connect(f"ws://127.0.0.1:{PORT}/ws/?ticket={ticket}", open_timeout=10) as ws:
        await ws.send('{"type": "ping"}')
        for _ in range(10):
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("type") == "pong":
                return True
    return False


def main() -> int:
    subprocess.run([str(ROOT / "scripts" / "install-nginx.sh")], check=True)
    run_dir = Path(tempfile.mkdtemp(prefix="wya-deploy-"))
    run_dir.chmod(0o777)  # nginx workers (nobody) write their temp files here
    static_root = run_dir / "static"
    pg, redis = stack.PrivatePostgres(PG_PORT), stack.PrivateRedis(REDIS_PORT)
    checks: dict = {}
    try:
        pg.start()
        pg.create_database()
        redis.start()
        env = dict(os.environ)
        env.update(
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(64),
            LOCATION_HASH_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS=f"127.0.0.1,localhost,127.0.0.1:{PORT}",
            TRUSTED_PROXY_IPS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",  # no TLS on this loopback exercise; true in production
            DATABASE_URL=pg.url(),
            REDIS_URL=redis.url(),
            STATIC_ROOT=str(static_root),
            MEDIA_ROOT=str(run_dir / "media"),
        )
        manage = [PYTHON, "manage.py"]
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        deploy_check = subprocess.run(
            [*manage, "check", "--deploy", "--fail-level", "ERROR"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        checks["check_deploy_no_errors"] = deploy_check.returncode == 0
        ports = [PORT + 1 + n for n in range(PROCESSES)]
        with stack.started_processes() as processes:
            run_checks(checks, env, manage, run_dir, static_root, ports, processes)
    finally:
        redis.stop()
        pg.cleanup()
    ok = all(checks.values())
    print(json.dumps({"processes": PROCESSES, "port": PORT, "checks": checks, "passed": ok}))
    return 0 if ok else 1


def run_checks(checks, env, manage, run_dir, static_root, ports, processes) -> None:
    """The ASGI processes, the worker and nginx (appended to ``processes``), then the checks."""
    stack.start_servers(ports, env=env, started=processes)
    processes.append(
        subprocess.Popen(
            [*manage, "expire_presence", "--loop", "--interval", "5"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    sweep = subprocess.run(
        [*manage, "segment_sweep"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    checks["segment_sweep_ran"] = sweep.returncode == 0
    conf = nginx_conf(run_dir, static_root, ports)
    subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(run_dir)], check=True, capture_output=True
    )
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run_dir), "-g", "daemon off;"])
    processes.append(nginx)
    stack.wait_http(f"http://127.0.0.1:{PORT}/healthz", nginx)

    status, _, body = request("GET", "/healthz")
    checks["healthz_through_nginx"] = status == 200 and json.loads(body)["status"] == "ok"
    status, headers, _ = request("GET", "/static/messaging/live.js")
    checks["static_from_nginx"] = status == 200
    email = f"deploy-{secrets.token_hex(4)}@example.test"
    registration = json.dumps(
        {
            "email": email,
            "password": "a-long-deploy-passphrase",
            "date_of_birth": "1990-01-01",
            "display_name": "Dee",
        }
    ).encode()
    status, _, body = request(
        "POST", "/api/auth/register/", registration, {"Content-Type": "application/json"}
    )
    token = json.loads(body).get("token") if status == 201 else None
    checks["register_through_nginx"] = token is not None
    checks["websocket_through_nginx"] = bool(token) and asyncio.run(socket_round_trip(token))
    status, headers, _ = request("GET", "/login/")
    csp = headers.get("Content-Security-Policy", "")
    checks["page_csp"] = "script-src 'self'" in csp and "open.spotify.com" in csp
    checks["nosniff_and_referrer"] = (
        headers.get("X-Content-Type-Options") == "nosniff"
        and headers.get("Referrer-Policy") == "same-origin"
    )
    status, _, _ = request(
        "POST", "/api/auth/login/", b"x" * (4 << 20), {"Content-Type": "application/json"}
    )
    checks["nginx_refuses_4mb_body"] = status == 413
    processes[0].terminate()  # one ASGI process goes away: nginx sends requests to the others
    processes[0].wait(timeout=15)
    answers = [request("GET", "/healthz")[0] for _ in range(10)]
    checks["one_process_stopped_requests_still_200"] = answers.count(200) == len(answers)


if __name__ == "__main__":
    sys.exit(main())
