"""Every error polegraph reports to a user, in one family: mapped once to CLI exit codes (cli.main) and
once to the service's JSON / text / HTML error shape (web/errors.py).

Each class says what went wrong in the user's terms (`kind`, `message`) and what it means for a
command (`exit_code`: 1 the graph is invalid, 2 usage or input error) and for a request
(`http_status`). A 5xx is a failure of the service itself: its message is logged, and the client gets
a request id to quote instead.
"""

from __future__ import annotations


class PolegraphError(Exception):
    """Base of every error polegraph reports to a user."""

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


def _rebuild(cls, args, state):
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


# --- the graph and its sources ----------------------------------------------------------------------


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


class Inconsistent(PolegraphError):
    """The ontology and data together are inconsistent (or have unsatisfiable classes): not released."""

    exit_code = 1
    http_status = 422
    kind = "inconsistent"


class NoRelease(PolegraphError):
    """There is no built release to serve or query yet (or it does not match its checksums)."""

    kind = "no-release"
    http_status = 503


# --- queries ----------------------------------------------------------------------------------------


class QueryError(PolegraphError):
    """A SPARQL query is malformed or not allowed."""

    kind = "query-error"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column

    def to_dict(self) -> dict:
        return {**super().to_dict(), "line": self.line, "column": self.column}


class DeadlineExceeded(PolegraphError):
    """Work done for a request ran past its deadline and was stopped (retrying later may help)."""

    kind = "deadline-exceeded"
    http_status = 503


class QueryTimeout(DeadlineExceeded):
    """The query ran past the deadline and was stopped."""

    kind = "query-timeout"


class EngineBusy(PolegraphError):
    """Every query process stayed busy for the whole deadline."""

    kind = "service-busy"
    http_status = 503


class EngineFailure(PolegraphError):
    """A query process died or answered nonsense: a failure of the service (logged, answered 500)."""

    kind = "internal-error"
    http_status = 500


# --- requests ---------------------------------------------------------------------------------------


class RequestRefused(PolegraphError):
    """A request the service refuses as it stands (wrong method, size, media type, rate…), with the HTTP
    status and kind that say why; `extra` fields go into the error shape, `headers` into the answer."""

    def __init__(self, http_status: int, kind: str, message: str, headers: dict[str, str] | None = None,
                 **extra):
        super().__init__(message)
        self.http_status, self.kind, self.headers, self.extra = http_status, kind, headers or {}, extra

    def to_dict(self) -> dict:
        return {**super().to_dict(), **self.extra}


# --- stores and publication -------------------------------------------------------------------------


class StoreUnavailable(PolegraphError):
    """The remote store did not answer, or answered with an error polegraph cannot pass on as a 400."""

    kind = "store-unavailable"
    http_status = 502


class StoreHoldsOtherData(PolegraphError):
    """The store was pushed a release whose content differs from the one polegraph would serve."""

    kind = "store-holds-other-data"
    http_status = 409


class PushError(PolegraphError):
    """A push failed; the store's previous release is still the one it serves (unless said otherwise)."""

    kind = "push-failed"
    http_status = 502


class PublishError(PolegraphError):
    """data.gouv.fr refused a request, or publishing is not possible as asked."""

    kind = "publish-error"
    http_status = 502
