"""Synthetic IMU traces for a belt-worn step and posture clip.

The body is modelled by its trunk orientation (yaw, pitch, roll) and the linear
acceleration of the pelvis, both in a body frame: x = up, y = left, z = forward.
Building blocks (walk, stand, sit, lie, transitions) each produce a `Piece` of
that body motion; `generate` strings them together from a schedule, derives
gravity and gyro from the orientation (so the two always agree), rotates
everything into the sensor frame by the mounting rotation and adds sensor
imperfections.  Units: acceleration in g with gravity included (a clip at rest
reads +1 g on the axis pointing up), gyro in degrees per second.

Orientation: R = Rx(yaw) @ Ry(pitch) @ Rz(roll) maps body to world axes.
Positive pitch leans the trunk back (sitting, lying on the back), positive roll
lowers the left side (lying on the left side).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import numpy as np

LABELS = {"walk": "walking", "stand": "standing", "sit": "sitting", "lie": "lying", "ride": "sitting"}
POSTURE = {"walk": "stand", "stand": "stand", "sit": "sit", "lie": "lie", "ride": "sit"}
PARAMS = {  # optional third element of a schedule entry, per activity
    "walk": {"cadence", "step_amp", "turns", "arm_g"},
    "stand": set(),
    "sit": {"angle"},
    "lie": {"side", "tilt"},
    "ride": {"angle", "vibration_g"},
    "tap": {"axis", "g"},
}
ACC_NOISE_G = 0.004
GYRO_NOISE_DPS = 0.1


@dataclass
class Piece:
    """Body motion of one building block: orientation (n,3) yaw/pitch/roll in
    radians, pelvis linear acceleration (n,3) in g, heel strikes generated."""

    ang: np.ndarray
    lin: np.ndarray
    steps: int = 0


@dataclass
class Trace:
    """A generated recording in sensor axes plus the ground truth behind it."""

    t: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray
    labels: np.ndarray
    true_steps: int
    segments: list = field(default_factory=list)
    rate_hz: float = 50.0
    start_hhmm: int = 0  # wall-clock start, minutes since midnight

    @property
    def duration_s(self) -> float:
        return len(self.t) / self.rate_hz

    def write_csv(self, path) -> None:
        """Write `t,ax,ay,az,gx,gy,gz,label` rows (compact fixed decimals)."""
        tdec = 3 if (1000 / self.rate_hz).is_integer() else 6
        fmt = f"%.{tdec}f,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,%s\n"
        cols = [self.t, *self.acc.T, *self.gyro.T]
        rows = zip(*(c.tolist() for c in cols), self.labels.tolist())
        with open(path, "w", newline="") as f:
            f.write("t,ax,ay,az,gx,gy,gz,label\n")
            f.writelines(map(fmt.__mod__, rows))


# ---------------------------------------------------------------- helpers


def rotation(axis: str, deg: float) -> np.ndarray:
    """Rotation matrix about body axis 'x', 'y' or 'z' by `deg` degrees."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    m = np.eye(3)
    m[i, i] = m[j, j] = c
    m[i, j], m[j, i] = -s, s
    return m


DEFAULT_MOUNT = rotation("y", 15.0)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Uniform rotation on SO(3): a normalised Gaussian quaternion is uniform on S^3."""
    q = rng.standard_normal(4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def _n(seconds: float, rate_hz: float) -> int:
    return max(int(round(seconds * rate_hz)), 0)


def _sstep(x):
    """Smoothstep 0..1, used for amplitude ramps without kinks."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _mj(x):
    """Minimum-jerk profile 0..1: how people move between two postures."""
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x * x)


