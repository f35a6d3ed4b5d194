"""Settings, read once from the environment. Every setting is documented in README.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from tether.errors import ConfigurationError

STAGES = ("dev", "prod")


def _setting(env: str, default: Any, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Deployment settings. Build with `Settings.from_env()`; tests pass overrides."""

    stage: str = _setting(
        "TETHER_STAGE",
        "dev",
        "`dev` or `prod`. Prod turns off GraphiQL and introspection and refuses the local dev key.",
    )
    table_name: str = _setting("TETHER_TABLE", "tether-local", "DynamoDB table name (SAM sets it).")
    dynamodb_endpoint: str | None = _setting(
        "TETHER_DYNAMODB_ENDPOINT",
        None,
        "DynamoDB endpoint URL; unset in AWS, DynamoDB Local's URL locally.",
    )
    region: str = _setting("AWS_REGION", "us-east-1", "AWS region (set by Lambda).")
    graphiql: bool | None = _setting(
        "TETHER_GRAPHIQL",
        None,
        "Serve the GraphiQL explorer at GET /graphql. Default: on in dev, off in prod.",
    )
    introspection: bool | None = _setting(
        "TETHER_INTROSPECTION", None, "Allow schema introspection. Default: on in dev, off in prod."
    )
    max_query_depth: int = _setting(
        "TETHER_MAX_QUERY_DEPTH",
        10,
        "Deepest selection nesting accepted (introspection fields excluded).",
    )
    max_aliases: int = _setting("TETHER_MAX_ALIASES", 15, "Most field aliases accepted in one document.")
    max_tokens: int = _setting("TETHER_MAX_TOKENS", 2000, "Most lexical tokens accepted in one document.")
    max_body_bytes: int = _setting(
        "TETHER_MAX_BODY_BYTES",
        5_000_000,
        "Largest request body accepted (Lambda's own payload limit is 6 MB).",
    )
    dynamodb_connect_timeout: float = _setting(
        "TETHER_DYNAMODB_CONNECT_TIMEOUT", 1.0, "Seconds to connect to DynamoDB."
    )
    dynamodb_read_timeout: float = _setting(
        "TETHER_DYNAMODB_READ_TIMEOUT", 3.0, "Seconds to wait for a DynamoDB response."
    )
    dynamodb_max_attempts: int = _setting(
        "TETHER_DYNAMODB_MAX_ATTEMPTS",
        3,
        "Attempts per DynamoDB call (botocore standard retry mode, with backoff).",
    )
    dev_public_key: str | None = _setting(
        "TETHER_DEV_PUBLIC_KEY",
        None,
        "PEM public key of the local dev token issuer (the text, for `sam local`). Refused in prod.",
    )
    dev_public_key_file: str | None = _setting(
        "TETHER_DEV_PUBLIC_KEY_FILE",
        None,
        "Path of that PEM key (what `make dev` sets). Refused in prod.",
    )
    jwt_issuer: str | None = _setting(
        "TETHER_JWT_ISSUER",
        None,
        "Issuer of real tokens (the Cognito user pool URL); used where no API Gateway authorizer ran.",
    )
    jwt_audience: str | None = _setting(
        "TETHER_JWT_AUDIENCE",
        None,
        "Accepted audience / client id of real tokens (the Cognito app client id).",
    )
    jwks_url: str | None = _setting(
        "TETHER_JWKS_URL",
        None,
        "JWKS URL of the token issuer. Default: `<issuer>/.well-known/jwks.json`.",
    )
    tombstone_retention_days: int = _setting(
        "TETHER_TOMBSTONE_RETENTION_DAYS",
        30,
        "Days a deleted record's tombstone is kept for devices to pull (then DynamoDB TTL removes it; older cursors must reset).",
    )
    cursor_secret: str | None = _setting(
        "TETHER_CURSOR_SECRET",
        None,
        "Key that signs sync cursors (32+ random bytes, e.g. `openssl rand -hex 32`). Dev falls back to a fixed key.",
    )
    cursor_secret_arn: str | None = _setting(
        "TETHER_CURSOR_SECRET_ARN",
        None,
        "Secrets Manager ARN holding that key (what the SAM template sets); read once per cold start and cached.",
    )
    cors_origins: str = _setting(
        "TETHER_CORS_ORIGINS",
        "",
        "Comma-separated browser origins allowed by CORS (local server; API Gateway has its own).",
    )
    log_level: str = _setting("POWERTOOLS_LOG_LEVEL", "INFO", "Log level of the JSON logs.")
    catalog_partition: str = _setting(
        "TETHER_CATALOG_PARTITION",
        "CATALOG",
        "Partition key of the shared content catalog (its items, head and change feed).",
    )
    catalog_head_ttl_seconds: float = _setting(
        "TETHER_CATALOG_HEAD_TTL_SECONDS",
        5.0,
        "Seconds a Lambda trusts its cached catalog head: how late syncPull and catalog reads may see a catalog change.",
    )
    media_bucket: str | None = _setting(
        "TETHER_MEDIA_BUCKET",
        None,
        "Private S3 bucket of the media (SAM sets it; media URLs fail without it in prod). Dev signs URLs for `tether-media-local`.",
    )
    media_url_seconds: int = _setting(
        "TETHER_MEDIA_URL_SECONDS", 900, "Lifetime of a presigned media download URL (`mediaUrl`)."
    )
    media_upload_url_seconds: int = _setting(
        "TETHER_MEDIA_UPLOAD_URL_SECONDS", 900, "Lifetime of a presigned upload URL (`adminMediaUploadUrl`)."
    )
    media_audio_types: str = _setting(
        "TETHER_MEDIA_AUDIO_TYPES",
        "audio/mpeg,audio/mp4,audio/aac,audio/ogg,audio/wav,video/mp4",
        "Content types an editor may upload as a track's AUDIO (its main media), comma-separated.",
    )
    media_transcript_types: str = _setting(
        "TETHER_MEDIA_TRANSCRIPT_TYPES", "application/pdf", "Content types allowed for a TRANSCRIPT."
    )
    media_image_types: str = _setting(
        "TETHER_MEDIA_IMAGE_TYPES", "image/jpeg,image/png,image/webp", "Content types allowed for an IMAGE."
    )
    media_max_audio_mb: int = _setting("TETHER_MEDIA_MAX_AUDIO_MB", 500, "Largest AUDIO upload, in MiB.")
    media_max_transcript_mb: int = _setting(
        "TETHER_MEDIA_MAX_TRANSCRIPT_MB", 20, "Largest TRANSCRIPT upload, in MiB."
    )
    media_max_image_mb: int = _setting("TETHER_MEDIA_MAX_IMAGE_MB", 10, "Largest IMAGE upload, in MiB.")

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ConfigurationError(f"TETHER_STAGE must be one of {', '.join(STAGES)}, not {self.stage!r}")
        if self.is_prod and (self.dev_public_key or self.dev_public_key_file):
            raise ConfigurationError(
                "the local dev token key is refused in prod: unset TETHER_DEV_PUBLIC_KEY and "
                "TETHER_DEV_PUBLIC_KEY_FILE and use the Cognito issuer"
            )
        if self.is_prod and not (self.cursor_secret or self.cursor_secret_arn):
            raise ConfigurationError(
                "prod needs TETHER_CURSOR_SECRET or TETHER_CURSOR_SECRET_ARN to sign sync cursors"
            )
        for name in (
            "tombstone_retention_days",
            "max_query_depth",
            "max_aliases",
            "max_tokens",
            "max_body_bytes",
            "dynamodb_max_attempts",
        ):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{_env_name(name)} must be at least 1")
        self._check_catalog()

    def _check_catalog(self) -> None:
        if self.catalog_head_ttl_seconds < 0:
            raise ConfigurationError("TETHER_CATALOG_HEAD_TTL_SECONDS must not be negative")
        for name in ("media_max_audio_mb", "media_max_transcript_mb", "media_max_image_mb"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{_env_name(name)} must be at least 1")
        for name in ("media_url_seconds", "media_upload_url_seconds"):
            if not 1 <= getattr(self, name) <= 7 * 24 * 3600:
                raise ConfigurationError(
                    f"{_env_name(name)} must be at least 1 and at most 604800 (7 days, SigV4's limit)"
                )

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def media_bucket_name(self) -> str:
        """The media bucket; dev without one signs URLs for a placeholder name."""
        if self.media_bucket:
            return self.media_bucket
        if self.is_prod:
            raise ConfigurationError(
                "prod needs TETHER_MEDIA_BUCKET (the private media bucket) to sign media URLs"
            )
        return "tether-media-local"

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_prod) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_prod) if self.introspection is None else self.introspection

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from the environment; keyword overrides win."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            env = spec.metadata["env"]
            if spec.name in overrides:
                values[spec.name] = overrides.pop(spec.name)
            elif environ.get(env, "") != "":
                values[spec.name] = _parse(spec.type, environ[env], env)
        if overrides:
            raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
        return cls(**values)


def _env_name(name: str) -> str:
    return str(next(spec.metadata["env"] for spec in fields(Settings) if spec.name == name))


def _parse(kind: Any, raw: str, env: str) -> Any:
    kind = str(kind)
    try:
        if kind.startswith("bool"):
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"{env}={raw!r} is not a valid {kind.split(' ')[0]}") from None
    return raw


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for the README."""
    rows = []
    for spec in fields(Settings):
        default = "" if spec.default is None else str(spec.default)
        rows.append((spec.metadata["env"], default, spec.metadata["help"]))
    return rows
