"""A plain REST API on the page's server, beside Gradio's own (``/gradio_api/...``).

``xling serve`` (and ``python app.py``) answer on the same host and port:

* ``POST /api/v1/translate``, ``POST /api/v1/compare``: the xling JSON document (as the page's
  ``/translate`` and ``/compare`` Gradio endpoints return it); ``GET /api/v1/languages``;
  ``GET /healthz`` (never asks for a login, so a supervisor can probe it).
* A LibreTranslate-compatible surface, so its clients work unchanged: ``POST /translate`` (``q`` a str or a
  list of str, ``source`` ``auto`` allowed, ``target``, ``format`` ``text``/``html``; ``api_key`` ignored),
  ``GET /languages``, ``POST /detect``. Fields come as JSON or as a form.
* ``GET /openapi.json`` (these routes only, not Gradio's) and ``GET /docs`` (a self-contained page made
  from it: nothing is fetched from a CDN).

The same rules as the page: texts of at most :data:`xling.serve.ui.MAX_CHARS` characters, beam 1-8, the
model loaded once. Errors are ``{"error": "..."}``: 400 for bad input, 401 without the ``--auth`` login
(HTTP Basic with the same user and password, or the page's login cookie), 403 for a cross-origin POST,
413 for a body over the limit, 503 when the model is unavailable or when an endpoint already has
:data:`MAX_IN_FLIGHT` requests in flight (with ``Retry-After``). Model work runs in a thread pool,
:data:`CONCURRENCY` requests at a time per endpoint, so the event loop (and the page) keeps answering.

While the server shuts down (:class:`~xling.serve.models.Shutdown`: SIGTERM or Ctrl-C on ``xling serve``)
every REST path, ``/healthz`` included, answers 503 with ``Retry-After`` and
``{"error": "the xling server is shutting down; ..."}``; a request still running when the grace runs out
is answered 503 ``{"error": "the xling server was stopped; retry"}`` (its model work stops at its next check).

:class:`RequestGuard` (an ASGI middleware installed on the whole app) also caps Gradio's
``/gradio_api/upload`` (the page has no upload field, but the route exists) and refuses cross-origin
POSTs everywhere: a request whose ``Origin`` is not the server's own host.

How it is mounted: :func:`attach` (called by ``ui.build_demo``) records what the page serves;
:func:`app_kwargs` (called by ``ui.launch``) gives ``Blocks.launch(app_kwargs=...)`` the routes and the
middleware, so they are part of the app Gradio creates and serves, ahead of Gradio's routes.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import html
import inspect
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xling.errors import InputError, ModelUnavailable
from xling.mt.batching import announce
from xling.serve import ui
from xling.serve.models import (
    ARRIVED_STOPPING_HEADER,
    STOP_POLL_S,
    Cancelled,
    ServedModels,
    ServerStopped,
    ServerStopping,
    Shutdown,
    cancellation,
    check_beam,
    log_user_error,
    raise_if_cancelled,
)
from xling.text.reading import check_language, check_text
from xling.version import __version__

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
#: Model requests run at once per endpoint: translations share model calls (the engine's micro-batcher),
#: comparisons mostly align (CPU-bound Python).
CONCURRENCY = {"translate": 8, "compare": 2, "detect": 2}
#: Requests in flight (running or waiting) per endpoint before new ones get 503 + Retry-After.
MAX_IN_FLIGHT = 32
#: Seconds a client is told to wait when an endpoint is full.
RETRY_AFTER_S = 5
#: Largest body of a Gradio upload (``launch(max_file_size=...)`` and the guard's Content-Length check).
UPLOAD_LIMIT = 1024 * 1024
#: Multipart headers and boundaries around the file.
_UPLOAD_SLACK = 64 * 1024
#: Texts may be sent with every character escaped (``\\uXXXX``, 6 bytes); a request holds two (compare).
_BYTES_PER_CHAR = 6
_BODY_SLACK = 64 * 1024
#: Paths that need the login when the server has one (``/healthz`` does not).
PROTECTED = ("/translate", "/detect", "/languages", "/openapi.json", "/docs")
HEALTH_PATH = "/healthz"
#: Long-lived streams that carry no answer (Gradio's session heartbeat): a shutdown does not wait for them.
_NOT_AWAITED = ("/gradio_api/heartbeat/",)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: A text node worth translating has a letter in it.
_LETTER = re.compile(r"[^\W\d_]")
#: The status logged for a request whose client went away (nginx's 499: no response reaches anyone).
CLIENT_GONE = 499
#: How often a running request checks that its client is still there.
DISCONNECT_POLL_S = 0.25


# -- the service: what the page serves, its limits and its gates --------------------------------------------

class ServerBusy(Exception):
    """An endpoint already has its maximum of requests in flight."""

    def __init__(self, endpoint: str, limit: int):
        super().__init__(f"the server is busy: {limit} {endpoint} requests are already in flight; "
                         f"retry in {RETRY_AFTER_S} s")


@dataclass
class Gate:
    """Bounds one endpoint: ``concurrency`` calls run in the thread pool, at most ``max_in_flight`` wait or run.

    ``announces``: each admitted call that will run at once is announced to the model batchers
    (:func:`xling.mt.batching.announce`) from here, on the event loop, so that requests sent together share
    model calls although their threads reach the model milliseconds apart.
    """

    name: str
    concurrency: int
    max_in_flight: int = MAX_IN_FLIGHT
    announces: bool = False
    in_flight: int = 0
    shutdown: Shutdown = field(default_factory=Shutdown)
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)

    async def run(self, fn: Callable[..., Any], *args: Any, request: Request | None = None) -> Any:
        """``fn(*args)`` in the thread pool; when ``request``'s client disconnects, the work is told to stop
        (:func:`~xling.serve.models.raise_if_cancelled` raises in it at its next check).

        Raises:
            ServerBusy: the endpoint is full.
            ServerStopped: the shutdown grace ran out first (at once: the work is left to stop at its check).
        """
        self.shutdown.raise_if_stopped()
        # Counted on the event loop (one thread): no lock needed.
        if self.in_flight >= self.max_in_flight:
            raise ServerBusy(self.name, self.max_in_flight)
        if self._limiter is None:  # created in the server's event loop
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        gone = threading.Event()
        shutdown = self.shutdown
        # one that will wait for a free thread anyway is not announced: batchers would wait for it in vain
        arrival = announce() if self.announces and self.in_flight < self.concurrency else None

        def job() -> Any:
            with shutdown.work(), cancellation(gone, stopped=shutdown.stopped):
                raise_if_cancelled()  # the client may have left while the request waited for its turn
                with arrival.current() if arrival is not None else contextlib.nullcontext():
                    return fn(*args)

        self.in_flight += 1
        failure: BaseException | None = None
        try:
            async with anyio.create_task_group() as tasks:
                if request is not None:
                    tasks.start_soon(_watch_client, request, gone)
                with anyio.CancelScope() as work:
                    tasks.start_soon(_watch_stop, shutdown, work)
                    try:
                        result = await anyio.to_thread.run_sync(job, limiter=self._limiter, abandon_on_cancel=True)
                    except Exception as err:  # raised as itself below, not wrapped in an ExceptionGroup
                        failure = err
                if work.cancelled_caught:
                    failure = ServerStopped()
                tasks.cancel_scope.cancel()
        finally:
            self.in_flight -= 1
            if arrival is not None:
                arrival.end()
        if failure is not None:
            raise failure
        return result


async def _watch_stop(shutdown: Shutdown, work: anyio.CancelScope) -> None:
    while not shutdown.stopped.is_set():
        await anyio.sleep(STOP_POLL_S)
    work.cancel()


async def _watch_client(request: Request, gone: threading.Event) -> None:
    while not gone.is_set():
        if await request.is_disconnected():
            gone.set()
            return
        await anyio.sleep(DISCONNECT_POLL_S)


@dataclass
class Service:
    """The server's models and settings, as the REST routes use them."""

    served: ServedModels
    max_chars: int = ui.MAX_CHARS
    beam_size: int = 4
    shutdown: Shutdown = field(default_factory=Shutdown)
    gates: dict[str, Gate] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reset_gates()

    def reset_gates(self) -> None:
        self.gates = {name: Gate(name, n, shutdown=self.shutdown, announces=name == "translate")
                      for name, n in CONCURRENCY.items()}

    @property
    def body_limit(self) -> int:
        return 2 * _BYTES_PER_CHAR * self.max_chars + _BODY_SLACK

    @property
    def target_code(self) -> str:
        return self.served.target_lang

    # -- the model work (in the thread pool) --------------------------------------------------------------
    def check(self, text: object, name: str) -> str:
        return check_text(text, name=name, max_chars=self.max_chars)  # type: ignore[arg-type]

    def beam(self, beam_size: object) -> int:
        return check_beam(beam_size, maximum=ui.MAX_BEAM, default=self.beam_size)

    def translate(self, texts: list[str], source: str | None, beam_size: object,
                  check_input_language: bool = True) -> list[Any]:
        import xling

        beam = self.beam(beam_size)
        source_lang = self.served.source(source)
        model = self.served.translate_model()
        if len(texts) == 1:  # one article: paragraph groups, so a cancelled request stops between them
            return [xling.translate(texts[0], model=model, beam_size=beam, source_lang=source_lang,
                                    check_input_language=check_input_language, on_paragraph=raise_if_cancelled)]
        raise_if_cancelled()
        return xling.translate(texts, model=model, beam_size=beam, source_lang=source_lang,
                               check_input_language=check_input_language)

    def translate_one(self, text: str, source: str, beam_size: int | None) -> dict[str, Any]:
        self.check(text, "text")
        return self.translate([text], source, beam_size)[0].to_dict()

    def compare(self, source_text: str, target_text: str, use_model: bool, source_lang: str = "auto",
                target_lang: str = "auto") -> dict[str, Any]:
        self.check(source_text, "source_text")
        self.check(target_text, "target_text")
        raise_if_cancelled()
        return self.served.compare(source_text, target_text, use_model=use_model, source_lang=source_lang or "auto",
                                   target_lang=target_lang or "auto").to_dict()

    def translate_lt(self, items: list[str], source: str, fmt: str) -> list[str]:
        """LibreTranslate's translation: the English text of each item (HTML: its text nodes translated)."""
        if fmt == "text":
            return [doc.target.text for doc in self.translate(items, source, None)]
        out = []
        for n, item in enumerate(items):
            parts = _html_parts(item)
            todo = [i for i, (kind, _, text) in enumerate(parts) if kind == "text" and _LETTER.search(text)]
            if todo:
                # Text nodes are short: their language is told (or checked) once for the whole item.
                joined = " ".join(parts[i][2] for i in todo)
                name = "q" if len(items) == 1 else f"q[{n}]"
                lang = self.served.source(source)
                if lang == "auto":
                    lang = self._detect_item(joined, name)
                else:
                    check_language(joined, lang, name=name)
                docs = self.translate([parts[i][2].strip() for i in todo], lang, None, check_input_language=False)
                for i, doc in zip(todo, docs):
                    text = parts[i][2]
                    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
                    parts[i] = ("text", html.escape(lead + doc.target.text + trail, quote=False), "")
            out.append("".join(raw for _, raw, _ in parts))
        return out

    def _detect_item(self, text: str, name: str) -> str:
        if not self.served.routed:
            lang = self.served.forced_source
            check_language(text, lang, name=name)
            return lang
        lang, _, _ = detect(text)
        if lang == "und":
            raise InputError(f"cannot tell which language {name} is in; name it with source")
        return lang