def _noise(rng, n, rate_hz, width_hz, std, centre_hz=0.0):
    """Smooth random motion: white noise through a Gaussian band around centre_hz.

    Generated over at least 10/width_hz seconds so that a short segment of a
    slow drift still shows its typical offset rather than a flat line."""
    m = 1 << int(np.ceil(np.log2(max(n, 10 * rate_hz / width_hz, 2))))  # fast FFT size
    f = np.fft.rfftfreq(m, 1 / rate_hz)
    h = np.exp(-0.5 * ((f - centre_hz) / width_hz) ** 2)[:, None]
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal((m, 3)), axis=0) * h, n=m, axis=0)
    var = (2 * np.sum(h * h) - h[0, 0] ** 2 - h[-1, 0] ** 2) / m  # expected variance (Parseval)
    return x[:n] * (std / np.sqrt(var))


def _events(rng, n, rate_hz, per_s):
    """Sample indices of Poisson events (fidgets, weight shifts, turns)."""
    return np.sort(rng.integers(0, max(n, 1), rng.poisson(n / rate_hz * per_s)))


def _ramps(n, rate_hz, idx, sizes, durs):
    """Sum of minimum-jerk moves: sizes[k] (3,) reached durs[k] s after sample idx[k]."""
    inc = np.zeros((n, 3))
    for i, s, d in zip(idx, sizes, durs):
        m = max(int(d * rate_hz), 1)
        j = min(i + m, n)
        inc[i:j] += np.diff(_mj(np.arange(m + 1) / m))[: j - i, None] * s
    return np.cumsum(inc, axis=0)


def _bursts(n, rate_hz, idx, amps, durs):
    """Envelope of Hann-windowed bursts (amplitude amps[k], length durs[k] s)."""
    env = np.zeros(n)
    for i, a, d in zip(idx, amps, durs):
        m = max(int(d * rate_hz), 2)
        j = min(i + m, n)
        env[i:j] += a * np.hanning(m)[: j - i]
    return env


# ---------------------------------------------------------- building blocks


def make_person(rng: np.random.Generator, person: dict | None = None) -> dict:
    """Per-wearer constants, drawn once per trace so the sitting angle, gait
    amplitude (vertical g peak-to-peak at 110 spm) and cadence stay stable."""
    p = {
        "sit_angle": rng.uniform(15, 35),
        "step_amp": rng.uniform(0.45, 0.75),
        "cadence": float(np.clip(rng.normal(110, 4), 100, 120)),
    }
    unknown = set(person or {}) - set(p)
    if unknown:
        raise ValueError(f"unknown person keys {sorted(unknown)}")
    p.update(person or {})
    return p


def base_angles(rng, activity: str, person: dict, yaw: float = 0.0, **params) -> np.ndarray:
    """Nominal (yaw, pitch, roll) in radians of a posture; yaw carries over."""
    if activity in ("sit", "ride"):
        pitch = params.get("angle", person["sit_angle"])
        return np.array([yaw, np.radians(pitch), np.radians(rng.normal(0, 2))])
    if activity == "lie":
        side = params.get("side") or rng.choice(["back", "left", "right", "front"])
        tilt = np.radians(params.get("tilt") or rng.uniform(85, 95))
        pitch, roll = {"back": (tilt, 0), "front": (-tilt, 0), "left": (0, tilt), "right": (0, -tilt)}[side]
        return np.array([yaw, pitch, roll])
    return np.array([yaw, 0.0, 0.0])


