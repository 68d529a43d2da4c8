"""The `stepclip` command.

Exit codes: 0 success; 1 the work failed (a bad trace, a simulation that
stopped); 2 the command line is wrong.
"""

import argparse
import json
import sys

from host_tools import __version__
from simulator.project import DEFAULT_BOARD

EPILOG = """examples:
  stepclip demo                                  replay a generated working day
  stepclip sim replay walk.csv                   count steps in a recording
  stepclip sim replay walk.csv --json --runtime cpython --set step_threshold_mg=60
  stepclip sim generate day day.csv --seed 3     write a synthetic working day
  stepclip sim eval steps --max-error 2          step counts against recordings with a true count
  stepclip bench --json                          per-sample cost and simulator speed
"""


class UserError(Exception):
    """A mistake in what the user asked for: one line, exit code 1."""


def _parse_set(items):
    """KEY=VALUE pairs; VALUE is a whole number or a comma-separated list of them."""
    out = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set takes KEY=VALUE, not {item!r}")
        try:
            parts = [int(v, 0) for v in value.split(",")]
        except ValueError:
            raise UserError(f"--set {key}: {value!r} is not a whole number (or a list of them)") from None
        out[key.strip()] = parts if "," in value else parts[0]
    return out


def _parse_clock(text):
    if text is None:
        return -1
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60):
        raise UserError(f"--start takes HH:MM, not {text!r}")
    return int(hh) * 60 + int(mm)


def cmd_replay(args):
    from host_tools import summary
    from simulator import replay

    result = replay.replay(args.trace, runtime=args.runtime, board_name=args.board,
                           overrides=_parse_set(args.set), start_minute=_parse_clock(args.start))
    if args.json:
        print(json.dumps(result))
    else:
        print(summary.replay_text(args.trace, result))


def cmd_generate(args):
    from simulator import tracegen

    argv = [args.kind, args.out, "--seed", str(args.seed), "--rate", str(args.rate)]
    if args.kind != "day":
        argv += ["--seconds", str(args.seconds)]
    if args.kind == "walk":
        argv += ["--cadence", str(args.cadence)]
    return tracegen.main(argv)


def cmd_eval_steps(args):
    from simulator import evaluate_steps

    result = evaluate_steps.evaluate(args.dir, runtime=args.runtime, board_name=args.board,
                                     overrides=_parse_set(args.set))
    print(json.dumps(result) if args.json else evaluate_steps.text(result))
    if args.max_error is not None:
        reason = evaluate_steps.belt_error_above(result, args.max_error)
        if reason:
            raise UserError(reason)


def cmd_bench(args):
    from host_tools import bench

    figures = bench.run()
    print(json.dumps(figures, indent=None if args.json else 2))


def cmd_demo(args):
    from host_tools import demo

    demo.run(args.workdir, seed=args.seed)


def build_parser():
    p = argparse.ArgumentParser(prog="stepclip", description="Stepclip: belt-worn step and posture clip tools.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"stepclip {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sim = sub.add_parser("sim", help="the desktop simulator").add_subparsers(dest="sim_command", metavar="SIMCOMMAND",
                                                                            required=True)
    r = sim.add_parser("replay", help="replay a trace through the firmware",
                       description="Replay a recorded or generated trace (CSV: t,ax,ay,az[,gx,gy,gz]) through the "
                                   "firmware on a simulated IMU, and report steps, posture and nudges.")
    r.add_argument("trace", help="trace CSV file")
    r.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython",
                   help="interpreter that runs the firmware (default: micropython, the unix port; $MICROPYTHON "
                        "names another build)")
    r.add_argument("--board", default=DEFAULT_BOARD, help=f"board description from boards/ (default: {DEFAULT_BOARD})")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (repeatable)")
    r.add_argument("--start", metavar="HH:MM", help="wall-clock time at the trace start (default: clock not set)")
    r.add_argument("--json", action="store_true", help="print one JSON object")
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

    ev = sim.add_parser("eval", help="evaluate the firmware against recordings with ground truth").add_subparsers(
        dest="eval_command", metavar="WHAT", required=True)
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

    b = sub.add_parser("bench", help="measure per-sample cost, allocation and simulator speed")
    b.add_argument("--json", action="store_true", help="print one line of JSON")
    b.set_defaults(func=cmd_bench)

    d = sub.add_parser("demo", help="replay a generated working day and summarise it")
    d.add_argument("--workdir", default="build/demo", help="where the demo writes its files (default build/demo)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=cmd_demo)
    return p


def main(argv=None):
    from simulator.replay import SimError
    from simulator.trace import TraceError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except (UserError, TraceError, SimError, ValueError, OSError) as e:
        if args.debug:
            raise
        print(f"stepclip: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stepclip: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
