"""The review page served by ``mlopslab review``: one written answer at a time, scored from the keyboard.

Keys: ``↓``/``↑`` (or ``j``/``k``) choose a criterion, a digit scores it (``h`` adds a half point) and moves to the
next one, ``c`` writes a comment (``Esc`` leaves it), ``Enter`` (``Ctrl+Enter`` in the comment) saves and opens the
next answer, ``→``/``←`` (``n``/``p``) move without saving, ``u`` jumps to the next answer nobody has scored, ``m``
shows the model answer, ``?`` the keys. The page talks only to its own server, with the token of its address;
the answers are rendered from markdown on the server with raw HTML escaped.
"""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review written answers</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f5f6f8}
header{background:#24344d;color:#fff;padding:10px 18px;display:flex;gap:18px;align-items:baseline}
header h1{font-size:18px;margin:0}main{display:grid;grid-template-columns:3fr 2fr;gap:16px;padding:16px}
.card{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px #0002}
#answer{font-size:15px;line-height:1.5;max-height:60vh;overflow:auto}
.crit{border:2px solid transparent;border-radius:5px;padding:6px 8px;margin:6px 0}
.crit.focus{border-color:#1565c0;background:#eef4fd}.crit .full{color:#555;font-size:90%}
.crit button{min-width:2.4em;margin:2px;border:1px solid #999;background:#fff;border-radius:3px;cursor:pointer}
.crit button.on{background:#1565c0;color:#fff;border-color:#1565c0}
textarea{width:100%;min-height:5em;font:inherit}.muted{color:#666;font-size:90%}
.status-reviewed{color:#2e7d32}.status-needs-review{color:#1565c0}#help{display:none}
#model{display:none;background:#fffbe6}kbd{border:1px solid #999;border-radius:3px;padding:0 4px;font-size:90%}
</style></head><body>
<header><h1>Written answers</h1><span id="where"></span><span id="left"></span><span id="saved"></span></header>
<main>
<section class="card"><div class="muted" id="question"></div><h2 id="who"></h2>
<div class="muted" id="state"></div><div id="answer"></div></section>
<section><div class="card"><h3>Rubric</h3><div id="rubric"></div><p><b>Total: <span id="total"></span></b></p>
<label for="comment">Comment for the student (<kbd>c</kbd>)</label><textarea id="comment"></textarea>
<p><button id="save">Save and next (Enter)</button> <button id="prev">← previous</button>
<button id="next">next →</button> <button id="unreviewed">next to score (u)</button></p></div>
<div class="card" id="model"><h3>Model answer (graders only)</h3><div id="modeltext"></div></div>
<div class="card" id="help"><p><kbd>↓</kbd>/<kbd>↑</kbd> or <kbd>j</kbd>/<kbd>k</kbd> choose a criterion,
a digit scores it, <kbd>h</kbd> adds half a point, <kbd>c</kbd> comment (<kbd>Esc</kbd> leaves it),
<kbd>Enter</kbd> save and next (<kbd>Ctrl</kbd>+<kbd>Enter</kbd> in the comment), <kbd>→</kbd>/<kbd>←</kbd> or
<kbd>n</kbd>/<kbd>p</kbd> move, <kbd>u</kbd> next unscored, <kbd>m</kbd> model answer.</p></div>
<p class="muted">Press <kbd>?</kbd> for the keys.</p></section>
</main>
<script nonce="__NONCE__">
const token = new URLSearchParams(location.search).get("token");
let items = [], at = 0, focus = 0, scores = {};
const $ = id => document.getElementById(id);
async function api(path, body) {
  const response = await fetch(path, {method: body ? "POST" : "GET", headers: {"X-Token": token,
    "Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined});
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}
function pending() { return items.filter(i => i.status === "needs-review").length; }
function show() {
  const item = items[at];
  if (!item) { $("who").textContent = "Nothing to review."; return; }
  scores = Object.assign({}, item.review ? item.review.scores : {});
  $("where").textContent = `answer ${at + 1} of ${items.length}`;
  $("left").textContent = `${pending()} to score`;
  $("question").textContent = `${item.exercise} — ${item.title}`;
  $("who").textContent = item.label;
  $("state").textContent = item.status === "reviewed" ? `scored: ${item.points} / ${item.max}` : "not scored yet";
  $("state").className = "muted status-" + item.status;
  $("answer").innerHTML = item.answer_html;
  $("comment").value = item.review ? item.review.comment : "";
  $("modeltext").innerHTML = item.model_html || "<p class='muted'>No model answer in the lab's source.</p>";
  focus = 0; rubric();
}
function rubric() {
  const item = items[at];
  $("rubric").innerHTML = "";
  item.criteria.forEach((c, i) => {
    const row = document.createElement("div");
    row.className = "crit" + (i === focus ? " focus" : "");
    row.dataset.criterion = c.name;
    const head = document.createElement("div");
    head.innerHTML = "<b></b> <span class='muted'></span>";
    head.querySelector("b").textContent = c.description;
    head.querySelector("span").textContent = `(${c.points} pt)`;
    const full = document.createElement("div"); full.className = "full"; full.textContent = c.full;
    row.append(head, full);
    const step = c.points < 1 ? c.points : 1;
    for (let v = 0; v <= c.points + 1e-9; v += step) {
      const b = document.createElement("button");
      b.textContent = v; b.dataset.value = v;
      if (scores[c.name] === v) b.className = "on";
      b.onclick = () => { scores[c.name] = v; focus = i; rubric(); };
      row.append(b);
    }
    $("rubric").append(row);
  });
  const total = item.criteria.reduce((s, c) => s + (scores[c.name] ?? 0), 0);
  const missing = item.criteria.filter(c => scores[c.name] === undefined).length;
  $("total").textContent = `${total} / ${item.max}` +
    (missing ? ` (${missing} ${missing === 1 ? "criterion" : "criteria"} not scored yet)` : "");
}
function move(step) { at = Math.max(0, Math.min(items.length - 1, at + step)); show(); }
function nextUnscored() {
  for (let k = 1; k <= items.length; k++) {
    const i = (at + k) % items.length;
    if (items[i].status === "needs-review") { at = i; show(); return; }
  }
}
async function save() {
  const item = items[at];
  const missing = item.criteria.filter(c => scores[c.name] === undefined);
  if (missing.length) { $("saved").textContent = `score every criterion first (${missing[0].description})`; return; }
  try {
    const result = await api("api/review", {id: item.id, scores, comment: $("comment").value});
    items[at] = result.item;
    $("saved").textContent = `saved ${item.label}: ${result.item.points} / ${result.item.max}`;
    if (pending()) nextUnscored(); else { move(1); }
  } catch (err) { $("saved").textContent = "not saved: " + err.message; }
}
function score(value) {
  const c = items[at].criteria[focus];
  scores[c.name] = Math.min(value, c.points);
  focus = Math.min(focus + 1, items[at].criteria.length - 1); rubric();
}
document.addEventListener("keydown", e => {
  if (!items.length) return;
  if (e.target === $("comment")) {
    if (e.key === "Escape") { $("comment").blur(); e.preventDefault(); }
    else if (e.key === "Enter" && e.ctrlKey) { e.preventDefault(); save(); }
    return;
  }
  const c = items[at].criteria[focus];
  if (/^[0-9]$/.test(e.key)) score(Number(e.key));
  else if (e.key === "h") { scores[c.name] = Math.min((scores[c.name] ?? 0) + 0.5, c.points); rubric(); }
  else if (e.key === "ArrowDown" || e.key === "j") { focus = Math.min(focus + 1, items[at].criteria.length - 1); rubric(); }
  else if (e.key === "ArrowUp" || e.key === "k") { focus = Math.max(focus - 1, 0); rubric(); }
  else if (e.key === "c") { $("comment").focus(); }
  else if (e.key === "Enter") save();
  else if (e.key === "ArrowRight" || e.key === "n") move(1);
  else if (e.key === "ArrowLeft" || e.key === "p") move(-1);
  else if (e.key === "u") nextUnscored();
  else if (e.key === "m") $("model").style.display = $("model").style.display === "block" ? "none" : "block";
  else if (e.key === "?") $("help").style.display = $("help").style.display === "block" ? "none" : "block";
  else return;
  e.preventDefault();
});
$("save").onclick = save; $("prev").onclick = () => move(-1); $("next").onclick = () => move(1);
$("unreviewed").onclick = nextUnscored;
api("api/queue").then(data => {
  items = data.items; document.title = `Review: ${items.length} answers`;
  at = Math.max(0, items.findIndex(i => i.status === "needs-review")); show();
  document.body.dataset.ready = "1";
}).catch(err => { $("who").textContent = "Cannot load the answers: " + err.message; });
</script></body></html>
"""


def page(nonce: str) -> str:
    """The review page, its script allowed by ``nonce`` (the Content-Security-Policy names it)."""
    return PAGE.replace("__NONCE__", nonce)