def walk(rng, seconds, rate_hz, base, cadence=110.0, step_amp=0.6, turns=None, arm_g=0.0) -> Piece:
    """Pelvis motion while walking or running at `cadence` steps/min.

    Heel strikes come from a per-step timing model (2 % jitter, slow random
    walk of cadence, left/right asymmetry); between them the vertical
    acceleration is a harmonic step waveform with a sharp heel-strike
    transient, antero-posterior at step and medio-lateral at stride frequency.
    The first and last 1-2 steps ramp in/out.  `arm_g` adds a vertical swing
    of that amplitude once a stride, as a wrist's arm swing does.
    steps = heel strikes generated."""
    n = _n(seconds, rate_hz)
    t = np.arange(n) / rate_hz
    period = 60.0 / cadence
    m = int(seconds / period * 1.5) + 4
    a = np.exp(-period / 30.0)  # cadence drift correlation over ~30 s
    kick = rng.normal(0, 0.02 * np.sqrt(1 - a * a), m)
    drift = np.empty(m)
    drift[0] = rng.normal(0, 0.02)
    for k in range(1, m):
        drift[k] = a * drift[k - 1] + kick[k]
    alt = (-1.0) ** np.arange(m)  # left/right foot
    dur = period * np.exp(drift) * (1 + rng.normal(0, 0.02, m)) * (1 + alt * rng.normal(0, 0.015))
    hs = rng.uniform(0.2, 0.5) + np.concatenate([[0.0], np.cumsum(dur)])
    steps = max(int(np.searchsorted(hs, seconds - 0.3, "right")) - 1, 0)

    k = np.clip(np.searchsorted(hs, t, "right") - 1, 0, m - 1)
    phi = np.where(t < hs[0], (t - hs[0]) / dur[0], k + (t - hs[k]) / dur[k])  # step phase
    ramp_in, ramp_out = rng.uniform(1, 2, 2)

    def ramp(x):  # pelvis starts moving half a step before the first heel strike
        return _sstep((x + 0.5) / ramp_in) * _sstep((steps - x) / ramp_out)

    run = _sstep((cadence - 130) / 30)
    speed = (cadence / 110) ** 2 * (1 + 0.4 * run)  # x1 at 110 spm, ~x3.3 running at 170
    pp = step_amp * speed  # vertical peak-to-peak, g
    each = np.clip(1 + 0.1 * rng.standard_normal(m), 0.7, 1.3) * (1 + alt * rng.normal(0, 0.05))
    rel = np.interp(phi, np.arange(m) + 0.5, each) * ramp(phi)

    x = phi - 0.08  # vertical peak shortly after heel strike
    vert = pp * rel * (np.cos(2 * np.pi * x) + 0.35 * np.cos(4 * np.pi * x) + 0.1 * np.cos(6 * np.pi * x)) / 3
    tau0, tau = 0.03, t - hs[k]
    hit = pp * each * (0.25 + 0.1 * run) * (0.5 + 0.5 * ramp(np.arange(m) + 0.5))
    pulse = hit[k] * (tau / tau0 * np.exp(1 - tau / tau0) - tau0 * np.e / dur[k])  # zero-mean per step
    vert += np.where((phi >= 0) & (phi < steps), pulse, 0.0)
    vert += arm_g * rel * np.cos(np.pi * phi)
    ml = 0.08 * np.sqrt(speed) * rel * np.sin(np.pi * phi + 0.3)
    ap = 0.12 * speed**0.6 * rel * (np.sin(2 * np.pi * (phi - 0.15)) + 0.25 * np.sin(4 * np.pi * phi))

    osc = rng.uniform(0.8, 1.2, 3) * [5.0, 2.0, 4.0]  # pelvic rotation, tilt, obliquity (deg)
    ang = np.degrees(base) + _noise(rng, n, rate_hz, 0.3, 0.3) * [0, 1, 1] + rel[:, None] * np.stack([
        osc[0] * np.sin(np.pi * phi),
        osc[1] * np.sin(2 * np.pi * phi + 0.8),
        osc[2] * np.sin(np.pi * phi + 1.2),
    ], axis=1)
    nturn = rng.poisson(seconds / 120) if turns is None else int(turns)
    if steps and nturn:
        sizes = rng.choice([-1, 1], nturn) * rng.uniform(45, 180, nturn)
        idx = np.sort(rng.integers(_n(hs[0], rate_hz), _n(hs[steps], rate_hz), nturn))
        ang += _ramps(n, rate_hz, idx, np.outer(sizes, [1, 0, 0]), np.abs(sizes) / 90 + 1)
    return Piece(np.radians(ang), np.stack([vert, ml, ap], axis=1), steps)


