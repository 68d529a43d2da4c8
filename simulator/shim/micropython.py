"""The part of MicroPython's `micropython` module that firmware uses, for CPython."""


def const(value):
    return value
