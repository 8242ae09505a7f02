"""``python -m simulator [--host H] [--port P] [--config FILE] [--verbose] [--tls]``: serve until
interrupted; ``--config`` applies a JSON file shaped as ``POST /_sim/config`` first (the
accounts' secrets, a shop's catalogue...)."""

import argparse
import json
import sys

from .server import DEFAULT_HOST, DEFAULT_PORT, Simulator


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Marketplace simulator for stock_channel_sync."
    )
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--config", metavar="FILE", help="JSON settings, as POST /_sim/config takes them"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS (self-signed; clients trust its CA file)"
    )
    args = parser.parse_args(argv)
    settings = None
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as file:
                settings = json.load(file)
        except (OSError, ValueError) as exc:
            parser.error(f"--config {args.config}: {exc}")
    simulator = Simulator(args.host, args.port, verbose=args.verbose, tls=args.tls)
    if settings is not None:
        try:
            simulator.state.configure(settings)
        except (TypeError, ValueError) as exc:
            parser.error(f"--config {args.config}: {exc}")
    sys.stdout.write(f"simulator listening on {simulator.url}\n")
    if simulator.ca_file:
        sys.stdout.write(f"clients trust its certificate with the CA file {simulator.ca_file}\n")
    sys.stdout.flush()
    simulator.serve_forever()


if __name__ == "__main__":
    main()