def stand(rng, seconds, rate_hz, base) -> Piece:
    """Quiet standing: slow postural sway (<0.02 g) and occasional weight shifts."""
    n = _n(seconds, rate_hz)
    idx = _events(rng, n, rate_hz, 1 / 30)
    levels = rng.normal(0, 1.5, (len(idx), 3)) * [0.5, 0.3, 1]
    shifts = _ramps(n, rate_hz, idx, np.diff(levels, axis=0, prepend=0), rng.uniform(0.8, 1.5, len(idx)))
    ang = np.degrees(base) + _noise(rng, n, rate_hz, 0.3, 0.4) * [0.3, 1, 1] + shifts
    return Piece(np.radians(ang), _noise(rng, n, rate_hz, 1.0, 0.003))


def sit(rng, seconds, rate_hz, base) -> Piece:
    """Desk sitting at the base lean: slow lean drift (within +-5 deg), small
    fidgets and occasional aperiodic typing/reaching bursts of 0.02-0.1 g."""
    n = _n(seconds, rate_hz)
    drift = np.clip(_noise(rng, n, rate_hz, 1 / 120, 2.0) * [1, 1, 0.5], -5, 5)
    fidget = _noise(rng, n, rate_hz, 0.2, 0.4)
    idx = _events(rng, n, rate_hz, 1 / 45)
    env = _bursts(n, rate_hz, idx, rng.uniform(0.02, 0.1, len(idx)), rng.uniform(1, 4, len(idx)))[:, None]
    ang = np.degrees(base) + drift + fidget + 20 * env * _noise(rng, n, rate_hz, 0.5, 1.0, centre_hz=1.0)
    lin = env * _noise(rng, n, rate_hz, 1.5, 0.4, centre_hz=4.0) + _noise(rng, n, rate_hz, 1.0, 0.002)
    return Piece(np.radians(ang), lin)


def lie(rng, seconds, rate_hz, base) -> Piece:
    """Lying still: breathing, tiny sway and a rare shift of position (~1 per 10 min)."""
    n = _n(seconds, rate_hz)
    t = np.arange(n) / rate_hz
    idx = _events(rng, n, rate_hz, 1 / 600)
    levels = np.clip(rng.normal(0, 3, (len(idx), 3)), -5, 5) * [3, 1, 1]
    durs = rng.uniform(2, 3, len(idx))
    breath = 0.3 * np.sin(2 * np.pi * rng.uniform(0.2, 0.3) * t + rng.uniform(0, 2 * np.pi))
    ang = (np.degrees(base) + _noise(rng, n, rate_hz, 0.1, 0.15) + np.outer(breath, [0, 1, 1])
           + _ramps(n, rate_hz, idx, np.diff(levels, axis=0, prepend=0), durs))
    env = _bursts(n, rate_hz, idx, np.full(len(idx), 0.05), durs)[:, None]
    lin = env * _noise(rng, n, rate_hz, 1.0, 0.5, centre_hz=1.5) + _noise(rng, n, rate_hz, 0.5, 0.001)
    return Piece(np.radians(ang), lin)


def ride(rng, seconds, rate_hz, base, vibration_g=None) -> Piece:
    """Sitting in a car or bus: engine and road vibration (a band around 8-20 Hz,
    `vibration_g` rms), road bumps (one every few seconds, 0.1-0.5 g for 50-150 ms)
    and the slow sway of braking, accelerating and cornering."""
    piece = sit(rng, seconds, rate_hz, base)
    n = len(piece.lin)
    rms = rng.uniform(0.02, 0.1) if vibration_g is None else vibration_g
    piece.lin += _noise(rng, n, rate_hz, 3.0, rms, centre_hz=rng.uniform(8, 20)) * [1, 0.5, 0.5]
    idx = _events(rng, n, rate_hz, 1 / 4)
    bumps = _bursts(n, rate_hz, idx, rng.uniform(0.1, 0.5, len(idx)) * rng.choice([-1, 1], len(idx)),
                    rng.uniform(0.05, 0.15, len(idx)))
    piece.lin[:, 0] += bumps
    piece.lin += _noise(rng, n, rate_hz, 0.3, 0.05) * [0.3, 1, 1]
    return piece


