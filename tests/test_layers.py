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
}
# scripts that run on the emulated chip, beside the firmware (simulator/pico: *_entry.py)
CHIP_SCRIPT_BARE = [ROOT / "firmware"]
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


def _bare_folders(importer):
    if importer.parent == SIM / "pico" and importer.stem.endswith("_entry"):
        return CHIP_SCRIPT_BARE
    return BARE_PATHS.get(importer.parent, CPYTHON_BARE)


def resolve(name, importer):
    """The project file that `import name` in file `importer` loads, or None (the standard library, a package)."""
    if name.split(".")[0] in FLOORS:
        return _dotted(name)
    return _bare(name, _bare_folders(importer))


def _absolute(node, importer):
    """The dotted name a `from ... import` means: a relative one (`from .x import y`) from the importer's package."""
    if node.level == 0:
        return node.module
    package = importer.relative_to(ROOT).parent.parts
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ((node.module,) if node.module else ()))


def imports(path):
    """(line, file) for every project module that `path` imports, anywhere in it."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            # `from pkg import mod` imports pkg.mod when that is a module, else names from pkg
            names = [f"{module}.{a.name}" if resolve(f"{module}.{a.name}", path) else module
                     for a in node.names]
        for name in names:
            target = resolve(name, path)
            if target is not None and target != path and (node.lineno, target) not in out:
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
    assert not upward, "imports of a higher floor:\n" + "\n".join(upward)


def loop_edges(found):
    """Each loop as the imports that close it: 'a.py:12 imports b.py', within one group."""
    out = []
    for group in cycles({src: sorted({dst for _, dst in deps}) for src, deps in found.items()}):
        members = set(group)
        out.append([f"{rel(src)}:{line} imports {rel(dst)}" for src in group for line, dst in found[src]
                    if dst in members])
    return out


def test_no_modules_import_each_other_in_a_loop():
    loops = loop_edges(graph())
    assert not loops, "modules importing each other in a loop:\n" + "\n\n".join("\n".join(e) for e in loops)


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


def test_a_loop_is_shown_by_its_imports(fake, tmp_path):
    a = fake("host_tools/bench.py", "import os\nfrom simulator.pico import bench\n")
    (tmp_path / "simulator" / "pico").mkdir()
    b = fake("simulator/pico/bench.py", "def f():\n    from host_tools.bench import MIXED\n")
    found = {p: imports(p) for p in (a, b)}
    assert loop_edges(found) == [["host_tools/bench.py:2 imports simulator/pico/bench.py",
                                  "simulator/pico/bench.py:2 imports host_tools/bench.py"]]


def test_a_relative_import_is_resolved(fake, tmp_path):
    (tmp_path / "simulator" / "pico").mkdir()
    run = fake("simulator/pico/run.py", "from . import emulator\nfrom ..replay import replay\nfrom .. import job\n")
    emulator = fake("simulator/pico/emulator.py", "")
    replay = fake("simulator/replay.py", "")
    job = fake("simulator/job.py", "")
    assert imports(run) == [(1, emulator), (2, replay), (3, job)]


def test_bare_names_resolve_by_the_importers_sys_path(fake, tmp_path, monkeypatch):
    """The firmware's `import steps` is firmware/steps.py; a simulated chip's `import vi2c` its neighbour."""
    monkeypatch.setattr(sys.modules[__name__], "SIM", tmp_path / "simulator")
    monkeypatch.setattr(sys.modules[__name__], "BARE_PATHS", {
        tmp_path / "firmware": [tmp_path / "firmware"],
        tmp_path / "simulator" / "chips": [tmp_path / "simulator" / "chips", tmp_path / "firmware"]})
    (tmp_path / "simulator" / "chips").mkdir()
    steps = fake("firmware/steps.py", "")
    clip = fake("firmware/clip.py", "import steps\nimport vi2c\n")  # vi2c is not on the firmware's path
    vi2c = fake("simulator/chips/vi2c.py", "")
    model = fake("simulator/chips/mpu6050_model.py", "import vi2c\nfrom steps import Counter\n")
    assert imports(clip) == [(1, steps)]
    assert imports(model) == [(1, vi2c), (2, steps)]
