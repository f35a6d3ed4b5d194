"""Public store webhook routes (no authorizer, no user token): each verifies its own signature.

- `POST /webhooks/app-store`: App Store Server Notifications V2 (`{"signedPayload": "<JWS>"}`).
- `POST /webhooks/play`: Google Play Real-time Developer Notifications, pushed by a Pub/Sub push
  subscription with an OIDC token (`Authorization: Bearer`).

Answers: 200 once a notification is applied, was applied before, or concerns nothing sold here
(the store stops retrying); 400 for a body that is not a notification; 401 when its signature is
not the store's; 500 (the store retries later) when storage failed. Bodies are never logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers.offload import offload
from tether.entitlements.model import InvalidSignedData
from tether.errors import BadUserInput, TetherError, Unauthenticated
from tether.services import Services
from tether.telemetry import logger

if TYPE_CHECKING:  # purchases are built (and imported) on the first notification (tether/services.py)
    from tether.entitlements.purchases import NotificationOutcome

MAX_BODY = 256 * 1024


class Webhooks:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def app_store(self, request: Request) -> Response:
        return await self._handle(request, "app_store", self._app_store)

    def _app_store(self, body: Mapping[str, Any], request: Request) -> NotificationOutcome:
        return self.services.purchases.app_store_notification(body.get("signedPayload"))  # type: ignore[arg-type]

    async def play(self, request: Request) -> Response:
        return await self._handle(request, "play", self._play)

    def _play(self, body: Mapping[str, Any], request: Request) -> NotificationOutcome:
        return self.services.purchases.play_notification(request.headers.get("authorization"), body)

    async def _handle(
        self,
        request: Request,
        store: str,
        apply: Callable[[Mapping[str, Any], Request], NotificationOutcome],
    ) -> Response:
        try:
            body = await _json(request)
            outcome = await offload(apply, body, request)
        except InvalidSignedData as refused:
            logger.warning("store notification refused", extra={"store": store, "reason": refused.extensions})
            return _answer(401, {"error": refused.message, **refused.extensions})
        except Unauthenticated as refused:
            logger.warning("store notification refused", extra={"store": store, "reason": refused.extensions})
            return _answer(401, {"error": refused.message, **refused.extensions})
        except BadUserInput as refused:
            return _answer(400, {"error": refused.message, **refused.extensions})
        except TetherError as failed:  # storage busy or throttled: the store retries later
            logger.warning("store notification not applied", extra={"store": store, "code": failed.code})
            return _answer(500, {"error": "not applied; retry later"})
        logger.info(
            "store notification", extra={"store": store, "outcome": outcome.outcome, "detail": outcome.detail}
        )
        return _answer(200, {"outcome": outcome.outcome})


async def _json(request: Request) -> Mapping[str, Any]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadUserInput(f"The body is larger than {MAX_BODY} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadUserInput("The body is not JSON") from None
    if not isinstance(data, dict):
        raise BadUserInput("The body must be a JSON object")
    return data


def _answer(status: int, body: Mapping[str, Any]) -> Response:
    return JSONResponse(dict(body), status_code=status)
