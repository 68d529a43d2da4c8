# The real hardware of a board, built from its description.
#
# The only firmware module that imports `machine`; everything else gets
# these objects injected, which is what lets the simulator stand in (the
# virtual clip has a module of the same name and functions).
#
# Power: between FIFO batches the MCU light-sleeps (`machine.lightsleep`,
# where the port has it), except while the motor runs (PWM stops in light
# sleep) and for `usb_window_s` after a restart, so that the host can
# still reach the REPL to deploy or sync. The IMU keeps sampling into its
# FIFO meanwhile; where the board wires the IMU's interrupt line
# (`imu_int`) and the chip has a FIFO watermark interrupt, its rising edge
# ends the sleep and the loop's timer is only the backstop; on a chip with
# a low-power cycle instead, the line's motion interrupt ends a rest. The watchdog restarts a hung board; the log and the
# settings live in flash and survive it.

import sys
import time
from binascii import hexlify

import machine
from machine import ADC, I2C, PWM, RTC, WDT, Pin, unique_id

from imu import open_imu

_WATCHDOG_MS = 8000  # the RP2040 allows at most 8.3 s
_RP2_WATCHDOG_REASON = 0x40058008  # RP2040 datasheet 4.7.6: WATCHDOG REASON, bit 0 TIMER, bit 1 FORCE
_RP2_REASON_TIMER = 1
_LIGHTSLEEP_MIN_MS = 10  # shorter waits are not worth the wake-up
_PWM_HZ = 1000
_BATTERY_READS = 8  # averaged per reading
_IMU_RETRY_MS = 2000
# Ports count time.time() from 2000 or from 1970; the log speaks 1970.
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
_CLOCK_SET_AFTER = 1700000000  # an RTC that reads earlier still counts from its reset value


class BoardClock:
    """MicroPython's tick functions plus the wall clock, once the host has set it; sleeps light when it may."""

    ticks_ms = staticmethod(time.ticks_ms)
    ticks_diff = staticmethod(time.ticks_diff)
    ticks_add = staticmethod(time.ticks_add)

    def __init__(self, motor, usb_window_s, imu_line=None):
        self._motor = motor
        self._line = imu_line
        self._edges = 0  # the line's rising edges when the last sleep ended
        self.line_held = 0  # sleeps not cut short by a line high since before the last wake (a held line)
        self._light_from = time.ticks_add(time.ticks_ms(), usb_window_s * 1000)
        self._light = hasattr(machine, "lightsleep")

    def sleep_ms(self, ms):
        """Sleep `ms`, or until the IMU's line rises; at once if it rose since the last sleep and is still
        high (a FIFO filled meanwhile). A line high since before the last wake, through a pass that served
        it, is held (shorted, or a latch nothing clears): the loop sleeps its time instead of spinning awake
        on it, and it is counted."""
        line = self._line
        if line and line.high():
            if line.edges != self._edges:
                self._edges = line.edges
                return
            self.line_held += 1
        if (self._light and ms >= _LIGHTSLEEP_MIN_MS and not self._motor.on
                and time.ticks_diff(time.ticks_ms(), self._light_from) >= 0):
            machine.lightsleep(ms)
        else:
            time.sleep_ms(ms)
        if line:
            self._edges = line.edges

    def epoch(self):
        return epoch()


def epoch():
    """Local wall-clock time in seconds since 1970, or -1 while the host has not set the clock."""
    t = time.time() + _EPOCH_OFFSET
    return t if t > _CLOCK_SET_AFTER else -1


class ImuLine:
    """The IMU's interrupt line (its FIFO watermark) on a GPIO: a rising edge ends a light sleep."""

    def __init__(self, pin):
        self._pin = Pin(pin, Pin.IN)
        self.edges = 0
        self._pin.irq(self._edge, Pin.IRQ_RISING)  # the interrupt itself is what wakes the MCU

    def _edge(self, _pin):
        self.edges += 1  # interrupt context: a small int, nothing allocated

    def high(self):
        return self._pin.value() == 1


class PWMMotor:
    """The vibration motor on a PWM pin: value(1) runs it at `duty_pct`, value(0) stops it."""

    def __init__(self, pin, duty_pct):
        self._pwm = PWM(Pin(pin, Pin.OUT), freq=_PWM_HZ, duty_u16=0)
        self._duty = 65535 * duty_pct // 100
        self.on = False

    def value(self, v):
        self.on = bool(v)
        self._pwm.duty_u16(self._duty if v else 0)


class Button:
    """A push button counted from its pin interrupt; edges within `debounce_ms` of a press are bounce."""

    def __init__(self, desc, debounce_ms):
        pull = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN}.get(desc["pull"])
        self._pin = Pin(desc["pin"], Pin.IN, pull) if pull is not None else Pin(desc["pin"], Pin.IN)
        self._debounce = debounce_ms
        self._last = time.ticks_add(time.ticks_ms(), -debounce_ms)
        self.presses = 0
        self.seen = 0
        # pressed pulls the pin low unless it has a pull-down
        self._pin.irq(self._edge, Pin.IRQ_RISING if desc["pull"] == "down" else Pin.IRQ_FALLING)

    def _edge(self, _pin):
        # runs in interrupt context: small ints only, nothing allocated
        now = time.ticks_ms()
        if time.ticks_diff(now, self._last) >= self._debounce:
            self._last = now
            self.presses += 1

    def new_presses(self):
        n = self.presses - self.seen
        self.seen += n
        return n


