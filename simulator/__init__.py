"""Marketplace simulator for stock_channel_sync: a real HTTP server, standard library only.

``python -m simulator --port 8071`` or, in tests, ``simulator.start(port=0)``.
"""

from .server import Simulator, start

__all__ = ["Simulator", "start"]
