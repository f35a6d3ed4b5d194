"""botocore's data (service models, endpoint rules, `endpoints.json`) for the DynamoDB client, read
by a loader built for a cold start (the client is built during init: tether/storage/base.py).

(boto3's sessions append their own data directory to their loader's search paths, so the shared
DataLoader is for botocore sessions only.)"""

from __future__ import annotations

import functools
import gzip
import os
from collections.abc import Iterator, Sequence
from typing import Any, overload

import botocore.session
import orjson
from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader, create_loader

# botocore's data files, as its JSONFileLoader looks for them (the first found wins).
_DATA_FILES = ((".json", open), (".json.gz", gzip.open))


class OrjsonFiles(JSONFileLoader):
    """botocore's data files (service models, endpoint rules, `endpoints.json`) decoded with orjson:
    ~4 times faster than `json` building OrderedDicts (plain dicts keep the order just the same)."""

    def load_file(self, file_path: str) -> Any:
        for suffix, opener in _DATA_FILES:
            path = file_path + suffix
            if os.path.isfile(path):
                with opener(path, "rb") as data:
                    return orjson.loads(data.read())
        return None


class ServiceNames(Sequence[str]):
    """The services a loader knows of for one model type, listed only if the list is read.

    botocore's `load_service_model` checks `name in list_available_services(type)`, which lists
    every directory of its data (400+ services, each with its API versions) to answer for one. A
    name is in that list exactly when one of its own API version directories has the type's file,
    which is what `list_api_versions` reads: only that service's directory.
    """

    def __init__(self, loader: DataLoader, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or name in (".", "..") or os.sep in name:
            return False
        try:
            return bool(self._loader.list_api_versions(name, self._type_name))
        except DataNotFoundError:
            return False

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def _all(self) -> list[str]:
        return self._loader.all_services(self._type_name)


class DataLoader(Loader):
    """botocore's Loader, its files read with orjson and a service's model found without listing
    every other service."""

    FILE_LOADER_CLASS = OrjsonFiles

    # A Sequence, not a list: every botocore caller reads it as one (`in`, iteration, `join`).
    def list_available_services(self, type_name: str) -> Sequence[str]:  # type: ignore[override]
        return ServiceNames(self, type_name)

    def all_services(self, type_name: str) -> list[str]:
        """botocore's own (sorted, complete) list."""
        return super().list_available_services(type_name)


def use_data_loader(session: botocore.session.Session) -> botocore.session.Session:
    """A botocore `session` with its data loaded by the process's DataLoader for its search paths
    (before any client of it is created; not for a boto3 session, see above)."""
    session.register_component("data_loader", data_loader(session.get_config_variable("data_path")))
    return session


@functools.cache
def data_loader(data_path: str | None) -> DataLoader:
    """The loader botocore would create for a session with this `data_path` (AWS_DATA_PATH: the same
    search paths, then the defaults), as a DataLoader shared by every session of the process: the
    files are read once (a Loader caches what it read; botocore makes a loader per session)."""
    standard = create_loader(data_path)
    return DataLoader(extra_search_paths=list(standard.search_paths), include_default_search_paths=False)
