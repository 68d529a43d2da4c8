"""The emulated Pico's ledger of worn time (simulator/pico/ledger.mjs), with its USB out while worn.

Skipped, saying why, when ../shared/rp2040 (or $STEPCLIP_PICO_UF2), node or rp2040js is missing.
"""

import pytest

from simulator import currents, project, replay, trace as tracemod, tracegen
from simulator.pico import emulator, ledger_bench

WHY = emulator.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"emulated Pico: {WHY}")
QUICK_NIGHT = {"off_body_s": 60}  # off the body after its shortest still time: the night's steady state sooner


@pytest.fixture(scope="module")
def sitting(tmp_path_factory):
    return ledger_bench.ledger("sit", 20, tmp_path_factory.mktemp("ledger"))


def test_the_states_add_up_to_the_worn_time_and_that_is_the_trace(sitting):
    s = sitting["seconds"]
    assert set(s) == {"run", "wfi", "lightsleep", "dormant"}
    assert sum(s.values()) == pytest.approx(sitting["seconds_replayed"], rel=0.01)
    assert sitting["seconds_replayed"] == pytest.approx(20, abs=0.5)  # from the first sample to the last read
    assert not sitting["worn"]  # plugged back in for the end


def test_unplugged_the_worn_clip_sleeps_most_of_the_time_and_wakes_to_read_the_imu(sitting):
    s = sitting["seconds"]
    assert s["lightsleep"] > 0.9 * sitting["seconds_replayed"]  # with USB in, a sleep ends at once
    assert sitting["wakeups"]["lightsleep"] >= 20 * 2  # at least two FIFO reads a second
    assert sitting["i2c_bytes"] >= 20 * 50 * 6  # every sample's six bytes came over the bus
    assert sitting["motor_s"] == 0
    assert sitting["flash_erases"] == 0  # the boot's erases (once a boot) fall before the steady window
    assert sitting["imu_s"] == {"normal 50 Hz, gyro off": pytest.approx(sitting["seconds_replayed"], rel=0.01)}


def test_off_the_body_the_ledger_is_the_rest_the_imu_in_its_low_power_cycle(tmp_path):
    """The night's steady state: counted from off_body_s + OFF_SETTLE_S on, the MPU-6050 in its 20 Hz cycle all
    along and the chip woken only to count the time (every rest_poll_ms), not five times a second."""
    off = ledger_bench.ledger("off", 20, tmp_path, overrides=QUICK_NIGHT)
    # its start and end are seen when the chip wakes, at most rest_poll_ms (4 s) apart
    assert off["seconds_replayed"] == pytest.approx(20, abs=4.5)
    assert sum(off["seconds"].values()) == pytest.approx(off["seconds_replayed"], rel=0.01)
    assert off["imu_s"] == {"low power 20 Hz": pytest.approx(off["seconds_replayed"], rel=0.01)}
    assert off["wakeups"]["lightsleep"] <= off["seconds_replayed"] // 4 + 2
    assert off["seconds"]["run"] < 0.002 * off["seconds_replayed"]
    assert off["i2c_bytes"] < 100  # a look at INT_STATUS per wake, no FIFO


def test_the_bmi160_board_sleeps_until_its_fifo_watermark_and_rests_in_its_own_low_power_mode(sitting, tmp_path):
    """pico_bmi160 on the chip, its own IMU model: sitting, INT1 (the FIFO watermark, imu_watermark samples)
    wakes the chip instead of the poll, so it wakes a third as often as the polled MPU-6050 board; off the
    body the BMI160 rests in its low power mode at 25 Hz."""
    sit = ledger_bench.ledger("sit", 20, tmp_path / "sit", "pico_bmi160")
    assert sum(sit["seconds"].values()) == pytest.approx(sit["seconds_replayed"], rel=0.01)
    assert sit["imu_s"] == {"normal 50 Hz": pytest.approx(sit["seconds_replayed"], rel=0.01)}
    watermark = replay.resolve_settings({})["imu_watermark"]
    assert sit["i2c_bytes"] >= 20 * 50 * 6
    assert sit["wakeups"]["lightsleep"] <= sit["seconds_replayed"] * 50 / watermark + 10
    assert sit["wakeups"]["lightsleep"] < sitting["wakeups"]["lightsleep"] / 2
    off = ledger_bench.ledger("off", 20, tmp_path / "off", "pico_bmi160", QUICK_NIGHT)
    assert off["imu_s"] == {"low power 25 Hz": pytest.approx(off["seconds_replayed"], rel=0.01)}
    assert off["seconds"]["run"] < 0.002 * off["seconds_replayed"]


def test_the_qmi8658_board_sleeps_until_its_fifo_watermark_and_rests_in_wake_on_motion(tmp_path):
    """waveshare_rp2040_lcd128 on the chip, its own QMI8658 model: sitting, the FIFO watermark on INT1 wakes the
    chip every imu_watermark samples of its 125 Hz; off the body the QMI8658 rests in Wake on Motion at 21 Hz
    and the chip, woken only to count the time, reads no FIFO."""
    sit = ledger_bench.ledger("sit", 20, tmp_path / "sit", "waveshare_rp2040_lcd128")
    assert sum(sit["seconds"].values()) == pytest.approx(sit["seconds_replayed"], rel=0.01)
    assert sit["imu_s"] == {"normal 125 Hz": pytest.approx(sit["seconds_replayed"], rel=0.01)}
    watermark = replay.resolve_settings({})["imu_watermark"]
    assert sit["i2c_bytes"] >= 20 * 125 * 6
    assert sit["wakeups"]["lightsleep"] <= sit["seconds_replayed"] * 125 / watermark + 10
    off = ledger_bench.ledger("off", 20, tmp_path / "off", "waveshare_rp2040_lcd128", QUICK_NIGHT)
    assert off["imu_s"] == {"wake on motion 21 Hz": pytest.approx(off["seconds_replayed"], rel=0.01)}
    assert off["seconds"]["run"] < 0.002 * off["seconds_replayed"]
    assert off["i2c_bytes"] < 100


