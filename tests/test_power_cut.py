"""Power cuts at every flash write, before it and mid-write, on LittleFS and on FAT renames
(simulator/powercut.py): every completed block, the acknowledgement and the settings survive."""

import pytest

from simulator import powercut


@pytest.mark.parametrize("fat", [False, True], ids=["littlefs", "fat"])
def test_every_cut_keeps_completed_records_and_settings(fat):
    cuts, bad = powercut.every_cut(fat)
    assert cuts > 100
    assert bad == []

