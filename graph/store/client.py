"""The HTTP half of :class:`graph.store.remote.RemoteStore`: endpoints, credentials, one-line errors.

Only the standard library's :mod:`urllib` speaks HTTP, so a remote store
needs no extra dependency.  Credentials are answered to the server's
challenge rather than sent up front: a server that asks for HTTP Digest
(Virtuoso's ``/sparql-auth``) then never receives the password in clear, as
it would with an unasked-for Basic header, and a Basic server gets the
header on every request once it has accepted it (urllib's "prior auth"),
so it costs one extra round trip per store, not per request.

Some servers answer 200 with a partial result: Virtuoso cuts a result at
``ResultSetMaxRows`` rows (saying so in ``X-SPARQL-MaxRows``) and, in
"anytime" mode, at a time limit (``X-SQL-State``).  An export or a count
built from such an answer would silently lose data, so it is an error.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from email.message import Message
from typing import Any

from graph.store.local import StoreError

_USER_AGENT = "cnfinkg-remote/0.1"


class RemoteHTTPError(StoreError):
    """The endpoint answered with an HTTP error status (kept in ``status``)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def one_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def derive_endpoints(endpoint: str, update_endpoint: str | None = None) -> tuple[str, str]:
    """(query URL, update URL) by the rules in :class:`graph.store.remote.RemoteStore`'s docstring."""
    if update_endpoint:
        return endpoint, update_endpoint
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")

    def with_path(p: str) -> str:
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, p, parts.query, ""))

    if not path:
        return with_path("/query"), with_path("/update")
    if path.endswith("/query"):
        return endpoint, with_path(path[: -len("/query")] + "/update")
    if re.fullmatch(r".*/repositories/[^/]+", path):
        return endpoint, with_path(path + "/statements")
    return endpoint, endpoint


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without ``user:password@``, and the credentials it held (so they never reach an error message)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))


def _incomplete(headers: Message, rows_asked: int | None) -> str | None:
    """Why a 2xx answer may be only part of the result, or None.

    Virtuoso sends ``X-SPARQL-MaxRows`` whenever a result reaches its limit, cut or not: only a
    query's own ``LIMIT`` within the server's tells the two apart.
    """
    cap = headers.get("X-SPARQL-MaxRows", "")
    if cap.strip().isdigit() and (rows_asked is None or rows_asked > int(cap)):
        return (f"the result reached the server's limit of {cap} rows and may be cut short "
                "(Virtuoso: raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)")
    if headers.get("X-SQL-State"):
        detail = one_line(headers.get("X-SQL-Message", "") or headers["X-SQL-State"])
        return f"the server returned an incomplete result ({detail})"
    return None


class _BasicAuthHandler(urllib.request.HTTPBasicAuthHandler):
    """urllib's Basic handler, remembering a server as a Basic one only after a request sent with Basic succeeded.

    urllib's own marks a URL after any success, a Digest exchange or a public endpoint included,
    and then sends Basic up front, which Virtuoso refuses with a bare 401, with no new challenge.
    """

    def http_response(self, req: urllib.request.Request, response: Any) -> Any:
        if str(req.get_header("Authorization", "")).startswith("Basic "):
            return super().http_response(req, response)
        return response

    https_response = http_response


class SparqlHTTP:
    """POSTs to SPARQL endpoints; knows the credentials and the server's name (``Server:`` header)."""

    def __init__(self, timeout: float, auth: tuple[str, str] | str | None, urls: Iterable[str]) -> None:
        self.timeout = timeout
        self.server = ""
        self._headers = {"User-Agent": _USER_AGENT}
        handlers: list[urllib.request.BaseHandler] = []
        if isinstance(auth, tuple):
            passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
            for url in urls:
                passwords.add_password(None, url, auth[0], auth[1], is_authenticated=False)
            handlers = [urllib.request.HTTPDigestAuthHandler(passwords), _BasicAuthHandler(passwords)]
        elif isinstance(auth, str):
            self._headers["Authorization"] = auth
        self._opener = urllib.request.build_opener(*handlers)

    def post(self, url: str, data: bytes, content_type: str, accept: str | None = None,
             rows_asked: int | None = None) -> tuple[str, bytes]:
        """(media type, body) of a complete 2xx answer, else StoreError with one line.

        ``rows_asked``: the query's own final ``LIMIT``, if any (see :func:`_incomplete`).
        """
        headers = dict(self._headers, **{"Content-Type": content_type})
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                body = resp.read()
                if not self.server:
                    self.server = resp.headers.get("Server", "") or ""
                if reason := _incomplete(resp.headers, rows_asked):
                    raise StoreError(f"{url}: {reason}")
                return (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower(), body
        except urllib.error.HTTPError as exc:
            try:
                text = exc.read().decode("utf-8", "replace")
            except Exception:  # noqa: BLE001 - the status alone is enough
                text = ""
            detail = one_line(text)
            raise RemoteHTTPError(f"{url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else ""), exc.code) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise StoreError(f"{url}: no answer within {self.timeout:g} s") from None
            raise StoreError(f"{url}: cannot connect ({one_line(str(exc.reason))})") from None
        except TimeoutError:
            raise StoreError(f"{url}: no answer within {self.timeout:g} s") from None
        except ValueError as exc:  # urllib's answer to a challenge in a scheme it cannot speak (Bearer, Negotiate…)
            raise StoreError(f"{url}: {one_line(str(exc))}") from None
        except (ConnectionError, OSError) as exc:
            raise StoreError(f"{url}: connection failed ({one_line(str(exc)) or exc.__class__.__name__})") from None


__all__ = ["RemoteHTTPError", "SparqlHTTP", "derive_endpoints", "one_line", "split_userinfo"]
