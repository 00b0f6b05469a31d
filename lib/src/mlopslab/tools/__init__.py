"""The course's tooling: building, running, testing, grading and releasing the labs.

Importing it keeps ``rfc3987_syntax`` out of the process. jsonschema (which nbformat imports) loads that optional
package if it is installed (jupyter-events, for JupyterLab, installs it) only to check the ``iri`` formats, which
no notebook schema uses, and the package compiles its grammars on import: 1 to 3 s per process on the 2-core
machine, paid by every command, runner worker and test process that reads a notebook. With the module set to None,
jsonschema's ``import`` fails as if it were absent, which jsonschema handles (it then skips those two formats).
Processes that import jsonschema before this package (JupyterLab, the pytest plugins) are unaffected.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
