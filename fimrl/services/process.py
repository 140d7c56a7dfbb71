"""Small process helpers shared by the embedded services and the daemons."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the kernel says is free now (the service binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    """Whether pid names a live (non-zombie) process."""
    if not pid or pid <= 0:
        return False
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def read_pid_file(path: Path) -> int | None:
    """The pid in a pid file, or None when the file is missing or does not hold a number."""
    try:
        first = path.read_text().split()[0]
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
