"""Errors a person can act on: the CLI prints their message alone, never a traceback."""


class FimrlError(RuntimeError):
    """Base of every error whose message names the problem and the fix."""