BLOCKS = {"walk": walk, "stand": stand, "sit": sit, "lie": lie, "ride": ride}

# kind: (duration range s, forward-lean range deg, peak rate range deg/s,
#        linear bumps as (axis, fraction of duration, g))
TRANSITIONS = {
    "stand_to_sit": ((1.5, 3), (15, 25), (35, 75), [(2, 0.25, 0.15), (0, 0.35, -0.15), (2, 0.6, -0.1), (0, 0.7, 0.3)]),
    "sit_to_stand": ((1.5, 3), (15, 25), (35, 75), [(2, 0.3, 0.2), (0, 0.45, 0.3), (2, 0.6, -0.15), (0, 0.75, -0.15)]),
    "sit_to_lie": ((3, 5), (0, 0), (20, 75), [(0, 0.4, -0.1), (0, 0.8, 0.1)]),
    "lie_to_sit": ((3, 5), (0, 0), (20, 75), [(0, 0.3, 0.1), (2, 0.5, 0.1)]),
    "stand_to_lie": ((3, 5), (0, 0), (20, 75), [(0, 0.3, -0.15), (0, 0.7, 0.15)]),
    "lie_to_stand": ((3, 5), (0, 0), (20, 75), [(0, 0.4, 0.2), (2, 0.5, 0.15), (0, 0.7, -0.1)]),
}


def transition(rng, kind, rate_hz, start, target, max_s=np.inf) -> Piece:
    """Posture change from angles `start` to `target` along minimum-jerk legs.

    Standing up or sitting down first leans the trunk forward; the duration is
    chosen so the peak angular rate stays within the kind's range."""
    (d0, d1), (l0, l1), (rmin, rmax), bumps = TRANSITIONS[kind]
    pts = [start, target]
    if l1 > 0:
        mid = (start + target) / 2
        mid[1] = -np.radians(rng.uniform(l0, l1))
        pts.insert(1, mid)
    pts = np.array(pts)
    legs = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    path = max(legs.sum(), 1e-9)
    dur = np.clip(rng.uniform(d0, d1), 1.875 * path / np.radians(rmax), 1.875 * path / np.radians(rmin))
    n = _n(min(dur, max_s), rate_hz)
    u = np.arange(1, n + 1) / max(n, 1)
    knots = np.concatenate([[0.0], np.cumsum(legs) / path])
    leg = np.clip(np.searchsorted(knots, u, "right") - 1, 0, len(legs) - 1)
    frac = (u - knots[leg]) / np.maximum(np.diff(knots)[leg], 1e-9)
    ang = pts[leg] + (pts[leg + 1] - pts[leg]) * _mj(frac)[:, None]
    lin = np.zeros((n, 3))
    for axis, at, g in bumps:
        lin[:, axis] += g * rng.uniform(0.7, 1.3) * np.exp(-0.5 * ((u - at) / 0.1) ** 2)
    return Piece(ang, lin)


def _join(piece: Piece, end, rate_hz) -> Piece:
    """Fade the start of a block onto the previous block's final orientation (1 s)."""
    if end is not None and len(piece.ang):
        t = np.arange(len(piece.ang)) / rate_hz
        w = 0.5 * (1 + np.cos(np.pi * np.minimum(t, 1.0)))
        piece.ang += (end - piece.ang[0]) * w[:, None]
    return piece


def body_signals(ang: np.ndarray, rate_hz: float):
    """Gravity direction (g) and angular velocity (deg/s) in body axes from
    yaw/pitch/roll, so the gyro is exactly the rate of the modelled orientation."""
    _, th, ph = ang.T
    dpsi, dth, dph = np.gradient(ang, axis=0).T * rate_hz if len(ang) > 1 else np.zeros((3, len(ang)))
    cth, sth, cph, sph = np.cos(th), np.sin(th), np.cos(ph), np.sin(ph)
    grav = np.stack([cth * cph, -cth * sph, sth], axis=1)
    omega = np.stack([cph * cth * dpsi + sph * dth, -sph * cth * dpsi + cph * dth, sth * dpsi + dph], axis=1)
    return grav, np.degrees(omega)


