"""``python -m simulator [--host H] [--port P] [--verbose]``: serve until interrupted."""

import argparse
import sys

from .server import DEFAULT_HOST, DEFAULT_PORT, Simulator


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Marketplace simulator for stock_channel_sync."
    )
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    simulator = Simulator(args.host, args.port, verbose=args.verbose)
    sys.stdout.write(f"simulator listening on {simulator.url}\n")
    sys.stdout.flush()
    simulator.serve_forever()


if __name__ == "__main__":
    main()
