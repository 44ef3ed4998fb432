"""The ledger (contract §3 ledger rows, plus entries, proofs, bundles, history, QR codes)
and the public verification of a sealed record (no token).

Pile ids may contain `/`: the ledger pile routes use a `{pile:path}` segment, so the
sub-resources (`/bundle`, `/history`, `/qr.svg`) are matched first and the rest of the path
is the id.
"""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from api.deps import DbConn, Principal, SettingsDep, require_roles
from api.errors import AUTH_ERRORS, error_responses
from api.record_page import render_record_page
from api.services.errors import AmbiguousPileError, NotFoundError
from ledger.keys import b64encode
from ledger.proofs import ProofRequestError
from runtime.settings import Settings
from sealing import store
from sealing.bundle import make_bundle
from sealing.published import (
    LedgerKeys,
    latest_cosigned_note,
    ledger_keys,
    pile_answer,
    verify_published,
    verify_url,
)
from sealing.record import parse_entry
from sealing.store import Conn, StoredLeaf

ledger = APIRouter(prefix="/api/v1/ledger", tags=["ledger"], responses=AUTH_ERRORS)
public = APIRouter(tags=["public"])

LedgerReader = Annotated[Principal, Depends(require_roles("integrity", "supervisor", "engineer"))]
SiteQuery = Annotated[str | None, Query(description="Site id, when the pile id is on several")]
ONE = error_responses(404, 409)


def _keys(settings: Settings) -> LedgerKeys:
    return ledger_keys(settings.state_dir, settings)


def _public_base(settings: Settings) -> str:
    return settings.ledger_public_url or settings.api_url


def _latest_leaf(conn: Conn, pile: str, site: str | None) -> StoredLeaf:
    if site is None:
        sites = store.sites_of_pile(conn, pile)
        if not sites:
            raise NotFoundError(f"pile {pile!r} has no sealed record")
        if len(sites) > 1:
            raise AmbiguousPileError(pile, sites)
        site = sites[0]
    leaf = store.latest_pile_leaf(conn, site, pile)
    if leaf is None:
        raise NotFoundError(f"pile {pile!r} has no sealed record on site {site!r}")
    return leaf


def _not_checkpointed(leaf: StoredLeaf) -> HTTPException:
    return HTTPException(
        409, f"leaf {leaf.index} is sealed but no checkpoint covers it yet; retry shortly"
    )


@ledger.get("/checkpoint", response_class=PlainTextResponse, responses=error_responses(404))
def checkpoint(conn: DbConn, who: LedgerReader) -> PlainTextResponse:
    """The latest signed checkpoint with its witness cosignatures (C2SP signed note)."""
    note = latest_cosigned_note(conn)
    if note is None:
        raise NotFoundError("no checkpoint has been signed yet")
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


@ledger.get("/keys")
def keys(settings: SettingsDep, who: LedgerReader) -> dict[str, Any]:
    k = _keys(settings)
    return {"log": k.log, "witnesses": k.witnesses, "quorum": k.quorum}


@ledger.get("/entries/{index}", responses=error_responses(404))
def entry(index: int, conn: DbConn, who: LedgerReader) -> dict[str, Any]:
    leaf = store.leaf_by_index(conn, index)
    if leaf is None:
        raise NotFoundError(f"no leaf at index {index}")
    return {
        "leaf_index": leaf.index,
        "site": leaf.site,
        "pile": leaf.pile,
        "kind": leaf.kind,
        "revision": leaf.revision,
        "supersedes": leaf.supersedes,
        "entry": leaf.entry.decode("utf-8"),
        "leaf_hash": b64encode(leaf.leaf_hash),
    }


def _proof_error(exc: ProofRequestError | ValueError) -> HTTPException:
    return HTTPException(400, str(exc))