# ------------------------------------------------------------------ schedules


def _parse(entry):
    act, secs, prm = (*entry, {})[:3]
    if act not in PARAMS or secs < 0 or set(prm) - PARAMS[act]:
        raise ValueError(f"bad schedule entry {entry!r}")
    return act, float(secs), dict(prm)


def generate(schedule, rate_hz=50, seed=0, mount=None, person=None) -> Trace:
    """Trace for a schedule of (activity, seconds[, params]) entries (at least
    one that is not a tap).

    Transitions between different postures are inserted automatically at the
    start of the following entry, so schedule boundaries stay where they are.
    A ('tap', ...) entry puts one tap 1 s before the current schedule time,
    i.e. inside the posture that is ending.  `mount` rotates body into sensor
    axes (default: 15 deg tilt about the left-right axis)."""
    rng = np.random.default_rng(seed)
    person = make_person(rng, person)
    mount = DEFAULT_MOUNT if mount is None else np.asarray(mount, float)
    pieces, labels, segments, taps = [], [], [], []
    end, posture, cursor, done = None, None, 0.0, 0

    def add(piece, label, activity, **extra):
        nonlocal end, done
        pieces.append(piece)
        labels.append(np.full(len(piece.ang), label, dtype="<U10"))
        segments.append({"activity": activity, "start_s": done / rate_hz,
                         "end_s": (done + len(piece.ang)) / rate_hz, "steps": piece.steps, **extra})
        done += len(piece.ang)
        if len(piece.ang):
            end = piece.ang[-1]

    for entry in schedule:
        act, secs, prm = _parse(entry)
        if act == "tap":
            taps.append((max(cursor - 1.0, 0.5), prm))
            continue
        cursor += secs
        n = _n(cursor, rate_hz) - done
        base = base_angles(rng, act, person, 0.0 if end is None else end[0], **prm)
        if posture not in (None, POSTURE[act]):
            kind = f"{posture}_to_{POSTURE[act]}"
            add(transition(rng, kind, rate_hz, end, base, max_s=n / rate_hz), "transition", "transition", kind=kind)
            n = _n(cursor, rate_hz) - done
        posture = POSTURE[act]
        kw = {}
        if act == "ride":
            kw = {"vibration_g": prm.get("vibration_g")}
        if act == "walk":
            kw = {"cadence": prm.get("cadence", person["cadence"]),
                  "step_amp": prm.get("step_amp", person["step_amp"]), "turns": prm.get("turns"),
                  "arm_g": prm.get("arm_g", 0.0)}
        add(_join(BLOCKS[act](rng, n / rate_hz, rate_hz, base, **kw), end, rate_hz), LABELS[act], act)

    ang = np.concatenate([p.ang for p in pieces])
    grav, omega = body_signals(ang, rate_hz)
    lin = np.concatenate([p.lin for p in pieces])
    n = len(ang)
    acc = (grav + lin) @ mount.T + rng.uniform(-0.02, 0.02, 3) + rng.normal(0, ACC_NOISE_G, (n, 3))
    gyro = omega @ mount.T + rng.uniform(-0.5, 0.5, 3) + rng.normal(0, GYRO_NOISE_DPS, (n, 3))
    t = np.arange(n) / rate_hz
    lab = np.concatenate(labels)
    for at, prm in taps:
        tc = _tap(rng, t, acc, gyro, lab, at, **prm)
        segments.append({"activity": "tap", "start_s": tc - 0.05, "end_s": tc + 0.05, "steps": 0})
    segments.sort(key=lambda s: s["start_s"])
    return Trace(t, acc, gyro, lab, sum(p.steps for p in pieces), segments, rate_hz)


