"""`make dev`: DynamoDB Local (persistent, .data/), the table, a dev token, and the API with GraphiQL."""

from __future__ import annotations

import os
import sys

from localdev import dynamodb
from localdev.tokens import ensure_key, mint

ROOT = dynamodb.ROOT
API_HOST = "127.0.0.1"


def main() -> int:
    api_port = int(os.environ.get("TETHER_API_PORT", "3000"))
    external = os.environ.get("TETHER_DYNAMODB_ENDPOINT")
    server = None
    try:
        if external:
            endpoint = external
        else:
            port = int(os.environ.get("TETHER_DYNAMODB_PORT", "8000"))
            server = dynamodb.start(port=port, db_path=ROOT / ".data")
            endpoint = server.endpoint
        os.environ.update(
            {
                "TETHER_STAGE": "dev",
                "TETHER_DYNAMODB_ENDPOINT": endpoint,
                "TETHER_DEV_PUBLIC_KEY_FILE": str(ensure_key()),
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        os.environ.setdefault("TETHER_TABLE", "tether-local")
        from localdev.seed import prepare

        prepare()
        _banner(api_port, endpoint)
        import uvicorn

        uvicorn.run(
            "app:app",
            host=API_HOST,
            port=api_port,
            reload=os.environ.get("RELOAD", "1") == "1",
            reload_dirs=[str(ROOT / "tether"), str(ROOT / "resolvers")],
            log_level="warning",
        )
    except dynamodb.DynamoDBLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
            print("DynamoDB Local stopped.", file=sys.stderr)
    return 0


def _banner(api_port: int, endpoint: str) -> None:
    url = f"http://{API_HOST}:{api_port}/graphql"
    token = mint("dev")
    print(
        f"""
  Tether is running.

  GraphiQL explorer   {url}
  DynamoDB Local      {endpoint}  (data in .data/)

  Dev token for user "dev" (valid 7 days); paste into GraphiQL's Headers tab as
  {{"Authorization": "Bearer <token>"}}:

{token}

  Try:  curl -s {url} -H 'Content-Type: application/json' \\
          -H "Authorization: Bearer $(make -s token)" -d '{{"query":"{{ me {{ id }} }}"}}'

  Another user: make token USER=alice   (add ADMIN=1 for a catalog editor)
  Ctrl-C stops the API and DynamoDB Local.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
