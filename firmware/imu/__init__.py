# IMU drivers, one module per chip family; `open_imu` picks one by name
# (a board description's "imu"). Modules are imported only when asked
# for, so a board carries in RAM only its own chip's driver.

CHIPS = ("mpu6050", "mpu6500", "mpu6886", "lsm6dsox", "lsm6ds3", "qmi8658", "bmi160")


def driver(chip):
    """The driver class for `chip`."""
    if chip == "mpu6050":
        from imu.mpu6050 import MPU6050

        return MPU6050
    if chip == "mpu6500" or chip == "mpu6886":
        from imu.mpu6500 import MPU6500, MPU6886

        return MPU6500 if chip == "mpu6500" else MPU6886
    if chip == "lsm6dsox" or chip == "lsm6ds3":
        from imu.lsm6dsox import LSM6DS3, LSM6DSOX

        return LSM6DSOX if chip == "lsm6dsox" else LSM6DS3
    if chip == "qmi8658":
        from imu.qmi8658 import QMI8658

        return QMI8658
    if chip == "bmi160":
        from imu.bmi160 import BMI160

        return BMI160
    raise ValueError("no driver for IMU '%s' (known: %s)" % (chip, ", ".join(CHIPS)))


def output_rate(chip, rate_hz):
    """The output data rate `chip`'s driver sets when asked for `rate_hz`."""
    return driver(chip).rate_for(rate_hz)


def open_imu(chip, i2c, addr, rate_hz, range_g):
    """The driver for `chip`, configured and running."""
    return driver(chip)(i2c, addr, rate_hz, range_g)
