"""The ledger's tables (``storage/migrations/0006_ledger.sql``) behind small functions.

Leaves are appended under a transaction-scoped advisory lock, so indexes are gap-free: the
next index is read under the lock and a rolled-back append leaves nothing behind. Each
append also writes the perfect-subtree node hashes it completes, so the root of any range —
and so any inclusion or consistency proof — needs O(log n) node rows, fetched in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import psycopg

from ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from ledger.proofs import consistency_ranges, inclusion_ranges
from ledger.tree import RangeError, largest_power_of_two_below

Conn = psycopg.Connection[dict[str, Any]]

#: Advisory lock serialising appends and checkpoint signing ("LEDG").
LOG_LOCK_KEY: Final = 0x4C454447


class LogCorrupt(RuntimeError):
    """The stored tree is missing a node or disagrees with itself."""


@dataclass(frozen=True)
class NewLeaf:
    entry: bytes
    kind: str
    site: str
    pile: str
    revision: int
    supersedes: int | None = None


@dataclass(frozen=True)
class StoredLeaf:
    index: int
    leaf_hash: bytes
    entry: bytes
    kind: str
    site: str
    pile: str
    revision: int
    supersedes: int | None


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str


def lock_log(conn: Conn) -> None:
    """Take the log lock for the rest of the current transaction."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK_KEY,))


def tree_size(conn: Conn) -> int:
    row = conn.execute(
        "SELECT coalesce(max(leaf_index) + 1, 0) AS size FROM ledger_leaves"
    ).fetchone()
    assert row is not None
    return int(row["size"])


