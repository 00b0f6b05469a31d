"""The kernel client's channels wait for a message in slices, so a missed socket wake-up costs one slice."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import pytest
from mlopslab.tools import channels


class FakeSocket:
    """Answers ``poll`` as zmq.asyncio does, and says "ready" only from the ``ready_after``-th poll on."""

    def __init__(self, ready_after: int | None) -> None:
        self.polls: list[int] = []
        self.ready_after = ready_after

    async def poll(self, timeout_ms: int) -> int:
        self.polls.append(timeout_ms)
        if self.ready_after is not None and len(self.polls) >= self.ready_after:
            return 1
        await asyncio.sleep(min(timeout_ms, 200) / 1000)  # (capped: a broken channel fails fast, not in 300 s)
        return 0


def channel(socket: FakeSocket, monkeypatch) -> channels.SlicedChannel:
    chan = channels.SlicedChannel.__new__(channels.SlicedChannel)  # no session or real socket needed here
    chan.socket = socket
    monkeypatch.setattr(chan, "_recv", lambda: asyncio.sleep(0, result={"msg": "reply"}), raising=False)
    return chan


def test_a_long_wait_looks_at_the_socket_every_slice(monkeypatch) -> None:
    monkeypatch.setattr(channels, "SLICE", 0.05)
    socket = FakeSocket(ready_after=4)  # a reply the first three polls did not see
    assert asyncio.run(channel(socket, monkeypatch).get_msg(timeout=300)) == {"msg": "reply"}
    assert socket.polls[:3] == [50, 50, 50] and len(socket.polls) == 4


def test_a_wait_without_a_message_still_ends_at_its_timeout(monkeypatch) -> None:
    monkeypatch.setattr(channels, "SLICE", 0.05)
    socket = FakeSocket(ready_after=None)
    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(channel(socket, monkeypatch).get_msg(timeout=0.12))
    assert time.monotonic() - started >= 0.12
    assert max(socket.polls) <= 50 and sum(socket.polls) <= 130


def test_kernels_we_start_use_the_sliced_client(tmp_path) -> None:
    from mlopslab.tools import execution

    km = execution.CourseKernelManager(tmp_path, execution.Limits(), warm=False)
    client = km.client()
    assert isinstance(client, channels.SlicedKernelClient)
    assert client.shell_channel_class is channels.SlicedChannel and client.iopub_channel_class is channels.SlicedChannel
