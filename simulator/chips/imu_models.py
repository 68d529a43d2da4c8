# The register-level model for each IMU chip a board description can name.


def model_class(chip):
    if chip == "mpu6050":
        from mpu6050_model import MPU6050Model

        return MPU6050Model
    if chip == "mpu6500" or chip == "mpu6886":
        from mpu6500_model import MPU6500Model, MPU6886Model

        return MPU6500Model if chip == "mpu6500" else MPU6886Model
    if chip == "lsm6dsox" or chip == "lsm6ds3":
        from lsm6dsox_model import LSM6DS3Model, LSM6DSOXModel

        return LSM6DSOXModel if chip == "lsm6dsox" else LSM6DS3Model
    if chip == "qmi8658":
        from qmi8658_model import QMI8658Model

        return QMI8658Model
    if chip == "bmi160":
        from bmi160_model import BMI160Model

        return BMI160Model
    raise ValueError("the simulator has no model of the %s" % chip)
