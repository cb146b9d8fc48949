"""Errors a user can act on: each says what was wrong and what to do about it."""


class DjsccError(Exception):
    """Base class of gr-djscc's user-facing errors (command-line tools print them, no traceback)."""


class ModelFileError(DjsccError):
    """A model file or its card is missing, corrupt, or does not match."""


class InputError(DjsccError):
    """An image, SNR, dataset path or other input is out of what the call accepts."""
