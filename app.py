"""``python app.py``: the xling web page on http://127.0.0.1:7860 (same options as ``xling serve``)."""

import sys

from xling.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
