# Files on the clip's flash, under one root directory.
#
# On a board the root is "/" (LittleFS); in the simulator it is a temporary
# directory standing in for the flash. Whole-file writes go through a
# temporary file and a rename, so a power cut leaves the old or the new
# version, never half of one.

import json
import os


class Storage:
    def __init__(self, root="/"):
        self.root = root.rstrip("/")

    def path(self, name):
        return self.root + "/" + name

    def read(self, name):
        """The file's bytes, or None if it does not exist."""
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def append(self, name, data):
        with open(self.path(name), "ab") as f:
            f.write(data)

    def write_atomic(self, name, data):
        tmp = self.path(name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        try:
            os.rename(tmp, self.path(name))
        except OSError:
            # FAT will not rename onto an existing file.
            os.remove(self.path(name))
            os.rename(tmp, self.path(name))

    def read_json(self, name):
        """The decoded file, or None if it is missing or damaged."""
        data = self.read(name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def write_json(self, name, obj):
        self.write_atomic(name, json.dumps(obj).encode())
