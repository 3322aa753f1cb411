"""Exceptions raised for bad user input. Each message names the problem and the fix."""


class UserInputError(ValueError):
    """Bad input from the user (a file, a config value, an output path).

    The CLI prints these as a single error line without a traceback.
    """


class PeerProcessError(RuntimeError):
    """Another process of a multi-process run crashed, or did not answer within the timeout.

    Raised instead of hanging; the CLI prints it as one error line.
    """