@ledger.get("/proofs/inclusion", responses=error_responses(400))
def inclusion(
    conn: DbConn,
    who: LedgerReader,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    if size > store.tree_size(conn):
        raise HTTPException(400, f"tree size {size} is beyond the log")
    try:
        proof = store.inclusion_proof_db(conn, index, size)
    except ProofRequestError as exc:
        raise _proof_error(exc) from None
    return {"index": index, "size": size, "proof": [b64encode(p) for p in proof]}


@ledger.get("/proofs/consistency", responses=error_responses(400))
def consistency(
    conn: DbConn,
    who: LedgerReader,
    old: Annotated[int, Query(ge=1)],
    new: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    if new > store.tree_size(conn):
        raise HTTPException(400, f"tree size {new} is beyond the log")
    try:
        proof = store.consistency_proof_db(conn, old, new)
    except ProofRequestError as exc:
        raise _proof_error(exc) from None
    return {"old": old, "new": new, "proof": [b64encode(p) for p in proof]}


@ledger.get("/piles/{pile:path}/bundle", responses=ONE)
def bundle(
    pile: str, conn: DbConn, settings: SettingsDep, who: LedgerReader, site: SiteQuery = None
) -> Response:
    """One JSON file that `pilewatch verify` checks offline."""
    leaf = _latest_leaf(conn, pile, site)
    k = _keys(settings)
    made = make_bundle(
        conn,
        leaf,
        log_key=k.log,
        witness_keys=k.witnesses,
        quorum=k.quorum,
        verify_url=verify_url(_public_base(settings), leaf.leaf_hash),
    )
    if made is None:
        raise _not_checkpointed(leaf)
    name = f"pile-{leaf.site}-{leaf.index}.json"
    return Response(
        json.dumps(made, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@ledger.get("/piles/{pile:path}/history", responses=ONE)
def history(pile: str, conn: DbConn, who: LedgerReader, site: SiteQuery = None) -> dict[str, Any]:
    """Every leaf of the pile, corrections included, oldest first."""
    leaf = _latest_leaf(conn, pile, site)
    items = []
    for h in store.pile_leaves(conn, leaf.site, leaf.pile):
        record = parse_entry(h.entry)
        items.append(
            {
                "leaf_index": h.index,
                "kind": h.kind,
                "revision": h.revision,
                "supersedes": h.supersedes,
                "correction": record.get("correction"),
                "sealed_at_ms": record.get("sealed_at_ms"),
                "leaf_hash": b64encode(h.leaf_hash),
            }
        )
    return {"pile": leaf.pile, "site": leaf.site, "items": items}


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
    return out.getvalue()


@ledger.get("/piles/{pile:path}/qr.svg", responses=ONE)
def qr(
    pile: str, conn: DbConn, settings: SettingsDep, who: LedgerReader, site: SiteQuery = None
) -> Response:
    """A QR code for the pile tag: the public verification URL with the leaf hash."""
    leaf = _latest_leaf(conn, pile, site)
    url = verify_url(_public_base(settings), leaf.leaf_hash)
    return Response(qr_svg(url), media_type="image/svg+xml", headers={"X-Verify-URL": url})


@ledger.get("/piles/{pile:path}", responses=ONE)
def sealed_pile(
    pile: str, conn: DbConn, who: LedgerReader, site: SiteQuery = None
) -> dict[str, Any]:
    """The pile's latest sealed record with its inclusion proof and checkpoint."""
    leaf = _latest_leaf(conn, pile, site)
    answer = pile_answer(conn, leaf)
    if answer is None:
        raise _not_checkpointed(leaf)
    return answer


def _leaf_from_hex(conn: Conn, leaf_hash_hex: str) -> tuple[StoredLeaf, bytes]:
    try:
        h = bytes.fromhex(leaf_hash_hex)
    except ValueError:
        h = b""
    if len(h) != 32:
        raise HTTPException(400, "the record hash must be 64 hex digits")
    leaf = store.leaf_by_hash(conn, h)
    if leaf is None:
        raise NotFoundError(f"no sealed record with hash {leaf_hash_hex}")
    return leaf, h


def _public_record(conn: Conn, settings: Settings, leaf_hash_hex: str) -> dict[str, Any]:
    leaf, h = _leaf_from_hex(conn, leaf_hash_hex)
    result = verify_published(conn, leaf, h, _keys(settings), _public_base(settings))
    try:
        record: dict[str, Any] | None = parse_entry(leaf.entry)
    except ValueError:
        record = None
    latest = store.latest_pile_leaf(conn, leaf.site, leaf.pile)
    return {
        "leaf_hash": h.hex(),
        "leaf_index": leaf.index,
        "site": leaf.site,
        "pile": leaf.pile,
        "record": record,
        "verified": result.verified,
        "check": result.check,
        "message": result.message,
        "tree_size": result.tree_size,
        "cosignatures": result.cosigners,
        "superseded_by": latest.index
        if latest is not None and latest.index != leaf.index
        else None,
    }


@public.get("/api/v1/public/records/{leaf_hash_hex}", responses=error_responses(400, 404))
def public_record(leaf_hash_hex: str, conn: DbConn, settings: SettingsDep) -> dict[str, Any]:
    """A sealed record and the result of verifying it (no token: 码上监督)."""
    return _public_record(conn, settings, leaf_hash_hex)


@public.get("/verify/{leaf_hash_hex}", response_class=HTMLResponse)
def verify_page(leaf_hash_hex: str, conn: DbConn, settings: SettingsDep) -> HTMLResponse:
    """The page a QR code opens: the record in plain language and whether it verified."""
    try:
        data = _public_record(conn, settings, leaf_hash_hex)
    except NotFoundError:
        return HTMLResponse(render_record_page(None, leaf_hash_hex), status_code=404)
    except HTTPException as exc:
        return HTMLResponse(render_record_page(None, leaf_hash_hex), status_code=exc.status_code)
    return HTMLResponse(render_record_page(data, leaf_hash_hex))


# One router for api/app.py: the token-protected ledger and the public verification.
router = APIRouter()
router.include_router(ledger)
router.include_router(public)
