"""`python -m graders.cli`: the same as the installed `seqlab` command."""

import sys

from graders.cli import main

sys.exit(main())
