"""The `stepclip` command.

Exit codes: 0 success; 1 the work failed (a bad trace, a simulation that
stopped); 2 the command line is wrong.
"""

import argparse
import json
import os
import sys

from host_tools import __version__
from host_tools.summary import plural
from simulator.project import DEFAULT_BOARD, datasets_dir

EPILOG = """examples:
  stepclip demo                                  replay a generated working day
  stepclip demo --week                           a generated week on the virtual clip, and its picture
  stepclip sim replay walk.csv                   count steps in a recording
  stepclip sim replay walk.csv --json --runtime cpython --set step_threshold_mg=60
  stepclip sim generate day day.csv --seed 3     write a synthetic working day
  stepclip sim eval posture --min-agreement 95   score posture against the shared recordings
  stepclip sim eval steps --max-error 2          step counts against recordings with a true count
  stepclip bench --json                          per-sample cost and simulator speed
  stepclip virtual-clip --port 7000 --speed 60   a clip in software, for mpremote and sync
  stepclip sync --port socket://127.0.0.1:7000   pull its new minutes into the database
  stepclip config set inactive_s=2400            nudge after 40 min (pushed at the next sync)
  stepclip goal set auto                         a step goal that grows from where you are
  stepclip report --week                         the last synced week at a glance
  stepclip deploy --board pico_mpu6050 --dry-run show how the firmware would be deployed

exit codes:
  0  done
  1  the work failed, or a figure is below its --min-agreement / above its --max-error
     (one line on stderr says why; --debug shows the traceback)
  2  the command line is wrong
  130  interrupted (Ctrl-C)
"""


class UserError(Exception):
    """A mistake in what the user asked for: one line, exit code 1."""


class UsageError(UserError):
    """The command line itself is wrong (an option's value, a missing argument): one line, exit code 2."""


def _parse_set(items):
    """--set NAME=VALUE pairs, each checked against the settings schema."""
    from host_tools.config import parse_assignment

    return dict(parse_assignment(item) for item in items or ())


MAX_GENERATE_S = 86400  # a synthetic trace of up to a day: a few hundred MB at 50 Hz


def _known_board(name):
    from simulator import project

    if name not in project.board_names():
        raise UsageError(f"unknown board '{name}' (known: {', '.join(project.board_names())})")


def _database(path_arg, reading):
    """The database the command works on. Only `sync` and the default database are ever created: a reading
    command, or a --db that does not exist, is refused before anything is written."""
    from pathlib import Path

    from host_tools import db

    path = Path(path_arg) if path_arg else db.default_path()
    if not path.is_file():
        if reading:
            raise UserError(f"no database at {path}: nothing is synced there yet (`stepclip sync` makes it)"
                            + ("; is --db mistyped?" if path_arg else ""))
        if path_arg:
            raise UserError(f"no database at {path} (is --db mistyped?): `stepclip sync --db {path}` makes it")
    return path


def _known_clip(path, clip, new_clip=None):
    """Refuse a --clip the database has never synced, naming those it has. `new_clip`: the command's
    --new-clip flag (a goal or setting waiting for the clip's first sync), None where it has none."""
    from host_tools import db

    if clip is None or new_clip or not path.is_file():
        return
    con = db.connect(path)
    try:
        known = db.clip_ids(con)
    finally:
        con.close()
    if clip not in known:
        hint = "; --new-clip keeps it for a clip not synced yet" if new_clip is not None else ""
        raise UserError(f"unknown clip '{clip}' (known: {', '.join(known) or 'none synced yet'}{hint})")


def _parse_clock(text):
    if text is None:
        return -1
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60):
        raise UsageError(f"--start takes HH:MM, not {text!r}")
    return int(hh) * 60 + int(mm)


