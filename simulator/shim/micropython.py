"""The part of MicroPython's `micropython` module that firmware uses, for CPython.

On a board, `@micropython.native` and `@micropython.viper` compile a function
to machine code, and viper's pointer types (`ptr8`, `ptr16`, `ptr32`) are
names its compiler knows without an import. Here the decorators leave the
function as it is, and the pointer types become built-in names (the viper
annotations name them) that hand back the buffer itself. Indexing an array
then reads signed numbers where viper reads the word's bits; the firmware's
kernels turn either into the same signed number, and keep every integer
within 31 bits, so that both run the same arithmetic.
"""

import builtins


def const(value):
    return value


def native(f):
    return f


def viper(f):
    return f


def _pointer(buf):
    return buf


for _name in ("ptr8", "ptr16", "ptr32"):
    setattr(builtins, _name, _pointer)
