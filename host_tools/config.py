"""`stepclip config`: the settings schema (firmware/settings.py) and the values wanted in the database."""

import json
from datetime import datetime

from host_tools import db
from simulator import project


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
        raise ConfigError(f"{name}: {text!r} is not a whole number (or a list of them)") from None
    value = parts if "," in text else parts[0]
    try:
        return schema().check(name, value)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def parse_assignment(item):
    name, sep, text = item.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"settings are written NAME=VALUE, not {item!r}")
    return name.strip(), parse_value(name.strip(), text)


def _show(value):
    return ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def run(args):
    s = schema()
    con = db.connect(args.db)
    clip = args.clip or db.EVERY_CLIP
    wanted = db.desired_settings(con, clip)
    if args.action == "list":
        for name, (default, lo, hi, help_text) in s.SCHEMA.items():
            mark = f"  -> {_show(wanted[name])} at next sync" if name in wanted else ""
            print(f"{name:22} {_show(default):>24}  [{lo}..{hi}]  {help_text}{mark}")
        return 0
    if not args.items:
        raise ConfigError(f"config {args.action} needs at least one setting name")
    if args.action == "get":
        for name in args.items:
            if name not in s.SCHEMA:
                raise ConfigError(f"unknown setting '{name}' (see: stepclip config list)")
            print(f"{name}={_show(wanted.get(name, s.SCHEMA[name][0]))}")
        return 0
    now = datetime.now().isoformat(timespec="seconds")
    if args.action == "set":
        changes = [parse_assignment(item) for item in args.items]  # all checked before any is kept
        with con:
            con.executemany("INSERT OR REPLACE INTO desired_settings VALUES (?, ?, ?, ?)",
                            [(clip, name, json.dumps(list(v) if isinstance(v, tuple) else v), now)
                             for name, v in changes])
        for name, v in changes:
            print(f"{name}={_show(v)} (written to {'every clip' if clip == db.EVERY_CLIP else clip} at the next sync)")
        return 0
    for name in args.items:  # unset: the clip keeps what it has
        with con:
            con.execute("DELETE FROM desired_settings WHERE clip = ? AND name = ?", (clip, name))
    return 0
