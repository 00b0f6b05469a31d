"""Instructor grading: re-execute student notebooks in isolation and score them from restored check cells.

Modules: ``collect`` (find submissions), ``assemble`` (rebuild a notebook from the committed lab and the student's
exercise cells), ``execute`` (run with limits), ``incell`` (the in-kernel re-check), ``tamper`` (source scan),
``score``, ``batch`` (parallel, resumable), ``report`` (CSV), ``feedback`` (HTML), ``hidden`` (extra checks),
``command`` (``mlopslab grade``). Kept import-light: the kernel imports ``incell`` and ``hidden`` from here.
"""
