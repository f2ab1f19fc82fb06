import sys

from xling.cli import main

sys.exit(main())
