"""The one explicit store of reference data and definitions read once: ``Reference``.

``svd`` keeps no module-level caches. Reading the boundary files, the Census tables or a definition file
again on every call would cost seconds a page (the LSOA polygons, the priority places and the metric registry
are asked for several times in one run), so what is read from the data and definitions directories, and what
is derived from them alone (map layers, point-in-polygon indexes, contiguity graphs, chart templates), is kept
in a ``Reference`` object that its owner creates, holds and clears:

* the dashboard: ``ui/cache.py`` holds one in ``st.cache_resource`` (so clearing Streamlit's caches clears it);
* the command line: ``svd.cli`` holds one for the length of a command (``with Reference():``);
* anything else (a test, a notebook): none, so every call reads afresh and keeps nothing.

The loaders find the owner's store through ``current()``. This module holds only a *weak* reference to the store
made active (``activate``): it never keeps the store, or anything in it, alive after its owner lets go.

Never put anything computed from a record set (a partnership extract or the simulation) in a ``Reference``:
keys name reference files, definition files and geometry, never records.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Reference:
    """Reference data and definitions, each built once by ``get`` and held until ``clear``.

    Values are shared between callers (and, in the dashboard, between sessions): callers must not change them
    in place (the ``svd`` loaders hand out copies). Thread-safe: one build per key at a time, and a value held is never kept waiting by another key's build.
    """

    def __init__(self) -> None:
        # Kind (a key's first element) → its keys and values, least recently used first.
        self._items: dict[Hashable, OrderedDict] = {}
        # A short lock for the dictionaries, and one lock per key being built: a session finding a value held
        # never waits for another session's build, and two sessions asking for the same key build it once. A
        # build may ask for other keys (the priority places need the LSOAs); the keys depend on each other
        # without cycles, so the per-key locks cannot deadlock.
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Lock] = {}
        self._generation = 0  # counts clear(): a value read before a clear is not kept after it
        self._previous: list[weakref.ref | None] = []

    def _held(self, key: tuple) -> tuple[bool, object]:
        kind = self._items.get(key[0])
        if kind is not None and key in kind:
            kind.move_to_end(key)
            return True, kind[key]
        return False, None

    def get(self, key: tuple, build: Callable[[], T], most: int | None = None) -> T:
        """The value held under ``key``, built by ``build()`` the first time it is asked for.

        ``key`` is a tuple whose first element names the kind of value (e.g. "svd.geo._wards"). ``most`` bounds
        how many values of that kind are kept (the least recently used leave first): for kinds keyed by what
        users choose (chart titles, filtered area sets), never for the reference files themselves.
        """
        with self._lock:
            found, value = self._held(key)
            if found:
                return value  # type: ignore[return-value]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found, value = self._held(key)  # built by another thread while this one waited
                if found:
                    return value  # type: ignore[return-value]
                generation = self._generation
            try:
                value = build()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                if generation == self._generation:
                    kind = self._items.setdefault(key[0], OrderedDict())
                    kind[key] = value
                    while most is not None and len(kind) > most:
                        kind.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget everything held: the next ``get`` of each key reads afresh."""
        with self._lock:
            self._items.clear()
            self._generation += 1

    def keys(self) -> list[tuple]:
        """The keys held now (for tests)."""
        with self._lock:
            return [k for kind in self._items.values() for k in kind]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, key: tuple) -> bool:
        with self._lock:
            return key in self._items.get(key[0], ())

    def __enter__(self) -> Reference:
        """Make this store the active one for a block (a CLI command); on leaving, clear it and restore the
        store active before."""
        self._previous.append(_active)
        activate(self)
        return self

    def __exit__(self, *exc) -> None:
        global _active
        self.clear()
        _active = self._previous.pop()


# The active store, held weakly: its owner (ui/cache.py's st.cache_resource, or a ``with Reference()`` block)
# decides how long it lives. Not a cache: it holds no data of its own.
_active: weakref.ref | None = None


def activate(store: Reference) -> None:
    """Make ``store`` the one the loaders use (held weakly: the caller keeps it alive)."""
    global _active
    _active = weakref.ref(store)


def active() -> Reference | None:
    """The active store, or None when its owner has let it go (or none was ever activated)."""
    return _active() if _active is not None else None


def current() -> Reference:
    """The active store, else a new empty one: a loader called with no owner reads afresh and keeps nothing
    after the call (the empty store still lets one call reuse what it read, e.g. the LSOAs for its places)."""
    store = active()
    return store if store is not None else Reference()


def kept(build: Callable[..., T]) -> Callable[..., T]:
    """``build(ref, *args)`` made into a function of the same arguments whose value is held in ``ref`` (the
    explicit ``Reference`` passed first) under (``build``'s qualified name, *args). The arguments must be
    hashable (resolved paths, codes); the value is shared, so callers hand out copies."""
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def get(ref: Reference, *args):
        return ref.get((name, *args), lambda: build(ref, *args))

    return get
