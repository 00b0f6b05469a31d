"""A real Jupyter server for the Binder rehearsal, the browser test and the memory measurement.

Starts ``jupyter lab`` (through ``binder/start``, as Binder does) on a free loopback port with a token, in its own
process group, and always stops the whole group. Talks to it over REST and the kernel websocket, the way
JupyterLab does. Not a test module (pytest collects ``test_*.py`` only).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 180.0
"""Seconds to wait for a server or a proxied app to answer: a bound on failure, never a measured figure."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(path_prefix: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without the test session's tracking store; ``path_prefix`` first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MLFLOW_TRACKING_URI", "MLOPSLAB_NBVAL_NOTEBOOK", "VIRTUAL_ENV", "PYTHONPATH")}
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def wait_for(condition: Callable[[], object], what: str, timeout: float = STARTUP_TIMEOUT, every: float = 0.5):
    """Poll ``condition`` until it returns something truthy; its last exception or a TimeoutError names ``what``."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as err:  # not up yet
            last = err
        time.sleep(every)
    raise TimeoutError(f"gave up waiting for {what}" + (f": {last!r}" if last else ""))


def stop_group(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the process group (server, kernels, proxied apps), then SIGKILL whatever is left."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their parent keep the group id
    except ProcessLookupError:
        pass
    proc.wait()


@dataclass
class JupyterServer:
    """A running JupyterLab: its URL, token and process; REST helpers that carry the token."""

    proc: subprocess.Popen
    port: int
    token: str
    base_url: str
    log: Path
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """An authenticated request to ``<base_url><path>``."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.url + path.lstrip("/"), headers=headers, timeout=300, **kwargs)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start_jupyter(root_dir: Path, log: Path, env: dict[str, str], start_script: Path | None = None,
                  base_url: str = "/", extra_args: tuple[str, ...] = ()) -> JupyterServer:
    """Start ``[start_script] jupyter lab`` headless on a free port with a fresh token; wait until it answers."""
    port, token = free_port(), uuid.uuid4().hex
    cmd = ["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root_dir}", f"--ServerApp.base_url={base_url}", "--ServerApp.port_retries=0",
           *extra_args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    if start_script is not None:
        cmd = [str(start_script), *cmd]
    runtime = log.parent / "jupyter-runtime"
    env = {**env, "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_CONFIG_DIR": str(log.parent / "jupyter-config")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = JupyterServer(proc, port, token, base_url, log)
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter exited with {proc.returncode}:\n{server.log_tail()}")
            return server.request("GET", "api/status").status_code == 200

        wait_for(up, "the Jupyter server")
    except BaseException:
        stop_group(proc)
        raise
    return server


class Kernel:
    """A kernel of the server, opened like JupyterLab opens a notebook: a session, then its websocket."""

    def __init__(self, server: JupyterServer, notebook_path: str, kernel_name: str = "python3"):
        import websocket  # websocket-client, a dependency of jupyter_server

        self.server = server
        reply = server.request("POST", "api/sessions",
                               json={"path": notebook_path, "type": "notebook", "name": Path(notebook_path).name,
                                     "kernel": {"name": kernel_name}})
        reply.raise_for_status()
        self.session_id, self.kernel_id = reply.json()["id"], reply.json()["kernel"]["id"]
        url = server.url.replace("http://", "ws://") + f"api/kernels/{self.kernel_id}/channels?token={server.token}"
        self.ws = websocket.create_connection(url, timeout=STARTUP_TIMEOUT)
        self.client_session = uuid.uuid4().hex

    def execute(self, code: str, timeout: float = 600.0) -> list[dict]:
        """Run ``code``; return its outputs as nbformat-style dicts (stream, display_data, execute_result, error)."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                       "session": self.client_session, "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        outputs: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = decode(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result", "error"):
                outputs.append({"output_type": kind, **content})
            elif kind == "status" and content["execution_state"] == "idle":
                return outputs
        raise TimeoutError(f"no idle status within {timeout} s after executing:\n{code[:200]}")

    def close(self) -> None:
        """Close the websocket and delete the session (the server shuts the kernel down)."""
        try:
            self.ws.close()
        finally:
            self.server.request("DELETE", f"api/sessions/{self.session_id}")


def decode(frame: str | bytes) -> dict:
    """A kernel websocket message: JSON text, or Jupyter's binary frame (widget buffers) whose first part is JSON."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i: 8 + 4 * i], "big") for i in range(count)]
    return json.loads(frame[offsets[0]: offsets[1] if count > 1 else None])


def stream_text(outputs: list[dict], name: str = "stdout") -> str:
    """The concatenated text of the outputs' ``name`` stream."""
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == name)


def errors(outputs: list[dict]) -> list[str]:
    """``ename: evalue`` of every error output."""
    return [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]
