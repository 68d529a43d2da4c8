# Virtual I2C bus with the machine.I2C methods drivers use.
#
# Devices are register models with read(reg, buf) and write(reg, buf). An
# address with no device raises OSError(ENODEV), as a NACK does on a board.

_ENODEV = 19


class VirtualI2C:
    def __init__(self):
        self._devices = {}

    def attach(self, addr, device):
        self._devices[addr] = device

    def detach(self, addr):
        """Unplug a device: from now on its address NACKs."""
        self._devices.pop(addr, None)

    def _device(self, addr):
        dev = self._devices.get(addr)
        if dev is None:
            raise OSError(_ENODEV)
        return dev

    def scan(self):
        return sorted(self._devices)

    def readfrom_mem_into(self, addr, memaddr, buf):
        self._device(addr).read(memaddr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes):
        buf = bytearray(nbytes)
        self._device(addr).read(memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf):
        self._device(addr).write(memaddr, buf)
