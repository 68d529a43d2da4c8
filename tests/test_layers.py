"""The three floors, host_tools -> simulator -> firmware: imports run one way down, and no modules import
each other in a loop.

Every module's imports are read with `ast`, inside functions too. Packages (`simulator.replay`) resolve
by their dotted names; bare names (`import steps`) by the folders that the importing file runs with on its
sys.path: the firmware only sees firmware/; the simulated chips, the unix port's scripts and the virtual
clip also see each other, the firmware and the `micropython` shim (simulator/project.py use_firmware,
simulator/vclip/boot.py).
"""

import ast
import sys
from pathlib import Path

import pytest

from simulator import project

ROOT = project.ROOT
FLOORS = {"firmware": 0, "simulator": 1, "host_tools": 2}
SIM = ROOT / "simulator"
# where a bare `import name` is looked for, by the folder of the importing file
BARE_PATHS = {
    ROOT / "firmware": [ROOT / "firmware"],
    ROOT / "firmware" / "imu": [ROOT / "firmware"],
    SIM / "chips": [SIM / "chips", SIM / "unix", ROOT / "firmware", SIM / "shim"],
    SIM / "unix": [SIM / "unix", SIM / "chips", ROOT / "firmware", SIM / "shim"],
    SIM / "vclip": [SIM / "vclip", SIM / "chips", SIM / "unix", ROOT / "firmware"],
    SIM / "pico": [ROOT / "firmware"],  # its *_entry.py scripts run on the chip, beside the firmware
}
CPYTHON_BARE = [SIM / "shim", SIM / "chips", SIM / "unix", ROOT / "firmware"]  # after project.use_firmware()


def project_files():
    out = []
    for top in FLOORS:
        out += [p for p in (ROOT / top).rglob("*.py") if "node_modules" not in p.parts]
    return sorted(out)


def floor(path):
    return FLOORS[path.relative_to(ROOT).parts[0]]


def _dotted(name):
    """The file of dotted module `name` (a module or a package), or None when it is not the project's."""
    base = ROOT.joinpath(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file() and name.split(".")[0] in FLOORS:
            return cand
    return None


def _bare(name, folders):
    head = name.split(".")
    for folder in folders:
        base = folder.joinpath(*head)
        for cand in (base.with_suffix(".py"), base / "__init__.py"):
            if cand.is_file():
                return cand
    return None


def resolve(name, importer):
    """The project file that `import name` in file `importer` loads, or None (the standard library, a package)."""
    if name.split(".")[0] in FLOORS:
        return _dotted(name)
    folders = BARE_PATHS.get(importer.parent, CPYTHON_BARE)
    return _bare(name, folders)


def imports(path):
    """(line, file) for every project module that `path` imports, anywhere in it."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import mod` imports pkg.mod when that is a module, else names from pkg
            names = [f"{node.module}.{a.name}" if resolve(f"{node.module}.{a.name}", path) else node.module
                     for a in node.names]
        for name in names:
            target = resolve(name, path)
            if target is not None and target != path:
                out.append((node.lineno, target))
    return out


def graph():
    return {p: imports(p) for p in project_files()}


def cycles(edges):
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def rel(p):
    return str(p.relative_to(ROOT))


def test_every_file_is_read():
    files = project_files()
    assert ROOT / "firmware" / "steps.py" in files and ROOT / "host_tools" / "cli.py" in files
    assert SIM / "unix" / "run_clip.py" in files and SIM / "pico" / "run.py" in files


def test_nothing_imports_a_higher_floor():
    upward = [f"{rel(src)}:{line} imports {rel(dst)}" for src, deps in graph().items() for line, dst in deps
              if floor(dst) > floor(src)]
    assert upward == []


def test_no_modules_import_each_other_in_a_loop():
    edges = {src: sorted({dst for _, dst in deps}) for src, deps in graph().items()}
    assert [[rel(p) for p in group] for group in cycles(edges)] == []


# the checks themselves, on imports written for the purpose


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A project of three floors in tmp_path, to show what the checks catch."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    for top in FLOORS:
        (tmp_path / top).mkdir()
        (tmp_path / top / "__init__.py").write_text("")

    def write(relpath, text):
        p = tmp_path / relpath
        p.write_text(text)
        return p

    return write


def test_an_import_inside_a_function_is_seen(fake, tmp_path):
    src = fake("simulator/a.py", "def f():\n    from host_tools import cli\n")
    cli = fake("host_tools/cli.py", "")
    assert imports(src) == [(2, cli)]
    assert floor(cli) > floor(src)


def test_a_loop_of_three_modules_is_found(fake, tmp_path):
    a = fake("simulator/a.py", "from simulator import b\n")
    b = fake("simulator/b.py", "import simulator.c\n")
    c = fake("simulator/c.py", "def g():\n    from simulator.a import x\n")
    d = fake("simulator/d.py", "from simulator import a\n")
    edges = {p: sorted({dst for _, dst in imports(p)}) for p in (a, b, c, d)}
    assert cycles(edges) == [sorted([a, b, c])]
