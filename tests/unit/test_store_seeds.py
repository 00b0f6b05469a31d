"""Seeded tracking stores: a copy starts with the champion, reads and writes only its own folder, and only the labs
that begin with the champion get one (nbval of labs 08-10 on seeded stores proves their outputs do not change)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

from mlopslab.tools import store_seeds


def _mentions(folder, text: str) -> list[str]:
    """Where ``text`` appears in a store: its tables' dump and its files."""
    with sqlite3.connect(folder / "mlflow.db") as db:
        dump = "\n".join(db.iterdump())
    db.close()
    found = ["mlflow.db"] if text in dump else []
    return found + [str(p) for p in folder.rglob("*") if p.is_file() and p.name != "mlflow.db"
                    and text.encode() in p.read_bytes()]


def test_a_seeded_store_holds_the_champion_in_its_own_folder(tmp_path) -> None:
    seed = store_seeds.template(store_seeds.SEEDED["08"])
    assert seed is not None, "the champion seed could not be built"
    source = tmp_path / "source"
    store_seeds.copy_store(seed, source)
    target = tmp_path / "a folder with spaces"
    uri = store_seeds.copy_store(source, target)
    shutil.rmtree(source)  # the copy must not need what it was copied from
    assert _mentions(target, str(source)) == [] and _mentions(target, str(seed)) == []
    assert _mentions(target, "with%20spaces"), "the artifact locations should now point into the copy"
    code = ("import mlflow\nfrom mlopslab import config, registry\nconfig.quiet()\n"
            "version = registry.ensure_champion()\n"
            "model = mlflow.pyfunc.load_model(f'models:/{config.MODEL_NAME}@champion')\n"
            "from mlopslab import data, preparation\nrows = preparation.split_xy(data.load_customers().head(5))[0]\n"
            "print(version, len(model.predict(rows)))\n"
            "with mlflow.start_run() as run:\n    mlflow.log_text('x', 'x.txt')\nprint(run.info.artifact_uri)\n")
    env = {"MLFLOW_TRACKING_URI": uri, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    version, predicted, artifacts = proc.stdout.split()
    assert (version, predicted) == ("1", "5"), "the champion is there: registered once, served by its alias"
    assert artifacts.startswith(target.as_uri() + "/"), "a new run's artifacts go into the copy"


def test_only_the_labs_that_begin_with_the_champion_start_from_a_seed(tmp_path) -> None:
    empty = store_seeds.store_for("05", tmp_path / "lab05")
    with sqlite3.connect(empty.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM registered_models").fetchone() == (0,)
    db.close()
    for lab, model in store_seeds.SEEDED.items():
        seeded = store_seeds.store_for(lab, tmp_path / f"lab{lab}")
        with sqlite3.connect(seeded.removeprefix("sqlite:///")) as db:
            names = [row[0] for row in db.execute("SELECT name FROM registered_models")]
            aliases = [row[0] for row in db.execute("SELECT alias FROM registered_model_aliases")]
        db.close()
        assert (names, aliases) == ([model], ["champion"]), lab


def test_a_seed_anyone_else_could_have_changed_is_not_used(tmp_path) -> None:
    seed = tmp_path / "seed"
    seed.mkdir(mode=0o700)
    (seed / "mlflow.db").write_bytes(b"")
    assert store_seeds._ours(seed)
    seed.chmod(0o777)  # world-writable, as a folder planted in a shared /tmp could be
    assert not store_seeds._ours(seed)
    assert not store_seeds._ours(tmp_path / "missing")


def test_seeds_unused_for_a_week_are_pruned_when_a_new_one_is_built(tmp_path) -> None:
    import os
    import time

    def seed(name: str, days_unused: float):
        folder = tmp_path / name
        folder.mkdir(mode=0o755)
        (folder / "mlflow.db").write_bytes(b"")
        folder.chmod(0o755)
        then = time.time() - days_unused * 86400
        os.utime(folder, (then, then))
        return folder

    new = seed("mlopslab-seed-churn-" + "a" * 16, 0)
    old = seed("mlopslab-seed-churn-" + "b" * 16, store_seeds.STALE_DAYS + 1)
    recent = seed("mlopslab-seed-churn-" + "c" * 16, store_seeds.STALE_DAYS - 1)
    other_model = seed("mlopslab-seed-churn-lifecycle-" + "d" * 16, store_seeds.STALE_DAYS + 1)
    half_built = seed("mlopslab-seed-churn-x1y2z3", store_seeds.STALE_DAYS + 1)  # mkdtemp's name, not a seed's
    assert store_seeds.prune(tmp_path, "churn", keep=new) == [old]
    assert [p.exists() for p in (new, old, recent, other_model, half_built)] == [True, False, True, True, True]
