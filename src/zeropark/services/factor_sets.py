"""Factor-set resolution (因子集): which cited factor set an accounting run uses — one rule for every door.

A user names a set as ``NAME`` or ``NAME@VERSION`` (``zeropark account --factor-set``, the
``ZEROPARK_FACTOR_SET`` setting, the API's ``factor_set``/``factor_set_version``, the web's
default). The rule:

1. a set stored in the database under that name and version is used as stored — custom sets
   loaded with ``zeropark factors load`` included; without a version, a built-in name means the
   built-in set of this code version and any other name the newest stored version;
2. a built-in set not stored yet is stored on first use, so that every run's factor set can be
   read back and the run recomputed;
3. anything else is :class:`~zeropark.errors.NotFound`, naming the stored and built-in sets.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from zeropark.errors import NotFound
from zeropark.factors import BUILTIN_SET, FactorSet, builtin_set_names, load_custom_csv, load_factor_set
from zeropark.store import audit
from zeropark.store.factor_repo import (
    StoredFactorSet,
    ensure_builtin_factor_set,
    get_factor_set,
    list_factor_sets,
    save_factor_set,
)
from zeropark.store.scope import Scope

__all__ = ["LoadedSet", "load_custom_set", "parse_reference", "resolve_factor_set", "stored_sets"]


def parse_reference(reference: str) -> tuple[str, str | None]:
    """``NAME`` or ``NAME@VERSION`` → (name, version or None).

    Raises
    ------
    NotFound
        An empty name or version (``@1.0``, ``CN-park-2025@``).
    """
    name, sep, version = reference.strip().partition("@")
    if not name or (sep and not version):
        raise NotFound(
            f"factor set '{reference}' is not a set name; write NAME or NAME@VERSION, e.g. CN-park-2025"
        )
    return name, (version or None)


def _available(engine: Engine) -> str:
    stored = sorted({f"{s.name}@{s.version}" for s in list_factor_sets(engine)})
    return f"stored: {', '.join(stored) or 'none'}; built-in: {', '.join(builtin_set_names())}"


def resolve_factor_set(engine: Engine, name: str, version: str | None = None) -> FactorSet:
    """The factor set ``name`` (at ``version``) by the module's rule.

    Parameters
    ----------
    engine : Engine
        The store (stored sets; a built-in set used for the first time is stored here).
    name : str
        Set name, or ``NAME@VERSION`` when ``version`` is None.
    version : str, optional
        Set version (default: the newest stored version, else the built-in one).

    Raises
    ------
    NotFound
        No stored or built-in set of that name and version (the message lists what exists).
    """
    if version is None:
        name, version = parse_reference(name)
    if version is None and name in builtin_set_names():
        version = load_factor_set(name).version
    try:
        return get_factor_set(engine, name, version)
    except NotFound:
        pass
    if name in builtin_set_names():
        builtin = load_factor_set(name)
        if version == builtin.version:
            save_factor_set(engine, builtin, is_builtin=True)
            return builtin
    what = name if version is None else f"{name}@{version}"
    raise NotFound(
        f"factor set '{what}' is neither stored nor built in ({_available(engine)}); "
        "load a custom set with `zeropark factors load FILE.csv --name NAME`"
    )


def stored_sets(engine: Engine) -> list[StoredFactorSet]:
    """The factor sets stored in the database (the default built-in set stored on first listing)."""
    ensure_builtin_factor_set(engine, BUILTIN_SET)
    return list_factor_sets(engine)


@dataclass(frozen=True, slots=True)
class LoadedSet:
    """A custom factor set just validated and stored, with the set it was laid over."""

    stored: StoredFactorSet
    factor_set: FactorSet
    base: FactorSet


def load_custom_set(scope: Scope, file_name: str, content: bytes, name: str, base: str) -> LoadedSet:
    """Validate a custom factor CSV laid over the set ``base`` and store it as ``name`` (audited).

    Parameters
    ----------
    scope : Scope
        Who loads it (admin or park manager; the CLI's system scope).
    file_name : str
        The uploaded file's name (kept in the audit record and in error messages).
    content : bytes
        The CSV (UTF-8; columns in docs/factors.md).
    name : str
        Name of the new set; its version is derived from the content (sha256).
    base : str
        ``NAME`` or ``NAME@VERSION`` of the set the custom factors override.

    Raises
    ------
    ValidationError
        Rows of the CSV with file, row, field and what to fix; nothing is stored.
    NotFound
        The base set is neither stored nor built in.
    PermissionDenied
        Not an admin or park manager (audited).
    """
    scope.require_manager("factor_set", name)
    base_set = resolve_factor_set(scope.engine, base)
    safe_name = Path(file_name or "factors.csv").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(content)
        custom = load_custom_csv(path, name=name, base=base_set)
    stored = save_factor_set(scope.engine, custom, created_by=scope.user.username)
    audit.record_now(
        scope.engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.CREATE,
        entity="factor_set",
        entity_id=f"{stored.name}@{stored.version}",
        after={"name": stored.name, "version": stored.version, "sha256": stored.sha256, "file": safe_name},
        ip=scope.ip,
    )
    return LoadedSet(stored, custom, base_set)