def detect(text: str) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    """The language of ``text``: code, confidence 0-1 and the runners-up (xling.text.detect)."""
    from xling.text.detect import identify

    found = identify(text)
    return found.lang, found.confidence, found.alternatives


def _percent(confidence: float) -> float:
    """LibreTranslate reports confidence in percent."""
    return round(100 * confidence, 1)


_MARKUP = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)


def _html_parts(markup: str) -> list[tuple[str, str, str]]:
    """``markup`` cut into (kind, raw, text) parts: "tag" (script and style with their contents, comments)
    or "text" (``text`` unescaped)."""
    parts: list[tuple[str, str, str]] = []
    pos = 0
    for m in _MARKUP.finditer(markup):
        if m.start() > pos:
            raw = markup[pos:m.start()]
            parts.append(("text", raw, html.unescape(raw)))
        parts.append(("tag", m.group(), ""))
        pos = m.end()
    if pos < len(markup):
        parts.append(("text", markup[pos:], html.unescape(markup[pos:])))
    return parts


def attach(demo: Any, served: ServedModels, *, max_chars: int, beam_size: int,
           shutdown: Shutdown | None = None) -> Service:
    """Record on ``demo`` what its REST API serves and how it stops (``ui.build_demo`` calls this)."""
    demo.xling_service = Service(served, max_chars=max_chars, beam_size=beam_size,
                                 shutdown=shutdown if shutdown is not None else Shutdown())
    return demo.xling_service