def cmd_replay(args):
    from host_tools import summary
    from simulator import replay

    from simulator import trace as tracemod
    from tqdm import tqdm

    _known_board(args.board)
    charge = _parse_charge(args.charge)
    trace = tracemod.load(args.trace)
    # a bar for long traces only, on a terminal (tqdm's disable=None), in whole trace minutes
    with tqdm(total=int(trace.seconds // 60), unit="min", desc="replay", disable=None if trace.seconds > 1800 else True,
              leave=False) as bar:
        result = replay.replay(trace, runtime=args.runtime, board_name=args.board, overrides=_parse_set(args.set),
                               start_minute=_parse_clock(args.start), progress=lambda s: bar.update(s // 60 - bar.n),
                               worn=args.worn, battery={"charge": charge})
    if args.json:
        print(json.dumps(result))
    else:
        print(summary.replay_text(args.trace, result))


def _parse_charge(text):
    """--charge: the battery's state of charge at the start, 0..100 %, as 0..1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise UsageError(f"--charge takes the battery's charge at the start, 0 to 100 (%), not {text!r}")
    return value / 100


def cmd_generate(args):
    from simulator import trace as tracemod, tracegen

    if not tracemod.MIN_RATE_HZ <= args.rate <= tracemod.MAX_RATE_HZ:
        raise UsageError(f"--rate takes {tracemod.MIN_RATE_HZ} to {tracemod.MAX_RATE_HZ} samples a second (what "
                         f"`sim replay` reads), not {args.rate:g}")
    if args.kind != "day" and not 1 <= args.seconds <= MAX_GENERATE_S:
        raise UsageError(f"--seconds takes 1 to {MAX_GENERATE_S} (a day; `sim generate day` for a working day), "
                         f"not {args.seconds:g}")
    if args.seed < 0:
        raise UsageError(f"--seed takes a whole number, 0 or more, not {args.seed}")
    if args.kind == "walk" and not 30 <= args.cadence <= 200:
        raise UsageError(f"--cadence takes 30 to 200 steps a minute, not {args.cadence:g}")

    argv = [args.kind, args.out, "--seed", str(args.seed), "--rate", str(args.rate)]
    if args.kind != "day":
        argv += ["--seconds", str(args.seconds)]
    if args.kind == "walk":
        argv += ["--cadence", str(args.cadence)]
    return tracegen.main(argv)


def cmd_eval_posture(args):
    from host_tools import eval_posture

    try:
        eval_posture.run(args.dir, args.runtime, args.json, args.min_agreement, _parse_set(args.set))
    except eval_posture.EvalError as e:
        raise UserError(str(e)) from None


def cmd_eval_steps(args):
    from simulator import evaluate_steps

    _known_board(args.board)
    result = evaluate_steps.evaluate(args.dir, runtime=args.runtime, board_name=args.board,
                                     overrides=_parse_set(args.set))
    print(json.dumps(result) if args.json else evaluate_steps.text(result))
    if args.max_error is not None:
        reason = evaluate_steps.belt_error_above(result, args.max_error)
        if reason:
            raise UserError(reason)


def cmd_eval_rest(args):
    from simulator import project, rest_effect

    folders = args.dir or [str(project.datasets_dir() / "steps"), str(project.datasets_dir() / "posture")]
    result = rest_effect.run(folders, runtime=args.runtime, overrides=_parse_set(args.set), board_name=args.board)
    print(json.dumps(result) if args.json else rest_effect.text(result))


def cmd_bench(args):
    from host_tools import bench

    seconds = bench.LEDGER_S if args.ledger_seconds is None else args.ledger_seconds
    if not seconds > 0:
        raise UsageError(f"--ledger-seconds must be above 0, not {seconds:g}")
    boards = args.ledger_boards.split(",") if args.ledger_boards else None
    figures = bench.run(seconds, boards)
    if args.json:
        print(json.dumps(figures))
        return
    text = {k: v for k, v in figures.items() if not k.startswith("power")}
    print(json.dumps(text, indent=2))
    print("\ncurrent and days per charge (host_tools/power.py; RP2040 boards from the emulated chip's ledger)")
    for name, p in figures["power"].items():
        parts = ", ".join(f"{k} {v:.3f}" for k, v in p["ma_by_part"].items())
        how = f"measured on {p['ledger_board']}" if p["measured"] else "model"
        print(f"  {name:26s} {p['ma']:6.2f} mA  {p['days']:5.1f} days  awake {p['awake_pct']}%  {how}  mA: {parts}")
    print("assumptions:")
    for line in figures["power_assumptions"]:
        print(f"  - {line}")


def cmd_deploy(args):
    from host_tools import deploy

    _known_board(args.board)
    try:
        return deploy.run(args.board, args.port, args.dry_run)
    except deploy.DeployError as e:
        raise UserError(f"deploy: {e}") from None


def cmd_demo(args):
    from host_tools import demo

    if args.week:
        demo.run_week(args.workdir, seed=args.seed)
    else:
        demo.run(args.workdir, seed=args.seed)


def cmd_virtual_clip(args):
    from simulator import virtual_clip
    from simulator.replay import DAY_ZERO

    speed = 0.0 if args.speed == "max" else _positive_float("--speed", args.speed)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port takes a TCP port, 1 to 65535 (0: any free one), not {args.port}")
    _known_board(args.board)
    minute = _parse_clock(args.start)
    charge = _parse_charge(args.charge)
    if args.worn and args.target != "pico":
        raise UsageError("--worn is for --target pico: the unix virtual clip's modelled battery drains all its "
                         "virtual time")
    if args.target == "pico":
        from simulator.pico import emulator, vclip

        if minute >= 0:
            raise UserError("--start: a Pico's clock starts unset at power-on; `stepclip sync` sets it")
        try:
            return vclip.main(args.flash or _user_file("pico-flash"), trace=args.trace, speed=speed,
                              board_name=args.board, port=args.port, charge=charge, worn=args.worn)
        except emulator.PicoError as e:
            raise UserError(str(e)) from None
    from host_tools import vclip_battery

    virtual_clip.main(args.flash or _user_file("vclip-flash"), trace=args.trace, speed=speed, board_name=args.board, port=args.port,
                      start_epoch=DAY_ZERO + 60 * minute if minute >= 0 else -1,
                      battery=vclip_battery.model(args.board, charge))


def _user_file(name):
    """A file of ours in the user data folder, beside the default database."""
    from host_tools import db

    return str(db.default_path().parent / name)


def _positive_float(option, text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"{option} takes a positive number or 'max', not {text!r}")
    return value


def cmd_sync(args):
    from pathlib import Path

    from host_tools import db, sync

    ports = sync.choose_ports(args.port, args.all)
    path = Path(args.db) if args.db else db.default_path()
    new_folder = not path.parent.exists()
    new_file = not path.exists()
    failed = len(ports)  # until the syncs say otherwise
    try:
        with db.SyncLock(path):
            failed = _sync_ports(path, ports)
    finally:
        if new_file and failed == len(ports):
            _remove_unused_database(path, new_folder)  # nothing synced: leave no empty database behind
    return 1 if failed else 0


def _kept(result):
    """Why the clip's clock was not set: it keeps a timeline of its own (a virtual clip faster than real time)."""
    from host_tools.days import wall

    return f"the clip keeps its own timeline, now {wall(result['clock']):%Y-%m-%d %H:%M} (faster than real time?)"


def _remove_unused_database(path, new_folder):
    """Remove a database this sync made and stored nothing in (a mistyped --db, a clip that did not answer)."""
    import sqlite3

    if path.is_file():
        con = sqlite3.connect(path)
        try:
            stored = con.execute("SELECT count(*) FROM clips").fetchone()[0]
        except sqlite3.DatabaseError:
            stored = 1  # not ours to judge: keep it
        finally:
            con.close()
        if stored:
            return
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + ".lock")):
        if p.exists():
            p.unlink()
    if new_folder and path.parent.exists() and not any(path.parent.iterdir()):
        path.parent.rmdir()


