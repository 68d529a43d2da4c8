"""`stepclip config`: the settings schema (firmware/settings.py) and the values wanted in the database.

The host has a few settings of its own (HOST_SCHEMA: how the goal grows,
when the evening begins), kept in the database beside the clip's and
never sent to a clip.
"""

import json
from datetime import datetime

from host_tools import db
from simulator import project


# name: (default, minimum, maximum, help), as firmware/settings.py's SCHEMA
HOST_SCHEMA = {
    "goal_raise_pct": (10, 1, 50, "the automatic goal rises this much after a week it was reached on most days, %"),
    "goal_most_days": (5, 1, 7, "days of 7 the goal must be reached on to rise (most days of the week)"),
    "goal_cap_steps": (10000, 1000, 100000, "the automatic goal rises no higher, steps"),
    "evening_start_min": (1080, 0, 1439, "sitting from this time of day on is evening sitting, minutes after "
                                         "midnight (18:00)"),
}


class ConfigError(ValueError):
    """A setting or value that is not allowed: one line saying what is."""


def schema():
    project.use_firmware()
    import settings

    return settings


def parse_value(name, text):
    """`text` as the setting `name` takes it (a whole number or a comma-separated list), checked."""
    try:
        parts = [int(v, 0) for v in text.split(",")]
    except ValueError:
        hint = ""
        hh, sep, mm = text.partition(":")
        if sep and hh.isdigit() and mm.isdigit() and name.endswith("_min"):
            hint = f" (a time of day is written in minutes after midnight: {text} is {int(hh) * 60 + int(mm)})"
        raise ConfigError(f"{name}: {text!r} is not a whole number (or a list of them){hint}") from None
    value = parts if "," in text else parts[0]
    try:
        if name in HOST_SCHEMA:
            return schema()._int_in(name, value, *HOST_SCHEMA[name][1:3])
        return schema().check(name, value)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def host_settings(con, clip):
    """The host's settings for `clip`: defaults, overlaid with those set for every clip and for this one."""
    out = {name: spec[0] for name, spec in HOST_SCHEMA.items()}
    out.update({k: v for k, v in db.desired_settings(con, clip, "host_settings").items() if k in HOST_SCHEMA})
    return out


def parse_assignment(item):
    name, sep, text = item.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"settings are written NAME=VALUE, not {item!r} (see: stepclip config list)")
    check_names([name.strip()])
    return name.strip(), parse_value(name.strip(), text)


def check_names(names):
    """Refuse a setting name that neither the clip's schema nor the host's knows, naming the known ones
    nearest to it (all of them would be some eighty)."""
    from difflib import get_close_matches

    known = list(schema().SCHEMA) + list(HOST_SCHEMA)
    for name in names:
        if name not in known:
            near = get_close_matches(name, known, n=4, cutoff=0.6)
            like = f"known ones like it: {', '.join(near)}; " if near else ""
            raise ConfigError(f"unknown setting '{name}' ({like}all {len(known)}: stepclip config list)")


def _show(value):
    return ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def run(args, path):
    s = schema()
    con = db.connect(path)
    clip = args.clip or db.EVERY_CLIP
    wanted = db.desired_settings(con, clip)
    held = db.held_settings(con, clip) if clip != db.EVERY_CLIP else {}
    host = host_settings(con, clip)
    if args.action == "list":
        for name, (default, lo, hi, help_text) in s.SCHEMA.items():
            mark = ""
            if name in wanted:
                mark = (f"  -> {_show(wanted[name])} (the clip has it)" if held.get(name) == wanted[name]
                        else f"  -> {_show(wanted[name])} at next sync")
            print(f"{name:22} {_show(default):>24}  [{lo}..{hi}]  {help_text}{mark}")
        print("\nthe host's own (report and goal; never sent to a clip):")
        for name, (default, lo, hi, help_text) in HOST_SCHEMA.items():
            mark = f"  -> {host[name]}" if host[name] != default else ""
            print(f"{name:22} {default:>24}  [{lo}..{hi}]  {help_text}{mark}")
        return 0
    if args.action == "get":
        for name in args.items:
            if name in HOST_SCHEMA:
                print(f"{name}={host[name]}")
                continue
            print(f"{name}={_show(wanted.get(name, s.SCHEMA[name][0]))}")
        return 0
    now = datetime.now().isoformat(timespec="seconds")
    if args.action == "set":
        changes = [parse_assignment(item) for item in args.items]  # all checked before any is kept
        with con:
            for name, v in changes:
                con.execute("INSERT OR REPLACE INTO %s VALUES (?, ?, ?, ?)" % _table(name),
                            (clip, name, json.dumps(list(v) if isinstance(v, tuple) else v), now))
        for name, v in changes:
            who = "every clip" if clip == db.EVERY_CLIP else clip
            print(f"{name}={_show(v)} ({'kept for ' + who if name in HOST_SCHEMA else 'written to ' + who + ' at the next sync'})")
        return 0
    who = "every clip" if clip == db.EVERY_CLIP else clip
    for name in args.items:  # unset: the clip keeps what it has
        with con:
            gone = con.execute("DELETE FROM %s WHERE clip = ? AND name = ?" % _table(name), (clip, name)).rowcount
        if name in HOST_SCHEMA:
            print(f"{name}: back to {HOST_SCHEMA[name][0]} for {who}" if gone
                  else f"{name}: nothing was set for {who}")
        else:
            print(f"{name}: no longer written to {who} at a sync; the clip keeps what it has" if gone
                  else f"{name}: nothing was waiting for {who}")
    return 0


def _table(name):
    return "host_settings" if name in HOST_SCHEMA else "desired_settings"