def _tap(rng, t, acc, gyro, labels, tc, axis=None, g=None):
    """A knock on the clip itself: a 10-30 ms half-sine of 1-3 g on one sensor
    axis, centred on a sample so it is seen at any rate, plus a gyro jolt."""
    axis = rng.integers(3) if axis is None else axis
    g = rng.choice([-1, 1]) * rng.uniform(1, 3) if g is None else g
    width = rng.uniform(0.01, 0.03)
    tc = t[np.argmin(np.abs(t - tc))]
    near = np.abs(t - tc) < width / 2
    acc[near, axis] += g * np.cos(np.pi * (t[near] - tc) / width)
    gyro[near, rng.integers(3)] += rng.uniform(5, 20) * np.sign(g)
    labels[np.abs(t - tc) <= 0.05 + 1e-9] = "tap"
    return tc


def working_day(seed=0, rate_hz=50):
    """The demo day from 08:30: commute, coffee, desk work with short and long
    breaks, a 75-min sitting stretch (30- and 60-min reminders), getting up a
    few minutes after a reminder, lunch walk, afternoon, walk home (~8.6 h)."""
    m = 60
    schedule = [
        ("walk", 12 * m, {"cadence": 112}),   # 08:30 walk in
        ("stand", 3 * m),                     # 08:42 coffee
        ("tap", 0),
        ("sit", 34 * m),                      # 08:45 gets up 4 min after the 30-min reminder
        ("walk", 40),                         # 09:19 short break (< 60 s)
        ("sit", 75 * m),                      # 09:19:40 long stretch: reminders at 30 and 60 min
        ("walk", 5 * m),                      # 10:34:40 kitchen
        ("stand", 4 * m),                     # 10:39:40 chat
        ("tap", 0),
        ("walk", 45),                         # 10:43:40
        ("sit", 25 * m),                      # 10:44:25
        ("tap", 0),
        ("sit", 25 * m),
        ("walk", 55),                         # 11:34:25 short break
        ("sit", 54 * m + 40),                 # 11:35:20
        ("walk", 22 * m, {"cadence": 108}),   # 12:30 lunch walk
        ("stand", 3 * m),                     # 12:52 queue
        ("sit", 30 * m),                      # 12:55 eating
        ("walk", 3 * m),                      # 13:25
        ("sit", 47 * m),                      # 13:28
        ("walk", 4 * m),                      # 14:15 3-5 min break
        ("sit", 33 * m),                      # 14:19 gets up 3 min after the reminder
        ("walk", 50),                         # 14:52
        ("sit", 65 * m),                      # 14:52:50
        ("stand", 2 * m),                     # 15:57:50
        ("tap", 0),
        ("sit", 50 * m + 10),                 # 15:59:50
        ("walk", 15 * m, {"cadence": 115}),   # 16:50 walk home, ends 17:05
    ]
    trace = generate(schedule, rate_hz=rate_hz, seed=seed)
    trace.start_hhmm = 8 * 60 + 30
    return trace, schedule


