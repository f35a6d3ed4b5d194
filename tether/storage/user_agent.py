"""botocore's User-Agent header, built once per set of features instead of twice per DynamoDB call.

botocore (1.3x, "ua/2.1") assembles the header from ~20 components, each sanitized character by
character: ~120 µs of CPU, and it does it twice per call (once when it builds the request, again on
`request-created` to add the features the request recorded on the way). An idle pull is one
BatchGetItem, so that was ~0.25 ms of its ~3 ms of CPU. The text depends only on the client
(fixed when it is created: SDK, OS, language, execution environment, configuration) and on the
feature ids of the call (the client's and those in botocore's request context), so it is kept per
set of features: the header sent is the one botocore would build (tests/storage/test_user_agent.py).
"""

from __future__ import annotations

from typing import Any

from botocore.context import get_context

CACHED = "_tether_cached_user_agent"  # marks a client whose header is cached (idempotent install)
MAX_FEATURE_SETS = 64  # the distinct sets are a handful (retry mode, paginators, waiters...)


def cache_user_agent(client: Any) -> None:
    """Build `client`'s User-Agent header once per set of feature ids (both of botocore's calls)."""
    creator = getattr(client, "_user_agent_creator", None)
    if creator is None or getattr(creator, CACHED, False):
        return
    build = type(creator).to_string
    texts: dict[tuple[frozenset[str], frozenset[str]], str] = {}

    def to_string() -> str:
        context = get_context()
        key = (
            frozenset(creator._client_features or ()),
            frozenset(context.features) if context is not None else frozenset(),
        )
        text = texts.get(key)
        if text is None:
            if len(texts) >= MAX_FEATURE_SETS:
                texts.clear()
            text = texts[key] = build(creator)
        return text

    # An instance attribute: botocore's own calls (`to_string()` and the `request-created` handler
    # `rebuild_and_replace_user_agent_handler`) both look it up on the instance.
    creator.to_string = to_string
    setattr(creator, CACHED, True)