# -- request and response bodies (the OpenAPI schema) --------------------------------------------------------

class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong and how to fix it, in one line.")


class TranslateRequest(BaseModel):
    text: str = Field(description=f"The article, verbatim (paragraphs separated by blank lines); at most "
                                  f"{ui.MAX_CHARS:,} characters.")
    source: str = Field("auto", description="Language of the text, ISO 639-1 ('fr', 'ru', 'ar', ...; GET "
                                            "/api/v1/languages lists them), or 'auto': detected and routed to "
                                            "its model (with one model forced at launch: that model's language).")
    beam_size: int | None = Field(None, strict=True, description=f"Beam size 1-{ui.MAX_BEAM} (1 = greedy, "
                                  "fastest); default: the server's (4).",
                                  json_schema_extra={"minimum": 1, "maximum": ui.MAX_BEAM})
    model_config = ConfigDict(json_schema_extra={"example": {"text": "وحذر من عقوبات جديدة.", "beam_size": 4}})


class CompareRequest(BaseModel):
    source_text: str = Field(description="The article, verbatim.")
    target_text: str = Field(description="Another version of it (a translation, in any language), verbatim.")
    source_lang: str = Field("auto", description="Language of source_text (ISO 639-1), or 'auto' (detected).")
    target_lang: str = Field("auto", description="Language of target_text (ISO 639-1), or 'auto' (detected).")
    use_model: bool = Field(True, description="Machine-translate the source sentences to align them (more "
                                              "accurate, slower); false, or no model for the pair: align on "
                                              "lengths and anchors (numbers, names) alone.")


