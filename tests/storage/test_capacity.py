"""The capacity meter's rules: item sizes, transactions doubled, consistent and eventual reads."""

from __future__ import annotations

from ulid import ULID

from tether.settings import Settings
from tether.storage.base import TetherModel, client
from tether.storage.capacity import item_size, meter_capacity, value_size


def test_item_sizes_follow_aws_rules() -> None:
    assert value_size({"S": "ç"}) == 2  # UTF-8 bytes
    assert value_size({"N": "1772355600000"}) == 4 + 1  # trailing zeros trimmed: 8 digits, 4 bytes
    assert value_size({"N": "123"}) == 3  # 3 significant digits: 2 bytes, + 1
    assert value_size({"BOOL": True}) == 1
    assert value_size({"L": [{"S": "ab"}, {"S": "c"}]}) == 3 + (1 + 2) + (1 + 1)
    assert value_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert value_size({"SS": ["title", "notes"]}) == 10
    assert item_size({"pk": {"S": "U#1"}, "n": {"N": "5"}}) == 2 + 3 + 1 + 2


def _items(count: int, size: int) -> list[dict[str, object]]:
    pk = f"METER#{ULID()}"
    return [
        {
            "Put": {
                "TableName": TetherModel.Meta.table_name,
                "Item": {
                    "pk": {"S": pk},
                    "sk": {"S": f"{n:04d}"},
                    "type": {"S": "x"},
                    "v": {"S": "v" * size},
                },
            }
        }
        for n in range(count)
    ]


def test_a_transaction_costs_2_units_per_started_kb_of_each_item(settings: Settings) -> None:
    for count in (1, 10, 50):
        with meter_capacity() as meter:
            client().transact_write_items(TransactItems=_items(count, 500))
        assert meter.wru == 2 * count  # DynamoDB Local reports the same figure for all three
    with meter_capacity() as meter:
        client().transact_write_items(TransactItems=_items(2, 1500))  # 2 KB each
    assert meter.wru == 2 * 2 * 2
    assert meter.index_write_units == {}  # no seq/lk/tk: in none of the (sparse) indexes


def test_strong_reads_cost_twice_eventual_ones(settings: Settings) -> None:
    put = _items(1, 5000)[0]["Put"]
    client().put_item(TableName=put["TableName"], Item=put["Item"])  # type: ignore[index]
    key = {name: put["Item"][name] for name in ("pk", "sk")}  # type: ignore[index]
    with meter_capacity() as strong:
        client().get_item(TableName=put["TableName"], Key=key, ConsistentRead=True)  # type: ignore[index]
    with meter_capacity() as eventual:
        client().get_item(TableName=put["TableName"], Key=key)  # type: ignore[index]
    assert strong.rru == 2  # ~5 KB: two 4 KB units
    assert eventual.rru == 1
