"""The generated Redis bulk paths against one command per round trip.

Generates two examples' Redis projects, starts its own redis-server on a free 127.0.0.1
port, and per project writes the same items twice into an empty database: once with the
generated bulk save (BULK_CHUNK items per round trip), once the seed's way, sending the
commands of each item's own write one at a time and waiting for each reply. The two
bulk paths the generator has are both measured:

- leaderboard ``save_many_score``: items with a unique value (board + player), written
  by one Lua script per chunk that checks and claims each item's value;
- iot-telemetry ``save_many_reading``: items with an expiry and a time index, one
  MULTI/EXEC per chunk with one command per index key.

The two ways run in turn, round after round; prints per project the median times and
the median and range of the rounds' ratios (target: at least 10x).

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
from dataclasses import dataclass
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

EXAMPLES = ROOT / "examples"


def scores(repo: ModuleType, count: int) -> list[Any]:
    """``count`` leaderboard Score items spread over 10 boards."""
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


def readings(repo: ModuleType, count: int) -> list[Any]:
    """``count`` iot-telemetry Reading items from 100 devices, the latest now."""
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        repo.Reading(
            reading_id=f"reading-{n}",
            device_id=f"device-{n % 100}",
            timestamp=now - timedelta(seconds=count - n),
            temperature=20 + n % 10 / 10,
            humidity=0.5,
            battery=0.9,
            metrics={"rssi": -60 - n % 20},
        )
        for n in range(count)
    ]


@dataclass(frozen=True)
class Project:
    """One generated project and the two ways of writing its items."""

    example: str
    package: str
    entity: str
    make: Callable[[ModuleType, int], list[Any]]
    what: str

    def load(self, folder: Path) -> ModuleType:
        """Generate the example's Redis project into ``folder`` and import its repository."""
        workload = load_workload(EXAMPLES / f"{self.example}.yaml")
        write_tree(folder, generate(workload, explicit(workload, Store.REDIS)).files)
        sys.path.insert(0, str(folder))
        return importlib.import_module(f"{self.package}.repository")


PROJECTS = (
    Project(
        "leaderboard",
        "game_leaderboard",
        "score",
        scores,
        "a hash, a leaderboard entry and the key claiming its board + player each",
    ),
    Project(
        "iot-telemetry",
        "device_telemetry",
        "reading",
        readings,
        "a hash with its expiry and an entry in its device's time index each",
    ),
)


def timed(run: Callable[[], None], reset: Callable[[], object]) -> float:
    """Seconds of one ``run`` on an empty database."""
    reset()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(project: Project, folder: Path, port: int, count: int, runs: int) -> None:
    """Write the project's items both ways, ``runs`` rounds, and print the ratio."""
    import redis

    repo = project.load(folder)
    client = redis.Redis(host=LOOPBACK, port=port, decode_responses=True)
    data = project.make(repo, count)
    write_one = getattr(repo, f"_write_{project.entity}")
    save_many = getattr(repo, f"save_many_{project.entity}")

    def one_by_one() -> None:
        # The generated write, with the client in place of a pipeline: every
        # command is sent on its own and waits for its reply.
        for item in data:
            write_one(client, item)

    def bulk() -> None:
        save_many(client, data)

    # Interleaved rounds, each path first in every other one, so that load on the
    # machine and warm-up weigh on both alike; the ratio is the median of the
    # rounds' own ratios.
    rounds = []
    for n in range(runs):
        paths = {"slow": one_by_one, "fast": bulk}
        order = ("slow", "fast") if n % 2 == 0 else ("fast", "slow")
        seconds, keys = {}, set()
        for name in order:
            seconds[name] = timed(paths[name], client.flushdb)
            keys.add(client.dbsize())
        assert len(keys) == 1, "both paths must write the same keys"
        rounds.append((seconds["slow"], seconds["fast"]))
    ratios = sorted(slow / fast for slow, fast in rounds)
    print(f"{project.example}: {count:,} {project.entity} items ({project.what})")
    print(f"  one command per round trip: median {statistics.median(s for s, _ in rounds):.3f} s")
    print(
        f"  save_many_{project.entity} (chunks of {repo.BULK_CHUNK}): "
        f"median {statistics.median(f for _, f in rounds):.3f} s"
    )
    print(
        f"  ratio: median {statistics.median(ratios):.1f}x, "
        f"range {ratios[0]:.1f}x to {ratios[-1]:.1f}x (target >= 10x)"
    )


def main() -> None:
    """Run both write paths of each project on the same data and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.runs < 1 or args.items < 1:
        parser.error("--runs and --items must be at least 1")
    from redis.utils import HIREDIS_AVAILABLE

    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install -y redis-server)")
    parser_name = "hiredis" if HIREDIS_AVAILABLE else "pure-Python parser (pip install hiredis)"
    print(f"redis-py with {parser_name}; {args.runs} rounds, each writing both ways")
    with tempfile.TemporaryDirectory() as tmp, running_redis(Path(tmp)) as server:
        for project in PROJECTS:
            measure(project, Path(tmp) / project.example, server.port, args.items, args.runs)


if __name__ == "__main__":
    main()
