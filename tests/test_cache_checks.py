"""The settings check warns when Redis, which holds the page cache beside Celery's queues, has no memory limit
or a policy that refuses writes or evicts the queues; it asks INFO where CONFIG is refused."""

import pytest
import redis
from django.core.checks import Warning

from tokenledger import checks


class FakeRedis:
    """A Redis answering CONFIG GET (or refusing it, as managed services do) and INFO memory."""

    def __init__(self, maxmemory: int, policy: str, *, refuses_config: bool = False):
        self.maxmemory, self.policy, self.refuses_config = maxmemory, policy, refuses_config

    def config_get(self, pattern: str) -> dict:
        if self.refuses_config:
            raise redis.ResponseError("unknown command 'CONFIG'")
        return {"maxmemory": str(self.maxmemory), "maxmemory-policy": self.policy, "maxmemory-samples": "5"}

    def info(self, section: str) -> dict:
        return {"used_memory": 1_000_000, "maxmemory": self.maxmemory, "maxmemory_policy": self.policy}

    def close(self) -> None:
        pass


@pytest.fixture
def redis_answers(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/9"

    def answer(maxmemory: int, policy: str, **kwargs) -> list[str]:
        fake = FakeRedis(maxmemory, policy, **kwargs)
        monkeypatch.setattr(redis.Redis, "from_url", lambda url, **options: fake)
        return [warning.id for warning in checks.check_redis_memory(None)]

    return answer


@pytest.mark.parametrize("refuses_config", [False, True])
def test_a_limited_redis_evicting_only_what_expires_passes(redis_answers, refuses_config):
    assert redis_answers(256 * 2**20, "volatile-lru", refuses_config=refuses_config) == []


@pytest.mark.parametrize("refuses_config", [False, True])
def test_a_redis_without_a_memory_limit_is_warned_about(redis_answers, refuses_config):
    assert redis_answers(0, "volatile-lru", refuses_config=refuses_config) == ["tokenledger.W002"]


def test_noeviction_is_warned_about_as_a_full_redis_refuses_writes(redis_answers):
    assert redis_answers(0, "noeviction") == ["tokenledger.W002", "tokenledger.W003"]


def test_allkeys_eviction_is_warned_about_as_it_can_evict_the_brokers_queues(redis_answers):
    assert redis_answers(2**30, "allkeys-lru") == ["tokenledger.W003"]


def test_a_redis_that_does_not_answer_is_a_warning_not_an_error(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    [warning] = checks.check_redis_memory(None)

    assert isinstance(warning, Warning) and warning.id == "tokenledger.W001"


def test_without_redis_there_is_nothing_to_check(settings):
    settings.REDIS_URL = ""

    assert checks.check_redis_memory(None) == []


def test_the_check_reads_the_real_redis_when_there_is_one(settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    client = redis.Redis.from_url(settings.REDIS_URL)
    config = client.config_get("maxmemory*")
    client.close()

    ids = [warning.id for warning in checks.check_redis_memory(None)]

    assert ("tokenledger.W002" in ids) == (config["maxmemory"] == "0")
    assert ("tokenledger.W003" in ids) == (config["maxmemory-policy"] not in checks.SAFE_POLICIES)
