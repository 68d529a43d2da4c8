"""Power cuts on the chip: the emulated Pico loses power in the middle of a flash program or erase.

Run: python -m host_tools.pico_powercut [--cuts N] [--json]
Two scenes, each first run without a cut to count its flash operations:
  log   a deployed clip worn for a few minutes, every minute written (log_block_min 1); the cuts fall
        on the operations from power-on until the trace has been played
  sync  a clip whose log is a few blocks short of its budget (log_max_kb) is synced: the sync
        acknowledges every block, and the minutes logged after it free acknowledged files to make
        room (the trim); the cuts fall on the operations from the sync's start until that trim
Each cut leaves what a NOR flash leaves (a page half programmed, a sector half erased: the first half
of the bytes done, or a random half of the bits), then the chip boots cold from that flash, the clip
runs on, and `stepclip sync`'s own code reads the log into a fresh database (the sync scene's first
sync too, if the cut let it finish). Every block the rp2 port's littlefs had committed before the cut
must be in the database: a block missing is records lost, unless the clip counted it dropped. With
no --cuts, every operation of each scene is cut, in both shapes; --cuts N spreads N cuts over each.
"""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from host_tools import db, sync
from simulator.pico import emulator, powercut as chip

COMMAND = "python -m host_tools.pico_powercut"
LOG_S = 180  # the log scene's wear: three minutes, three blocks and their files
SYNC_S = 60
RUN_ON_S = 70  # emulated seconds the clip runs after the power comes back: it logs a minute or more
SHAPES = (("prefix", 0.5), ("bits", 0.5))
ROWS = {"log": ("power_cut_rp2_log", "power cut mid flash program/erase on the chip while minutes are logged"),
        "sync": ("power_cut_rp2_sync", "power cut mid flash program/erase on the chip while a sync trims the log")}


class Scene:
    """The flash image and IMU stream a scene's runs start from, in folder `work`."""

    def __init__(self, phase, work):
        self.phase = phase
        self.work = Path(work) / phase
        self.work.mkdir(parents=True, exist_ok=True)
        self.image = self.work / "start.img"
        worn = chip.full_log_minutes() if phase == "sync" else 0
        chip.deployed_image(self.image, worn)
        self.imu = chip.imu(LOG_S if phase == "log" else SYNC_S, self.work)
        self.ops = None  # flash operations in the scene's window, counted by count_ops()
        self.window = []  # the clean run's "flash" events in the window, op counted from its start

    def pico(self, cut=None, flash_events=False):
        """A fresh copy of the start image on an emulated Pico (not started)."""
        image = self.work / "run.img"
        shutil.copy(self.image, image)
        return emulator.Pico(image, imu=self.imu, board_name=chip.BOARD, cut=cut, deadline_s=900,
                             flash_events=flash_events, hold_at_end=self.phase == "sync")

    def count_ops(self):
        """Run the scene without a cut: the flash operations in its window (and check the window's end)."""
        with self.pico(flash_events=True) as pico:
            pico.wait("stream", 300, where=lambda ev: ev["state"] == "finished")
            if self.phase == "log":
                self.ops = ops(pico)
                self.window = _window(pico, 0, self.ops)
                return self.ops
            first = chip.log_files(pico.flash)[0]
            mark = ops(pico)
            sync.sync_clip(db.connect(self.work / "clean.db"), pico.url, out=lambda line: None)
            end = time.monotonic() + 120
            while True:  # until the clip has freed its oldest (acknowledged) file: the trim
                pico.save()
                if first not in chip.log_files(pico.flash):
                    break
                if time.monotonic() > end:
                    raise emulator.PicoError("the synced clip freed no acknowledged log file within 120 s")
                time.sleep(0.2)
            self.ops = ops(pico) - mark
            self.window = _window(pico, mark, self.ops)
            return self.ops

    def first(self, kind, changing=True):
        """The window's first operation of `kind` that changes the flash (an erase of written cells, a
        program of new bits), counted from the window's start; None if there is none."""
        for ev in self.window:
            if ev["kind"] == kind and (ev["changed"] or not changing):
                return ev["op"]
        return None


