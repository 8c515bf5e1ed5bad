"""svd keeps no hidden caches: what it reads once is kept in an explicit ``svd.reference.Reference`` whose owner
(ui/cache.py for the dashboard, the CLI per command) holds and clears it.

An AST check of every module in svd/ (a cache added later fails here, with its file and line), and the store's
own behaviour: kept while its owner holds it, emptied by ``clear``, and never kept alive by svd.
"""

from __future__ import annotations

import ast
import gc
import weakref

import pytest

from svd import reference
from svd.config import repo_root
from svd.reference import Reference

SVD = repo_root() / "svd"

CACHE_DECORATORS = {"cache", "lru_cache", "cached_property"}

# cached_property on a method is allowed only on classes whose instances are themselves held by an explicit
# owner, so the memo lives and dies with the instance. svd.hotspots.Cube (the count cube of a record set) is
# built and held by ui/cache.py's extract-keyed tasking_cube cache and leaves with it (forget_extract).
INSTANCE_MEMO_ALLOWED = {("hotspots.py", "Cube")}

# Module-level names that functions may rebind with ``global``: svd.reference's weak pointer to the store its
# owner made active (a weakref.ref: it keeps nothing alive, so it is not a cache).
# And svd.public's session rule: a function the dashboard registers once at start-up (ui/access.py), holding
# no data.
GLOBAL_ALLOWED = {("reference.py", "_active"), ("public.py", "_session_rule")}

MUTABLE_FACTORIES = {
    "dict",
    "list",
    "set",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "deque",
    "WeakValueDictionary",
    "WeakKeyDictionary",
}
MUTATORS = {
    "setdefault",
    "update",
    "pop",
    "popitem",
    "clear",
    "append",
    "extend",
    "add",
    "insert",
    "remove",
    "discard",
    "__setitem__",
    "move_to_end",
}


def _name(node: ast.AST) -> str | None:
    """The last name of a (possibly dotted or called) expression: functools.lru_cache(16) → lru_cache."""
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _functools_names(tree: ast.Module) -> set[str]:
    """Names bound by ``from functools import cache, lru_cache, cached_property`` (possibly renamed)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "functools":
            out |= {a.asname or a.name for a in node.names if a.name in CACHE_DECORATORS}
    return out


def cache_problems(source: str, filename: str) -> list[str]:
    """Every hidden cache in one module's source, as "file:line: what" (empty when there is none)."""
    tree = ast.parse(source)
    imported = _functools_names(tree)
    problems = []

    def is_cache(node: ast.AST) -> bool:
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            return target.value.id == "functools" and target.attr in CACHE_DECORATORS
        return isinstance(target, ast.Name) and target.id in imported

    # 1. functools caches: as decorators anywhere, or applied by a call (f = lru_cache(16)(g)).
    classes = {n: n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    methods = {m: c for c in classes for m in c.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for dec in node.decorator_list:
                if not is_cache(dec):
                    continue
                owner = methods.get(node)
                allowed = (
                    _name(dec) == "cached_property"
                    and owner is not None
                    and (filename, owner.name) in INSTANCE_MEMO_ALLOWED
                )
                if not allowed:
                    where = f"{owner.name}.{node.name}" if owner else node.name
                    problems.append(f"{filename}:{dec.lineno}: @{_name(dec)} on {where}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and is_cache(node.func):
            problems.append(f"{filename}:{node.lineno}: {_name(node.func)}(…)(…) applied by a call")

    # 2. Module-level containers that a function fills (a dict used as a cache, a list of things seen…).
    mutable = {}
    for stmt in tree.body:
        targets, value = [], None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        literal = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp)
        made = isinstance(value, ast.Call) and _name(value) in MUTABLE_FACTORIES
        if literal or made:
            mutable |= {t.id: stmt.lineno for t in targets if isinstance(t, ast.Name)}
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Global):
                problems += [
                    f"{filename}:{node.lineno}: global {n} rebound in a function"
                    for n in node.names
                    if (filename, n) not in GLOBAL_ALLOWED
                ]
            store = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del)
            call = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATORS
            )
            base = node.value if store else (node.func.value if call else None)
            if isinstance(base, ast.Name) and base.id in mutable:
                problems.append(
                    f"{filename}:{node.lineno}: module-level {base.id} (line {mutable[base.id]}) changed "
                    "inside a function"
                )
    return problems


def test_svd_has_no_hidden_module_level_caches():
    found = [
        p for path in sorted(SVD.glob("*.py")) for p in cache_problems(path.read_text("utf-8"), path.name)
    ]
    assert found == [], "svd keeps caches of its own (use svd.reference.Reference):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import functools\n@functools.cache\ndef f(p):\n    return p\n",
        "import functools\n@functools.lru_cache(maxsize=4)\ndef f(p):\n    return p\n",
        "from functools import lru_cache as remember\n@remember\ndef f(p):\n    return p\n",
        "import functools\ndef g(k):\n    return k\n_g = functools.lru_cache(maxsize=16)(g)\n",
        "from functools import cached_property\nclass Other:\n    @cached_property\n    def x(self):\n        return 1\n",
        "_SEEN = {}\ndef f(p):\n    if p not in _SEEN:\n        _SEEN[p] = open(p).read()\n    return _SEEN[p]\n",
        "_SEEN: dict = dict()\ndef f(p):\n    return _SEEN.setdefault(p, 1)\n",
        "_DONE = []\ndef f(p):\n    _DONE.append(p)\n",
        "_last = None\ndef f(p):\n    global _last\n    _last = p\n",
    ],
)
def test_the_check_finds_each_kind_of_cache(source):
    assert cache_problems(source, "example.py")


