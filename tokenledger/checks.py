"""The page cache must be bounded: a Redis without a memory limit keeps every distinct page it is given."""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.checks import Tags, Warning, register

# Celery's broker lives in the same Redis (settings: REDIS_URL is both): its queues and bindings have no expiry,
# so only a volatile-* policy keeps them while cached pages (which all expire) are evicted.
SAFE_POLICIES = ("volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random")


def redis_memory_settings(url: str) -> tuple[int, str]:
    """Redis's `maxmemory` in bytes and its `maxmemory-policy`, from CONFIG GET, or from INFO memory where the
    server refuses CONFIG (managed services do)."""
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        try:
            config = client.config_get("maxmemory*")
            return int(config["maxmemory"]), str(config["maxmemory-policy"])
        except redis.ResponseError:
            info = client.info("memory")
            return int(info["maxmemory"]), str(info["maxmemory_policy"])
    finally:
        client.close()


@register(Tags.caches)
def check_redis_memory(app_configs, **kwargs) -> list[Warning]:
    if not settings.REDIS_URL:
        return []  # the local-memory cache is bounded in settings (MAX_ENTRIES)
    hint = "Set maxmemory and maxmemory-policy volatile-lru (README: Redis)."
    try:
        maxmemory, policy = redis_memory_settings(settings.REDIS_URL)
    except (redis.RedisError, KeyError, ValueError) as error:
        return [
            Warning(
                f"Could not read Redis's memory limit ({type(error).__name__}): the page cache may be unbounded.",
                hint=hint,
                id="tokenledger.W001",
            )
        ]
    warnings = []
    if not maxmemory:
        warnings.append(
            Warning(
                "Redis has no memory limit (maxmemory 0): distinct page addresses fill it without end.",
                hint=hint,
                id="tokenledger.W002",
            )
        )
    if policy not in SAFE_POLICIES:
        warnings.append(
            Warning(
                f"Redis's maxmemory-policy is {policy}: "
                + (
                    "a full Redis refuses writes, Celery's tasks included."
                    if policy == "noeviction"
                    else "it may evict Celery's queues, which share this Redis and never expire."
                ),
                hint=hint,
                id="tokenledger.W003",
            )
        )
    return warnings
