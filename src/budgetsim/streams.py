"""Random streams: the one place randomness enters a simulation.

Every random input has its own stream, derived from the run's seed entropy and a fixed key
(a draw index, or a block of draws, and a component's name hash) with
:class:`numpy.random.SeedSequence`. A value therefore never depends on which other draws are
computed with it, on chunking, or on the number of worker processes.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["fresh_seed", "stream", "stream_key"]


def stream(entropy: int, index: int, key: int) -> np.random.Generator:
    """The random stream of one draw (or block of draws) of one component."""
    seq = np.random.SeedSequence(entropy, spawn_key=(index, key))
    return np.random.Generator(np.random.PCG64(seq))


def stream_key(name: str) -> int:
    """A stable 32-bit number for a name, so random streams do not depend on file order."""
    return zlib.crc32(name.encode("utf-8"))


def fresh_seed(seed: int, purpose: int) -> int:
    """A seed for draws independent of those of ``seed`` (out-of-sample checks), one per
    ``purpose``.

    Examples
    --------
    >>> fresh_seed(1, 2) == fresh_seed(1, 2), fresh_seed(1, 2) == fresh_seed(1, 3)
    (True, False)
    """
    return int(np.random.SeedSequence([seed, purpose]).generate_state(1, np.uint64)[0] >> 1)
