"""Settings, read once from the environment. Every setting is documented in README.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from tether.errors import ConfigurationError

STAGES = ("dev", "prod")
PERSISTED_MODES = ("off", "apq", "manifest")
# Seconds an assistant reply's lease outlives the chat time budget: longer than any attempt, so only
# a crashed one expires (Settings.chat_reply_window).
CHAT_LEASE_MARGIN_SECONDS = 10
PROD_RATE_LIMITS = "sync=1200,chat=300,export=10,other=600,anonymous=60"


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
        "TETHER_INTROSPECTION",
        None,
        'Allow schema introspection (and "Did you mean ...?" suggestions in errors, which leak the schema too). Default: on in dev, off in prod.',
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
    max_json_depth: int = _setting(
        "TETHER_MAX_JSON_DEPTH",
        32,
        "Deepest JSON nesting accepted in the request body and GET `variables` (checked before decoding).",
    )
    max_list_items: int = _setting(
        "TETHER_MAX_LIST_ITEMS",
        200,
        "Longest JSON list accepted in a request (checked before GraphQL coerces it; a push takes at most 100 mutations).",
    )
    max_input_values: int = _setting(
        "TETHER_MAX_INPUT_VALUES",
        10_000,
        "Most JSON values (objects, lists, scalars) accepted in one request's body or `variables`.",
    )
    rate_limits: str | None = _setting(
        "TETHER_RATE_LIMITS",
        None,
        "Requests per hour per account and operation class, e.g. `sync=1200,chat=300,export=10,other=600,anonymous=60` (anonymous: per client address); a class left out or 0 is unlimited. Default: that example in prod, none in dev. See docs/security.md.",
    )
    rate_limit_batch: int = _setting(
        "TETHER_RATE_LIMIT_BATCH",
        10,
        "Requests a container counts before adding them to the shared DynamoDB counter (one write per batch); the overshoot is at most this per container.",
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
        "The Cognito app client id(s), comma-separated: id tokens must carry one in `aud`, access tokens in `client_id`. Required in prod when TETHER_JWT_ISSUER is set.",
    )
    jwks_url: str | None = _setting(
        "TETHER_JWKS_URL",
        None,
        "JWKS URL of the token issuer. Default: `<issuer>/.well-known/jwks.json`.",
    )
    jwt_algorithm: str = _setting(
        "TETHER_JWT_ALGORITHM", "RS256", "The one signing algorithm accepted from TETHER_JWT_ISSUER."
    )
    google_client_ids: str | None = _setting(
        "TETHER_GOOGLE_CLIENT_IDS",
        None,
        "OAuth client ids (comma-separated) whose Google ID tokens are accepted directly (Google Sign-In SDK); unset: Google tokens are refused. Users are `google:<sub>`.",
    )
    google_jwks_url: str | None = _setting(
        "TETHER_GOOGLE_JWKS_URL", None, "Google's JWKS URL override. Default: Google's published keys."
    )
    apple_client_ids: str | None = _setting(
        "TETHER_APPLE_CLIENT_IDS",
        None,
        "Bundle / Services ids (comma-separated) whose Sign in with Apple id tokens are accepted; unset: Apple tokens are refused. Users are `apple:<sub>`.",
    )
    apple_jwks_url: str | None = _setting(
        "TETHER_APPLE_JWKS_URL", None, "Apple's JWKS URL override. Default: Apple's published keys."
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
    media_bucket: str | None = _setting(
        "TETHER_MEDIA_BUCKET",
        None,
        "Private S3 bucket for media (catalog files under `catalog/`, the catalog's read index under `catalog-index/`, users' files and data exports under `users/<sub>/`); SAM sets it. Unset: dev signs media URLs for `tether-media-local`, `exportMyData` is unavailable and erasure skips S3.",
    )
    s3_endpoint: str | None = _setting(
        "TETHER_S3_ENDPOINT",
        None,
        "S3 endpoint URL; unset in AWS, a local S3-compatible server's URL in tests.",
    )
    user_pool_id: str | None = _setting(
        "TETHER_USER_POOL_ID",
        None,
        "Cognito user pool whose user `deleteMyAccount` deletes and `signOutEverywhere` signs out (AdminUserGlobalSignOut; SAM sets it). Unset locally: those steps are skipped.",
    )
    cognito_client_id: str | None = _setting(
        "TETHER_COGNITO_CLIENT_ID",
        None,
        "The Cognito app client whose refresh tokens `revokeDevice(refreshToken:)` revokes (RevokeToken; SAM sets it). Default: TETHER_JWT_AUDIENCE when it names one client.",
    )
    revoked_sign_in_days: int = _setting(
        "TETHER_REVOKED_SIGN_IN_DAYS",
        30,
        "Days a revoked device's sign-in (its tokens' `origin_jti`) stays refused: at least the app client's refresh-token validity (the template's: 30). See docs/security.md.",
    )
    cognito_endpoint: str | None = _setting(
        "TETHER_COGNITO_ENDPOINT", None, "Cognito endpoint URL override (a local test server); unset in AWS."
    )
    erasure_grace_days: int = _setting(
        "TETHER_ERASURE_GRACE_DAYS",
        7,
        "Days between `deleteMyAccount` and the erasure (the account is locked meanwhile and `cancelAccountDeletion` restores it); 0 erases at once.",
    )
    audit_secret: str | None = _setting(
        "TETHER_AUDIT_SECRET",
        None,
        "Key that hashes user ids in the audit log (32+ random bytes). Unset: derived from the cursor key.",
    )
    audit_secret_arn: str | None = _setting(
        "TETHER_AUDIT_SECRET_ARN",
        None,
        "Secrets Manager ARN holding that key (what the SAM template sets); read once per cold start and cached.",
    )
    required_consents: str = _setting(
        "TETHER_REQUIRED_CONSENTS",
        "",
        "Consents a feature needs before it works, e.g. `chat=ai_chat,research=research+privacy` (feature=kind[+kind]).",
    )
    presence_interval_seconds: int = _setting(
        "TETHER_PRESENCE_INTERVAL_SECONDS",
        300,
        "At most how often `lastSeenAt` (and a device's `lastSyncAt` on idle pulls) is written.",
    )
    websocket_endpoint: str | None = _setting(
        "TETHER_WEBSOCKET_ENDPOINT",
        None,
        "URL of the WebSocket API's stage for `PostToConnection` (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`; SAM sets it). Unset: the dev server's own `/ws` route pokes (docs/sync.md).",
    )
    websocket_ttl_seconds: int = _setting(
        "TETHER_WEBSOCKET_TTL_SECONDS",
        7200,
        "How long a stored WebSocket connection is poked (API Gateway closes a connection after 2 hours; apps reconnect).",
    )
    cors_origins: str = _setting(
        "TETHER_CORS_ORIGINS",
        "",
        "Comma-separated browser origins allowed by CORS (`*` for any). Dev also allows `http://localhost:<any port>` and `http://127.0.0.1:<any port>`.",
    )
    log_level: str = _setting("POWERTOOLS_LOG_LEVEL", "INFO", "Log level of the JSON logs.")
    persisted_documents: str | None = _setting(
        "TETHER_PERSISTED_DOCUMENTS",
        None,
        "Which documents run (docs/clients.md): `off` (any document; APQ and manifest ids work too), `apq` (only documents sent by hash: registered with Automatic Persisted Queries or in the manifest), `manifest` (only the trusted documents of the manifest). Default: `off` in dev, `manifest` in prod.",
    )
    persisted_manifest: str | None = _setting(
        "TETHER_PERSISTED_MANIFEST",
        None,
        "More persisted-query manifests (Apollo's format; comma-separated paths, e.g. the ones Apollo iOS/Kotlin codegen wrote), trusted alongside the bundled `persisted-query-manifest.json` (`make manifest`, from graphql/operations/).",
    )
    apq_ttl_seconds: int = _setting(
        "TETHER_APQ_TTL_SECONDS",
        7 * 24 * 3600,
        "Seconds a document registered with Automatic Persisted Queries is kept (DynamoDB TTL); clients re-register after.",
    )
    apq_max_documents: int = _setting(
        "TETHER_APQ_MAX_DOCUMENTS",
        2000,
        "Most documents registered per TTL window (so at most twice this many are kept); past it documents still run, unregistered.",
    )
    apq_max_document_bytes: int = _setting(
        "TETHER_APQ_MAX_DOCUMENT_BYTES",
        32_768,
        "Largest document registered with Automatic Persisted Queries; a larger one still runs, unregistered.",
    )
    apq_cache_size: int = _setting(
        "TETHER_APQ_CACHE_SIZE", 1000, "Registered documents each Lambda instance keeps in memory (LRU)."
    )
    max_batch_operations: int = _setting(
        "TETHER_MAX_BATCH_OPERATIONS",
        10,
        "Most operations in one batched request (a JSON array body, as Apollo's BatchHttpLink sends).",
    )
    compress_min_bytes: int = _setting(
        "TETHER_COMPRESS_MIN_BYTES",
        1024,
        "Responses at least this large are compressed (zstd, br or gzip, from `Accept-Encoding`).",
    )
    # ---- AI chat (docs/chat.md) ----
    chat_provider: str = _setting(
        "TETHER_CHAT_PROVIDER",
        "local",
        "Who writes the assistant's replies: `bedrock` (Converse API), `openai`, `anthropic`, or `local` (dev: no network, not an AI).",
    )
    chat_bedrock_model: str = _setting(
        "TETHER_CHAT_BEDROCK_MODEL",
        "amazon.nova-lite-v1:0",
        "Bedrock model id (the template grants InvokeModel on it).",
    )
    chat_bedrock_endpoint: str | None = _setting(
        "TETHER_CHAT_BEDROCK_ENDPOINT",
        None,
        "Bedrock Runtime endpoint URL override (a VPC endpoint, or a local test server).",
    )
    chat_openai_model: str = _setting("TETHER_CHAT_OPENAI_MODEL", "gpt-4o-mini", "OpenAI model id.")
    chat_openai_base_url: str | None = _setting(
        "TETHER_CHAT_OPENAI_BASE_URL", None, "OpenAI API base URL override (an OpenAI-compatible server)."
    )
    chat_anthropic_model: str = _setting(
        "TETHER_CHAT_ANTHROPIC_MODEL", "claude-haiku-4-5", "Anthropic model id."
    )
    chat_anthropic_base_url: str | None = _setting(
        "TETHER_CHAT_ANTHROPIC_BASE_URL", None, "Anthropic API base URL override."
    )
    chat_api_key: str | None = _setting(
        "TETHER_CHAT_API_KEY",
        None,
        "API key of the OpenAI or Anthropic provider (local use; in AWS use the ARN).",
    )
    chat_api_key_arn: str | None = _setting(
        "TETHER_CHAT_API_KEY_ARN",
        None,
        "ARN of that key in Secrets Manager (`arn:aws:secretsmanager:...`) or SSM Parameter Store (`arn:aws:ssm:...:parameter/...`, SecureString); cached 5 minutes.",
    )
    chat_system_prompt: str = _setting(
        "TETHER_CHAT_SYSTEM_PROMPT",
        "You are a warm, concise companion in a practice and learning app. Help the user reflect, learn and keep going. "
        "You only know this conversation. You are not a doctor or therapist: for emergencies or medical questions, "
        "encourage the user to contact a professional or local emergency services.",
        "System prompt of the assistant (per deployment).",
    )
    chat_suggestions_file: str | None = _setting(
        "TETHER_CHAT_SUGGESTIONS_FILE",
        None,
        "JSON file of suggested starter prompts by context and language. Default: the bundled tether/chat/suggestions.json.",
    )
    chat_time_budget_seconds: float = _setting(
        "TETHER_CHAT_TIME_BUDGET_SECONDS",
        22.0,
        "Most seconds one request spends on assistant replies, retries included (at most 24: the Lambda times out at 28); replies left over stay PENDING.",
    )
    chat_queue_url: str | None = _setting(
        "TETHER_CHAT_QUEUE_URL",
        None,
        "SQS queue of reply jobs (SAM sets it; `make dev` a local one): a push hands its chat replies to the worker and answers at once. Unset: replies are written within the request's time budget. See docs/chat.md.",
    )
    sqs_endpoint: str | None = _setting(
        "TETHER_SQS_ENDPOINT",
        None,
        "SQS endpoint URL; unset in AWS, a local SQS server's URL in dev and tests.",
    )
    chat_provider_timeout_seconds: float = _setting(
        "TETHER_CHAT_PROVIDER_TIMEOUT_SECONDS", 10.0, "Seconds one provider attempt may take (read timeout)."
    )
    chat_connect_timeout_seconds: float = _setting(
        "TETHER_CHAT_CONNECT_TIMEOUT_SECONDS", 2.0, "Seconds to connect to the provider."
    )
    chat_provider_max_retries: int = _setting(
        "TETHER_CHAT_PROVIDER_MAX_RETRIES",
        1,
        "Retries of a failed provider call (SDK retries; only when the time budget fits every attempt).",
    )
    chat_max_attempts: int = _setting(
        "TETHER_CHAT_MAX_ATTEMPTS", 3, "Timed-out attempts after which a PENDING reply becomes FAILED."
    )
    chat_max_output_tokens: int = _setting(
        "TETHER_CHAT_MAX_OUTPUT_TOKENS", 600, "Longest assistant reply, in tokens."
    )
    chat_memory_tokens: int = _setting(
        "TETHER_CHAT_MEMORY_TOKENS",
        3000,
        "Token budget of the recent turns sent with each message (at least 1200); older turns are folded into the summary.",
    )
    chat_summary_tokens: int = _setting(
        "TETHER_CHAT_SUMMARY_TOKENS", 400, "Longest rolling summary of a thread, in tokens."
    )
    chat_daily_messages: int = _setting(
        "TETHER_CHAT_DAILY_MESSAGES", 100, "Messages a user may send to the assistant per UTC day."
    )
    chat_daily_tokens: int = _setting(
        "TETHER_CHAT_DAILY_TOKENS", 200_000, "Provider tokens (input + output) a user may use per UTC day."
    )
    chat_memory_consent: str = _setting(
        "TETHER_CHAT_MEMORY_CONSENT",
        "",
        "The consent kind (e.g. `ai_memory`) that turns on long-term memory for a user who grants it. Empty: memory is off (nothing learned, nothing sent).",
    )
    chat_memory_facts: int = _setting(
        "TETHER_CHAT_MEMORY_FACTS",
        20,
        "Most facts long-term memory keeps per profile (1-100); the oldest unpinned learned ones are dropped.",
    )
    chat_memory_fact_chars: int = _setting(
        "TETHER_CHAT_MEMORY_FACT_CHARS",
        200,
        "Longest fact the assistant learns or the model is given, in characters (20-500; users may write up to 500).",
    )
    chat_memory_fact_tokens: int = _setting(
        "TETHER_CHAT_MEMORY_FACT_TOKENS",
        400,
        "Token budget of the memory section of the system prompt (facts beyond it are not sent).",
    )
    chat_tools: bool = _setting(
        "TETHER_CHAT_TOOLS",
        True,
        "Let the assistant call read-only tools over the profile's own data (statistics, sessions, pieces, catalog).",
    )
    chat_tool_result_chars: int = _setting(
        "TETHER_CHAT_TOOL_RESULT_CHARS",
        4000,
        "Longest tool result sent to the model, in characters (500-20,000).",
    )
    # ---- plans, entitlements and store purchases (docs/entitlements.md) ----
    plans_file: str | None = _setting(
        "TETHER_PLANS_FILE",
        None,
        "JSON file of entitlements, the store products that grant them, the features they open and their chat budgets. Default: the bundled tether/entitlements/plans.json (`premium`, no products).",
    )
    apple_bundle_id: str | None = _setting(
        "TETHER_APPLE_BUNDLE_ID",
        None,
        "The iOS app's bundle id: App Store transactions and notifications of another app are refused. Unset: App Store purchases are unavailable.",
    )
    apple_app_id: str | None = _setting(
        "TETHER_APPLE_APP_ID",
        None,
        "The app's Apple ID (App Store Connect > App Information), required to accept the Production environment.",
    )
    apple_environments: str = _setting(
        "TETHER_APPLE_ENVIRONMENTS",
        "",
        "App Store environments accepted, comma-separated: `Production`, `Sandbox` (TestFlight, App Review). Default: Sandbox in dev, Production in prod.",
    )
    apple_root_certificates: str | None = _setting(
        "TETHER_APPLE_ROOT_CERTIFICATES",
        None,
        "Comma-separated PEM files of roots trusted in place of the pinned Apple Root CA - G3 (tests only; refused in prod).",
    )
    play_package_name: str | None = _setting(
        "TETHER_PLAY_PACKAGE_NAME",
        None,
        "The Android app's package name (applicationId). Unset: Google Play purchases are unavailable.",
    )
    play_credentials_arn: str | None = _setting(
        "TETHER_PLAY_CREDENTIALS_ARN",
        None,
        "Secrets Manager ARN of the Google service account's JSON key that may read the app's purchases (Play Console > Users and permissions); cached 5 minutes.",
    )
    play_credentials_file: str | None = _setting(
        "TETHER_PLAY_CREDENTIALS_FILE",
        None,
        "Path of that JSON key (local use; in AWS use the ARN).",
    )
    play_api_url: str = _setting(
        "TETHER_PLAY_API_URL",
        "https://androidpublisher.googleapis.com",
        "Base URL of the Google Play Developer API (a local fake in tests).",
    )
    play_push_audience: str | None = _setting(
        "TETHER_PLAY_PUSH_AUDIENCE",
        None,
        "The audience of the Pub/Sub push subscription's OIDC token (e.g. the push URL); RTDN pushes with another are refused.",
    )
    play_push_service_account: str | None = _setting(
        "TETHER_PLAY_PUSH_SERVICE_ACCOUNT",
        None,
        "Email of the service account Pub/Sub signs the push tokens as.",
    )
    play_push_jwks_url: str = _setting(
        "TETHER_PLAY_PUSH_JWKS_URL",
        "https://www.googleapis.com/oauth2/v3/certs",
        "Google's JWKS that signs Pub/Sub push tokens (a local one in tests).",
    )
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
    catalog_publish_queue_url: str | None = _setting(
        "TETHER_CATALOG_PUBLISH_QUEUE_URL",
        None,
        "FIFO SQS queue of catalog publish jobs (SAM sets it; `make dev` a local one): an editor's change queues the read index's publish, which CatalogPublisherFunction runs. Unset: the change publishes the index within the request. See docs/catalog.md.",
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

    # ---- attachments (docs/attachments.md) ----
    attachment_types: str = _setting(
        "TETHER_ATTACHMENT_TYPES",
        "image/jpeg,image/png,image/heic,image/webp,application/pdf,audio/mp4,audio/aac,audio/mpeg,audio/wav,text/plain",
        "Content types an attachment may declare, comma-separated (others are REJECTED with TYPE_NOT_ALLOWED).",
    )
    attachment_max_mb: int = _setting(
        "TETHER_ATTACHMENT_MAX_MB",
        25,
        "Largest attachment, in MiB (larger ones are REJECTED with TOO_LARGE).",
    )
    attachment_quota_mb: int = _setting(
        "TETHER_ATTACHMENT_QUOTA_MB",
        1024,
        "Attachment storage per profile, in MiB: uploads in flight are reserved against it (QUOTA_EXCEEDED).",
    )
    attachment_url_seconds: int = _setting(
        "TETHER_ATTACHMENT_URL_SECONDS",
        900,
        "Lifetime of attachment upload and download URLs (at most 900: 15 minutes).",
    )
    attachment_reservation_hours: int = _setting(
        "TETHER_ATTACHMENT_RESERVATION_HOURS",
        24,
        "Hours after which the quota held by an upload that was never completed is released.",
    )

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ConfigurationError(f"TETHER_STAGE must be one of {', '.join(STAGES)}, not {self.stage!r}")
        if self.is_prod and (self.dev_public_key or self.dev_public_key_file):
            raise ConfigurationError(
                "the local dev token key is refused in prod: unset TETHER_DEV_PUBLIC_KEY and "
                "TETHER_DEV_PUBLIC_KEY_FILE and use the Cognito issuer"
            )
        if self.is_prod and self.jwt_issuer and not (self.jwt_audience or "").strip(", "):
            raise ConfigurationError(
                "prod needs TETHER_JWT_AUDIENCE (the Cognito app client ids) with TETHER_JWT_ISSUER: "
                "without it, tokens of any app client of the pool would be accepted"
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
            "max_json_depth",
            "max_list_items",
            "max_input_values",
            "rate_limit_batch",
            "dynamodb_max_attempts",
            "presence_interval_seconds",
            "websocket_ttl_seconds",
            "apq_ttl_seconds",
            "apq_max_documents",
            "apq_max_document_bytes",
            "apq_cache_size",
            "max_batch_operations",
            "revoked_sign_in_days",
        ):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{_env_name(name)} must be at least 1")
        self._check_catalog()
        if self.persisted_documents not in (None, *PERSISTED_MODES):
            raise ConfigurationError(
                f"TETHER_PERSISTED_DOCUMENTS must be one of {', '.join(PERSISTED_MODES)}, "
                f"not {self.persisted_documents!r}"
            )
        if self.compress_min_bytes < 0:
            raise ConfigurationError("TETHER_COMPRESS_MIN_BYTES must not be negative")
        if self.is_prod and self.apple_root_certificates:
            raise ConfigurationError(
                "TETHER_APPLE_ROOT_CERTIFICATES is refused in prod: App Store data is verified up to the "
                "pinned Apple Root CA - G3"
            )
        self._check_attachments()

    def _check_attachments(self) -> None:
        for name in ("attachment_max_mb", "attachment_quota_mb", "attachment_reservation_hours"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{_env_name(name)} must be at least 1")
        if not 1 <= self.attachment_url_seconds <= 900:
            raise ConfigurationError("TETHER_ATTACHMENT_URL_SECONDS must be between 1 and 900")
        if not [part for part in self.attachment_types.split(",") if part.strip()]:
            raise ConfigurationError("TETHER_ATTACHMENT_TYPES must name at least one content type")

    def _check_catalog(self) -> None:
        if self.erasure_grace_days < 0:
            raise ConfigurationError("TETHER_ERASURE_GRACE_DAYS must not be negative")
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
    def chat_reply_window(self) -> timedelta:
        """An assistant reply attempt's lease: how soon after a PENDING reply is stored its reply
        may be written (waiting pulls poll fast meanwhile, Head.poll_fast_until)."""
        return timedelta(seconds=self.chat_time_budget_seconds + CHAT_LEASE_MARGIN_SECONDS)

    @property
    def revoking_client_id(self) -> str | None:
        """The app client RevokeToken names: TETHER_COGNITO_CLIENT_ID, else the one TETHER_JWT_AUDIENCE."""
        if self.cognito_client_id:
            return self.cognito_client_id
        audiences = [part.strip() for part in (self.jwt_audience or "").split(",") if part.strip()]
        return audiences[0] if len(audiences) == 1 else None

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
    def request_limits(self) -> str:
        """The rate limits in force: the setting, else prod's defaults (none in dev)."""
        if self.rate_limits is not None:
            return self.rate_limits
        return PROD_RATE_LIMITS if self.is_prod else ""

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_prod) if self.graphiql is None else self.graphiql

    @property
    def persisted_mode(self) -> str:
        """`off`, `apq` or `manifest` (the stage's default when unset)."""
        if self.persisted_documents is not None:
            return self.persisted_documents
        return "manifest" if self.is_prod else "off"

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