def _window(pico, mark, n):
    """The "flash" events of operations mark + 1 .. mark + n, their op counted from mark."""
    return [dict(ev, op=ev["op"] - mark) for ev in list(pico.events)
            if ev["ev"] == "flash" and mark < ev["op"] <= mark + n]


def ops(pico):
    f = pico.stats()["flash"]
    return f["erase_calls"] + f["program_calls"]


def _wait_until(pico, emulated_us, timeout=120):
    end = time.monotonic() + timeout
    while pico.stats()["emulated_us"] < emulated_us:
        if time.monotonic() > end:
            raise emulator.PicoError(f"the emulated Pico did not reach {emulated_us / 1e6:.0f} s within {timeout} s")
        time.sleep(0.2)


def cut_once(scene, op, mode="prefix", frac=0.5, kind="any", damage=None):
    """Cut scene's op-th flash operation (of `kind`) short, power on, run on, sync; what survived, as a dict.

    `damage(image_path)`, if given, changes the flash image while the chip is off (a test's way to
    show that a lost block is caught)."""
    before = scene.work / "before.img"
    spec = {"op": op, "frac": frac, "mode": mode, "kind": kind, "seed": op, "before": str(before)}
    db_path = scene.work / "cut.db"
    db_path.unlink(missing_ok=True)
    con = db.connect(db_path)
    first_sync = None
    with scene.pico(cut=spec if scene.phase == "log" else None) as pico:
        if scene.phase == "sync":
            pico.wait("stream", 300, where=lambda ev: ev["state"] == "finished")
            pico.cut(**spec)
            try:
                first_sync = sync.sync_clip(con, pico.url, out=lambda line: None)
            except sync.SyncError as e:
                first_sync = str(e)
        cut = pico.wait("cut", 300)
        finished = chip.log_blocks(before)
        cut["nor"] = as_nor_leaves(before.read_bytes(), pico.flash.read_bytes(), cut)
        if damage:
            damage(pico.flash)
        boot = pico.power_on()
        _wait_until(pico, cut["t_us"] + RUN_ON_S * 1e6)
        try:
            last = sync.sync_clip(con, pico.url, out=lambda line: None)
        except sync.SyncError as e:
            last = str(e)
    return judge(con, finished, cut, boot, first_sync, last)


def as_nor_leaves(before, after, cut):
    """True when the image after the cut differs from the one before only where the cut operation worked,
    and there only as NOR flash can: a program clears bits, an erase sets them."""
    start = cut["addr"] - emulator.FS_OFFSET
    end = start + cut["bytes"]
    if before[:start] != after[:start] or before[end:] != after[end:]:
        return False
    if cut["kind"] == "program":
        return all(a & ~b == 0 for a, b in zip(after[start:end], before[start:end]))
    return all(b & ~a == 0 for a, b in zip(after[start:end], before[start:end]))


def judge(con, finished, cut, boot, first_sync, last):
    """What a cut run left: every block finished before the cut in the database, or counted dropped."""
    stored = {bytes(raw): s for raw, s in con.execute("SELECT raw, session FROM blocks")}
    synced = isinstance(last, dict)
    missing = sorted(v[0] for raw, v in finished.items() if raw not in stored)
    lost_records = sum(v[2] for raw, v in finished.items() if raw not in stored)
    top = max([v[1] for v in finished.values()], default=-1)
    ran_on = any(s > top for raw, s in stored.items() if raw not in finished)
    dropped = last["dropped"] if synced else None
    return {
        "op": cut["op"], "cut": cut["kind"], "addr": cut["addr"], "bytes": cut["bytes"],
        "bytes_changed": cut["changed"], "nor": cut["nor"],
        "booted": boot["cause"] == "power", "synced": synced, "ran_on": ran_on,
        "finished_blocks": len(finished), "missing_seqs": missing, "records_lost": lost_records,
        "dropped_reported": dropped, "first_sync": first_sync if isinstance(first_sync, str) else None,
        "error": None if synced else last,
        "survived": synced and ran_on and not missing,
    }