def _sync_ports(path, ports):
    """Sync each port into the database at `path`; how many failed."""
    from tqdm import tqdm

    from host_tools import db, sync

    failed = 0
    con = db.connect(path)
    try:
        for port in ports:
            try:
                r = sync.sync_clip(con, port, progress=lambda n: tqdm(total=n, unit="block", desc="sync",
                                                                      disable=None, leave=False))
            except sync.SyncError as e:
                print(f"stepclip: error: {e}", file=sys.stderr)
                failed += 1
                continue
            pushed = f", settings {', '.join(r['settings'])} written" if r["settings"] else ""
            print(f"{r['clip']}: {r['blocks']} new {plural(r['blocks'], 'block')}, up to seq {r['last_seq']}, "
                  f"{'clock kept: ' + _kept(r) if r['clock_kept'] else 'clock set'}{pushed} ({path})")
            if r["dropped"]:
                print(f"{r['clip']}: warning: the clip ran out of flash and freed {r['dropped']} "
                      f"{plural(r['dropped'], 'block')} of minutes before they were synced; sync more often or "
                      "raise log_max_kb", file=sys.stderr)
    finally:
        con.close()
    return failed


def cmd_report(args):
    from datetime import date

    from host_tools import report

    from host_tools.days import parse_since

    if args.goal is not None and args.goal <= 0:
        raise UsageError(f"--goal takes a positive number of steps, not {args.goal}")
    week = args.week
    if week not in (None, "last"):
        try:
            week = date.fromisoformat(week)
        except ValueError:
            raise UsageError(f"--week takes a date such as 2026-01-11, not {args.week!r}") from None
    if week is not None and args.since:
        raise UsageError("--week and --since choose the days each: give one of them")
    parse_since(args.since)
    path = _database(args.db, reading=True)
    _known_clip(path, args.clip)
    report.run(path, since=args.since, clip=args.clip, out=args.out, goal=args.goal, open_page=args.open,
               week=week)


