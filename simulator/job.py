"""A replay job: the trace as the board's IMU will sample it, and what the firmware is to run it with.

Every runtime (simulator/unix, simulator/cpython, simulator/pico) takes the
same job; the settings are checked against the firmware's own schema here.
"""

from pathlib import Path

from simulator import project, trace as tracemod

DAY_ZERO = 1767571200  # Monday 2026-01-05 00:00, local time: the date simulated days fall on


class SimError(Exception):
    pass


def imu_rate(board, settings):
    """The output data rate the board's IMU driver sets for the requested rate."""
    project.use_firmware()
    from imu import output_rate

    try:
        return output_rate(board["imu"], settings["rate_hz"])
    except ValueError as e:
        raise SimError(str(e)) from None


def resolve_settings(overrides):
    """Defaults with `overrides` applied, each checked against the firmware's schema."""
    project.use_firmware()
    import settings as fw_settings

    s = fw_settings.defaults()
    for k, v in overrides.items():
        try:
            s[k] = fw_settings.check(k, v)
        except ValueError as e:
            raise SimError(str(e)) from None
    return s


def prepare(trace, work, board_name=project.DEFAULT_BOARD, overrides=None, start_minute=-1, flash=None):
    """Write the sample stream for `trace` into folder `work`; the job that runs it."""
    board = project.board(board_name)
    overrides = dict(overrides or {})
    rate = imu_rate(board, resolve_settings(overrides))
    flash_dir = Path(flash) if flash else Path(work) / "flash"
    flash_dir.mkdir(parents=True, exist_ok=True)
    stream = Path(work) / "stream.bin"
    tracemod.write_stream(tracemod.resample(trace, rate), stream)
    return {
        "firmware": str(project.FIRMWARE),
        "stream": str(stream),
        "stream_rate_hz": rate,
        "flash": str(flash_dir),
        "board": board,
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        "start_epoch": DAY_ZERO + 60 * start_minute if start_minute >= 0 else -1,
    }