def plan(total, cuts=None):
    """(op, mode, frac) of each cut over `total` operations: each in both shapes, or `cuts` spread."""
    if cuts is None:
        return [(op, mode, frac) for op in range(1, total + 1) for mode, frac in SHAPES]
    ops_ = sorted({1 + round(k * (total - 1) / max(cuts - 1, 1)) for k in range(cuts)})
    return [(op, *SHAPES[k % len(SHAPES)]) for k, op in enumerate(ops_)]


def sweep(phase, work, cuts=None):
    """Count the scene's operations, cut at each planned one; (row, results)."""
    t0 = time.monotonic()
    scene = Scene(phase, work)
    total = scene.count_ops()
    results = [dict(cut_once(scene, op, mode, frac), mode=mode) for op, mode, frac in plan(total, cuts)]
    kind, name = ROWS[phase]
    row = {
        "kind": kind, "name": name, "injected": len(results), "survived": sum(r["survived"] for r in results),
        "records_lost": sum(r["records_lost"] for r in results), "lost_s": None, "samples_lost_pct": None,
        "steps_vs_clean_pct": None,
        "counted": {"flash ops": total, "mid-erase": sum(r["cut"] == "erase" for r in results),
                    "mid-erase of written cells": sum(r["cut"] == "erase" and r["bytes_changed"] > 0
                                                      for r in results),
                    "mid-program": sum(r["cut"] == "program" for r in results),
                    "dropped reported": sum(r["dropped_reported"] or 0 for r in results),
                    "wall s": round(time.monotonic() - t0)},
    }
    return row, results


def rows(cuts=None):
    """The fault table's two rows for the chip (every operation cut, or `cuts` spread over each scene)."""
    with tempfile.TemporaryDirectory(prefix="stepclip-picocut-") as work:
        return [sweep(phase, work, cuts)[0] for phase in ROWS]


def main(argv=None):
    p = argparse.ArgumentParser(prog=COMMAND, description="power cuts mid flash operation on the emulated Pico")
    p.add_argument("--cuts", type=int, default=None, help="cuts spread over each scene (default: every operation, "
                   "both shapes)")
    p.add_argument("--json", action="store_true", help="print the rows and every cut as one JSON object")
    args = p.parse_args(argv)
    if args.cuts is not None and args.cuts < 1:
        p.error("--cuts must be at least 1")
    why = emulator.missing()
    if why:
        p.exit(2, f"{COMMAND}: the emulated Pico cannot run here: {why}\n")
    out = {"rows": [], "cuts": {}}
    with tempfile.TemporaryDirectory(prefix="stepclip-picocut-") as work:
        for phase in ROWS:
            row, results = sweep(phase, work, args.cuts)
            out["rows"].append(row)
            out["cuts"][phase] = results
            if not args.json:
                c = row["counted"]
                print(f"{row['kind']}: {c['flash ops']} flash ops, {row['injected']} cuts ({c['mid-program']} "
                      f"mid-program, {c['mid-erase']} mid-erase, {c['mid-erase of written cells']} of them of "
                      f"written cells), {row['survived']} survived, "
                      f"{row['records_lost']} records lost, {c['dropped reported']} reported dropped, "
                      f"{c['wall s']} s", flush=True)
                for r in results:
                    if not r["survived"]:
                        print("  not survived: " + json.dumps(r), flush=True)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"command: {COMMAND}" + (f" --cuts {args.cuts}" if args.cuts is not None else ""))


if __name__ == "__main__":
    main()