def cmd_goal(args):
    from host_tools import db, goal

    if args.action == "set" and not args.value:
        raise UsageError("goal set needs a number of steps, or auto")
    if args.action != "set" and args.value:
        raise UsageError(f"goal takes a value only after set, not {args.value!r}")
    if args.value and args.value != "auto":
        goal.parse_steps(args.value)  # a wrong number is the command line's fault, whatever the database
    path = _database(args.db, reading=args.action != "set")
    _known_clip(path, args.clip, args.new_clip)
    con = db.connect(path)
    clip = args.clip or db.EVERY_CLIP
    try:
        if args.action == "set":
            steps = goal.set_goal(con, clip, args.value)
            who = "every clip" if clip == db.EVERY_CLIP else clip
            print(f"goal for {who}: {f'{steps:,} steps a day' if steps else 'automatic'}"
                  f"{', written at the next sync' if steps else ', decided at each sync from the days synced'}")
        if clip != db.EVERY_CLIP:
            goal.decide(con, clip)
        print("\n".join(goal.describe(con, clip)))
    except goal.GoalError as e:
        raise UserError(str(e)) from None
    finally:
        con.close()


def cmd_export(args):
    from host_tools import export

    from host_tools.days import parse_since

    parse_since(args.since)
    path = _database(args.db, reading=True)
    _known_clip(path, args.clip)
    n = export.run(path, fmt=args.format, since=args.since, clip=args.clip, out=args.out, daily=args.daily)
    if args.out:
        print(f"{n:,} {plural(n, 'day' if args.daily else 'minute')} written to {args.out}", file=sys.stderr)
    if not n:
        _say_nothing_synced(path, args.clip, args.since)


def _say_nothing_synced(path, clip, since):
    from host_tools import db
    from host_tools.days import nothing_synced

    con = db.connect(path)
    try:
        print(f"stepclip: {nothing_synced(con, path, clip, since)}", file=sys.stderr)
    finally:
        con.close()


def cmd_config(args):
    from host_tools import config

    if args.action in ("get", "set", "unset") and not args.items:
        raise UsageError(f"config {args.action} needs at least one setting name (see: stepclip config list)")
    if args.action == "set":
        for item in args.items:
            config.parse_assignment(item)  # checked before the database is looked at
    elif args.items:
        config.check_names(args.items)
    path = _database(args.db, reading=args.action in ("list", "get"))
    _known_clip(path, args.clip, args.new_clip)
    return config.run(args, path)


DEBUG = argparse.ArgumentParser(add_help=False)
DEBUG.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")


class _Subparsers:
    """add_subparsers' action, each command taking --debug too (`stepclip report --debug`)."""

    def __init__(self, action):
        self._action = action

    def add_parser(self, name, **kw):
        return self._action.add_parser(name, parents=[DEBUG], **kw)


