"""The Redis cache with one client object a process.

Django's Redis backend builds a new ``redis.Redis`` around its connection pool on every cache call, and each
build sets up the client's hundreds of response callbacks: twice a signed-in request (the session, the
memberships) it was a fifth of a register tap's time. A client holds no connection of its own (it takes one
from the pool for each command and gives it back), is safe to share between threads, and its pool starts afresh
in a forked process, so one client a pool is kept and reused."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
