"""agent/spool.py: batches written whole, sent oldest first, deleted only once acknowledged;
the server down keeps everything; a poison batch is set aside; 413 splits; and a drain killed
with -9 at the worst moments loses nothing and doubles nothing at the server (which, like the
real one, stores each result id once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from agent.api_client import ApiClient, ApiError
from agent.spool import Spool, default_spool_dir
from tests.fake_patrol_server import FakePatrolServer, HttpError

TOKEN = "tok-agent-secret"
REPO_ROOT = Path(__file__).resolve().parents[1]


def results(count: int, start: int = 0, device: str = "fz-hq-core-01") -> list[dict[str, Any]]:
    return [
        {
            "id": f"00000000-0000-0000-0000-{n:012d}",
            "device": device,
            "check": "snmp.uptime",
            "status": "OK",
            "summary": "up",
            "observed_at": "2025-03-03T08:00:00.000Z",
            "duration_ms": 1.0,
            "metrics": [],
            "items": [],
        }
        for n in range(start, start + count)
    ]


def ids(batch: Sequence[Mapping[str, Any]]) -> set[str]:
    return {r["id"] for r in batch}


def result_posts(fake: FakePatrolServer) -> list[int]:
    """The size of every POST /api/v1/results the fake received, refused ones included."""
    return [len(body) for _, path, body in fake.requests if path == "/api/v1/results"]


@pytest.fixture
def fake() -> Iterator[FakePatrolServer]:
    server = FakePatrolServer(tokens={TOKEN: "engineer"}).start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakePatrolServer) -> Iterator[ApiClient]:
    with ApiClient(fake.url, TOKEN, timeout=5) as api:
        yield api


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool")


# --- writing --------------------------------------------------------------------------------


def test_default_directory() -> None:
    assert default_spool_dir({"XDG_STATE_HOME": "/var/x"}) == Path("/var/x/patrol/spool")
    assert default_spool_dir({}) == Path.home() / ".local/state/patrol/spool"


def test_put_writes_whole_batches_oldest_first(spool: Spool) -> None:
    spool.max_batch = 4
    first = spool.put(results(10))
    second = spool.put(results(2, start=10))
    assert [len(json.loads(p.read_text())["results"]) for p in first] == [4, 4, 2]
    assert spool.batches() == first + second
    assert spool.pending() == 12
    assert spool.put([]) == []
    assert not list(spool.directory.glob(".tmp-*"))
    assert (spool.directory.stat().st_mode & 0o077) == 0


def test_leftovers_are_not_batches(spool: Spool) -> None:
    spool.put(results(1))
    (spool.directory / ".tmp-1-0-x.json").write_text('{"version": 1, "resu')  # a killed put
    assert len(spool.batches()) == 1 and spool.pending() == 1


# --- draining -------------------------------------------------------------------------------


@pytest.mark.integration
class TestDrain:
    def test_everything_arrives_and_leaves_the_spool(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        spool.put(results(3))
        spool.put(results(2, start=3))
        outcome = spool.drain(client)
        assert (outcome.accepted, outcome.duplicates, outcome.batches_sent) == (5, 0, 2)
        assert outcome.complete and outcome.waiting == 0 and spool.batches() == []
        assert fake.posts == [[r["id"] for r in results(3)], [r["id"] for r in results(2, 3)]]

    def test_server_down_keeps_everything(self, spool: Spool, fake: FakePatrolServer) -> None:
        spool.put(results(3))
        spool.put(results(4, start=3))
        url = fake.url
        fake.stop()
        with ApiClient(url, TOKEN, timeout=2) as api:
            outcome = spool.drain(api)
        assert outcome.unreachable and not outcome.complete
        assert (outcome.waiting, outcome.waiting_batches, outcome.accepted) == (7, 2, 0)
        assert "cannot reach the Patrol server" in (outcome.error.reason if outcome.error else "")

        back = FakePatrolServer(tokens={TOKEN: "engineer"})
        back.start()
        try:
            with ApiClient(back.url, TOKEN) as api:
                assert spool.drain(api).accepted == 7
            assert ids(back.results.values()) == ids(results(7))
        finally:
            back.stop()

    @pytest.mark.parametrize("status", [500, 503, 429, 408, 401])
    def test_transient_or_setup_refusals_keep_the_batch(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer, status: int
    ) -> None:
        spool.put(results(2))
        spool.put(results(2, start=2))
        fake.forced = [status]
        outcome = spool.drain(client)
        assert outcome.error is not None and outcome.error.status == status
        assert (outcome.waiting, outcome.rejected) == (4, 0)
        assert len(fake.posts) == 1  # stopped at the first refusal: order is kept
        assert spool.drain(client).accepted == 4

    def test_wrong_token_rejects_nothing(self, spool: Spool, fake: FakePatrolServer) -> None:
        spool.put(results(2))
        with ApiClient(fake.url, "revoked") as api:
            outcome = spool.drain(api)
        assert outcome.error is not None and outcome.error.status == 401
        assert outcome.waiting == 2 and spool.rejected() == []

    def test_poison_batch_is_set_aside(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        good = results(3)
        broken = results(1, start=3)
        del broken[0]["check"]
        spool.put(good + broken)  # one batch: 3 good, 1 malformed
        spool.put(results(2, start=10))  # behind it in the queue
        outcome = spool.drain(client)
        assert outcome.complete
        assert ids(fake.results.values()) == ids(good) | ids(results(2, start=10))
        assert outcome.rejected == 1
        [rejected] = spool.rejected()
        assert rejected.count == 1
        assert rejected.reason.endswith(
            "HTTP 422: the server rejected the input: results[3].check: Field required"
        )
        assert json.loads(rejected.path.read_text())["results"] == broken
        # the server named the bad one: the rest went again at once, no halving
        assert result_posts(fake) == [4, 3, 2]

    def test_422_naming_every_result_sets_the_batch_aside_at_once(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        broken = results(4)
        for result in broken:
            del result["status"]
        spool.put(broken)
        outcome = spool.drain(client)
        assert outcome.rejected == 4 and outcome.waiting == 0
        assert result_posts(fake) == [4]
        assert [b.count for b in spool.rejected()] == [4]

    def test_422_naming_nothing_is_halved(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        fake.forced = [422, 422]  # "forced 422": no result named
        spool.put(results(4))
        outcome = spool.drain(client)
        # 4 refused -> halves; the first half refused again -> quarters; the rest accepted
        assert [len(p) for p in fake.posts] == [4, 2, 1, 1, 2]
        assert outcome.accepted == 4 and outcome.rejected == 0 and outcome.complete

    def test_403_sets_aside_only_the_refused_device(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        fake.forbidden_devices = {"not-ours"}
        ours = results(3)
        theirs = results(2, start=3, device="not-ours")
        spool.put([ours[0], theirs[0], ours[1], theirs[1], ours[2]])
        outcome = spool.drain(client)
        assert ids(fake.results.values()) == ids(ours)
        [rejected] = spool.rejected()
        assert rejected.count == 2 and "device not-ours is not in the inventory" in rejected.reason
        assert outcome.rejected == 2 and outcome.waiting == 0

    def test_413_splits_the_batch(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        fake.max_batch = 3
        spool.put(results(10))
        outcome = spool.drain(client)
        assert outcome.complete and outcome.accepted == 10
        accepted_posts = list(fake.posts)
        assert all(len(p) <= 3 for p in accepted_posts)
        assert [i for p in accepted_posts for i in p] == [r["id"] for r in results(10)]

    def test_413_for_a_single_result_rejects_it(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        fake.forced = [413]
        spool.put(results(1))
        spool.put(results(1, start=1))
        outcome = spool.drain(client)
        assert outcome.rejected == 1 and outcome.accepted == 1 and outcome.waiting == 0

    def test_requeue_after_fixing_the_cause(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        fake.forbidden_devices = {"fz-hq-core-01"}
        spool.put(results(2))
        spool.drain(client)
        assert spool.pending() == 0 and len(spool.rejected()) == 1
        fake.forbidden_devices = set()
        assert spool.requeue_rejected() == 1
        assert not list(spool.rejected_dir.iterdir())
        assert spool.drain(client).accepted == 2

    def test_batches_larger_than_batch_size_are_cut(
        self, spool: Spool, client: ApiClient, fake: FakePatrolServer
    ) -> None:
        spool.put(results(7))
        assert spool.drain(client, batch_size=2).accepted == 7
        assert [len(p) for p in fake.posts] == [2, 2, 2, 1]


class CountingSink:
    """Not a server: answers what it is told, to test the acknowledgement rule alone."""

    def __init__(self, answers: list[dict[str, int] | ApiError]):
        self.answers = answers
        self.sent: list[int] = []

    def post_results(self, batch: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        self.sent.append(len(batch))
        answer = self.answers.pop(0)
        if isinstance(answer, ApiError):
            raise answer
        return answer


def test_partial_acknowledgement_keeps_the_batch(spool: Spool) -> None:
    spool.put(results(3))
    outcome = spool.drain(CountingSink([{"accepted": 2, "duplicates": 0}]))
    assert outcome.error is not None and "acknowledged 2 of 3" in outcome.error.reason
    assert outcome.waiting == 3
    outcome = spool.drain(CountingSink([{"accepted": 1, "duplicates": 2}]))
    assert outcome.complete and outcome.duplicates == 2


def test_unreadable_batch_is_set_aside(spool: Spool) -> None:
    spool.put(results(1))
    (spool.directory / "00000000000000000000-1-000000.json").write_text("{garbage")
    outcome = spool.drain(CountingSink([{"accepted": 1, "duplicates": 0}]))
    assert outcome.complete
    [rejected] = spool.rejected()
    assert "unreadable" in rejected.reason and rejected.path.name.startswith("0000")


def test_one_drain_at_a_time(spool: Spool) -> None:
    spool.put(results(1))
    inside = threading.Event()
    release = threading.Event()

    class SlowSink:
        def post_results(self, batch: Sequence[Mapping[str, Any]]) -> dict[str, int]:
            inside.set()
            release.wait(10)
            return {"accepted": len(batch), "duplicates": 0}

    worker = threading.Thread(target=spool.drain, args=(SlowSink(),))
    worker.start()
    assert inside.wait(10)
    second = spool.drain(CountingSink([]))
    assert second.busy and not second.complete and second.waiting == 1
    release.set()
    worker.join()
    assert spool.pending() == 0


# --- kill -9 --------------------------------------------------------------------------------

DRAIN_SCRIPT = """
import sys
from agent.api_client import ApiClient
from agent.spool import Spool
Spool(sys.argv[1]).drain(ApiClient.from_env_or_config(), batch_size=int(sys.argv[2]))
"""

PUT_SCRIPT = """
import sys
from agent.spool import Spool
spool = Spool(sys.argv[1], max_batch=50)
n = 0
while True:
    spool.put([{"id": f"r-{n + i}", "device": "d", "check": "c", "status": "OK"}
               for i in range(50)])
    n += 50
    print(n, flush=True)