# A week of one wearer, Monday to Sunday, each day different: (start HH:MM, [(activity, minutes[, params])]).
# The working days: desk work with breaks of every length, lunch, the walk home, then the evening at home;
# the weekend: a long walk and a nap, then a lazy Sunday.
WEEK = [
    ("08:30", [("walk", 12, {"cadence": 112}), ("stand", 3), ("sit", 34), ("walk", 1), ("sit", 75), ("walk", 5),
               ("stand", 4), ("sit", 50), ("walk", 1), ("sit", 55), ("walk", 22, {"cadence": 108}), ("stand", 3),
               ("sit", 30), ("walk", 3), ("sit", 47), ("walk", 4), ("sit", 98), ("walk", 15, {"cadence": 115}),
               ("stand", 25), ("sit", 150), ("walk", 2), ("stand", 20), ("sit", 60)]),
    ("08:15", [("walk", 10, {"cadence": 110}), ("sit", 130), ("walk", 3), ("sit", 60), ("walk", 12, {"cadence": 96}),
               ("sit", 45), ("walk", 2), ("sit", 100), ("walk", 3), ("sit", 95), ("walk", 10, {"cadence": 112}),
               ("stand", 20), ("sit", 150), ("walk", 2)]),
    ("08:30", [("walk", 18, {"cadence": 118}), ("sit", 50), ("walk", 5), ("sit", 55), ("stand", 10), ("sit", 40),
               ("walk", 30, {"cadence": 120}), ("sit", 45), ("walk", 4), ("sit", 50), ("walk", 3), ("sit", 40),
               ("sit", 55), ("walk", 3), ("sit", 60), ("walk", 20, {"cadence": 115}), ("stand", 30),
               ("walk", 25, {"cadence": 112}), ("sit", 45), ("stand", 20), ("sit", 80)]),
    ("08:45", [("walk", 12, {"cadence": 110}), ("sit", 35), ("walk", 2), ("sit", 60), ("walk", 6), ("sit", 45),
               ("walk", 16, {"cadence": 108}), ("sit", 55), ("walk", 2), ("sit", 65), ("walk", 3), ("sit", 80),
               ("walk", 2), ("sit", 70), ("walk", 12, {"cadence": 110}), ("stand", 15), ("sit", 150), ("walk", 3),
               ("sit", 60)]),
    ("08:30", [("walk", 15, {"cadence": 114}), ("sit", 40), ("walk", 3), ("sit", 50), ("walk", 20, {"cadence": 110}),
               ("sit", 60), ("walk", 4), ("sit", 40), ("walk", 3), ("sit", 55), ("walk", 25, {"cadence": 116}),
               ("stand", 60), ("sit", 45), ("walk", 10), ("stand", 30), ("sit", 100)]),
    ("10:00", [("stand", 20), ("sit", 30), ("walk", 60, {"cadence": 108}), ("stand", 30), ("sit", 40),
               ("lie", 40, {"side": "back"}), ("sit", 50), ("walk", 15, {"cadence": 104}), ("stand", 40), ("sit", 90),
               ("walk", 10), ("sit", 100)]),
    ("10:00", [("sit", 60), ("stand", 15), ("walk", 15, {"cadence": 92}), ("sit", 90), ("stand", 20),
               ("lie", 30, {"side": "left"}), ("sit", 120), ("walk", 8, {"cadence": 100}), ("sit", 60), ("sit", 90),
               ("stand", 10), ("sit", 60)]),
]


def week_day(k, seed=0, rate_hz=50):
    """Day `k` (0 = Monday) of the generated week, one wearer throughout; its trace starts at the day's start."""
    start, plan = WEEK[k]
    schedule = [(act, 60 * minutes, *extra) for act, minutes, *extra in plan]
    person = make_person(np.random.default_rng(seed))  # the same wearer every day
    trace = generate(schedule, rate_hz=rate_hz, seed=seed * 7 + k, person=person)
    hh, mm = start.split(":")
    trace.start_hhmm = int(hh) * 60 + int(mm)
    return trace, schedule


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simulator.tracegen", description=__doc__.splitlines()[0])
    ap.add_argument("activity", choices=["day", "walk", "sit", "stand", "lie"])
    ap.add_argument("out", help="CSV file to write")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--cadence", type=float, help="steps/min (walk only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=50.0)
    args = ap.parse_args(argv)
    if args.activity == "day":
        trace, _ = working_day(seed=args.seed, rate_hz=args.rate)
    else:
        prm = {"cadence": args.cadence} if args.activity == "walk" and args.cadence else {}
        trace = generate([(args.activity, args.seconds, prm)], rate_hz=args.rate, seed=args.seed)
    trace.write_csv(args.out)
    print(f"{args.out}: true steps {trace.true_steps}, duration {trace.duration_s:.1f} s "
          f"({len(trace.t)} samples at {args.rate:g} Hz)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
