# InvenSense MPU-6500 and MPU-6886: the MPU-6050's register map, with
# differences that matter here.
#
# Register names follow the MPU-6500 Register Map (RM-MPU-6500A-00 rev. 2.1)
# and the MPU-6886 datasheet (DS-000193 rev. 1.1); imu/README.md gives the
# source of each fact. Both have a separate accelerometer low-pass filter
# (ACCEL_CONFIG2, A_DLPF_CFG). The MPU-6500's FIFO holds 512 bytes as reset
# (ACCEL_CONFIG2[7:6], which InvenSense's own driver sets to 1 KiB for the
# DMP, stay 0 here), the MPU-6886's 1 KiB, and the MPU-6886 writes TEMP_OUT
# into the FIFO after the accelerometer words, so its frame is 8 bytes.

from micropython import const

from imu.mpu6050 import DLPF, MPU6050, dlpf_for

_CONFIG = const(0x1A)  # CONFIG: DLPF_CFG[2:0] (sets the 1 kHz rate SMPLRT_DIV divides); FIFO_MODE bit 6 stays 0
_ACCEL_CONFIG2 = const(0x1D)  # ACCEL_CONFIG2: A_DLPF_CFG[2:0], ACCEL_FCHOICE_B bit 3 stays 0

# A_DLPF_CFG by accelerometer bandwidth (Hz), ACCEL_FCHOICE_B = 0.
_A_DLPF = ((218, 1), (99, 2), (44, 3), (21, 4), (10, 5), (5, 6))


class MPU6500(MPU6050):
    CHIP = "MPU-6500"
    WHO_AM_I = 0x70
    FIFO_SIZE = 512
    FIFO_SAMPLES = 512 // 6
    LOW_POWER_CYCLE = False  # its cycle's rate is LP_ACCEL_ODR (register 0x1E), not LP_WAKE_CTRL: not driven here

    def _filters(self):
        self._set(_CONFIG, dlpf_for(DLPF, self.rate_hz))
        self._set(_ACCEL_CONFIG2, dlpf_for(_A_DLPF, self.rate_hz))


class MPU6886(MPU6500):
    CHIP = "MPU-6886"
    WHO_AM_I = 0x19
    FIFO_SIZE = 1024
    FIFO_SAMPLES = 1024 // 8
    FRAME = 8  # ACCEL_XOUT_H .. ACCEL_ZOUT_L, TEMP_OUT_H, TEMP_OUT_L
