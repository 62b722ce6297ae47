"""``python -m archcalc`` and the ``archcalc`` command: the CLI, loaded inside a guard so that
a Ctrl-C while it loads ends quietly (exit 130), as it does later."""

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