def build_parser():
    p = argparse.ArgumentParser(prog="stepclip", description="Stepclip: belt-worn step and posture clip tools.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"stepclip {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks (also after the command)")
    sub = _Subparsers(p.add_subparsers(dest="command", metavar="COMMAND", required=True))

    sim = _Subparsers(sub.add_parser("sim", help="the desktop simulator").add_subparsers(
        dest="sim_command", metavar="SIMCOMMAND", required=True))
    r = sim.add_parser("replay", help="replay a trace through the firmware",
                       description="Replay a recorded or generated trace (CSV: t,ax,ay,az[,gx,gy,gz]) through the "
                                   "firmware on a simulated IMU, and report steps, posture and nudges.")
    r.add_argument("trace", help="trace CSV file")
    r.add_argument("--runtime", choices=("micropython", "cpython", "pico"), default="micropython",
                   help="interpreter that runs the firmware (default: micropython, the unix port; $MICROPYTHON "
                        "names another build; pico: an emulated Raspberry Pi Pico, $STEPCLIP_PICO_UF2 names "
                        "its MicroPython image)")
    r.add_argument("--board", default=DEFAULT_BOARD, help=f"board description from boards/ (default: {DEFAULT_BOARD})")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    r.add_argument("--start", metavar="HH:MM", help="wall-clock time at the trace start (default: clock not set)")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--worn", action="store_true",
                   help="pico: the USB out while the trace plays, as on a belt; the chip's ledger and battery run")
    r.add_argument("--charge", default="100", metavar="PCT",
                   help="pico: the battery's charge at the start, %% (default 100)")
    r.set_defaults(func=cmd_replay)

    g = sim.add_parser("generate", help="write a synthetic trace",
                       description="Write a synthetic belt-clip trace built from walking, sitting, standing and "
                                   "lying segments.")
    g.add_argument("kind", choices=("day", "walk", "sit", "stand", "lie"))
    g.add_argument("out", help="CSV file to write")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--rate", type=float, default=50.0, help="samples per second (default 50)")
    g.add_argument("--seconds", type=float, default=120.0, help="length, for kinds other than day")
    g.add_argument("--cadence", type=float, default=110.0, help="steps per minute, for walk")
    g.set_defaults(func=cmd_generate)

    ev = _Subparsers(sim.add_parser("eval", help="score the firmware against labelled recordings").add_subparsers(
        dest="eval_command", metavar="WHAT", required=True))
    e = ev.add_parser("posture", help="per-second posture agreement with labelled waist recordings",
                      description="Replay each labelled recording twice through the firmware and score the second "
                                  "pass, second by second: a confusion matrix and the agreement of sedentary "
                                  "(sitting) vs upright (standing, walking), and of lying.")
    e.add_argument("dir", nargs="?", default=str(datasets_dir() / "posture"),
                   help="folder of labelled recordings (default: the shared posture recordings)")
    e.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    e.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    e.add_argument("--min-agreement", type=float, metavar="PCT", help="exit 1 when an agreement is below PCT")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(func=cmd_eval_posture)

    e = ev.add_parser("steps", help="step counts against the true counts of a folder of recordings",
                      description="Count the steps of every recording listed in DIR/index.csv with the firmware and "
                                  "compare with the true counts: per file, per position and activity, at belt level, "
                                  "and false steps per 10 minutes where the truth is 0.")
    e.add_argument("dir", nargs="?", help="folder with index.csv (default: ../shared/datasets/steps)")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--max-error", type=float, metavar="PCT",
                   help="exit 1 when the belt-level absolute error rate is above PCT")
    e.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython",
                   help="interpreter that runs the step counter (default: micropython)")
    e.add_argument("--board", default=DEFAULT_BOARD, help=f"board description from boards/ (default: {DEFAULT_BOARD})")
    e.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    e.set_defaults(func=cmd_eval_steps)

    e = ev.add_parser("rest", help="what the IMU's rests change: each recording at the full rate and rested",
                      description="Replay every recording through the whole clip at the full rate (rest_poll_ms 0) "
                                  "and with the settings' rests (off the body; worn still after worn_rest_s), and "
                                  "list each whose steps, posture changes or nudges differ.")
    e.add_argument("dir", nargs="*", help="folders of recordings (default: the shared steps/ and posture/)")
    e.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    e.add_argument("--board", default=DEFAULT_BOARD, help=f"board description from boards/ (default: {DEFAULT_BOARD})")
    e.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(func=cmd_eval_rest)

    b = sub.add_parser("bench", help="measure per-sample cost, allocation, simulator speed; estimate battery life")
    b.add_argument("--json", action="store_true", help="print one line of JSON")
    b.add_argument("--ledger-seconds", type=float, metavar="S",
                   help="seconds of each activity replayed on the emulated Pico (default: 60, a minute)")
    b.add_argument("--ledger-boards", metavar="A,B", help="the RP2040 boards measured on their own ledgers (default: "
                   "every one whose IMU the emulator carries; the others borrow pico_mpu6050's)")
    b.set_defaults(func=cmd_bench)

    v = sub.add_parser("virtual-clip", help="run a clip in software, reachable with mpremote",
                       description="Run the firmware in the unix-port MicroPython behind a loopback socket and a "
                                   "pty, fed by a trace, until interrupted. Soft resets restart main.py as on a "
                                   "board; the flash folder keeps the log between runs.",
                       epilog="example: stepclip virtual-clip --port 7000 --trace day.csv --speed max &\n"
                              "         mpremote connect socket://127.0.0.1:7000 resume fs ls",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free one, printed)")
    v.add_argument("--trace", help="trace CSV the IMU sees (default: a shipped 2-minute sitting trace)")
    v.add_argument("--speed", default="1", help="times real time, or 'max' (default 1)")
    v.add_argument("--target", choices=("unix", "pico"), default="unix",
                   help="unix: the firmware on the unix-port MicroPython (default); pico: an emulated Raspberry "
                        "Pi Pico running the official MicroPython image, blank until `stepclip deploy`")
    v.add_argument("--flash", help="folder that is the clip's flash, kept between runs (default: vclip-flash, or "
                                   "pico-flash for --target pico, in your user data folder beside the database)")
    v.add_argument("--board", default=DEFAULT_BOARD, help=f"board description (default: {DEFAULT_BOARD})")
    v.add_argument("--charge", default="100", metavar="PCT",
                   help="the battery's charge at power-on, %% (default 100). unix: drained at host_tools/power.py's "
                        "modelled current for the board; pico: by the emulated chip's worn time, state by state")
    v.add_argument("--worn", action="store_true",
                   help="pico: the USB out while the trace plays (from the firmware's first sample), back in at its "
                        "end for a sync: the chip's worn time drains the battery")
    v.add_argument("--start", metavar="HH:MM", help="wall-clock time at the trace start on Monday 2026-01-05, as if "
                                                    "a sync had set the clock (default: clock not set). At any "
                                                    "--speed but 1 the clip then keeps that timeline through syncs")
    v.set_defaults(func=cmd_virtual_clip)

    y = sub.add_parser("sync", help="pull a clip's new minutes into the database",
                       description="Stop the clip's loop, set its clock, copy every log block newer than the "
                                   "database holds (CRC-checked), write changed settings, acknowledge, and "
                                   "restart logging. Safe to interrupt and to repeat.",
                       epilog="example: stepclip sync --port /dev/ttyACM0\n"
                              "         stepclip sync --all --db study.db",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    y.add_argument("--port", action="append", help="serial port or socket://HOST:PORT (repeatable; default: "
                                                   "the clip found on USB)")
    y.add_argument("--all", action="store_true", help="sync every clip found on USB")
    y.add_argument("--db", help="database file (default: in your user data folder, or $STEPCLIP_DB)")
    y.set_defaults(func=cmd_sync)

    c = sub.add_parser("config", help="see and change the clip's settings",
                       description="Settings live in one schema shared with the firmware. `set` checks the "
                                   "value and keeps it in the database; the next sync writes it to the clip.",
                       epilog="examples: stepclip config list\n"
                              "          stepclip config set inactive_s=2400 snooze_s=600\n"
                              "          stepclip config get inactive_s --clip e6614103e7",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("action", nargs="?", choices=("list", "get", "set", "unset"), default="list",
                   help="default: list")
    c.add_argument("items", nargs="*", metavar="NAME[=VALUE]")
    c.add_argument("--clip", help="one clip's id (default: every clip)")
    c.add_argument("--new-clip", action="store_true", help="--clip names a clip not synced yet: keep the setting "
                                                           "for its first sync")
    c.add_argument("--db", help="database file (default: the one sync uses)")
    c.set_defaults(func=cmd_config)

    rp = sub.add_parser("report", help="see the synced days: terminal summary, pictures, one HTML page",
                        description="Per day: steps against the day's goal, brisk minutes (100+ steps), walks of "
                                    "15 minutes or more and the longest, time sitting, in bouts of 30 minutes or "
                                    "more and in the evening, sitting bouts, breaks per sitting hour, nudges and "
                                    "how many were answered by a walk within 5 minutes, battery. A week or more "
                                    "opens with the week at a glance and its findings. Writes PNG pictures and "
                                    "report.html into --out.",
                        epilog="examples: stepclip report --since 7d --open\n"
                               "          stepclip report --week 2026-01-11\n"
                               "          stepclip report --since 2026-01-05 --clip e6614103e7 --out study/p01",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("--since", help="7d (the last 7 days), 12h, or a date YYYY-MM-DD (default: everything)")
    rp.add_argument("--clip", help="one clip's id (default: every clip)")
    rp.add_argument("--out", default="stepclip-report", help="folder for the pictures and report.html "
                                                             "(default: stepclip-report in the current folder)")
    rp.add_argument("--goal", type=int, help="measure every day against this many steps (default: the clip's goal "
                                             "that day, else 10000)")
    rp.add_argument("--week", nargs="?", const="last", metavar="DATE",
                    help="the week up to DATE (default: the last synced day), its picture at the top")
    rp.add_argument("--open", action="store_true", help="open report.html in the browser")
    rp.add_argument("--db", help="database file (default: the one sync uses)")
    rp.set_defaults(func=cmd_report)

    ex = sub.add_parser("export", help="minutes or daily summaries as CSV or JSON",
                        description="Minute records with wall-clock time, clip id, steps, posture (the state held "
                                    "longest, and seconds in each), nudges; or one row per clip and day with "
                                    "--daily. Rows are streamed, so large exports need little memory.",
                        epilog="examples: stepclip export --format csv --since 7d --out week.csv\n"
                               "          stepclip export --format json --daily | jq '.[].steps'",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("--format", choices=("csv", "json"), default="csv")
    ex.add_argument("--since", help="7d, 12h or YYYY-MM-DD (default: everything)")
    ex.add_argument("--clip", help="one clip's id (default: every clip)")
    ex.add_argument("--daily", action="store_true", help="one row per clip and day instead of per minute")
    ex.add_argument("--out", help="file to write (default: standard output)")
    ex.add_argument("--db", help="database file (default: the one sync uses)")
    ex.set_defaults(func=cmd_export)

    dp = sub.add_parser("deploy", help="compile the firmware and copy it to a clip over USB",
                        description="Compile the firmware with mpy-cross for the board's MCU, copy it and the board "
                                    "description with mpremote, write default settings only where none exist, set "
                                    "the clock and verify by reading the firmware version back.")
    dp.add_argument("--board", required=True, help="board description from boards/")
    dp.add_argument("--port", help="serial port of the clip (default: the first one mpremote finds)")
    dp.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    dp.set_defaults(func=cmd_deploy)

    gl = sub.add_parser("goal", help="see or set the daily step goal the clip buzzes for",
                        description="The goal, how it came about and what comes next. `set auto`: start from your "
                                    "median over the last 7 days with steps and raise it about 10 % a week while "
                                    "you reach it on most days (5 of 7), up to 10,000 (host settings goal_raise_pct, "
                                    "goal_most_days, goal_cap_steps). `set N`: N steps a day. The next sync writes "
                                    "it to the clip as goal_steps.",
                        epilog="examples: stepclip goal\n"
                               "          stepclip goal set auto\n"
                               "          stepclip goal set 6000 --clip e6614103e7",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    gl.add_argument("action", nargs="?", choices=("show", "set"), default="show")
    gl.add_argument("value", nargs="?", metavar="N|auto")
    gl.add_argument("--clip", help="one clip's id (default: every clip)")
    gl.add_argument("--new-clip", action="store_true", help="--clip names a clip not synced yet: its goal waits "
                                                            "for its first sync")
    gl.add_argument("--db", help="database file (default: the one sync uses)")
    gl.set_defaults(func=cmd_goal)

    d = sub.add_parser("demo", help="a working day (or week) on the virtual clip, synced, summarised and reported")
    d.add_argument("--workdir", default="build/demo",
                   help="where the demo writes its files (default: build/demo in the current folder)")
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--week", action="store_true", help="a generated week of seven different days instead, with "
                                                       "a growing goal; takes a few minutes")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv=None):
    from host_tools.db import DatabaseError
    from host_tools.sync import SyncError
    from simulator.replay import SimError
    from simulator.trace import TraceError

    from host_tools.config import ConfigError
    from host_tools.days import SinceError
    from host_tools.goal import GoalError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except BrokenPipeError:
        # the reader went away (`stepclip export | head`): end quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UsageError, ConfigError, SinceError, GoalError) as e:
        if args.debug:
            raise
        print(f"stepclip: error: {e}", file=sys.stderr)
        return 2
    except (UserError, TraceError, SimError, ValueError, OSError, DatabaseError, SyncError) as e:
        if args.debug:
            raise
        print(f"stepclip: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stepclip: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
