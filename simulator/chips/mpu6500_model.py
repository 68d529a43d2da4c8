# Register-level models of the MPU-6500 and MPU-6886: the MPU-6050 model
# with their identities, FIFO sizes (512 bytes; 1 KiB), temperature
# formulas and, on the MPU-6886, TEMP_OUT written into the FIFO after the
# accelerometer words (datasheet rev. 1.1, FIFO_EN). ACCEL_CONFIG2 is
# stored like any other register.

from mpu6050_model import MPU6050Model


class MPU6500Model(MPU6050Model):
    NAME = "MPU-6500"
    WHO_AM_I_VALUE = 0x70
    FIFO_SIZE = 512
    TEMP_25C = 1335  # (25 - 21) * 333.87


class MPU6886Model(MPU6050Model):
    NAME = "MPU-6886"
    WHO_AM_I_VALUE = 0x19
    FIFO_SIZE = 1024
    TEMP_25C = 0  # 25 degC + TEMP_OUT / 326.8
    TEMP_IN_ACCEL_FRAME = True
