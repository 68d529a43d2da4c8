# Board description: boards/<name>.json on the host, board.json on the clip.
#
# Names the MCU, the I2C bus and pins, the IMU and its address, the motor,
# button, battery and LED pins. Addresses may be written as "0x68".

FILENAME = "board.json"


def normalise(desc):
    """`desc` with addresses as ints; raises ValueError naming a missing key."""
    for key in ("name", "mcu", "imu", "imu_addr", "i2c", "motor"):
        if key not in desc:
            raise ValueError("board description has no '%s'" % key)
    addr = desc["imu_addr"]
    desc["imu_addr"] = int(addr, 16) if isinstance(addr, str) else addr
    return desc


def load(storage):
    desc = storage.read_json(FILENAME)
    if not isinstance(desc, dict):
        raise ValueError("no readable %s on the clip" % FILENAME)
    return normalise(desc)
