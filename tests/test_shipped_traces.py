"""The traces shipped in simulator/traces are what the generator makes from the commands in their README."""

import re

import pytest

from host_tools import cli
from simulator import project

TRACES = project.ROOT / "simulator" / "traces"
COMMANDS = re.findall(r"^\| `[^`]+` \| `stepclip (sim generate [^`]+)`", (TRACES / "README.md").read_text(), re.M)


def test_the_readme_names_every_shipped_trace():
    named = {c.split()[3] for c in COMMANDS}
    assert named == {p.name for p in TRACES.glob("*.csv")}


@pytest.mark.parametrize("command", COMMANDS)
def test_shipped_trace_regenerates_byte_for_byte(command, tmp_path, capsys):
    args = command.split()
    name = args[3]
    args[3] = str(tmp_path / name)
    assert cli.main(args) == 0
    assert (tmp_path / name).read_bytes() == (TRACES / name).read_bytes()
