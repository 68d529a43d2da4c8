# Files on the clip's flash, under one root directory.
#
# By default the root is the current directory: "/" on a board (LittleFS),
# the flash folder of the virtual clip; the simulator names a temporary
# folder. Whole-file writes go through a temporary file and a rename, so a
# power cut leaves the old or the new version, never half of one.

import json
import os


class Storage:
    def __init__(self, root="."):
        self.root = root.rstrip("/") or "/"

    def path(self, name):
        return self.root + name if self.root == "/" else self.root + "/" + name

    def read(self, name):
        """The file's bytes, or None if it does not exist."""
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def listdir(self):
        return os.listdir(self.root)

    def size(self, name):
        """Bytes in the file, 0 if it does not exist."""
        try:
            return os.stat(self.path(name))[6]
        except OSError:
            return 0

    def remove(self, name):
        os.remove(self.path(name))

    def append(self, name, data):
        with open(self.path(name), "ab") as f:
            f.write(data)

    def write(self, name, data):
        """Replace the file's contents (on LittleFS the old ones stay until the new are committed)."""
        with open(self.path(name), "wb") as f:
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
        """The decoded file, or None if it is missing or damaged.

        On FAT a power cut between write_atomic's remove and rename leaves
        only the (complete) temporary file: then that is the file.
        """
        data = self.read(name)
        if data is None:
            data = self.read(name + ".tmp")
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def write_json(self, name, obj):
        self.write_atomic(name, json.dumps(obj).encode())
