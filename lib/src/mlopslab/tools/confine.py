"""Landlock: a warm grading kernel confines itself before any student code runs.

Warm grading kernels are forked one after another from a zygote that lives inside one bubblewrap sandbox (see
:mod:`mlopslab.tools.warm`). The sandbox keeps them all from the machine; Landlock, which any process may apply to
itself and never lift, keeps each kernel from the zygote and from what the next kernel will use:

* it writes only into its own working folder, its own runtime folder, its own ``/tmp`` folder and the sandbox's
  ``/dev/shm`` (everything else the sandbox shows stays readable, as in a cold sandboxed kernel);
* it cannot signal, ptrace or read the memory of any process outside its own tree (the zygote included), nor reach
  an abstract UNIX socket outside it.

The kernel Landlock needs is 6.12 or newer (ABI 6, the signal scope); on an older one :func:`available` is False
and grading kernels start cold, each in its own sandbox, as before. Uses py-landlock (three system calls and their
ABI versions, rather than our own ctypes structures).
"""

from __future__ import annotations

import os
from pathlib import Path

MIN_ABI = 6
"""Signal and abstract-socket scoping arrived with ABI 6 (Linux 6.12)."""
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def abi() -> int:
    """The running kernel's Landlock ABI version; 0 when Landlock (or py-landlock) is not there."""
    try:
        from py_landlock import get_abi_version

        return int(get_abi_version())
    except Exception:  # noqa: BLE001 -- not Linux, Landlock disabled at boot, py-landlock missing
        return 0


def available() -> bool:
    """Whether a kernel can confine itself as :func:`confine` does."""
    return abi() >= MIN_ABI


def confine(writable: list[Path]) -> None:
    """Restrict this process and its future children for good: read anything, write only into ``writable``.

    Network access is left to the sandbox (its own network namespace: loopback only, which a lab's own scoring
    server needs); signals and abstract UNIX sockets are scoped to this process's own tree.
    """
    from py_landlock import AccessFs, Landlock
    from py_landlock.abi import get_supported_fs

    rules = Landlock()
    everything = get_supported_fs(rules.abi_version)
    rules.add_path_rule("/", access=AccessFs.READ_FILE | AccessFs.READ_DIR | AccessFs.EXECUTE)
    rules.add_path_rule(*[str(p) for p in writable], access=everything)
    device = (AccessFs.READ_FILE | AccessFs.WRITE_FILE | AccessFs.TRUNCATE) & everything
    rules.add_path_rule(*[d for d in DEVICES if os.path.exists(d)], access=device)
    rules.allow_all_network()
    rules.apply()
