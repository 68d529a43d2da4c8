# The firmware version, read back by `stepclip deploy` to verify a deploy.

VERSION = "0.1.0"
