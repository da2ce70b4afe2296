"""One family of errors, mapped once to CLI exit codes (cli.py) and once to JSON (web/errors.py)."""

from __future__ import annotations


class PolegraphError(Exception):
    """Base of every error polegraph reports to a user.

    `exit_code` follows the documented CLI contract: 1 validation failed, 2 usage or input error.
    `http_status` is what the web layer answers.
    """

    exit_code = 2
    http_status = 400
    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": self.kind, "message": self.message}

    def __reduce__(self):
        """Picklable whatever the subclass's constructor, so a child process can hand its error back."""
        return (_rebuild, (type(self), self.args, self.__dict__))


class SourceError(PolegraphError):
    """A source file cannot be read or parsed: names the file, the line and what is wrong."""

    kind = "source-error"

    def __init__(self, path: str, detail: str, line: int | None = None):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {detail}")
        self.path, self.line, self.detail = path, line, detail

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.path, "line": self.line, "detail": self.detail}


class ValidationFailed(PolegraphError):
    """The graph breaks a shape at severity Violation: it must not be released or served."""

    exit_code = 1
    http_status = 422
    kind = "validation-failed"

    def __init__(self, report):
        super().__init__(f"the graph does not conform to the shapes: {report.violation_count} violation(s)")
        self.report = report


class QueryError(PolegraphError):
    """A SPARQL query is malformed or not allowed."""

    kind = "query-error"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column

    def to_dict(self) -> dict:
        return {**super().to_dict(), "line": self.line, "column": self.column}


class NoRelease(PolegraphError):
    """There is no built release to serve or query yet."""

    kind = "no-release"
    http_status = 503


class Inconsistent(PolegraphError):
    """The ontology and data together are inconsistent (or have unsatisfiable classes): not released."""

    exit_code = 1
    http_status = 422
    kind = "inconsistent"


class DeadlineExceeded(PolegraphError):
    """Work done for a request ran past its deadline and was stopped."""

    kind = "deadline-exceeded"
    http_status = 503


def _rebuild(cls, args, state):
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