def _perfect_keys(begin: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append the (level, idx) of the aligned perfect subtrees whose hashes give MTH[b:e)."""
    n = end - begin
    if n & (n - 1) == 0 and begin % n == 0:
        out.append((n.bit_length() - 1, begin // n))
        return
    k = largest_power_of_two_below(n)
    _perfect_keys(begin, begin + k, out)
    _perfect_keys(begin + k, end, out)


def _combine(begin: int, end: int, nodes: dict[tuple[int, int], bytes]) -> bytes:
    n = end - begin
    if n & (n - 1) == 0 and begin % n == 0:
        key = (n.bit_length() - 1, begin // n)
        found = nodes.get(key)
        if found is None:
            raise LogCorrupt(f"node level {key[0]} index {key[1]} is missing")
        return found
    k = largest_power_of_two_below(n)
    return node_hash(_combine(begin, begin + k, nodes), _combine(begin + k, end, nodes))


def fetch_nodes(conn: Conn, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT n.level, n.idx, n.hash FROM ledger_nodes n"
        " JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx)"
        " ON n.level = k.level AND n.idx = k.idx",
        ([k[0] for k in wanted], [k[1] for k in wanted]),
    ).fetchall()
    return {(int(r["level"]), int(r["idx"])): bytes(r["hash"]) for r in rows}


def range_roots(conn: Conn, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each leaf range, from stored nodes, with one query."""
    keys: list[tuple[int, int]] = []
    for begin, end in ranges:
        if not 0 <= begin < end:
            raise RangeError(begin, end)
        _perfect_keys(begin, end, keys)
    nodes = fetch_nodes(conn, keys)
    return [_combine(b, e, nodes) for b, e in ranges]


def root_at(conn: Conn, size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return range_roots(conn, [(0, size)])[0]


def inclusion_proof_db(conn: Conn, index: int, size: int) -> list[bytes]:
    return range_roots(conn, inclusion_ranges(index, size))


def consistency_proof_db(conn: Conn, old_size: int, new_size: int) -> list[bytes]:
    return range_roots(conn, consistency_ranges(old_size, new_size))


class DbTreeReader:
    """A :class:`ledger.tree.SubtreeReader` over the stored nodes (one query per call)."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def leaf_hashes(self, begin: int, end: int) -> Sequence[bytes]:
        rows = self._conn.execute(
            "SELECT hash FROM ledger_nodes WHERE level = 0 AND idx >= %s AND idx < %s ORDER BY idx",
            (begin, end),
        ).fetchall()
        return [bytes(r["hash"]) for r in rows]

    def subtree_root(self, begin: int, end: int) -> bytes:
        return range_roots(self._conn, [(begin, end)])[0]


def _frontier_keys(size: int) -> list[tuple[int, int]]:
    return [(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1]


def append_leaves(conn: Conn, leaves: Sequence[NewLeaf]) -> list[tuple[int, bytes]]:
    """Append leaves (inside the caller's transaction); returns ``(index, leaf hash)`` each.

    Takes the log lock, so concurrent appenders get consecutive, gap-free indexes.
    """
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE and conn.autocommit:
        raise RuntimeError("append_leaves must run inside a transaction")
    lock_log(conn)
    size = tree_size(conn)
    nodes = fetch_nodes(conn, _frontier_keys(size))
    new_nodes: list[tuple[int, int, bytes]] = []
    result: list[tuple[int, bytes]] = []
    for offset, leaf in enumerate(leaves):
        index = size + offset
        h = leaf_hash(leaf.entry)
        result.append((index, h))
        level, idx, node = 0, index, h
        nodes[(0, index)] = h
        new_nodes.append((0, index, h))
        while idx & 1:
            left = nodes.get((level, idx - 1))
            if left is None:
                raise LogCorrupt(f"node level {level} index {idx - 1} is missing")
            node = node_hash(left, node)
            level, idx = level + 1, idx >> 1
            nodes[(level, idx)] = node
            new_nodes.append((level, idx, node))
    with conn.cursor() as cur:
        with cur.copy(
            "COPY ledger_leaves (leaf_index, leaf_hash, entry, kind, site_id, pile_id,"
            " revision, supersedes) FROM STDIN"
        ) as copy:
            for (index, h), leaf in zip(result, leaves, strict=True):
                copy.write_row(
                    (
                        index,
                        h,
                        leaf.entry,
                        leaf.kind,
                        leaf.site,
                        leaf.pile,
                        leaf.revision,
                        leaf.supersedes,
                    )
                )
        with cur.copy("COPY ledger_nodes (level, idx, hash) FROM STDIN") as copy:
            for row in new_nodes:
                copy.write_row(row)
    return result


def _leaf(row: dict[str, Any]) -> StoredLeaf:
    sup = row["supersedes"]
    return StoredLeaf(
        int(row["leaf_index"]),
        bytes(row["leaf_hash"]),
        bytes(row["entry"]),
        str(row["kind"]),
        str(row["site_id"]),
        str(row["pile_id"]),
        int(row["revision"]),
        int(sup) if sup is not None else None,
    )


_LEAF_COLUMNS: Final = "leaf_index, leaf_hash, entry, kind, site_id, pile_id, revision, supersedes"


def leaf_by_index(conn: Conn, index: int) -> StoredLeaf | None:
    row = conn.execute(
        f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves WHERE leaf_index = %s", (index,)
    ).fetchone()
    return _leaf(row) if row is not None else None


def leaf_by_hash(conn: Conn, h: bytes) -> StoredLeaf | None:
    row = conn.execute(
        f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves WHERE leaf_hash = %s"
        " ORDER BY leaf_index LIMIT 1",
        (h,),
    ).fetchone()
    return _leaf(row) if row is not None else None


def pile_leaves(conn: Conn, site: str, pile: str) -> list[StoredLeaf]:
    rows = conn.execute(
        f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves WHERE site_id = %s AND pile_id = %s"
        " ORDER BY leaf_index",
        (site, pile),
    ).fetchall()
    return [_leaf(r) for r in rows]


def latest_pile_leaf(conn: Conn, site: str, pile: str) -> StoredLeaf | None:
    row = conn.execute(
        f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves WHERE site_id = %s AND pile_id = %s"
        " ORDER BY leaf_index DESC LIMIT 1",
        (site, pile),
    ).fetchone()
    return _leaf(row) if row is not None else None


def sites_of_pile(conn: Conn, pile: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT site_id FROM ledger_leaves WHERE pile_id = %s ORDER BY site_id",
        (pile,),
    ).fetchall()
    return [str(r["site_id"]) for r in rows]


def iter_leaves(conn: Conn, batch: int = 50_000) -> Iterable[StoredLeaf]:
    """Every leaf in index order (streamed)."""
    with conn.cursor() as cur:
        for row in cur.stream(
            f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves ORDER BY leaf_index", size=batch
        ):
            yield _leaf(row)


def _checkpoint(row: dict[str, Any]) -> StoredCheckpoint:
    return StoredCheckpoint(int(row["tree_size"]), bytes(row["root_hash"]), str(row["note"]))


def latest_checkpoint(conn: Conn) -> StoredCheckpoint | None:
    row = conn.execute(
        "SELECT tree_size, root_hash, note FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1"
    ).fetchone()
    return _checkpoint(row) if row is not None else None


def checkpoint_at(conn: Conn, size: int) -> StoredCheckpoint | None:
    row = conn.execute(
        "SELECT tree_size, root_hash, note FROM ledger_checkpoints WHERE tree_size = %s",
        (size,),
    ).fetchone()
    return _checkpoint(row) if row is not None else None


def all_checkpoints(conn: Conn) -> list[StoredCheckpoint]:
    rows = conn.execute(
        "SELECT tree_size, root_hash, note FROM ledger_checkpoints ORDER BY tree_size"
    ).fetchall()
    return [_checkpoint(r) for r in rows]


def insert_checkpoint(conn: Conn, size: int, root: bytes, note: str) -> None:
    conn.execute(
        "INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES (%s, %s, %s)",
        (size, root, note),
    )


@dataclass(frozen=True)
class StoredCosignature:
    size: int
    witness_vkey: str
    witness_name: str
    line: str
    timestamp: int


def cosignatures(conn: Conn, size: int | None = None) -> list[StoredCosignature]:
    if size is None:
        rows = conn.execute(
            "SELECT tree_size, witness_vkey, witness_name, line, cosigned_at"
            " FROM ledger_cosignatures ORDER BY tree_size, witness_vkey"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT tree_size, witness_vkey, witness_name, line, cosigned_at"
            " FROM ledger_cosignatures WHERE tree_size = %s ORDER BY witness_vkey",
            (size,),
        ).fetchall()
    return [
        StoredCosignature(
            int(r["tree_size"]),
            str(r["witness_vkey"]),
            str(r["witness_name"]),
            str(r["line"]),
            int(r["cosigned_at"]),
        )
        for r in rows
    ]


def insert_cosignature(conn: Conn, c: StoredCosignature) -> None:
    conn.execute(
        "INSERT INTO ledger_cosignatures (tree_size, witness_vkey, witness_name, line,"
        " cosigned_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (c.size, c.witness_vkey, c.witness_name, c.line, c.timestamp),
    )


def witnessed_size(conn: Conn, witness_vkey: str) -> int:
    """The largest checkpoint size this witness's cosignature is stored for (0 if none)."""
    row = conn.execute(
        "SELECT coalesce(max(tree_size), 0) AS size FROM ledger_cosignatures"
        " WHERE witness_vkey = %s",
        (witness_vkey,),
    ).fetchone()
    assert row is not None
    return int(row["size"])


def meta(conn: Conn, name: str) -> str | None:
    row = conn.execute("SELECT value FROM ledger_meta WHERE name = %s", (name,)).fetchone()
    return str(row["value"]) if row is not None else None


def ensure_meta(conn: Conn, name: str, value: str) -> str:
    """Insert ``name = value`` unless present; return the stored value."""
    conn.execute(
        "INSERT INTO ledger_meta (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (name, value),
    )
    stored = meta(conn, name)
    assert stored is not None
    return stored