class Language(BaseModel):
    code: str = Field(description="ISO 639-1 code of a source language.")
    name: str = Field(description="Its English name.")
    targets: list[str] = Field(description="The languages it is translated into.")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="'ok', or 'degraded' when the forced model could not "
                                                          "be loaded (compare still works, translate answers 503).")
    model: str = Field(description="The model as configured (hub id or directory), or 'routed by language'.")
    routed: bool = Field(description="Whether each language goes to its own opus-mt model.")
    model_loaded: bool = Field(description="Whether a model is loaded in memory.")
    models_loaded: list[str] = Field(description="The models in memory now.")
    model_error: str | None = Field(None, description="Why the forced model could not be loaded, if it could not.")


class LTTranslateRequest(BaseModel):
    q: str | list[str] = Field(description="The text to translate, or a list of texts (the answer is then a list).")
    source: str = Field("auto", description="'auto' (detect; the answer says what was found) or an ISO 639-1 code.")
    target: str = Field("en", description="'en'.")
    format: Literal["text", "html"] = Field("text", description="'text', or 'html' (only text nodes are "
                                                                "translated, the markup is kept).")
    api_key: str | None = Field(None, description="Accepted and ignored (the server's login is --auth).")


class LTDetected(BaseModel):
    language: str = Field(description="ISO 639-1 code, or 'und' when it cannot be told.")
    confidence: float = Field(description="0-100.")


class LTTranslateResponse(BaseModel):
    translatedText: str | list[str] = Field(description="The translation (a list when q was a list).")
    detectedLanguage: LTDetected | list[LTDetected] | None = Field(
        None, description="Only when source was 'auto' (a list when q was a list).")


class LTDetectRequest(BaseModel):
    q: str = Field(description="The text whose language is wanted.")
    api_key: str | None = Field(None, description="Accepted and ignored.")


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input (empty, too long, wrong language, bad field)."},
    401: {"model": ErrorBody, "description": "The server has a login (--auth): send HTTP Basic credentials."},
    403: {"model": ErrorBody, "description": "Cross-origin request refused."},
    413: {"model": ErrorBody, "description": "Request body over the limit."},
    503: {"model": ErrorBody, "description": "Model unavailable, the endpoint is full, or the server is "
                                             "shutting down (see Retry-After)."},
}
_LT_BODIES = {"LTTranslateRequest": LTTranslateRequest, "LTDetectRequest": LTDetectRequest}


def _form_or_json(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": ref},
        "application/x-www-form-urlencoded": {"schema": ref},
        "multipart/form-data": {"schema": ref},
    }}}


