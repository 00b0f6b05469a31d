"""Peak memory of a Binder session: the JupyterLab server, a kernel running a lab, and the MLflow UI. Not a test.

    python tests/tools/measure_memory.py                 # every lab in labs/, one after another
    python tests/tools/measure_memory.py --labs 05 09    # some labs

Starts JupyterLab through ``binder/start`` from this environment (jupyter-server-proxy installed, as on Binder) on a
free loopback port with an empty temporary tracking store. Opens the MLflow UI through the proxy (page, script
bundle, an experiments search), then, for each lab in turn, opens it as a notebook session, runs every code cell on
the server's kernel over its websocket, queries the MLflow UI's API again, and closes the session. A sampler thread
sums the resident set size (RSS) over the server's whole process tree (server, kernel and anything it starts, MLflow
server and its worker) every 0.1 s; the peak per lab is printed with its split at that moment. RSS summed over
processes counts shared pages once per process, so the figure is an upper bound of what the container's cgroup sees.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from live_jupyter import REPO, Kernel, clean_env, errors, start_jupyter, stop_group, wait_for  # noqa: E402

BINDER_LIMIT_MB = 1024
"""What mybinder.org guarantees a session (it allows up to 2048 MB when the node has room)."""


class TreeSampler(threading.Thread):
    """Sums RSS over a process and its descendants; keeps the peak and its split by the root's direct children."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.root, self.interval = psutil.Process(pid), interval
        self.peak, self.split = 0, {}
        self.running = True

    @staticmethod
    def role(proc: psutil.Process) -> str:
        """"kernel", "mlflow" or "other", from a direct child's command line."""
        try:
            cmd = " ".join(proc.cmdline())
        except psutil.Error:
            return "other"
        return "kernel" if "ipykernel" in cmd else "mlflow" if "mlflow" in cmd else "other"

    def sample(self) -> tuple[int, dict[str, int]]:
        """(total RSS in bytes, RSS by role) right now."""
        split = {"server": self.root.memory_info().rss}
        for child in self.root.children():
            try:
                tree = [child, *child.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                continue
            role = self.role(child)
            split[role] = split.get(role, 0) + rss
        return sum(split.values()), split

    def reset(self) -> None:
        self.peak, self.split = 0, {}

    def run(self) -> None:
        while self.running:
            try:
                total, split = self.sample()
            except psutil.Error:
                break
            if total > self.peak:
                self.peak, self.split = total, split
            time.sleep(self.interval)


def use_mlflow_ui(server) -> None:
    """What a student's browser does with the MLflow UI: the page, its script bundle, a search."""
    import re

    page = wait_for(lambda: (r := server.request("GET", "mlflow/")).status_code == 200 and r, "the MLflow UI")
    bundle = re.search(r'src="(static-files/[^"]+\.js)"', page.text)
    if bundle:
        server.request("GET", "mlflow/" + bundle.group(1))
    reply = server.request("POST", "mlflow/ajax-api/2.0/mlflow/experiments/search", json={"max_results": 100})
    reply.raise_for_status()


def run_lab(server, path: Path) -> list[str]:
    """Every code cell of the lab on a fresh kernel of the server; the errors it raised."""
    kernel = Kernel(server, f"labs/{path.name}")
    found: list[str] = []
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                found += errors(kernel.execute(cell.source))
    finally:
        kernel.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers (default: every lab in labs/)")
    parser.add_argument("--no-mlflow-ui", action="store_true", help="measure without opening the MLflow UI")
    args = parser.parse_args(argv)
    paths = sorted((REPO / "labs").glob("[0-9][0-9]_*.ipynb"))
    if args.labs:
        paths = [p for p in paths if p.name[:2] in args.labs]
    with tempfile.TemporaryDirectory(prefix="mlopslab-memory-") as name:
        tmp = Path(name)
        env = clean_env(Path(sys.executable).parent, MLFLOW_TRACKING_URI=f"sqlite:///{tmp / 'mlflow.db'}")
        server = start_jupyter(REPO, tmp / "jupyter.log", env, start_script=REPO / "binder" / "start")
        sampler = TreeSampler(server.proc.pid)
        try:
            sampler.start()
            if not args.no_mlflow_ui:
                use_mlflow_ui(server)
            print(f"{'lab':<36} {'peak MB':>8} {'server':>7} {'kernel':>7} {'mlflow':>7} {'other':>6}  errors")
            peaks = []
            for path in paths:
                sampler.reset()
                problems = run_lab(server, path)
                if not args.no_mlflow_ui:
                    use_mlflow_ui(server)
                mb = {k: v / 2**20 for k, v in sampler.split.items()}
                peaks.append((sampler.peak / 2**20, path.stem))
                print(f"{path.stem:<36} {sampler.peak / 2**20:8.0f} {mb.get('server', 0):7.0f} "
                      f"{mb.get('kernel', 0):7.0f} {mb.get('mlflow', 0):7.0f} {mb.get('other', 0):6.0f}  "
                      f"{'; '.join(problems)[:80] or '-'}", flush=True)
        finally:
            sampler.running = False
            stop_group(server.proc)
    top, lab = max(peaks)
    print(f"\nHighest peak: {top:.0f} MB ({lab}), {'within' if top < BINDER_LIMIT_MB else 'OVER'} Binder's "
          f"guaranteed {BINDER_LIMIT_MB} MB")
    return 0 if top < BINDER_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
