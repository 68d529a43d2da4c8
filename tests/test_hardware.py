"""firmware/hardware.py on the unix-port MicroPython, over a stand-in `machine` module.

The stand-in records what the board's peripherals were told (PWM duty,
light sleeps, pin interrupts) and hands back set ADC readings; the I2C bus
is the simulator's, with an MPU-6050 model on it. What is checked is
hardware.py's own logic: debouncing, battery scaling and timing, when the
MCU may light-sleep, the motor's PWM, and build() wiring it all up.
"""

import textwrap

import pytest

from simulator import project, tracegen, trace as tracemod

FAKE_MACHINE = '''
import time
from vi2c import VirtualI2C

BUS = VirtualI2C()
LIGHTSLEEPS = []
ADC_RAW = [0]
PWMS = []
PINS = {}
LEVELS = {}


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        self.handler = None
        self.trigger = None
        PINS[id] = self

    def value(self):
        return LEVELS.get(self.id, 0)

    def irq(self, handler, trigger):
        self.handler = handler
        self.trigger = trigger


class PWM:
    def __init__(self, pin, freq=0, duty_u16=0):
        self.pin = pin
        self.freq = freq
        self.duty = duty_u16
        PWMS.append(self)

    def duty_u16(self, d):
        self.duty = d


class ADC:
    def __init__(self, pin):
        self.pin = pin

    def read_u16(self):
        return ADC_RAW[0]


def I2C(id, sda=None, scl=None, freq=400000):
    return BUS


class RTC:
    def datetime(self, t):
        pass


ON_FEED = []


class WDT:
    def __init__(self, timeout=0):
        self.timeout = timeout
        self.feeds = 0

    def feed(self):
        self.feeds += 1
        for f in ON_FEED:
            f(self.feeds)


def unique_id():
    return b"\\x01\\x02"


def lightsleep(ms):
    LIGHTSLEEPS.append(ms)
'''


@pytest.fixture
def hw(run_mp, tmp_path):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "machine.py").write_text(FAKE_MACHINE)

    def run(code, **kw):
        return run_mp(f"import sys\nsys.path.insert(0, {str(tmp_path / 'fake')!r})\n" + textwrap.dedent(code), **kw)

    return run


def test_button_bounces_are_one_press_and_a_press_snoozes_once(hw):
    out = hw("""
        import json, time, machine
        from hardware import Button, BoardIO

        class Clip:
            snoozes = 0
            battery_mv = 0
            def snooze(self):
                self.snoozes += 1

        b = Button({"pin": 14, "pull": "up"}, 60)
        pin = machine.PINS[14]
        clip = Clip()
        io = BoardIO(b, None, 900)
        pin.handler(pin)          # press
        time.sleep_ms(5)
        pin.handler(pin)          # contact bounce
        io.poll(clip)
        io.poll(clip)             # nothing new
        time.sleep_ms(80)
        pin.handler(pin)          # a second press, after the debounce time
        io.poll(clip)
        print(json.dumps([pin.pull == machine.Pin.PULL_UP, pin.trigger == machine.Pin.IRQ_FALLING,
                          b.presses, clip.snoozes]))
    """)
    assert out == [True, True, 2, 2]


def test_battery_is_read_through_the_divider_at_start_and_then_every_interval(hw):
    out = hw("""
        import json, time, machine
        from hardware import Battery, BoardIO

        class Clip:
            battery_mv = 0

        clip = Clip()
        machine.ADC_RAW[0] = 3700 * 65535 // 3 // 3300   # 3.7 V behind a 1:3 divider
        io = BoardIO(None, Battery({"pin": 29, "divider": 3}), 1)
        io.poll(clip)
        first = clip.battery_mv
        machine.ADC_RAW[0] = 3600 * 65535 // 3 // 3300
        io.poll(clip)
        before = clip.battery_mv   # not due yet
        time.sleep_ms(1010)
        io.poll(clip)
        print(json.dumps([first, before, clip.battery_mv]))
    """)
    assert abs(out[0] - 3700) <= 3 and out[1] == out[0] and abs(out[2] - 3600) <= 3