# -- errors as {"error": ...} --------------------------------------------------------------------------------

def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def retry_later(message: str) -> JSONResponse:
    """503 with ``Retry-After``: the endpoint is full, or the server is stopping."""
    return error(503, message, {"Retry-After": str(RETRY_AFTER_S)})


def _validation_message(err: RequestValidationError) -> str:
    problems = []
    for e in err.errors()[:3]:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        if e.get("type") == "json_invalid":
            problems.append("the body is not valid JSON")
        elif e.get("type") == "missing" and not loc:
            problems.append("a JSON body is required")
        else:
            problems.append(f"{'.'.join(loc) or 'body'}: {e.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"


class XlingRoute(APIRoute):
    """Every failure of a REST route as ``{"error": ...}`` with the right status (FastAPI's own is 422)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as err:
                return error(400, _validation_message(err))
            except HTTPException as err:  # e.g. a body FastAPI could not read
                return error(err.status_code, str(err.detail), dict(err.headers or {}))
            except (ServerBusy, ServerStopping, ServerStopped) as err:
                log_user_error(err, request.url.path)
                return retry_later(str(err))
            except ModelUnavailable as err:
                log_user_error(err, request.url.path)
                return error(503, str(err))
            except Cancelled as err:  # nobody is listening any more; the status is for the log
                log_user_error(err, request.url.path)
                return error(CLIENT_GONE, str(err))
            except ValueError as err:  # InputError and the library's own argument checks
                log_user_error(err, request.url.path)
                return error(400, str(err))
            except Exception:
                log.exception("xling REST %s %s failed", request.method, request.url.path)
                return error(500, "internal error: the server log has the details")

        return guarded


# -- the routes ----------------------------------------------------------------------------------------------

async def _fields(request: Request) -> dict[str, Any]:
    """LibreTranslate's fields, sent as JSON or as a form (a repeated form field is a list)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise InputError("Invalid JSON format") from None
        if not isinstance(data, dict):
            raise InputError("Invalid JSON format: send an object")
        return data
    if ctype == "application/x-www-form-urlencoded":
        # Parsed here: Starlette reads unescaped bytes as Latin-1, and ``curl -d q=...`` sends them as UTF-8.
        try:
            pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise InputError("the form is not UTF-8") from None
        fields: dict[str, Any] = {}
        for key, value in pairs:
            fields.setdefault(key, []).append(value)
        return {key: values[0] if len(values) == 1 else values for key, values in fields.items()}
    if ctype == "multipart/form-data":
        form = await request.form()
        data = {}
        for key in form:
            values = form.getlist(key)
            if not all(isinstance(v, str) for v in values):
                raise InputError(f"{key} must be text, not a file")
            data[key] = values[0] if len(values) == 1 else values
        return data
    if not await request.body():
        return dict(request.query_params)
    raise InputError("send the fields as JSON (Content-Type: application/json) or as a form")


def _field(data: dict[str, Any], name: str, default: str) -> str:
    value = data.get(name, default)
    if value in (None, ""):
        return default
    if not isinstance(value, str):
        raise InputError(f"Invalid request: {name} must be a string")
    return value


def build_router(service: Service) -> APIRouter:
    """The REST routes of ``service``: /api/v1/..., /healthz, the LibreTranslate surface, /openapi.json, /docs."""
    router = APIRouter(route_class=XlingRoute)
    gates = service.gates

    @router.post(f"{PREFIX}/translate", tags=["xling"], responses=_ERRORS,
                 summary="Translate a news article into English", response_description="The xling JSON document "
                 "(source, target, paragraphs, sentences, alignment, entities, issues, settings).")
    async def translate(body: TranslateRequest, request: Request) -> dict[str, Any]:
        """Translate ``text`` paragraph by paragraph; the answer is the document the page's Translate makes."""
        return await gates["translate"].run(service.translate_one, body.text, body.source, body.beam_size,
                                            request=request)

    @router.post(f"{PREFIX}/compare", tags=["xling"], responses=_ERRORS,
                 summary="Align an article with another version of it (any two languages) and check it",
                 response_description="The xling JSON document (mode 'compare').")
    async def compare(body: CompareRequest, request: Request) -> dict[str, Any]:
        """Sentences aligned, names linked, sentences without a counterpart and other issues listed."""
        return await gates["compare"].run(service.compare, body.source_text, body.target_text, body.use_model,
                                          body.source_lang, body.target_lang, request=request)

    @router.get(f"{PREFIX}/languages", tags=["xling"], responses={401: _ERRORS[401]},
                summary="The language pairs this server translates")
    async def languages() -> list[Language]:
        return _languages(service)

    @router.get("/healthz", tags=["xling"], summary="Liveness and model state (no login needed)")
    async def healthz() -> Health:
        served = service.served
        loaded = served.loaded
        return Health(status="degraded" if served.error else "ok", model=served.name, routed=served.routed,
                      model_loaded=bool(loaded), models_loaded=loaded, model_error=served.error)

    # -- LibreTranslate ----------------------------------------------------------------------------------
    @router.post("/translate", tags=["LibreTranslate"], responses={200: {"model": LTTranslateResponse}, **_ERRORS},
                 summary="Translate text (LibreTranslate API)", openapi_extra=_form_or_json("LTTranslateRequest"))
    async def lt_translate(request: Request) -> JSONResponse:
        """LibreTranslate's ``/translate``: ``{"translatedText": ...}``, plus ``detectedLanguage`` for ``auto``."""
        data = await _fields(request)
        q = data.get("q")
        if q in (None, "", []):
            raise InputError("Invalid request: missing q parameter")
        items = [q] if isinstance(q, str) else q
        if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
            raise InputError("Invalid request: q must be a string or a list of strings")
        source, target = _field(data, "source", "auto"), _field(data, "target", "en")
        fmt = _field(data, "format", "text")
        if fmt not in ("text", "html"):
            raise InputError(f"{fmt} format is not supported")
        if target != service.target_code:
            raise InputError(f"{target} is not supported: this server translates into {service.target_code}")
        service.served.source(source)
        for i, item in enumerate(items):
            service.check(item, "q" if isinstance(q, str) else f"q[{i}]")
        total = sum(len(t) for t in items)
        if total > service.max_chars:
            raise InputError(f"q has {total:,} characters in all, over the limit of {service.max_chars:,}; "
                             "send fewer texts at a time")

        def work() -> dict[str, Any]:
            out: dict[str, Any] = {}
            if source == "auto":
                found = [detect(t) for t in items]
                detected = [{"language": lang, "confidence": _percent(conf)} for lang, conf, _ in found]
                out["detectedLanguage"] = detected[0] if isinstance(q, str) else detected
            texts = service.translate_lt(items, source, fmt)
            out["translatedText"] = texts[0] if isinstance(q, str) else texts
            return out

        return JSONResponse(await gates["translate"].run(work, request=request))

    @router.get("/languages", tags=["LibreTranslate"], responses={401: _ERRORS[401]},
                summary="Supported languages (LibreTranslate API)")
    async def lt_languages() -> list[Language]:
        return _languages(service)

    @router.post("/detect", tags=["LibreTranslate"], responses={200: {"model": list[LTDetected]}, **_ERRORS},
                 summary="Detect the language of a text (LibreTranslate API)",
                 openapi_extra=_form_or_json("LTDetectRequest"))
    async def lt_detect(request: Request) -> JSONResponse:
        """The most likely language first, then the runners-up; confidence in percent."""
        data = await _fields(request)
        q = data.get("q")
        if q in (None, ""):
            raise InputError("Invalid request: missing q parameter")
        if not isinstance(q, str):
            raise InputError("Invalid request: q must be a string")
        service.check(q, "q")
        lang, conf, alternatives = await gates["detect"].run(detect, q)
        found = [{"language": lang, "confidence": _percent(conf)}]
        found += [{"language": code, "confidence": _percent(p)} for code, p in alternatives]
        return JSONResponse(found)

    # -- the description -----------------------------------------------------------------------------------
    schema: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not schema:
            schema.update(get_openapi(
                title="xling REST API", version=__version__, routes=router.routes,
                description="News translation into English from the languages opus-mt covers, and comparison of any two versions. The same server also serves the page (/) and "
                            "Gradio's API (/gradio_api/...). Errors are {\"error\": \"...\"}.",
            ))
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in _LT_BODIES.items():
                components[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        return schema

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi_json() -> JSONResponse:
        return JSONResponse(openapi())

    @router.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(openapi()),
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    return router


def _languages(service: Service) -> list[Language]:
    target = service.target_code
    return [Language(code=code, name=name, targets=[target]) for code, name in service.served.languages()]


# -- /docs: the OpenAPI description as one local page --------------------------------------------------------

def _schema_rows(spec: dict[str, Any], ref: dict[str, Any]) -> list[tuple[str, str, str]]:
    name = ref.get("$ref", "").rsplit("/", 1)[-1]
    model = spec.get("components", {}).get("schemas", {}).get(name, {})
    required = set(model.get("required", ()))
    rows = []
    for prop, info in model.get("properties", {}).items():
        kinds = [t.get("type", t.get("$ref", "").rsplit("/", 1)[-1]) for t in info.get("anyOf", [info])]
        kind = " | ".join(k for k in kinds if k) + ("" if prop in required else f" = {json.dumps(info.get('default'))}")
        rows.append((prop, kind, info.get("description", "")))
    return rows


def docs_page(spec: dict[str, Any]) -> str:
    """The endpoints, their fields and answers, from the OpenAPI ``spec``, without scripts or remote assets."""
    e = html.escape
    out = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{e(spec['info']['title'])}</title>",
           "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
           "code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5em 0}"
           "td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}"
           "h3 code{font-size:1.05em}</style>",
           f"<h1>{e(spec['info']['title'])} <small>{e(spec['info']['version'])}</small></h1>",
           f"<p>{e(spec['info'].get('description', ''))}</p><p>Machine-readable: "
           "<a href=openapi.json>openapi.json</a></p>"]
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            out.append(f"<h3><code>{e(method.upper())} {e(path)}</code> — {e(op.get('summary', ''))}</h3>")
            if op.get("description"):
                out.append(f"<p>{e(op['description'])}</p>")
            body = op.get("requestBody", {}).get("content", {})
            if body:
                out.append(f"<p>Body: {e(', '.join(body))}</p><table><tr><th>field<th>type<th>meaning")
                first = next(iter(body.values()))["schema"]
                for prop, kind, desc in _schema_rows(spec, first):
                    out.append(f"<tr><td><code>{e(prop)}</code><td>{e(kind)}<td>{e(desc)}")
                out.append("</table>")
            answers = ", ".join(f"{code}: {r.get('description', '')}" for code, r in op.get("responses", {}).items())
            out.append(f"<p>Answers: {e(answers)}</p>")
    return "\n".join(out)


# -- the guard: origin, login, body size, on the whole app ---------------------------------------------------

def _host_port(value: str, scheme: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"//{value.strip()}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port or (443 if scheme in ("https", "wss") else 80)


def same_origin(headers: Headers) -> bool:
    """True without an ``Origin`` (not a browser) or when it names the host the request was sent to."""
    origin = headers.get("origin")
    if origin is None:
        return headers.get("sec-fetch-site", "") != "cross-site"
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False  # "null": sandboxed frames, file:// pages
    mine = _host_port(parts.netloc, parts.scheme)
    hosts = [headers.get("host", "")] + headers.get("x-forwarded-host", "").split(",")[:1]
    return mine is not None and any(_host_port(h, parts.scheme) == mine for h in hosts if h.strip())


async def authorized(scope: Scope, headers: Headers) -> bool:
    """The server's login (Gradio's ``auth`` on the app): its cookie, or HTTP Basic with the same accounts."""
    app = scope.get("app")
    accounts = getattr(app, "auth", None)
    dependency = getattr(app, "auth_dependency", None)
    if accounts is None and dependency is None:
        return True
    cookies = cookie_parser(headers.get("cookie", ""))
    cookie_id = getattr(app, "cookie_id", "")
    tokens = getattr(app, "tokens", {})
    if any(cookies.get(f"{kind}-{cookie_id}") in tokens for kind in ("access-token", "access-token-unsecure")):
        return True
    if accounts is None:
        user = dependency(Request(scope))  # type: ignore[misc]
        return (await user if inspect.isawaitable(user) else user) is not None
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except ValueError:
        return False
    if not sep:
        return False
    if callable(accounts):
        ok = accounts(user, password)
        return bool(await ok if inspect.isawaitable(ok) else ok)
    expected = accounts.get(user)
    return expected is not None and hmac.compare_digest(password.encode("utf-8"), str(expected).encode("utf-8"))


def _protected(path: str) -> bool:
    return path.startswith("/api/") or path.rstrip("/") in PROTECTED


def _rest(path: str) -> bool:
    return _protected(path) or path.rstrip("/") == HEALTH_PATH


class RequestGuard:
    """ASGI middleware: refuse cross-origin writes, ask for the login on REST paths, cap request bodies,
    and, given the server's ``shutdown``, count the requests in flight and refuse REST requests (503) once
    the shutdown has begun.

    ``body_limits``: (path prefix, bytes, what the limit is, for the message) triples, the first match wins; a
    body without Content-Length is read here up to the limit and handed on, so chunked bodies are capped too.
    """

    def __init__(self, app: ASGIApp, *, body_limits: Sequence[tuple[str, int, str]] = (),
                 shutdown: Shutdown | None = None):
        self.app = app
        self.body_limits = tuple(body_limits)
        self.shutdown = shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shutdown = self.shutdown
        if shutdown is None or scope["type"] != "http" or scope["path"].startswith(_NOT_AWAITED):
            await self.guard(scope, receive, send)
            return
        shutdown.requests += 1  # on the event loop: no lock needed
        try:
            if shutdown.draining.is_set():
                if _rest(scope["path"]):
                    response = retry_later(str(ServerStopping()))
                    await response(scope, receive, send)
                    return
                # A Gradio job is queued before it runs: marked here, it is refused when it starts (ui.py).
                mark = (ARRIVED_STOPPING_HEADER.encode("latin-1"), b"1")
                scope = {**scope, "headers": [*scope["headers"], mark]}
            await self.guard(scope, receive, send)
        finally:
            shutdown.requests -= 1

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The origin, login and body checks, then the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path, method = scope["path"], scope["method"]
        if method not in _SAFE_METHODS and not same_origin(headers):
            await error(403, "cross-origin request refused: the Origin header is not this server")(scope, receive, send)
            return
        if _protected(path) and not await authorized(scope, headers):
            response = error(401, "authentication required: this server has a login (send HTTP Basic "
                                  "credentials, as given to --auth)", {"WWW-Authenticate": 'Basic realm="xling"'})
            await response(scope, receive, send)
            return
        limit, what = next(((n, w) for prefix, n, w in self.body_limits if path.startswith(prefix)), (None, ""))
        if limit is not None and method not in _SAFE_METHODS:
            too_large = error(413, f"request body too large: {what}")
            length = headers.get("content-length")
            if length is not None:
                if not length.isdigit():
                    await error(400, "bad Content-Length")(scope, receive, send)
                    return
                if int(length) > limit:
                    await too_large(scope, receive, send)
                    return
            else:
                body = bytearray()
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away
                    body += message.get("body", b"")
                    if len(body) > limit:
                        await too_large(scope, receive, send)
                        return
                    if not message.get("more_body", False):
                        break
                receive = _replay(bytes(body), receive)
        await self.app(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


# -- mounting ------------------------------------------------------------------------------------------------

def app_kwargs(demo: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """``Blocks.launch(app_kwargs=...)`` for ``demo``: the REST routes first, the guard, no FastAPI docs.

    A demo not made by ``ui.build_demo`` (no :func:`attach`) gets the guard only. FastAPI's own
    ``/openapi.json`` would describe Gradio's internal routes too; the router serves its own instead.
    """
    kwargs = dict(extra or {})
    service: Service | None = getattr(demo, "xling_service", None)
    limits = [("/gradio_api/upload", UPLOAD_LIMIT + _UPLOAD_SLACK, f"uploads are limited to {UPLOAD_LIMIT:,} bytes")]
    routes = list(kwargs.pop("routes", None) or [])
    if service is not None:
        service.reset_gates()  # a fresh server, a fresh event loop
        routes = [*build_router(service).routes, *routes]
        what = f"texts are limited to {service.max_chars:,} characters ({service.body_limit:,} bytes of request)"
        limits += [(path, service.body_limit, what) for path in ("/api/", "/translate", "/detect")]
    kwargs["routes"] = routes
    shutdown = service.shutdown if service is not None else None
    kwargs["middleware"] = [Middleware(RequestGuard, body_limits=limits, shutdown=shutdown),
                            *(kwargs.get("middleware") or [])]
    kwargs.setdefault("openapi_url", None)
    kwargs.setdefault("docs_url", None)
    kwargs.setdefault("redoc_url", None)
    return kwargs
