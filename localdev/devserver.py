"""`make dev`: DynamoDB Local (persistent, .data/), the table, a dev token, and the API with GraphiQL.

Environment (all optional):

- TETHER_API_PORT (3000): the API's port on 127.0.0.1.
- TETHER_DYNAMODB_PORT (8000): DynamoDB Local's port.
- TETHER_DATA_DIR (<repo>/.data): where DynamoDB Local keeps its data between runs.
- TETHER_DYNAMODB_ENDPOINT: use this DynamoDB instead of starting DynamoDB Local.
- TETHER_S3_PORT (9000): the local S3's port (moto's server with S3's presigned checks,
  localdev/s3.py; files kept in memory). It holds the media bucket `tether-media-local`, with the
  demo catalog's media; every presigned URL points at it.
- TETHER_SQS_PORT (9324): the local SQS's port (moto's server, localdev/sqs.py; in memory). It
  holds the reply queue `tether-replies-local` and its dead-letter queue; a poller thread (the
  local stand-in for Lambda's event source mapping) runs the reply worker, so a pushed chat
  message's reply arrives by pull with no later push. It also holds the catalog's FIFO publish
  queue `tether-catalog-publish-local.fifo`, whose poller publishes the catalog's read index after
  an editor's change, as CatalogPublisherFunction does in AWS.
- RELOAD (1): restart the API when code under tether/ or resolvers/ changes; 0 turns it off.

The banner (URL and dev token) is printed once the API answers. Ctrl-C (SIGINT) or SIGTERM stops
the API, the local S3 and DynamoDB Local together; if this process is killed outright, Linux still stops
DynamoDB Local (PR_SET_PDEATHSIG, see localdev/dynamodb.py).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from localdev import dynamodb
from localdev import s3 as local_s3
from localdev import sqs as local_sqs
from localdev.tokens import ensure_key, mint

ROOT = dynamodb.ROOT
API_HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0
MEDIA_BUCKET = "tether-media-local"
REPLY_QUEUE = "tether-replies-local"
PUBLISH_QUEUE = "tether-catalog-publish-local"


def dynamodb_port(environ: Mapping[str, str] | None = None) -> int:
    """DynamoDB Local's port for `make dev`: TETHER_DYNAMODB_PORT, else 8000."""
    return int((os.environ if environ is None else environ).get("TETHER_DYNAMODB_PORT") or "8000")


def dev_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `make dev` runs the API with; every dev command uses the same one.

    The DynamoDB endpoint is TETHER_DYNAMODB_ENDPOINT if set, else DynamoDB Local on 127.0.0.1 at
    TETHER_DYNAMODB_PORT (8000); the table is TETHER_TABLE, else `tether-local`.
    """
    base = dict(os.environ if environ is None else environ)
    endpoint = base.get("TETHER_DYNAMODB_ENDPOINT") or f"http://127.0.0.1:{dynamodb_port(base)}"
    return {
        **base,
        "TETHER_STAGE": "dev",
        "TETHER_DYNAMODB_ENDPOINT": endpoint,
        "TETHER_TABLE": base.get("TETHER_TABLE") or "tether-local",
    }


def data_dir() -> Path:
    """DynamoDB Local's data folder: TETHER_DATA_DIR, else <repo>/.data."""
    configured = os.environ.get("TETHER_DATA_DIR", "").strip()
    return Path(configured).expanduser().resolve() if configured else ROOT / ".data"


