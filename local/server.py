"""`make run`: the whole service on this machine, on the embedded AWS runtime.

Starts moto with the real state machines, restores the last snapshot (or seeds demo data),
restarts workflows a restart left stranded, and serves the Chalice app on loopback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

os.environ.setdefault("FCS_STAGE", "local")

SNAPSHOT_EVERY_SECONDS = 5
# Connections the kernel holds while the server is busy accepting others. Python's default of 5
# drops the rest: a burst of 20 clients saw resets (macOS) or one-second SYN retries (Linux).
LISTEN_BACKLOG = 128
# Approval and amendment links carry secrets in their path: never print those.
SECRET_PATH = re.compile(r"(/approve/)[^\s/?\"]+")


class _ToCurrentStderr(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time (a test's capture may replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


# The access log goes through `logging` like every other line the service writes, one line a request
# as `make run` has always printed it.
ACCESS_LOG = logging.getLogger("family-contact-local.access")
ACCESS_LOG.propagate = False
ACCESS_LOG.setLevel(logging.INFO)
if not ACCESS_LOG.handlers:
    ACCESS_LOG.addHandler(_ToCurrentStderr())


def _request_handler():
    from urllib.parse import urlsplit

    from chalice.local import ChaliceRequestHandler, ForbiddenError

    from chalicelib.api.not_found import unknown_path

    # Chalice keeps the current request on the app object, so requests are handled one at a
    # time (the server still accepts connections on many threads, as browsers need).
    dispatch_lock = threading.Lock()

    class SerialRequestHandler(ChaliceRequestHandler):
        # Headers and body go out in separate writes: with Nagle's algorithm on, each answer on a
        # kept-alive connection (a browser's) waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def _generic_handle(self) -> None:
            with dispatch_lock:
                super()._generic_handle()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def _send_error_response(self, error) -> None:  # noqa: ANN001
            """A path no route matches gets the service's 404 (a page, or the API's JSON error), as
            the deployed catch-all route answers: not the 403 Chalice copies from API Gateway
            (`Missing Authentication Token`, or with an Authorization header, one about AWS
            signature parameters). Chalice raises both only when no route matches."""
            if isinstance(error, ForbiddenError) and error.headers.get("x-amzn-ErrorType") == "UnauthorizedException":
                status, headers, body = unknown_path(urlsplit(self.path).path, dict(self.headers.items()))
                self._send_http_response(status, headers, body)
                return
            super()._send_error_response(error)

        def _handle_binary(self, response: dict) -> dict:
            """A base64 answer is decoded as API Gateway decodes it (by the first Accept type and
            the API's binary media types), not always as `chalice local` does."""
            from chalicelib.web.http import API_BINARY_MEDIA_TYPES
            from local.api_gateway import delivered_body

            body = delivered_body(response, self.headers.get("Accept"), API_BINARY_MEDIA_TYPES)
            return {**response, "body": body, "isBase64Encoded": False}

        def __getattr__(self, name: str):
            # A method http.server has no handler for (TRACE, QUERY, a made-up one) would get its
            # HTML 501, a server error; it is the client's mistake: a 405 as any route answers.
            if name.startswith("do_"):
                return self._method_not_allowed
            raise AttributeError(name)

        def _method_not_allowed(self) -> None:
            message = f"The method {self.command[:20]!r} is not allowed here."
            body = json.dumps({"error": {"code": "method_not_allowed", "message": message}}).encode()
            self.close_connection = True  # any body it sent is left unread
            self._send_http_response(405, {"Content-Type": "application/json"}, body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            ACCESS_LOG.info("%s", SECRET_PATH.sub(r"\1…", format % args))

    return SerialRequestHandler


def _server_class():
    from chalice.local import ThreadedHTTPServer

    class BurstTolerantServer(ThreadedHTTPServer):
        request_queue_size = LISTEN_BACKLOG

    return BurstTolerantServer


def build_server(app, host: str, port: int):
    """The app served as the local stage serves it: with the dev routes and the demo sign-in."""
    from chalice.config import Config
    from chalice.local import LocalDevServer

    from local.dev_routes import register

    register(app)
    config = Config.create(chalice_stage="local", app_name=app.app_name, project_dir=str(Path.cwd()))
    return LocalDevServer(app, config, host, port, handler_cls=_request_handler(), server_cls=_server_class())


@contextmanager
def _start_up_quietly(log_path: Path) -> Iterator[TextIO]:
    """Starting (seeding demo data, the recovery sweep) runs the service's own code, which logs and
    counts as it does in AWS: above the banner that is noise. Its log lines go to `log_path`, its
    metrics nowhere; yields the terminal, for the banner. Everything after it prints as usual."""
    terminal = sys.stdout
    metrics_setting = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    with log_path.open("w", encoding="utf-8") as log:
        sys.stdout = log  # the service's logger writes to whatever `sys.stdout` is (observability.py)
        try:
            yield terminal
        except BaseException:
            print(f"Start-up failed: its log is {log_path}", file=sys.stderr, flush=True)
            raise
        finally:
            sys.stdout = terminal
            if metrics_setting is None:
                os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
            else:
                os.environ["POWERTOOLS_METRICS_DISABLED"] = metrics_setting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Family Contact Service locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--data-dir", default=os.environ.get("FCS_DATA_DIR", ".local-data"))
    args = parser.parse_args(argv)

    base_url = f"http://{args.host}:{args.port}"
    os.environ.setdefault("PUBLIC_BASE_URL", base_url)
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    start_up_log = data_dir / "start-up.log"

    with _start_up_quietly(start_up_log) as terminal:
        from app import app
        from local import seed, snapshot
        from local.runtime import EmbeddedAws

        runtime = EmbeddedAws(app, data_dir).start()
        restored = snapshot.restore(data_dir / "snapshot.json")
        if not restored:
            seed.seed_demo_data()
        snapshot.save(data_dir / "snapshot.json")
        recovered = seed.recover_workflows()
        server = build_server(app, args.host, args.port)
        # Printed before the terminal is given back, so no line of the start-up lands above it.
        print(
            f"\nFamily Contact Service is running at {base_url}\n"
            f"  data:    {data_dir} ({'restored from snapshot' if restored else 'fresh demo data'};"
            f" start-up log: {start_up_log.name})\n"
            f"  outbox:  {runtime.outbox.folder}  (also listed at {base_url}/dev/outbox)\n"
            f"  sign in: {base_url}/signin  or get an API token:\n"
            f"           curl -s -X POST {base_url}/dev/token -H 'Content-Type: application/json' -d '{{\"role\": \"hr\"}}'\n"
            f"  workflows restarted after the last stop: {recovered.get('restarted', 0)}\n"
            "Press Ctrl-C to stop (data is kept for the next start).\n",
            file=terminal,
            flush=True,
        )

    stop = threading.Event()

    def keep_snapshot() -> None:
        while not stop.wait(SNAPSHOT_EVERY_SECONDS):
            snapshot.save(data_dir / "snapshot.json")

    threading.Thread(target=keep_snapshot, daemon=True, name="snapshot").start()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    finally:
        stop.set()
        snapshot.save(data_dir / "snapshot.json")
        server.server.server_close()
        runtime.stop()
        print("Stopped. Data saved.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
