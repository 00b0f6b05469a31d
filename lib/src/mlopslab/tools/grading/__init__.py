"""Instructor grading: re-execute student notebooks in isolation and score them from restored check cells.

Modules: ``collect`` (find submissions), ``intake`` and ``lms`` (Canvas, Moodle and Gradescope downloads in, their
imports and feedback bundles out), ``archives`` (safe unzipping), ``roster``, ``term`` (due dates, extensions, late
policy), ``assemble`` (rebuild a notebook from the committed lab and the student's exercise cells), ``execute``
(run with limits), ``incell`` (the in-kernel re-check), ``tamper`` (source scan), ``score``, ``written`` (written
answers), ``reviews`` and ``review`` (graders' scores, the review page), ``batch`` (parallel, resumable), ``book``
(a graded batch with penalties and reviews applied), ``report`` (CSV), ``feedback`` (HTML), ``similarity``,
``hidden`` (extra checks), ``export`` and ``command`` (``mlopslab grade``). Kept import-light: the kernel imports
``incell`` and ``hidden`` from here.
"""