"""


def _child_env(server: FakePatrolServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATROL_")}
    env.update(PATROL_SERVER=server.url, PATROL_TOKEN=TOKEN, PYTHONPATH=str(REPO_ROOT))
    return env


@pytest.mark.integration
@pytest.mark.parametrize("when", ["before_commit", "after_commit"])
@pytest.mark.parametrize("batch_no", [1, 3])
def test_kill_9_mid_drain_loses_nothing_doubles_nothing(
    tmp_path: Path, fake: FakePatrolServer, when: str, batch_no: int
) -> None:
    """The drain is killed while the server holds batch `batch_no`: before its commit (the
    server then fails it) or after its commit (the answer never reaches the client). A second
    drain sends what is left: every result is stored once, and only the batch in flight was
    sent twice."""
    spool = Spool(tmp_path / "spool", max_batch=10)
    sent = results(50)
    spool.put(sent)
    reached = threading.Event()
    release = threading.Event()

    def hold(number: int) -> None:
        if number == batch_no:
            reached.set()
            release.wait(30)
            if when == "before_commit":
                raise HttpError(503, "the server died before committing")

    setattr(fake, when, hold)
    child = subprocess.Popen(
        [sys.executable, "-c", DRAIN_SCRIPT, str(spool.directory), "10"],
        env=_child_env(fake),
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
    )
    try:
        assert reached.wait(60), child.stderr.read().decode() if child.stderr else ""
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    setattr(fake, when, None)
    stored_before = len(fake.results)
    assert stored_before == (batch_no - 1) * 10 + (10 if when == "after_commit" else 0)
    assert spool.pending() == 50 - (batch_no - 1) * 10  # the batch in flight is still there

    with ApiClient(fake.url, TOKEN) as api:
        outcome = spool.drain(api)
    assert outcome.complete
    assert sorted(fake.results) == sorted(ids(sent))  # every result, once
    posted = [i for post in fake.posts for i in post]
    assert len(posted) == 50 + 10  # only the batch in flight went twice
    assert outcome.duplicates == (10 if when == "after_commit" else 0)


@pytest.mark.integration
def test_kill_9_mid_put_leaves_only_whole_batches(tmp_path: Path, fake: FakePatrolServer) -> None:
    directory = tmp_path / "spool"
    child = subprocess.Popen(
        [sys.executable, "-c", PUT_SCRIPT, str(directory)],
        env=_child_env(fake),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    written = 0
    try:
        while written < 2000:  # several dozen batches, then kill wherever it is
            line = child.stdout.readline()
            assert line, "the put loop died"
            written = int(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    spool = Spool(directory)
    for path in spool.batches():
        batch = json.loads(path.read_text())["results"]  # every batch file parses whole
        assert len(batch) == 50
    total = spool.pending()
    assert total >= written  # everything the loop reported as put is there
    with ApiClient(fake.url, TOKEN) as api:
        assert spool.drain(api).complete
    assert len(fake.results) == total