def test_the_lsm6dsox_board_with_no_line_polls_its_fifo(tmp_path):
    """nano_rp2040_connect on the chip, its own LSM6DSOX model: no INT line reaches the RP2040, so the chip wakes
    every poll_ms to read the FIFO's tagged 7-byte words of its 52 Hz."""
    sit = ledger_bench.ledger("sit", 20, tmp_path, "nano_rp2040_connect")
    assert sum(sit["seconds"].values()) == pytest.approx(sit["seconds_replayed"], rel=0.01)
    assert sit["imu_s"] == {"normal 52 Hz": pytest.approx(sit["seconds_replayed"], rel=0.01)}
    polls = sit["seconds_replayed"] * 1000 / replay.resolve_settings({})["poll_ms"]
    assert polls - 5 <= sit["wakeups"]["lightsleep"] <= polls + 5
    assert sit["i2c_bytes"] >= sit["seconds_replayed"] * 52 * 7


def test_the_battery_adc_reads_a_lipo_at_its_state_of_charge(tmp_path):
    from simulator.pico.run import execute

    battery = currents.chip_battery(project.board("pico_mpu6050"), 0.5)
    pico = emulator.Pico(tmp_path / "flash.img", battery=battery, deadline_s=120)
    with pico:
        out = execute(pico, "from machine import ADC\nprint('MV', ADC(29).read_u16() * 3300 * 3 // 65535)\n", 60)
    mv = [int(line.split()[1]) for line in out.other if line.startswith("MV ")]
    assert mv and abs(mv[0] - 3840) < 10, out.other  # half charged: 3.84 V on the discharge curve (VSYS/3)


def test_a_worn_replay_drains_the_battery_by_the_energy_of_its_ledger():
    """Three minutes of sitting, worn, on a 0.5 mAh cell (so that minutes show): the charge spent is the
    ledger's seconds in each state at that state's current; the clip logs VSYS falling, minute by minute."""
    project.use_firmware()
    import lipo

    g = tracegen.generate([("sit", 180)], rate_hz=50, seed=0)
    r = replay.replay(tracemod.Trace("sit", g.t, g.acc, g.gyro), runtime="pico", worn=True,
                      battery={"mah": 0.5, "charge": 0.9},
                      overrides={"usb_window_s": 0, "battery_every_s": 60, "log_block_min": 1})
    bat, led = r["pico"]["battery"], r["pico"]["ledger"]
    ma = currents.chip_battery(project.board("pico_mpu6050"))["ma"]
    mas = sum(led["seconds"][k] * ma[k] for k in led["seconds"]) + led["seconds_replayed"] * ma["rest"]
    mas += sum(s * ma["imu"]["normal" if mode.startswith("normal") else mode] for mode, s in led["imu_s"].items())
    assert sum(led["imu_s"].values()) == pytest.approx(led["seconds_replayed"], rel=0.01)
    assert bat["soc_start"] == 0.9
    assert bat["soc"] == pytest.approx(0.9 - mas / 3600 / 0.5, abs=1e-4)
    assert bat["soc"] < 0.6
    assert abs(bat["mv"] - lipo.millivolts(bat["soc"])) <= 1
    logged = [mv for _, mv in bat["logged_mv"]]
    assert len(logged) == 3 and all(a > b for a, b in zip(logged, logged[1:])), logged
    assert logged[0] < lipo.millivolts(0.9) and abs(logged[-1] - bat["mv"]) <= 25  # read each minute, via the ADC


def test_an_int_line_held_high_does_not_keep_the_chip_awake(tmp_path):
    """pico_bmi160 worn, its INT1 line shorted high for 30 s of 100: the firmware sleeps its backstop poll
    instead of returning from every sleep at once (which kept the chip running through all 30 s: 31 s of
    `run` against 1.7 s, measured before the mend), counts each such sleep, and counts what the clean run counts."""
    from simulator.pico import run as pico_run

    g = tracegen.generate([("walk", 20), ("sit", 60), ("walk", 20)], rate_hz=50, seed=2)
    trace = tracemod.Trace("walk-sit-walk", g.t, g.acc, g.gyro)
    out = {}
    for name, faults in (("clean", None), ("held", {"line_high": [[30, 30]]})):
        job = replay.prepare(trace, tmp_path / name, "pico_bmi160", overrides={"usb_window_s": 0})
        job["worn"] = True
        if faults:
            job["bus_faults"] = faults
        out[name] = pico_run._run(job, tmp_path / name)
    clean, held = out["clean"], out["held"]
    assert (held["steps"], held["samples"]) == (clean["steps"], clean["samples"])
    assert held["faults"]["line_high"] == 1
    run_s = lambda r: r["pico"]["ledger"]["seconds"]["run"]  # noqa: E731
    assert run_s(held) < run_s(clean) + 0.5
    assert held["errors"]["imu_line_held"] >= 30 / 1.7 - 2  # the watermark board's backstop: half its FIFO, 1.7 s
    assert clean["errors"]["imu_line_held"] == 0
