"""Board descriptions (boards/*.json): their schema, checked on the host before use."""

import json

from simulator import project

MCU_ARCH = {"rp2040": "armv6m", "esp32": "xtensawin", "esp32s3": "xtensawin"}  # mpy-cross -march
PULLS = ("up", "down", "none")
KEYS = ("name", "title", "mcu", "arch", "i2c", "imu", "imu_addr", "imu_int", "motor", "button", "battery_adc", "led")


def _pin(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 64


def problems(desc, filename_stem=None):
    """What is wrong with board description `desc`, one phrase each (empty: nothing)."""
    project.use_firmware()
    from imu import CHIPS

    out = [f"no '{k}'" for k in KEYS if k not in desc]
    out += [f"unknown key '{k}'" for k in desc if k not in KEYS]
    if out:
        return out
    if filename_stem is not None and desc["name"] != filename_stem:
        out.append(f"name '{desc['name']}' differs from the file name")
    if desc["mcu"] not in MCU_ARCH:
        out.append(f"mcu '{desc['mcu']}' is not one of {', '.join(MCU_ARCH)}")
    elif desc["arch"] != MCU_ARCH[desc["mcu"]]:
        out.append(f"arch for {desc['mcu']} is {MCU_ARCH[desc['mcu']]}, not '{desc['arch']}'")
    bus = desc["i2c"]
    if not (isinstance(bus, dict) and bus.get("id") in (0, 1) and _pin(bus.get("sda")) and _pin(bus.get("scl"))
            and isinstance(bus.get("freq", 400000), int) and 10000 <= bus.get("freq", 400000) <= 1000000):
        out.append("i2c takes id (0 or 1), sda and scl pins, and freq (10 kHz..1 MHz)")
    if desc["imu"] not in CHIPS:
        out.append(f"imu '{desc['imu']}' is not one of {', '.join(CHIPS)}")
    addr = desc["imu_addr"]
    try:
        addr = int(addr, 16) if isinstance(addr, str) else addr
    except ValueError:
        addr = None
    if not (isinstance(addr, int) and 0x08 <= addr <= 0x77):
        out.append(f"imu_addr {desc['imu_addr']!r} is not a 7-bit I2C address")
    imu_int = desc["imu_int"]
    if imu_int is not None and not (isinstance(imu_int, dict) and _pin(imu_int.get("pin"))
                                    and isinstance(imu_int.get("line"), str)):
        out.append("imu_int is null or takes a pin and the IMU's line (INT, INT1)")
    motor = desc["motor"]
    if not (isinstance(motor, dict) and _pin(motor.get("pin")) and isinstance(motor.get("transistor"), bool)):
        out.append("motor takes a pin and transistor (true or false)")
    button = desc["button"]
    if button is not None and not (isinstance(button, dict) and _pin(button.get("pin"))
                                   and button.get("pull") in PULLS):
        out.append(f"button is null or takes a pin and pull ({', '.join(PULLS)})")
    bat = desc["battery_adc"]
    if bat is not None and not (isinstance(bat, dict) and _pin(bat.get("pin"))
                                and isinstance(bat.get("divider"), (int, float)) and bat["divider"] >= 1):
        out.append("battery_adc is null or takes a pin and divider (>= 1)")
    if desc["led"] is not None and not _pin(desc["led"]):
        out.append("led is null or a pin")
    pins = [bus.get("sda"), bus.get("scl")] if isinstance(bus, dict) else []
    pins += [x.get("pin") for x in (imu_int, motor, button, bat) if isinstance(x, dict)]
    used = [p for p in pins if p is not None]
    if len(set(used)) != len(used):
        out.append("two functions share a pin")
    return out


def load(name):
    """Board description `name` from boards/, checked; ValueError names what is wrong."""
    path = project.BOARDS / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"unknown board '{name}' (known: {', '.join(project.board_names())})")
    try:
        desc = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path.name}: not JSON ({e.msg}, line {e.lineno})") from None
    wrong = problems(desc, name) if isinstance(desc, dict) else ["not a JSON object"]
    if wrong:
        raise ValueError(f"{path.name}: {'; '.join(wrong)}")
    return desc
