"""The shipped _native.pyi must describe the real module: same names, same parameters."""
import ast
import inspect
import os
import re

import pytracingx
from pytracingx import _native

STUB = os.path.join(os.path.dirname(pytracingx.__file__), "_native.pyi")


def stub_tree():
    with open(STUB, encoding="utf-8") as f:
        return ast.parse(f.read())


def stub_params(fn):
    args = fn.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return [n for n in names if n != "self"]


def native_params(obj):
    # pybind11 signatures: "name(arg: type = default, ...) -> ret" as the first docstring line.
    first = (obj.__doc__ or "").splitlines()[0]
    m = re.match(r"^\w+\((.*)\)", first)
    assert m, f"no signature in docstring of {obj!r}: {first!r}"
    params = []
    depth = 0
    current = ""
    for ch in m.group(1):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            params.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        params.append(current)
    names = [p.split(":")[0].strip() for p in params]
    return [n for n in names if n not in ("self", "*args", "**kwargs", "*")]


def test_stub_lists_every_public_name_of_the_module():
    tree = stub_tree()
    stub_names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stub_names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            stub_names.add(node.target.id)
    module_names = {n for n in dir(_native) if not n.startswith("__") or n == "__version__"}
    assert module_names <= stub_names, f"missing from the stub: {sorted(module_names - stub_names)}"
    assert set(pytracingx.__all__) - {"trace"} <= stub_names


def test_stub_function_parameters_match():
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            assert stub_params(node) == native_params(getattr(_native, node.name)), node.name


def test_stub_method_parameters_match():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
            continue
        cls = getattr(_native, node.name)
        for item in node.body:
            if not isinstance(item, ast.FunctionDef):
                continue
            is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
            member = inspect.getattr_static(cls, item.name)
            if is_property:
                assert isinstance(member, property), f"{node.name}.{item.name} is not a property"
                continue
            assert stub_params(item) == native_params(getattr(cls, item.name)), f"{node.name}.{item.name}"
