"""A real browser runs a lab in a real JupyterLab: widgets, plots and self-check feedback render, nothing errs.

Headless Chromium (Debian's ``chromium``, ``apt-get install -y chromium``) driven by Playwright's Python driver
with ``executable_path`` (no ``playwright install``). JupyterLab runs from this environment on a free loopback port,
on a copy of lab 02 in a temporary folder (so autosave never touches labs/), with a temporary tracking store.
Marked ``browser``: deselected by default (pytest.ini), CI selects it with ``-m browser``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from live_jupyter import REPO, clean_env, start_jupyter, stop_group

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
LAB = "02_scrum_and_ai_roles.ipynb"  # the sprint-planner widget, four plots, three self-checks
WIDGET_CELL, PLOT_CELL, EXERCISE, CHECK = "cell-17", "cell-11", "ex-02-sprint-plan", "check-02-sprint-plan"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 240_000  # a bound on failure on a busy 2-core machine, never a measured figure

# JupyterLab settings for the test: every cell stays in the DOM (no virtual scrolling) and no news prompt.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}

NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget"
RUN_ALL_JS = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.ready;
  await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  return true;
}"""
STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {kernel: panel.sessionContext.session?.kernel?.status,
          pending: cells.filter(c => c.model.executionCount === null).length,
          outputs: cells.map(c => ({id: c.model.id, outputs: c.model.outputs.toJSON()}))};
}"""
TAG_CELLS_JS = """() => window.jupyterapp.shell.currentWidget.content.widgets.forEach(
  c => c.node.setAttribute('data-cell-id', c.model.id))"""


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on a copy of the lab; the server's process group is stopped afterwards."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy2(REPO / "labs" / LAB, work / LAB)
    settings = tmp_path / "lab-settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = clean_env(Path(sys.executable).parent, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}")
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as for a student
    (tmp_path / "store").mkdir()
    server = start_jupyter(work, tmp_path / "jupyter.log", env, extra_args=(
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True"))
    try:
        yield server
    finally:
        stop_group(server.proc)


@pytest.fixture
def page(tmp_path):
    """A page in a fresh headless Chromium profile."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1800})
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            context.close()


def cell(page, cell_id: str):
    """The DOM node of the cell with this nbformat id."""
    return page.locator(f'[data-cell-id="{cell_id}"]')


def points(text: str) -> int:
    """The planned points in the planner's status line ("12 of 20 points ...")."""
    found = re.search(r"(\d+) of \d+ points", text)
    assert found, text
    return int(found.group(1))


def test_lab_runs_in_a_real_browser(jupyterlab, page, tmp_path) -> None:
    reference = nbformat.read(REPO / "labs" / LAB, as_version=4)
    plots = sum("image/png" in o.get("data", {}) for c in reference.cells if c.cell_type == "code" for o in c.outputs)
    checks = [c.id for c in reference.cells if "check" in c.metadata.get("tags", [])]

    page.goto(f"{jupyterlab.url}lab/tree/{LAB}?token={jupyterlab.token}")
    page.wait_for_function(f"() => {NOTEBOOK_JS}?.content?.widgets?.length > 0 && "
                           f"{NOTEBOOK_JS}.sessionContext.session?.kernel?.status === 'idle'")
    page.evaluate(RUN_ALL_JS)
    page.wait_for_function(f"() => ({STATE_JS})().pending === 0 && ({STATE_JS})().kernel === 'idle'")
    page.evaluate(TAG_CELLS_JS)

    # no error output, no stderr, in the notebook model and on the page
    state = page.evaluate(STATE_JS)
    bad = [(c["id"], o.get("ename") or o.get("text", "")[:200]) for c in state["outputs"] for o in c["outputs"]
           if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not bad, bad
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0

    # every plot rendered as a decoded image
    images = page.locator(".jp-RenderedImage img")
    assert images.count() == plots >= 1
    assert all(images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(plots))

    # the sprint-planner widget rendered ...
    widget = cell(page, WIDGET_CELL)
    boxes = widget.locator(".widget-checkbox input[type=checkbox]")
    assert boxes.count() >= 5
    assert widget.locator(".widget-hprogress").count() == 1
    assert page.get_by_text("Error displaying widget").count() == 0
    status = widget.locator(".widget-html-content").first
    before = points(status.inner_text())
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "lab02-widget.png"))

    # ... and responds: tick a free story, the capacity line adds its points
    free = next(i for i in range(boxes.count()) if not boxes.nth(i).is_checked() and boxes.nth(i).is_enabled())
    label = widget.locator(".widget-checkbox").nth(free).inner_text()
    story_points = int(re.search(r"\((\d+) pt", label).group(1))
    old_text = status.inner_text()
    boxes.nth(free).check()  # the kernel recomputes the plan and sends the new status line back
    page.wait_for_function("([node, old]) => node.innerText !== old", arg=[status.element_handle(), old_text])
    assert points(status.inner_text()) == before + story_points

    # the self-checks gave feedback: "not answered yet" under each, and a wrong answer typed in gets a hint
    feedback = [cell(page, c).locator(".jp-OutputArea-output").inner_text() for c in checks]
    assert all("not answered yet" in text for text in feedback), feedback
    editor = cell(page, EXERCISE).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('sprint_plan = "S02"')
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    answer = cell(page, CHECK).locator(".jp-OutputArea-output")
    answer.filter(has_text="not yet right").wait_for()
    assert "Give a list of story ids" in answer.inner_text()

    # one picture of the plot and, below it, the widget (after the tick): a tall window, no side bar
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    page.wait_for_function(f"() => {NOTEBOOK_JS}.content.node.clientHeight > 2500")
    cell(page, PLOT_CELL).evaluate("node => node.scrollIntoView()")
    page.screenshot(path=str(tmp_path / "lab02.png"))
    assert (tmp_path / "lab02.png").stat().st_size > 10_000
