"""Cold start: importing the Lambda handler loads only what the first request needs.

Checked in a fresh interpreter configured as template.yaml configures the function (API Gateway's JWT
authorizer verifies tokens, no dev key), by what is in `sys.modules` after `import app`: no wall
clock. `bench/coldstart_bench.py` measures what that is worth against the import floor.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.deploy.lambda_support import lambda_environment

ROOT = Path(__file__).resolve().parent.parent.parent

# Loaded on first use only: each is needed by a request the first one rarely is.
LAZY = {
    "appstoreserverlibrary": "App Store verification (redeemPurchase, the App Store webhook)",
    "cattrs": "App Store verification (Apple's library decodes its payloads with it)",
    "requests": "App Store verification (Apple's library)",
    "asn1crypto": "App Store verification (Apple's certificate extensions)",
    "jwt": "Bearer tokens we verify ourselves (API Gateway's authorizer already verified these)",
    "langcodes": "the first language tag a push or the catalog checks",
    "language_data": "the first language tag a push or the catalog checks",
    "google": "Google Play purchases",
}

SCRIPT = """
import json, sys
import app
from tether.storage.base import TetherModel
connection = TetherModel._connection
print(json.dumps({
    "loaded": sorted(name for name in sys.modules if name.split(".")[0] in set(sys.argv[1:])),
    "client_built": connection is not None and connection.connection._client is not None,
}))
"""


def prod_environment() -> dict[str, str]:
    return lambda_environment(
        TETHER_STAGE="prod",
        TETHER_TABLE="tether-prod",
        TETHER_CURSOR_SECRET="c" * 32,
        TETHER_AUDIT_SECRET="a" * 32,
        TETHER_APPLE_BUNDLE_ID="com.example.tether",
        TETHER_APPLE_APP_ID="1234567890",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_LAMBDA_FUNCTION_NAME="tether-prod-graphql",
    )


def test_importing_the_handler_loads_no_module_the_first_request_does_not_need() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *LAZY],
        cwd=ROOT,
        env=prod_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    loaded = {name.split(".")[0] for name in found["loaded"]}
    assert not loaded, {name: LAZY[name] for name in loaded}
    # The DynamoDB client is built during init (Lambda's init phase), not by the first request.
    assert found["client_built"] is True
