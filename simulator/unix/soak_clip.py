# Runs the firmware's loop for as long as the stream lasts, sampling the
# free heap after a collection once every virtual hour (MicroPython only:
# gc.mem_free). Memory that creeps up hour after hour shows here. The
# motor records nothing (VirtualMotor keeps every pulse, which would be
# the simulator's memory, not the firmware's).

import gc


class QuietMotor:
    def value(self, v):
        pass


def run(job):
    from rig import Rig

    rig = Rig(job)
    from clip import Clip

    clock = rig.clock
    clip = Clip(rig.imu, clock, QuietMotor(), rig.storage, rig.settings)
    mem_free = getattr(gc, "mem_free", None)
    heap = [0] * 200  # preallocated: the samples themselves take no heap
    hours = 0
    hour_end = 3600000
    finished = rig.chip.finished
    while not finished():  # Clip.run's loop, with a look at the heap on the hour
        clock.sleep_ms(clip.step())
        if clock.ticks_ms() >= hour_end:
            hour_end += 3600000
            gc.collect()
            if hours < len(heap):
                heap[hours] = mem_free() if mem_free else -1
            hours += 1
    clip.finish()
    rig.chip.close()
    return {"hours": hours, "steps": clip.steps.total, "samples": clip.samples, "free_heap": heap[:hours],
            "errors": {"i2c": clip.i2c_errors, "flash": clip.flash_errors}}


if __name__ == "__main__":
    from rig import serve

    serve(run)