def test_light_sleep_only_outside_the_usb_window_and_never_while_the_motor_runs(hw):
    out = hw("""
        import json, machine
        from hardware import BoardClock, PWMMotor

        motor = PWMMotor(15, 60)
        awake = BoardClock(motor, 120)
        awake.sleep_ms(50)                 # in the USB window: plain sleep
        clock = BoardClock(motor, 0)
        clock.sleep_ms(50)                 # light sleep
        clock.sleep_ms(5)                  # too short to be worth it
        motor.value(1)
        on_duty = machine.PWMS[0].duty
        clock.sleep_ms(40)                 # PWM would stop in light sleep
        motor.value(0)
        clock.sleep_ms(30)
        print(json.dumps([machine.LIGHTSLEEPS, on_duty, machine.PWMS[0].duty, machine.PWMS[0].freq]))
    """)
    assert out == [[50, 30], 65535 * 60 // 100, 0, 1000]


def test_build_wires_the_board_description_up(hw, tmp_path):
    g = tracegen.generate([("walk", 5)], rate_hz=50, seed=1)
    stream = tmp_path / "s.bin"
    tracemod.write_stream(tracemod.resample(tracemod.Trace("<g>", g.t, g.acc, g.gyro), 50), stream)
    out = hw(f"""
        import json, machine, settings
        from board import normalise
        from hardware import build
        from mpu6050_model import MPU6050Model
        from vclock import VirtualClock

        machine.BUS.attach(0x68, MPU6050Model(VirtualClock(), {str(stream)!r}, 50))
        desc = normalise(json.load(open({str(project.BOARDS / 'pico_mpu6050.json')!r})))
        imu, clock, motor, wdt, io = build(desc, settings.defaults())
        print(json.dumps([type(imu).__name__, imu.rate_hz, motor.on, wdt.timeout, 14 in machine.PINS,
                          io._battery is not None]))
    """)
    assert out == ["MPU6050", 50, False, 8000, True, True]


def test_an_imu_line_that_is_high_skips_the_sleep_and_its_edge_is_what_wakes(hw):
    out = hw("""
        import json, machine
        from hardware import BoardClock, ImuLine, PWMMotor

        line = ImuLine(6)
        clock = BoardClock(PWMMotor(15, 60), 0, line)
        pin = machine.PINS[6]
        clock.sleep_ms(1500)               # line low: light sleep, the backstop's length
        machine.LEVELS[6] = 1
        pin.handler(pin)                   # the watermark's rising edge
        clock.sleep_ms(1500)               # a FIFO is waiting: no sleep
        print(json.dumps([machine.LIGHTSLEEPS, pin.trigger == machine.Pin.IRQ_RISING, pin.mode, line.edges]))
    """)
    assert out == [[1500], True, 0, 1]


@pytest.mark.parametrize("board, model, expect", [("pico_bmi160", "BMI160Model", [True, 640, 1700]),
                                                  ("pico_mpu6050", "MPU6050Model", [True, 0, 200])])
def test_build_lets_the_imu_line_wake_the_loop(hw, tmp_path, board, model, expect):
    """The BMI160's watermark wakes the loop for each FIFO's worth (the timer a backstop); the MPU-6050 has no
    watermark (the loop polls) and its line carries the motion that ends a rest off the body."""
    g = tracegen.generate([("stand", 5)], rate_hz=50, seed=1)
    stream = tmp_path / "s.bin"
    tracemod.write_stream(tracemod.resample(tracemod.Trace("<g>", g.t, g.acc, g.gyro), 50), stream)
    (tmp_path / "flash").mkdir()
    out = hw(f"""
        import json, machine, settings
        from board import normalise
        from clip import Clip
        from hardware import build
        from storage import Storage
        from {model.replace("Model", "").lower()}_model import {model}
        from vclock import VirtualClock

        machine.BUS.attach(0x68, {model}(VirtualClock(), {str(stream)!r}, 50))
        desc = normalise(json.load(open({str(project.BOARDS / board)!r} + ".json")))
        s = settings.defaults()
        imu, clock, motor, wdt, io = build(desc, s)
        c = Clip(imu, clock, motor, Storage({str(tmp_path / "flash")!r}), s)
        print(json.dumps([6 in machine.PINS, imu.wake_ms, c._poll_ms]))
    """)
    assert out == expect


def test_build_waits_for_an_imu_that_is_not_there_yet_saying_why(hw, tmp_path):
    g = tracegen.generate([("stand", 5)], rate_hz=50, seed=1)
    stream = tmp_path / "s.bin"
    tracemod.write_stream(tracemod.resample(tracemod.Trace("<g>", g.t, g.acc, g.gyro), 50), stream)
    out = hw(f"""
        import json, machine, settings
        from board import normalise
        from hardware import build
        from mpu6500_model import MPU6500Model
        from mpu6050_model import MPU6050Model
        from vclock import VirtualClock

        def replug(feeds):
            # first a wrong chip on the wire, then the right one
            if feeds == 1:
                machine.BUS.attach(0x68, MPU6500Model(VirtualClock(), {str(stream)!r}, 50))
            elif feeds == 2:
                machine.BUS.attach(0x68, MPU6050Model(VirtualClock(), {str(stream)!r}, 50))
        machine.ON_FEED.append(replug)
        desc = normalise(json.load(open({str(project.BOARDS / 'pico_mpu6050.json')!r})))
        imu, clock, motor, wdt, io = build(desc, settings.defaults())
        print(json.dumps([type(imu).__name__, wdt.feeds]))
    """)
    assert out == ["MPU6050", 2]