class Battery:
    """Battery voltage through a divider into an ADC pin, in mV."""

    def __init__(self, desc):
        self._adc = ADC(Pin(desc["pin"]))
        self._divider = desc["divider"]
        if hasattr(ADC, "ATTN_11DB"):  # ESP32: the full 0..3.3 V range
            self._adc.atten(ADC.ATTN_11DB)

    def millivolts(self):
        total = 0
        for _ in range(_BATTERY_READS):
            if hasattr(self._adc, "read_uv"):
                total += self._adc.read_uv() // 1000
            else:
                total += self._adc.read_u16() * 3300 // 65535
        return int(total * self._divider // _BATTERY_READS)


class BoardIO:
    """What the loop polls once a pass: button presses snooze, the battery is read every `battery_every_s`."""

    def __init__(self, button, battery, battery_every_s):
        self._button = button
        self._battery = battery
        self._every_ms = battery_every_s * 1000
        self._next = time.ticks_ms()

    def poll(self, clip):
        if self._button and self._button.new_presses():
            clip.snooze()
        if self._battery and time.ticks_diff(time.ticks_ms(), self._next) >= 0:
            self._next = time.ticks_add(self._next, self._every_ms)
            clip.battery_mv = self._battery.millivolts()


def set_clock(epoch):
    """Set the RTC to `epoch` (local time, seconds since 1970)."""
    t = time.gmtime(epoch - _EPOCH_OFFSET)
    RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))


def watchdog_restarted():
    """True when this boot is the watchdog's doing (a hung loop).

    On the RP2040 machine.reset() (`mpremote reset`, the end of a deploy) is a
    watchdog reset too, and reset_cause() says WDT_RESET for both: the
    watchdog's REASON register tells a timeout (TIMER) from a forced one.
    """
    if sys.platform == "rp2" and hasattr(machine, "mem32"):
        return bool(machine.mem32[_RP2_WATCHDOG_REASON] & _RP2_REASON_TIMER)
    return machine.reset_cause() == machine.WDT_RESET


def clip_id():
    return hexlify(unique_id()).decode()


def hold_watchdog(watchdog):
    """Feed the watchdog from a timer while the host holds the REPL (the loop was stopped for a sync).

    A watchdog cannot be stopped once started; a soft reset ends the timer
    and main.py takes over feeding again. `watchdog` None: the loop was
    stopped before it built its own, and the one an earlier session started
    may still run, so it is taken over. The timer is kept referenced: on
    the rp2 port a timer nothing refers to is collected, its callback stops,
    and the board resets in the middle of the sync.
    """
    global _holding
    if watchdog is None:
        watchdog = WDT(timeout=_WATCHDOG_MS)
    try:
        _holding = machine.Timer(-1)
    except ValueError:  # ports without virtual timers
        _holding = machine.Timer(0)
    _holding.init(period=_WATCHDOG_MS // 4, callback=lambda _t: watchdog.feed())


_holding = None  # the timer feeding the watchdog while the host holds the REPL


def _imu(desc, s, i2c, watchdog):
    """The board's IMU, retried until it answers as expected (a loose wire, a wrong chip: said on the REPL)."""
    while True:
        try:
            return open_imu(desc["imu"], i2c, desc["imu_addr"], s["rate_hz"], s["accel_range_g"])
        except OSError as e:
            print("stepclip: IMU %s at 0x%02x: %s" % (desc["imu"], desc["imu_addr"], e))
        watchdog.feed()
        time.sleep_ms(_IMU_RETRY_MS)


def build(desc, s):
    """(imu, clock, motor, watchdog, board io) for board description `desc` and settings `s`."""
    bus = desc["i2c"]
    i2c = I2C(bus["id"], sda=Pin(bus["sda"]), scl=Pin(bus["scl"]), freq=bus.get("freq", 400000))
    watchdog = WDT(timeout=_WATCHDOG_MS)
    imu = _imu(desc, s, i2c, watchdog)
    motor = PWMMotor(desc["motor"]["pin"], s["motor_duty_pct"])
    button = Button(desc["button"], s["button_debounce_ms"]) if desc.get("button") else None
    battery = Battery(desc["battery_adc"]) if desc.get("battery_adc") else None
    io = BoardIO(button, battery, s["battery_every_s"])
    line = None
    # the line carries the FIFO watermark where the chip has one, else the motion that ends a rest
    if desc.get("imu_int") and (imu.wake_on_watermark(s["imu_watermark"]) or imu.LOW_POWER_CYCLE):
        line = ImuLine(desc["imu_int"]["pin"])
    return imu, BoardClock(motor, s["usb_window_s"], line), motor, watchdog, io
