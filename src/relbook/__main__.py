import sys

from relbook.cli import main

sys.exit(main())
