"""The generated Redis bulk path (pipelines) against one command per round trip.

Generates the leaderboard example's Redis project, starts its own redis-server on a free
127.0.0.1 port, and writes the same items twice into an empty database: once with the
generated ``save_many_score`` (pipelines of BULK_CHUNK items), once the seed's way,
sending the very same commands one at a time and waiting for each reply. The two run in
turn, round after round; prints the median times and the median and range of the
rounds' ratios (target: at least 10x).

Usage: python benchmarks/redis_bulk.py [--items N] [--runs N]
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.scaffold import Store, explicit, generate  # noqa: E402
from advisor.workload import load_workload  # noqa: E402
from advisor.writer import write_tree  # noqa: E402
from tests.servers import LOOPBACK, running_redis  # noqa: E402

EXAMPLE = ROOT / "examples" / "leaderboard.yaml"


def load_project(folder: Path) -> ModuleType:
    """Generate the leaderboard's Redis project into ``folder`` and import its repository."""
    workload = load_workload(EXAMPLE)
    write_tree(folder, generate(workload, explicit(workload, Store.REDIS)).files)
    sys.path.insert(0, str(folder))
    return importlib.import_module("game_leaderboard.repository")


def items(repo: ModuleType, count: int) -> list[Any]:
    """``count`` Score items spread over 10 boards."""
    base = datetime(2030, 1, 1, tzinfo=UTC)
    return [
        repo.Score(
            entry_id=f"entry-{n}",
            board_id=f"board-{n % 10}",
            player_id=f"player-{n}",
            score=(n * 7919) % 100_000,
            updated_at=base + timedelta(seconds=n),
        )
        for n in range(count)
    ]


def timed(run: Callable[[], None], reset: Callable[[], object]) -> float:
    """Seconds of one ``run`` on an empty database."""
    reset()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    """Run both write paths on the same data and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.runs < 1 or args.items < 1:
        parser.error("--runs and --items must be at least 1")
    import redis

    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install -y redis-server)")
    with tempfile.TemporaryDirectory() as tmp, running_redis(Path(tmp)) as server:
        repo = load_project(Path(tmp) / "project")
        client = redis.Redis(host=LOOPBACK, port=server.port, decode_responses=True)
        data = items(repo, args.items)

        def one_by_one() -> None:
            # The generated write, with the client in place of a pipeline: every
            # command is sent on its own and waits for its reply.
            for item in data:
                repo._write_score(client, item)

        def pipelined() -> None:
            repo.save_many_score(client, data)

        # Interleaved rounds, each path first in every other one, so that load on the
        # machine and warm-up weigh on both alike; the ratio is the median of the
        # rounds' own ratios.
        rounds = []
        for n in range(args.runs):
            paths = {"slow": one_by_one, "fast": pipelined}
            order = ("slow", "fast") if n % 2 == 0 else ("fast", "slow")
            seconds, keys = {}, set()
            for name in order:
                seconds[name] = timed(paths[name], client.flushdb)
                keys.add(client.dbsize())
            assert len(keys) == 1, "both paths must write the same keys"
            rounds.append((seconds["slow"], seconds["fast"]))
    from redis.utils import HIREDIS_AVAILABLE

    parser_name = "hiredis" if HIREDIS_AVAILABLE else "pure-Python parser (pip install hiredis)"
    print(
        f"items: {args.items:,} Score items "
        "(a hash, a leaderboard entry and the key claiming its board + player each)"
    )
    print(f"redis-py with {parser_name}")
    ratios = sorted(slow / fast for slow, fast in rounds)
    print(f"rounds: {args.runs}, each writing both ways into an empty database")
    print(f"one command per round trip: median {statistics.median(s for s, _ in rounds):.3f} s")
    print(
        f"save_many_score (pipelines of {repo.BULK_CHUNK}): "
        f"median {statistics.median(f for _, f in rounds):.3f} s"
    )
    print(
        f"ratio: median {statistics.median(ratios):.1f}x, "
        f"range {ratios[0]:.1f}x to {ratios[-1]:.1f}x (target >= 10x)"
    )


if __name__ == "__main__":
    main()
