"""``mlopslab review GRADES``: a local page where graders score the written answers of a graded batch.

The server listens on 127.0.0.1 only and answers only requests carrying its token (printed in the page's address,
as Jupyter does). It shows one answer at a time across the class, question by question; ``--blind`` keeps every
name and student key out of what the page receives, not merely out of sight. Each save is checked against the
rubric, kept in ``GRADES/reviews.json`` and merged at once into gradebook.csv, results.csv and the feedback pages.
The standard library's HTTP server is enough for one grader on one machine; the answers are rendered from markdown
by markdown-it-py (raw HTML escaped) and the page runs under a strict Content-Security-Policy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from markdown_it import MarkdownIt

from ... import rubrics
from . import book, reviews
from .review_page import page
from .written import KIND, NEEDS_REVIEW, REVIEWED

_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def item_id(student: str, exercise: str) -> str:
    """An opaque id for one answer (the page never needs the student's key)."""
    return hashlib.sha256(f"{student}|{exercise}".encode()).hexdigest()[:16]


def _model_answers(labs: list[str]) -> dict[str, str]:
    from .. import answers

    found = {}
    for lab in labs:
        try:
            found.update(answers.of(lab).model_answers)
        except FileNotFoundError:  # no lab sources here (a student release)
            continue
    return found


class Queue:
    """The written answers of a batch to review, in order: question by question, then by student."""

    def __init__(self, out: Path, blind: bool = False, grader: str = "") -> None:
        self.out, self.blind, self.grader = Path(out), blind, grader
        self.lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        self.book = book.load(self.out)
        self.models = _model_answers(self.book.labs())
        rows = [(g.student, r) for g in self.book.grades for r in g.exercises
                if r.kind == KIND and r.status in (NEEDS_REVIEW, REVIEWED)]
        self.rows = sorted(rows, key=lambda pair: (pair[1].exercise,
                                                   item_id(pair[0], pair[1].exercise) if self.blind else pair[0]))
        self.by_id = {item_id(student, row.exercise): (student, row) for student, row in self.rows}

    def item(self, student: str, row, position: int) -> dict:
        rubric = rubrics.get(row.exercise)
        saved = reviews.load(self.out).get(f"{student}|{row.exercise}")
        person = self.book.person(student)
        label = f"Answer {position + 1}" if self.blind else (
            f"{person.name} ({student})" if person.name and person.name != student else student)
        return {"id": item_id(student, row.exercise), "exercise": row.exercise, "title": row.title, "label": label,
                "status": row.status, "points": row.points, "max": row.max_points,
                "answer_html": _MARKDOWN.render(row.source),
                "model_html": _MARKDOWN.render(self.models.get(row.exercise, "")),
                "criteria": [{"name": c.name, "description": c.description, "full": c.full, "points": c.points}
                             for c in rubric.criteria],
                "review": {"scores": saved.scores, "comment": saved.comment}
                if saved and row.status == REVIEWED else None}

    def items(self) -> list[dict]:
        return [self.item(student, row, i) for i, (student, row) in enumerate(self.rows)]

    def save(self, answer: str, scores: dict, comment: str) -> dict:
        with self.lock:
            if answer not in self.by_id:
                raise KeyError("no such answer (the batch was graded again?): reload the page")
            student, row = self.by_id[answer]
            checked = reviews.validate(rubrics.get(row.exercise), scores)
            reviews.save(self.out, student, row.exercise, reviews.Review(
                checked, str(comment)[:5000], self.grader, reviews.answer_sha(row.source)))
            position = [item_id(s, r.exercise) for s, r in self.rows].index(answer)
            self.reload()
            book.write_reports(self.book)
            student, row = self.by_id[answer]
            return self.item(student, row, position)


def handler(queue: Queue, token: str) -> type[BaseHTTPRequestHandler]:
    """The request handler of one review server."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: one line per save is printed instead
            pass

        def _send(self, status: int, body: bytes, kind: str, nonce: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Security-Policy",
                             f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                             "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                             "frame-ancestors 'none'")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _allowed(self) -> bool:
            given = self.headers.get("X-Token") or parse_qs(urlparse(self.path).query).get("token", [""])[0]
            return secrets.compare_digest(given, token)

        def do_GET(self) -> None:  # noqa: N802 -- the name http.server calls
            path = urlparse(self.path).path
            if not self._allowed():
                return self._json(403, {"error": "wrong or missing token: open the address mlopslab review printed"})
            if path == "/":
                nonce = secrets.token_urlsafe(16)
                return self._send(200, page(nonce).encode(), "text/html; charset=utf-8", nonce)
            if path == "/api/queue":
                return self._json(200, {"blind": queue.blind, "items": queue.items()})
            return self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802 -- the name http.server calls
            if not self._allowed() or self.headers.get("X-Token") is None:
                return self._json(403, {"error": "wrong or missing token"})
            if urlparse(self.path).path != "/api/review":
                return self._json(404, {"error": "not found"})
            try:
                length = min(int(self.headers.get("Content-Length", "0")), 1_000_000)
                data = json.loads(self.rfile.read(length) or b"{}")
                item = queue.save(str(data.get("id", "")), dict(data.get("scores", {})), str(data.get("comment", "")))
            except (KeyError, ValueError, TypeError) as err:
                return self._json(400, {"error": str(err).strip("'\"")})
            print(f"saved {item['label']} {item['exercise']}: {item['points']:g}/{item['max']:g}", flush=True)
            return self._json(200, {"item": item, "pending": book.pending(queue.book)})

    return Handler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``mlopslab review``."""
    parser.add_argument("grades", help="the --out folder of `mlopslab grade`")
    parser.add_argument("--blind", action="store_true", help="show no names or student keys (answers are numbered)")
    parser.add_argument("--grader", default="", help="your name, kept with each review")
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--token", default=None, help="the access token (default: a new random one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")


def run(args: argparse.Namespace) -> int:
    """Entry point of ``mlopslab review``: serve the page until interrupted."""
    try:
        queue = Queue(Path(args.grades), blind=args.blind, grader=args.grader)
    except FileNotFoundError as err:
        print(f"mlopslab review: {err}", file=sys.stderr)
        return 2
    token = args.token or secrets.token_urlsafe(24)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(queue, token))
    url = f"http://127.0.0.1:{server.server_address[1]}/?token={token}"
    left = book.pending(queue.book)
    print(f"{len(queue.rows)} written answer(s), {left} to score{' (blind)' if args.blind else ''}. Review at\n  {url}\n"
          "Scores are saved as you go; Ctrl+C stops the server.", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print(f"Stopped. {book.pending(queue.book)} answer(s) still to score; the gradebook in {args.grades} is up to date.")
    return 0
