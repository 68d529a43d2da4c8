"""The `pico` figures of `stepclip bench`: the firmware measured on the emulated RP2040 at 125 MHz.

The per-sample pipeline is timed on the chip (`time.ticks_us`) by the same
code that times it on the unix port (simulator/unix/bench_firmware.py),
on the firmware `stepclip deploy` builds; the harness counts how often the
interpreter enters `gc_alloc` (its address from the image's ELF) while the
allocation pass runs, since `gc.mem_alloc()` nets out what is freed at once.
The month synced from the chip is host_tools/bench_sync.py's.
"""

import json
import tempfile
import time
from pathlib import Path

from simulator import firmware_build, project, replay
from simulator.pico import emulator
from simulator.pico.run import execute

BENCH_SAMPLES = 3000  # 60 s at 50 Hz: what fits in the Pico's RAM beside the clip
ENTRY = Path(__file__).with_name("bench_entry.py")
DEADLINE_S = 300  # each emulated run ends by then, finished or not


def _helpers():
    """bench_firmware.py's functions, without its unix-port script entry."""
    src = (project.UNIX / "bench_firmware.py").read_text()
    return src[:src.index('if __name__ == "__main__":')]


def pipeline_figures(trace, work):
    """us_per_sample, call_us, call_equivalents (also on a fragmented heap), gc_allocs_per_sample and heap
    figures, on the chip."""
    work = Path(work)
    job = replay.prepare(trace, work)
    s = replay.resolve_settings({})
    tree = firmware_build.tree(project.DEFAULT_BOARD)
    del tree["main.py"]
    imu = emulator.imu_stream(job, s, work / "fifo.bin")
    tree["bench.bin"] = Path(imu["fifo"]).read_bytes()[:6 * BENCH_SAMPLES]
    flash = work / "bench-flash.img"
    emulator.make_image(flash, tree)
    pico = emulator.Pico(flash, imu=imu, deadline_s=DEADLINE_S)
    with pico:
        execute(pico, _helpers(), 600)
        mark = len(pico.events)
        t0 = time.perf_counter()
        r = execute(pico, ENTRY.read_text().replace("MARKER_PIN = -1", f"MARKER_PIN = {emulator.MARKER_PIN}", 1),
                    600).result
        wall = time.perf_counter() - t0
        edges = [ev for ev in pico.events[mark:] if ev["ev"] == "marker"]
    if r is None:
        raise emulator.PicoError("the bench on the emulated Pico gave no figures")
    allocs = None
    if len(edges) >= 2 and pico.config()["gc_alloc"] >= 0:
        allocs = round((edges[-1]["gc_allocs"] - edges[0]["gc_allocs"]) / r["samples"], 3)
    emulated = r["emulated_us"] / 1e6  # the chip busy measuring: its own clock
    return {
        "us_per_sample": round(r["us_per_sample"], 1), "call_us": round(r["call_us"], 2),
        "call_equivalents": round(r["call_equivalents"], 1),
        "us_per_sample_fragmented": round(r["us_per_sample_fragmented"], 1),
        "call_equivalents_fragmented": round(r["call_equivalents_fragmented"], 1),
        "cpu_pct_at_50hz": round(r["us_per_sample"] * 50 / 1e4, 2), "gc_allocs_per_sample": allocs,
        "heap_free_after_boot": r["heap_free_after_boot"], "heap_free_running": r["heap_free_running"],
        "emulated_s_per_wall_s": round(emulated / wall, 3) if wall > 0 else None,
    }


def run(trace):
    """The `pico` object of `stepclip bench --json`, or {"missing": why} when the chip cannot run here."""
    why = emulator.missing()
    if why:
        return {"missing": why}
    with tempfile.TemporaryDirectory(prefix="stepclip-bench-pico-") as work:
        figures = pipeline_figures(trace, Path(work) / "pipeline")
    figures["image"] = emulator.uf2_path().name
    return figures


if __name__ == "__main__":
    from simulator.bench_traces import MIXED, generated

    print(json.dumps(run(generated(MIXED[:4]))))
