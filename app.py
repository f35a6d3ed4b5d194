"""Wiring only: the Starlette ASGI app (local server, tests) and the Lambda handler (Mangum)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from mangum import Mangum
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from resolvers.errors import GRAPHQL_RESPONSE_JSON
from resolvers.http import GraphQLEndpoint
from resolvers.schema import build_schema
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.telemetry import logger, metrics
from tether.uploads import is_s3_event

GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "static" / "graphiql"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """The whole API as one ASGI app, configured by `settings` (default: the environment)."""
    settings = services.settings if services is not None else settings or Settings.from_env()
    storage.configure(settings)
    services = services or Services.build(settings)
    endpoint = GraphQLEndpoint(build_schema(settings), services)
    routes: list[BaseRoute] = [Route("/graphql", endpoint.handle, methods=ALL_METHODS)]
    if settings.graphiql_enabled:
        routes.append(Mount("/graphiql", StaticFiles(directory=GRAPHIQL_ASSETS, check_dir=False)))
    middleware = []
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    if origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        )
    asgi = Starlette(routes=routes, middleware=middleware)
    asgi.state.services = services  # the Lambda handler's non-HTTP events (S3) use them too
    return asgi


LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_handler(asgi_app: Starlette) -> LambdaHandler:
    """A Lambda handler serving `asgi_app` (API Gateway HTTP API 2.0 and REST 1.0 events)."""
    mangum = Mangum(
        asgi_app,
        lifespan="off",
        text_mime_types=[GRAPHQL_RESPONSE_JSON, "application/json", "application/javascript", "text/"],
    )

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        if is_s3_event(event):  # a file arrived: complete its attachment (apps killed mid-upload)
            handled = asgi_app.state.services.uploads.on_s3_event(event)
            metrics.add_metric(name="AttachmentEvents", unit=MetricUnit.Count, value=handled)
            return {"handled": handled}
        response: dict[str, Any] = mangum(event, context)
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        metrics.add_metric(
            name="Latency", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000
        )
        return response

    return handler


app = create_app()

handler = make_handler(app)
"""The Lambda entry point (template.yaml: `Handler: app.handler`)."""
