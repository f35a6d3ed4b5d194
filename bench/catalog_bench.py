"""Catalog at 50,000 tracks: search latency, a cold Lambda's first answer about one track (read by
id, the catalog not loaded), a cold Lambda's first listing and first search with the published read
index and without it (the whole catalog loaded: CPU, peak memory, round trips, S3 objects), the
cost of publishing the index, the storage choice priced both ways, and what an idle catalog poll
costs in DynamoDB.

`python -m bench catalog_bench` (CATALOG_BENCH_TRACKS=5000 for a quick run). Search latencies are
reported against two floors measured in the same run: one DynamoDB GetItem round trip (what any
DynamoDB-backed search would pay at least once) and one in-memory dict lookup (the cheapest thing a
Lambda can do): a search "fast inside one Lambda" costs less than one GetItem.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from ulid import ULID

from bench.common import RESULTS, Report, floor, local_table, measure, timed
from bench.cost_prices import PRICES
from localdev import s3 as local_s3
from tether.catalog.catalog import Catalog
from tether.catalog.index import IndexStore, Manifest
from tether.catalog.media import MediaStore
from tether.catalog.model import COLLECTIONS, TRACKS, user_view
from tether.collections import COLLECTIONS as ALL_COLLECTIONS
from tether.media import Media
from tether.pieces import PIECES
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.capacity import meter_capacity
from tether.storage.instrumentation import Calls, record_calls
from tether.sync.engine import Mutation, ServerChange, SyncEngine
from tether.sync.feeds import SharedFeed

TRACK_COUNT = int(os.environ.get("CATALOG_BENCH_TRACKS", "50000"))
PER_COLLECTION = 100
WRITE_BATCH = 980  # changes per engine.write (10 transactions)
SEARCH_RUNS = 100
# DynamoDB Local answers a 1 MB page of a loaded machine's 8 parallel segments slowly; DynamoDB doesn't.
LOCAL_READ_TIMEOUT = 60.0
EN_TEXT = (
    "meditation breath breathing kindness loving compassion silence silent retreat talk guided body "
    "scan attention mindfulness awareness calm rest sleep evening morning walking sitting posture "
    "practice heart mind thoughts emotions patience gratitude joy equanimity nature forest river "
    "mountain teacher dharma stillness presence listening sound space light letting go beginners "
    "course lesson week introduction "
)
PT_TEXT = (
    "meditação respiração respirar bondade amorosa compaixão silêncio retiro palestra guiada corpo "
    "atenção plena consciência calma descanso sono noite manhã caminhar sentar postura prática "
    "coração mente pensamentos emoções paciência gratidão alegria equanimidade natureza floresta rio "
    "montanha professor quietude presença escutar som espaço luz soltar iniciantes curso lição "
    "semana introdução "
)
WORDS_EN, WORDS_PT = EN_TEXT.split(), PT_TEXT.split()
QUERIES = [
    ("meditation", "en"),
    ("breath kindness", "en"),
    ("silent retreat talk", "en"),
    ("me", "en"),  # two letters typed: a prefix
    ("compa", "en"),
    ("meditação", "pt"),
    ("respiracao guiada", "pt"),
    ("corp", "pt"),
    ("zzzz", "en"),  # matches nothing
]


def engine_for(settings: Settings, ttl: float) -> SyncEngine:
    return SyncEngine(
        collections=ALL_COLLECTIONS,
        cursor_key=b"bench-cursor-key",
        tombstone_retention=timedelta(days=30),
        shared_feeds=[SharedFeed("catalog", settings.catalog_partition, user_view)],
        shared_head_ttl=timedelta(seconds=ttl),
    )


def sentence(rng: random.Random, words: list[str], synthetic: list[str], count: int) -> str:
    return " ".join(rng.choice(words) if rng.random() < 0.6 else rng.choice(synthetic) for _ in range(count))


def generate(rng: random.Random, count: int = TRACK_COUNT) -> list[ServerChange]:
    """Collections of 100 tracks, each in English and Portuguese, with a ~20,000-word vocabulary."""
    syllables = [a + b for a in "klmnrstvdpbf" for b in "aeiou"]
    synthetic = sorted(
        {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(30_000)}
    )
    now = datetime.now(UTC)
    changes = []
    for c in range(-(-count // PER_COLLECTION)):
        collection_id = f"collection-{c:04d}"
        changes.append(
            ServerChange(
                COLLECTIONS,
                "save",
                {
                    "id": collection_id,
                    "slug": collection_id,
                    "kind": "retreat" if c % 2 else "course",
                    "default_language": "en",
                    "title": {
                        "en": sentence(rng, WORDS_EN, synthetic, 4),
                        "pt": sentence(rng, WORDS_PT, synthetic, 4),
                    },
                    "order": c,
                    "published_at": now,
                },
            )
        )
        for t in range(min(PER_COLLECTION, count - c * PER_COLLECTION)):
            changes.append(
                ServerChange(
                    TRACKS,
                    "save",
                    {
                        "id": f"{collection_id}-track-{t:03d}",
                        "collection_id": collection_id,
                        "order": t,
                        "title": {
                            "en": sentence(rng, WORDS_EN, synthetic, rng.randint(3, 7)),
                            "pt": sentence(rng, WORDS_PT, synthetic, rng.randint(3, 7)),
                        },
                        "description": {
                            "en": sentence(rng, WORDS_EN, synthetic, rng.randint(15, 40)),
                            "pt": sentence(rng, WORDS_PT, synthetic, rng.randint(15, 40)),
                        },
                        "duration_seconds": rng.randint(300, 3600),
                        "language": "en",
                        "tags": rng.sample(WORDS_EN[:40], 3),
                        "media_audio": f"catalog/{collection_id}-track-{t:03d}/audio.mp3",
                        "published_at": now,
                    },
                )
            )
    return changes


def write_catalog(engine: SyncEngine, partition: str, count: int = TRACK_COUNT) -> int:
    """The generated catalog of `count` tracks written into `partition`; returns its item count."""
    changes = generate(random.Random(7), count)
    for start in range(0, len(changes), WRITE_BATCH):
        engine.write(partition, changes[start : start + WRITE_BATCH])
    return len(changes)


def percentile(samples: list[float], fraction: float) -> float:
    return sorted(samples)[max(0, int(len(samples) * fraction) - 1)]


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def billed_read_units(settings: Settings) -> float:
    """The read units DynamoDB would bill for loading the catalog (the same load again, in a new
    Services, priced by tether/storage/capacity.py: DynamoDB Local's ConsumedCapacity is wrong)."""
    from tether.services import Services

    with meter_capacity() as meter:
        Services.build(settings).catalog.stats()
    return round(meter.rru, 1)


def peak_mb() -> float:
    """This process's peak resident memory so far (Linux; VmHWM, unlike ru_maxrss, is not inherited
    from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_settings(endpoint: str, table: str, partition: str, s3_endpoint: str, bucket: str) -> Settings:
    """A Lambda's settings: with the media bucket (the published index is used) or without ("-")."""
    settings = Settings(
        stage="dev",
        table_name=table,
        dynamodb_endpoint=endpoint,
        catalog_partition=partition,
        s3_endpoint=None if s3_endpoint == "-" else s3_endpoint,
        media_bucket=None if bucket == "-" else bucket,
        dynamodb_read_timeout=LOCAL_READ_TIMEOUT,
    )
    storage.configure(settings)
    return settings


FIRST_ANSWERS = {
    # The floor: the Track operation, which never needed the catalog (two GetItems).
    "track": lambda catalog: [catalog.fallbacks(catalog.track("collection-0000-track-000"))],
    # The Collections operation: the top-level collections, 20 a page, with their fallback languages.
    "listing": lambda catalog: [
        catalog.fallbacks(record)
        for record in catalog.collections(parent_id=None, kind=None, first=20).collections
    ],
    # The Collection operation's tracks.
    "tracks": lambda catalog: [
        catalog.fallbacks(record)
        for record in catalog.tracks(f"collection-{TRACK_COUNT // PER_COLLECTION // 2:04d}")
    ],
    # searchContent (and the chat worker's search_catalog tool, the same call).
    "search": lambda catalog: [
        catalog.fallbacks(result.record) for result in catalog.search("breath kindness", "en", 20)
    ],
}


def first_answer(what: str, *where: str) -> dict[str, Any]:
    """What a fresh Lambda process pays for its first listing or search: process CPU, peak memory,
    DynamoDB round trips and read units, S3 objects and bytes fetched."""
    from tether.services import Services

    settings = child_settings(*where)
    services = Services.build(settings)
    fetched: list[int] = []
    if services.catalog.index is not None:
        services.catalog.index.media.client.meta.events.register(
            "after-call.s3.GetObject",
            lambda http_response, **_: fetched.append(int(http_response.headers["content-length"])),
        )
    before = peak_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    with record_calls() as calls:
        answered = FIRST_ANSWERS[what](services.catalog)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = peak_mb()
    assert answered, what
    # The read units, from the same answer in another fresh Services (the meter's own reads and
    # memory stay out of the figures above).
    again = Services.build(settings)  # not child_settings again: it makes a new DynamoDB client
    with meter_capacity() as meter:
        FIRST_ANSWERS[what](again.catalog)
    return {
        "cpu_s": round(cpu, 3),
        "s": round(wall, 3),
        "round_trips": calls.round_trips,
        "read_units": round(meter.rru, 1),
        "s3_gets": len(fetched),
        "s3_mb": round(sum(fetched) / 1e6, 2),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_added_mb": round(peak - before, 1),
    }


def cold_start(*where: str) -> dict[str, Any]:
    """What a fresh Lambda process pays for its first catalog read and its first searches."""
    from tether.services import Services

    settings = child_settings(*where)
    services = Services.build(settings)
    # Its first answer about one track (the Track operation): read by id, the catalog not loaded.
    before = rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    with record_calls(consumed_capacity=True) as calls:
        track = services.catalog.track("collection-0000-track-000")
        assert track is not None
        services.catalog.fallbacks(track)
    first_track = {
        "s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "round_trips": calls.round_trips,
        "read_units": round(calls.capacity_units, 1),
        "rss_mb": round(rss_mb() - before, 1),
    }
    before = rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    with record_calls() as calls:
        stats = services.catalog.stats()
    loaded_at = time.perf_counter()
    result: dict[str, Any] = {
        "first_track_by_id": first_track,
        "items": stats["collections"] + stats["tracks"],
        "load_s": round(loaded_at - wall, 2),
        "load_cpu_s": round(time.process_time() - cpu, 2),
        "load_round_trips": calls.round_trips,
        "rss_catalog_mb": round(rss_mb() - before, 1),
        "index_build_s": {},
    }
    loaded = rss_mb()
    for locale in ("en", "pt"):
        started = time.perf_counter()
        services.catalog.search("x", locale, 1)
        result["index_build_s"][locale] = round(time.perf_counter() - started, 2)
    result["rss_two_indexes_mb"] = round(rss_mb() - loaded, 1)
    result["rss_total_mb"] = round(rss_mb(), 1)
    result["load_read_units"] = billed_read_units(settings)  # after the memory figures
    return result


def child(*arguments: str) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, "-m", "bench.catalog_bench", *arguments],
        check=False,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if process.returncode != 0:
        raise RuntimeError(f"{arguments[:2]} failed:\n{process.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(process.stdout.splitlines()[-1])
    return result


def index_size(settings: Settings, manifest: Manifest) -> dict[str, Any]:
    """The published index's objects and sizes, and what storing and reading it would cost in S3
    and in DynamoDB (an item holds at most 400 KB: the larger objects would be split)."""
    store = IndexStore(Media(settings), settings.catalog_partition)
    head = store.media.client.head_object
    size = {
        key: head(Bucket=store.media.bucket, Key=store.prefix + key)["ContentLength"]
        for key in manifest.objects()
    }
    search = max(size[key] for key in manifest.search.values())
    total = sum(size.values())
    kb4 = -(-search // 4096)  # read units of a strongly consistent read of that many bytes
    return {
        "objects": len(size),
        "total_mb": round(total / 1e6, 2),
        "collections_kb": round(size[manifest.collections] / 1e3, 1),
        "largest_track_list_kb": round(max(size[key] for key in manifest.tracks.values()) / 1e3, 1),
        "search_index_mb": {
            name or "(none)": round(size[key] / 1e6, 2) for name, key in manifest.search.items()
        },
        "one_search_index_load_usd": {
            "s3_get": PRICES["s3_get"],
            "dynamodb_strong": round(kb4 * PRICES["dynamodb_rru"], 8),
            "dynamodb_eventual": round(kb4 / 2 * PRICES["dynamodb_rru"], 8),
        },
        "publish_all_usd": {
            "s3_put": round(len(size) * PRICES["s3_put"], 6),
            "dynamodb": round(-(-total // 1024) * PRICES["dynamodb_wru"], 6),
        },
        "storage_usd_month": {
            "s3": round(total / 2**30 * PRICES["s3_gb_month"], 6),
            "dynamodb": round(total / 2**30 * PRICES["dynamodb_gb_month"], 6),
        },
    }


def main() -> None:
    with local_table() as table, local_s3.running() as s3:
        base = dataclasses.replace(table, media_bucket="tether-bench-media", s3_endpoint=s3.endpoint)
        local_s3.create_bucket(Media(base).client, base.media_bucket_name)
        settings = dataclasses.replace(
            base, catalog_partition="CATALOG#bench", dynamodb_read_timeout=LOCAL_READ_TIMEOUT
        )
        storage.configure(settings)
        writer = engine_for(settings, ttl=5)
        started = time.perf_counter()
        items = write_catalog(writer, settings.catalog_partition)
        print(f"wrote {items} catalog items in {time.perf_counter() - started:.0f} s")

        get_item = floor()
        lookup = {f"track-{n}": n for n in range(TRACK_COUNT)}
        dict_floor = statistics.median(timed(lambda: lookup.get("track-4242"), 10_000))
        report = Report("catalog", get_item)

        # The editor's Lambda publishes the read index: cold (it loads the catalog and builds every
        # language preference's search index), then warm after one change (only what changed).
        publisher = Catalog(
            engine_for(settings, ttl=5),
            MediaStore(settings),
            index=IndexStore(Media(settings), settings.catalog_partition),
        )
        cpu, started = time.process_time(), time.perf_counter()
        manifest = publisher.publish()
        assert manifest is not None
        publish = {
            "cold_s": round(time.perf_counter() - started, 2),
            "cold_cpu_s": round(time.process_time() - cpu, 2),
        }
        publisher.engine.write(
            settings.catalog_partition,
            [ServerChange(TRACKS, "save", {"id": "collection-0001-track-001", "tags": ["republished"]})],
        )
        cpu, started = time.process_time(), time.perf_counter()
        manifest = publisher.publish()
        assert manifest is not None
        publish |= {
            "warm_s": round(time.perf_counter() - started, 2),
            "warm_cpu_s": round(time.process_time() - cpu, 2),
        }
        del publisher

        # A cold Lambda: a fresh process loads the whole catalog partition and builds two indexes.
        assert settings.dynamodb_endpoint is not None
        where = [settings.dynamodb_endpoint, settings.table_name, settings.catalog_partition]
        without_index, with_index = [*where, "-", "-"], [*where, str(s3.endpoint), settings.media_bucket_name]
        cold = child("--cold-start", *without_index)
        first: dict[str, dict[str, Any]] = {}
        for what in FIRST_ANSWERS:
            first[what] = {
                "whole catalog": child("--first", what, *without_index),
                "index": child("--first", what, *with_index),
            }

        reader = engine_for(settings, ttl=5)
        catalog = Catalog(reader, MediaStore(settings))
        catalog.stats()
        latencies: dict[str, list[float]] = {}
        for query, locale in QUERIES:
            catalog.search(query, locale, 20)  # builds the locale's index on its first use
            samples = timed(partial(catalog.search, query, locale, 20), SEARCH_RUNS)
            latencies[f"{query} ({locale})"] = samples
            report.add(f"search {query!r} ({locale})", samples, Calls(), items=1)

        # A user with data of their own and a device that synced the whole catalog.
        user = "bench-user"
        reader.push(
            user,
            "phone",
            [Mutation(1, datetime.now(UTC), PIECES, "save", {"id": str(ULID()), "title": "mine"})],
        )
        pages: list[Any] = []
        first_sync = Calls()
        sync_started = time.perf_counter()

        def next_page() -> None:
            pages.append(reader.pull(user, "phone", pages[-1].cursor if pages else None, limit=1000))

        while not pages or pages[-1].has_more:
            _, calls = measure(next_page)
            first_sync.attempts += calls.attempts
            for name, units in calls.capacity.items():
                first_sync.capacity[name] = first_sync.capacity.get(name, 0.0) + units
        report.add(
            f"first sync of the catalog ({len(pages)} pulls of 1,000)",
            [time.perf_counter() - sync_started],
            first_sync,
            items,
        )
        cursor = pages[-1].cursor
        cached = [measure(partial(reader.pull, user, "phone", cursor)) for _ in range(50)]
        report.add("idle poll, catalog head cached", [s for s, _ in cached], cached[-1][1])
        uncached = engine_for(settings, ttl=0)
        stale = [measure(partial(uncached.pull, user, "phone", cursor)) for _ in range(50)]
        report.add("idle poll, catalog head read too", [s for s, _ in stale], stale[-1][1])

        # An editor's change reaches a warm Lambda: one Query of the feed, then re-indexing that item.
        writer.write(
            settings.catalog_partition,
            [
                ServerChange(
                    TRACKS, "save", {"id": "collection-0000-track-000", "tags": ["freshly", "edited"]}
                )
            ],
        )
        refresh_seconds, refresh_calls = measure(catalog.items)
        report.add("refresh after 1 catalog change", [refresh_seconds], refresh_calls)
        report.print()

        print(f"\na cold Lambda's first answer, {TRACK_COUNT:,} tracks (load {os.getloadavg()[0]:.1f})")
        print(
            f"{'answer':<8} {'how':<14} {'cpu_s':>6} {'s':>6} {'peak_MB':>8} {'added_MB':>8} {'trips':>5} "
            f"{'RRU':>7} {'S3':>3} {'S3_MB':>6}"
        )
        for what, ways in first.items():
            for how, row in ways.items():
                print(
                    f"{what:<8} {how:<14} {row['cpu_s']:>6} {row['s']:>6} {row['peak_rss_mb']:>8} "
                    f"{row['peak_rss_added_mb']:>8} "
                    f"{row['round_trips']:>5} {row['read_units']:>7} {row['s3_gets']:>3} {row['s3_mb']:>6}"
                )
            whole, indexed = ways["whole catalog"], ways["index"]
            print(
                f"{'':<8} index / whole: cpu {indexed['cpu_s'] / whole['cpu_s']:.3f}x, peak "
                f"{indexed['peak_rss_mb'] / whole['peak_rss_mb']:.2f}x; index / the track floor: cpu "
                f"{indexed['cpu_s'] / first['track']['index']['cpu_s']:.1f}x"
            )
        sizes = index_size(settings, manifest)
        print(
            "publishing the index:",
            json.dumps(publish),
            "\nthe index:",
            json.dumps(sizes, ensure_ascii=False),
        )
        extra: dict[str, Any] = {
            "dict_lookup_floor_us": round(dict_floor * 1e6, 3),
            "first_answer": first,
            "publish_index": publish,
            "index": sizes,
            "cold_start": cold,
            "search_p95_ms": {
                name: round(percentile(samples, 0.95) * 1000, 2) for name, samples in latencies.items()
            },
            "search_x_dict_lookup": {
                name: round(statistics.median(samples) / dict_floor) for name, samples in latencies.items()
            },
        }
        print(json.dumps(extra, indent=2, ensure_ascii=False))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "catalog_extra.json").write_text(json.dumps(extra, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cold-start"]:
        print(json.dumps(cold_start(*sys.argv[2:7])))
    elif sys.argv[1:2] == ["--first"]:
        print(json.dumps(first_answer(*sys.argv[2:8])))
    else:
        main()
