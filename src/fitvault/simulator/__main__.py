"""``python -m fitvault.simulator --port 8123 [--seed N] [--latency-ms N] [--testing-mode]``."""

from __future__ import annotations

import argparse
from datetime import datetime

from . import SimulatorConfig, serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m fitvault.simulator",
                                     description="Run the Google Health API v4 + OAuth simulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8123, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic person")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency added to every API response")
    parser.add_argument("--testing-mode", action="store_true", help="OAuth app in Testing status (7-day grants)")
    parser.add_argument("--now", help="freeze the simulated clock at this RFC 3339 instant (e.g. 2026-11-20T15:00:00Z)")
    parser.add_argument("--write-client-secrets", metavar="FILE", help="write the Desktop-client JSON here")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None
    config = SimulatorConfig(seed=args.seed, latency_s=args.latency_ms / 1000, testing_mode=args.testing_mode, now=now)
    serve_forever(config, args.port, client_secrets_path=args.write_client_secrets)


if __name__ == "__main__":
    main()
