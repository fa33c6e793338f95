"""`_core.pyi` describes `_core` as it is: the same public names, and for
each class the same public methods and attributes."""

import ast
import pathlib

import smtplib_rs
from smtplib_rs import _core

STUB = pathlib.Path(smtplib_rs.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            top.add(node.name)
            members[node.name] = {
                n.name if isinstance(n, ast.FunctionDef) else n.target.id
                for n in node.body
                if isinstance(n, ast.FunctionDef)
                or (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))
            }
        elif isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
    return top, members


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_stub_and_module_name_the_same_things():
    top, _ = stub_names()
    runtime = public(dir(_core)) - {"Step"}
    # `Step` is a type alias that exists only for the checker.
    assert public(top) - {"Step"} == runtime


def test_every_stubbed_member_exists():
    _, members = stub_names()
    for cls, names in members.items():
        runtime = getattr(_core, cls)
        # Dunders (`__init__`, `__getattr__`) are type slots, not attributes.
        missing = [n for n in names if not n.startswith("__") and not hasattr(runtime, n)]
        assert not missing, (cls, missing)


def test_every_public_method_is_stubbed():
    _, members = stub_names()
    for cls, names in members.items():
        runtime = public(dir(getattr(_core, cls)))
        assert runtime <= names, (cls, sorted(runtime - names))
