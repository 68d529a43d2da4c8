# IMU drivers, one module per chip family; `open_imu` picks one by name.


def open_imu(chip, i2c, addr, rate_hz, range_g):
    """The driver for `chip` (a board description's "imu"), configured and running."""
    if chip == "mpu6050":
        from imu.mpu6050 import MPU6050

        return MPU6050(i2c, addr, rate_hz, range_g)
    raise ValueError("no driver for IMU '%s'" % chip)
