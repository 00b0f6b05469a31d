"""A kernel client whose waits for a message look at the socket again at least once a second.

zmq's asyncio integration wakes a waiting ``get_msg`` through the socket's edge-triggered file descriptor. Here
that wake-up was once missed: a lab's kernel had answered and sat idle while nbclient waited out the whole
300 s cell time limit, and only the check at the end of that wait found the reply waiting in the socket (lab 03
took 305.6 s in the release test instead of 6 s; its outputs were complete and without error). Each new poll
checks the socket's state before it waits, so waiting in slices of at most :data:`SLICE` seconds bounds such a
stall to one slice, and changes nothing else: the same messages, in the same order, within the same time limits.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE = 1.0
"""Seconds: the longest a wait for a message goes without looking at the socket again."""


class SlicedChannel(AsyncZMQSocketChannel):
    """An async channel whose ``get_msg`` polls the socket in slices of at most :data:`SLICE` seconds."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        """The next message; :class:`queue.Empty` when none came within ``timeout`` seconds (None: wait on)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else max(0.0, min(SLICE, deadline - time.monotonic()))
            if await self.socket.poll(int(left * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedKernelClient(AsyncKernelClient):
    """nbclient's async kernel client with :class:`SlicedChannel` for the shell, IOPub and control channels."""

    shell_channel_class = Type(SlicedChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(SlicedChannel)  # type: ignore[assignment]
    control_channel_class = Type(SlicedChannel)  # type: ignore[assignment]
