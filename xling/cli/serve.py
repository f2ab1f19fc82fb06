"""``xling serve``: the web page (Gradio) on 127.0.0.1:7860, with the /translate and /compare API, and the
REST API of :mod:`xling.serve.rest` (/api/v1/..., /healthz, LibreTranslate's /translate) on the same port."""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

from xling.cli.translate import add_model_arguments
from xling.errors import InputError
from xling.serve.models import DEFAULT_SHUTDOWN_GRACE_S, check_grace


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves your whole network)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", metavar="USER:PASSWORD",
                        help="ask for this login before showing the page and answering the REST API (HTTP Basic there)")
    add_model_arguments(parser)
    parser.add_argument("--shutdown-grace", type=float, default=None, metavar="SECONDS",
                        help="on SIGTERM or Ctrl-C: how long requests in flight may take to finish while new ones "
                             "are refused; those still running are then told 'the xling server was stopped; "
                             f"retry' (default {DEFAULT_SHUTDOWN_GRACE_S:g}; a second Ctrl-C stops at once)")
    parser.add_argument("--max-models", type=int, default=None,
                        help="without --model: how many language models stay loaded at once, the least recently "
                             "used released first (default $XLING_MAX_MODELS, else 4; about 300 MB each)")


def check_port(host: str, port: int) -> None:
    """Refuse a port the server could not listen on, before anything is loaded (binds it once and closes)."""
    if not 0 <= port <= 65535:
        raise InputError(f"port {port} is not a port number (0-65535); pass --port")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise InputError(f"cannot listen on {host}:{port} ({err}); pass --host and --port") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # As uvicorn does: a port with connections only in TIME_WAIT (a server just stopped) is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise InputError(f"port {port} on {host} is in use; pass --port") from None
            raise InputError(f"cannot listen on {host}:{port} ({err.strerror}); pass --host or --port") from None


def run(args: argparse.Namespace) -> int:
    try:  # before the port check, Gradio's import and the model's load
        grace = check_grace(DEFAULT_SHUTDOWN_GRACE_S if args.shutdown_grace is None else args.shutdown_grace)
    except ValueError as err:
        raise InputError(f"--shutdown-grace: {err}") from None
    check_port(args.host, args.port)  # before Gradio is imported and the model loaded (seconds)

    from xling.serve import ui
    from xling.mt.engine import DEFAULT_BEAM_SIZE

    try:
        auth = ui.parse_auth(args.auth)
    except ValueError as err:
        raise InputError(str(err)) from None
    from xling.mt.engine import DEFAULT_MAX_MODELS

    max_models = args.max_models or int(os.environ.get("XLING_MAX_MODELS") or DEFAULT_MAX_MODELS)
    if max_models < 1:
        raise InputError(f"--max-models must be at least 1, not {max_models}")
    if args.beam_size is not None and not 1 <= args.beam_size <= ui.MAX_BEAM:
        raise InputError(f"--beam-size must be from 1 to {ui.MAX_BEAM}, not {args.beam_size}")
    demo = ui.build_demo(args.model, models_dir=args.models_dir, max_models=max_models, backend=args.backend,
                         device=args.device, compute_type=args.compute_type, source_lang=args.source_lang,
                         beam_size=args.beam_size or DEFAULT_BEAM_SIZE)
    state = ui.launch(demo, host=args.host, port=args.port, auth=auth, shutdown_grace=grace)
    if state.running:
        # Model work that cannot be interrupted (a comparison) still runs in its thread, though its client has
        # its answer: leave now rather than tear the interpreter down under it (torch aborts then).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0
