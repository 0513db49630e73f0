#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apcommission.settings")
    from django.core.management import execute_from_command_line

    from apcommission.env import EnvError

    try:
        execute_from_command_line(sys.argv)
    except EnvError as error:
        # A bad environment value is the operator's to fix: say which, without a traceback.
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