def main() -> int:
    api_port = int(os.environ.get("TETHER_API_PORT", "3000"))
    external = os.environ.get("TETHER_DYNAMODB_ENDPOINT")
    server: dynamodb.DynamoDBLocal | None = None
    s3: local_s3.LocalS3Server | None = None
    sqs: local_sqs.LocalSQSServer | None = None
    pollers: list[local_sqs.QueuePoller] = []
    # SIGTERM (an IDE's stop button, `kill`) shuts down as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if dynamodb.port_in_use(api_port):
            raise dynamodb.DynamoDBLocalError(
                f"port {api_port} is already in use (another `make dev`?); stop it or choose another "
                "port with TETHER_API_PORT"
            )
        if external:
            endpoint, where = external, "external"
        else:
            data = data_dir()
            server = dynamodb.start(port=dynamodb_port(), db_path=data)
            endpoint, where = server.endpoint, f"pid {server.process.pid}, data in {_shown(data)}"
        s3_port = int(os.environ.get("TETHER_S3_PORT", "9000"))
        if dynamodb.port_in_use(s3_port):
            raise dynamodb.DynamoDBLocalError(
                f"port {s3_port} is already in use; choose another port for the local S3 with TETHER_S3_PORT"
            )
        s3 = local_s3.LocalS3Server(s3_port).start()
        sqs_port = int(os.environ.get("TETHER_SQS_PORT", "9324"))
        if dynamodb.port_in_use(sqs_port):
            raise dynamodb.DynamoDBLocalError(
                f"port {sqs_port} is already in use; choose another port for the local SQS with TETHER_SQS_PORT"
            )
        sqs = local_sqs.LocalSQSServer(sqs_port).start()
        os.environ.update(
            {
                **dev_environment({**os.environ, "TETHER_DYNAMODB_ENDPOINT": endpoint}),
                "TETHER_S3_ENDPOINT": s3.endpoint,
                "TETHER_SQS_ENDPOINT": sqs.endpoint,
                "TETHER_MEDIA_BUCKET": MEDIA_BUCKET,
                "TETHER_DEV_PUBLIC_KEY_FILE": str(ensure_key()),
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        from localdev.seed import prepare
        from tether.media import Media
        from tether.settings import Settings

        local_s3.create_bucket(Media(Settings.from_env()).client, MEDIA_BUCKET)
        prepare()
        pollers = _workers()
        url = f"http://{API_HOST}:{api_port}/graphql"
        threading.Thread(
            target=_banner_when_ready, args=(url, endpoint, where, s3.endpoint), name="banner", daemon=True
        ).start()
        import uvicorn

        reload = os.environ.get("RELOAD", "1") == "1"
        uvicorn.run(
            "app:app",
            host=API_HOST,
            port=api_port,
            reload=reload,
            reload_dirs=[str(ROOT / "tether"), str(ROOT / "resolvers")] if reload else None,
            log_level="warning",
        )
    except dynamodb.DynamoDBLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave DynamoDB Local behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for poller in pollers:
            poller.stop()
        if sqs is not None:
            sqs.stop()
            print(
                "Local SQS, the reply worker and the catalog publisher stopped.", file=sys.stderr, flush=True
            )
        if s3 is not None:
            s3.stop()
            print("Local S3 stopped.", file=sys.stderr, flush=True)
        if server is not None:
            server.stop()
            print("DynamoDB Local stopped.", file=sys.stderr, flush=True)
    return 0


def _workers() -> list[local_sqs.QueuePoller]:
    """The reply queue and the catalog's publish queue (TETHER_CHAT_QUEUE_URL and
    TETHER_CATALOG_PUBLISH_QUEUE_URL for the API), and a poller on each: the same handler code as
    the Lambdas' SQS events (it runs in this process; RELOAD restarts only the API, so restart
    `make dev` after changing the assistant or the publisher)."""
    from tether.chat.queue import SqsReplyQueue
    from tether.chat.worker import handle_sqs_event
    from tether.services import Services
    from tether.settings import Settings
    from tether.storage import base as storage

    client = SqsReplyQueue(Settings.from_env({**os.environ, "TETHER_CHAT_QUEUE_URL": "-"})).client
    os.environ["TETHER_CHAT_QUEUE_URL"] = local_sqs.create_queues(client, REPLY_QUEUE)
    os.environ["TETHER_CATALOG_PUBLISH_QUEUE_URL"] = local_sqs.create_publish_queues(client, PUBLISH_QUEUE)
    settings = Settings.from_env()
    storage.configure(settings)
    services = Services.build(settings)
    replies = local_sqs.QueuePoller(
        client, settings.chat_queue_url or "", lambda event: handle_sqs_event(services.chat, event)
    )
    publishes = local_sqs.QueuePoller(
        client,
        settings.catalog_publish_queue_url or "",
        services.publisher.handle_event,
        batch_size=local_sqs.PUBLISH_BATCH_SIZE,
        name="catalog-publisher",
    )
    return [replies.start(), publishes.start()]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _shown(path: Path) -> str:
    try:
        return f"{path.relative_to(ROOT)}/"
    except ValueError:
        return f"{path}/"


def _banner_when_ready(url: str, endpoint: str, where: str, s3_endpoint: str) -> None:
    """Print the banner once the API answers a query, so that what it says is true."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    probe = f"{url}?query=%7B__typename%7D"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    else:
        print(
            f"warning: the API did not answer at {url} within {READY_TIMEOUT_SECONDS:.0f}s", file=sys.stderr
        )
    _banner(url, endpoint, where, s3_endpoint)


def _banner(url: str, endpoint: str, where: str, s3_endpoint: str) -> None:
    token = mint("dev")
    print(
        f"""
  Tether is running.

  GraphiQL explorer   {url}
  DynamoDB Local      {endpoint}  ({where})
  Local S3            {s3_endpoint}  (bucket {MEDIA_BUCKET}, in memory; presigned URLs point here)
  Local SQS           {os.environ.get("TETHER_SQS_ENDPOINT")}  (queues {REPLY_QUEUE} and {PUBLISH_QUEUE}.fifo, each polled here)

  Dev token for user "dev" (valid 7 days); paste into GraphiQL's Headers tab as
  {{"Authorization": "Bearer <token>"}}:

{token}

  Try:  curl -s {url} -H 'Content-Type: application/json' \\
          -H "Authorization: Bearer $(make -s token)" -d '{{"query":"{{ me {{ id }} }}"}}'

  Another user: make token USER=alice   (add ADMIN=1 for a catalog editor)
  Upload a file: README.md, "Attachments from the command line".
  Ctrl-C stops the API, the local S3, the local SQS and DynamoDB Local.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