def test_the_check_allows_constants_and_owned_instance_memos():
    source = (
        "from functools import cached_property\n"
        "NAMES = {'a': 1}\n"
        "def f(p):\n    return NAMES.get(p, {}).copy()\n"
        "class Cube:\n    @cached_property\n    def weight(self):\n        return 1\n"
    )
    assert cache_problems(source, "hotspots.py") == []
    assert cache_problems(source, "other.py")  # the same memo on a class nobody owns explicitly


# ------------------------------------------------------------------------------------------ the store


def test_a_store_keeps_each_value_until_cleared():
    store, calls = Reference(), []

    class Frame:
        pass

    def build():
        calls.append(1)
        return Frame()

    first = store.get(("kind", 1), build)
    assert store.get(("kind", 1), build) is first and len(calls) == 1
    assert ("kind", 1) in store and len(store) == 1
    held = weakref.ref(first)
    del first
    store.clear()
    gc.collect()
    assert held() is None and len(store) == 0
    store.get(("kind", 1), build)
    assert len(calls) == 2  # read afresh after clear


def test_sessions_build_a_key_once_and_a_held_value_never_waits_for_another_build():
    import threading
    import time

    store, calls, started = Reference(), [], threading.Event()
    store.get(("held", 1), lambda: "ready")

    def slow():
        calls.append(1)
        started.set()
        time.sleep(2.0)
        return "slow"

    threads = [threading.Thread(target=store.get, args=(("slow", 1), slow)) for _ in range(3)]
    for t in threads:
        t.start()
    started.wait(5)
    t0 = time.perf_counter()
    assert store.get(("held", 1), lambda: "again") == "ready"
    assert time.perf_counter() - t0 < 1.0  # not kept waiting by the slow build (2 s)
    for t in threads:
        t.join()
    assert calls == [1] and store.get(("slow", 1), slow) == "slow"


def test_a_value_read_before_a_clear_is_not_kept_after_it():
    store = Reference()

    def build():
        store.clear()  # e.g. the Data page's "Reload the data" while a page was reading
        return "stale"

    assert store.get(("kind", 1), build) == "stale"
    assert ("kind", 1) not in store


def test_a_bounded_kind_lets_the_least_recently_used_go():
    store = Reference()
    for i in range(3):
        store.get(("titles", i), lambda i=i: i, most=2)
    store.get(("titles", 1), lambda: "again", most=2)  # used again: now the most recent
    store.get(("titles", 3), lambda: 3, most=2)
    assert store.keys() == [("titles", 1), ("titles", 3)]


def test_a_cli_block_keeps_what_its_loaders_read_and_empties_it_at_the_end():
    from svd import taxonomy

    with Reference() as kept:
        first = taxonomy.load_taxonomy()
        assert [k[0] for k in kept] == ["svd.taxonomy._read"]
        pd_testing_equal(taxonomy.load_taxonomy(), first)  # the same table, a fresh copy for each caller
        assert taxonomy.load_taxonomy() is not first
    assert len(kept) == 0  # the block's end empties it


def pd_testing_equal(a, b) -> None:
    import pandas as pd

    pd.testing.assert_frame_equal(a, b)


def test_svd_never_keeps_the_store_alive(monkeypatch):
    monkeypatch.setattr(reference, "_active", reference._active)  # restored afterwards
    store = Reference()
    reference.activate(store)
    assert reference.current() is store
    gone = weakref.ref(store)
    del store
    gc.collect()
    assert gone() is None  # only its owner kept it
    assert reference.active() is None and len(reference.current()) == 0


def test_every_svd_loader_file_uses_the_store():
    """The loaders named in the issue read through the store (a future loader that reads without it still
    passes the AST check, but these must not regress to reading a file several times a run)."""
    for name in ("geo", "population", "harm", "metrics", "strategy", "funding", "catalogue", "taxonomy"):
        text = (SVD / f"{name}.py").read_text("utf-8")
        assert "from svd.reference import" in text, name


def test_the_app_clears_the_store_with_its_caches():
    """ui/cache.py owns the dashboard's store: Streamlit's "clear" (the Data page's Reload, a borough change)
    releases it and empties it, so what svd's loaders read through it is freed."""
    import streamlit as st

    from svd import taxonomy
    from ui import cache

    store = cache.use_reference()
    assert reference.active() is store
    taxonomy.load_taxonomy()  # read through the app's store
    (key,) = [k for k in store if k[0] == "svd.taxonomy._read"]
    held = weakref.ref(store.get(key, lambda: None))
    assert held() is not None
    st.cache_resource.clear()
    gc.collect()
    assert len(store) == 0 and held() is None  # emptied, even while someone still holds the store itself
    gone = weakref.ref(store)
    del store
    gc.collect()
    assert gone() is None and reference.active() is None  # svd let go with its owner
    assert cache.use_reference() is reference.active()  # the next run makes a new one and uses it
