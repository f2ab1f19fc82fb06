"""``xling serve``: the web page (Gradio) on 127.0.0.1:7860, with the /translate and /compare API."""

from __future__ import annotations

import argparse

from xling.cli.translate import add_model_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves your whole network)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="ask for this login before showing the page")
    add_model_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xling.serve import ui
    from xling.errors import InputError
    from xling.mt.engine import DEFAULT_BEAM_SIZE

    try:
        auth = ui.parse_auth(args.auth)
    except ValueError as err:
        raise InputError(str(err)) from None
    demo = ui.build_demo(args.model, backend=args.backend, device=args.device, compute_type=args.compute_type,
                         source_lang=args.source_lang, beam_size=args.beam_size or DEFAULT_BEAM_SIZE)
    ui.launch(demo, host=args.host, port=args.port, auth=auth)
    return 0
