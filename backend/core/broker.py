"""A workaround for a worker crash in kombu's Redis transport (kombu 5.7.0 with celery 5.7.0, the
latest releases on 2026-11-21: no fixed release to upgrade to).

The crash. When Redis shuts down cleanly while the worker's consumer channel is inside a BRPOP,
celery's `Consumer.on_connection_error_after_connected` first calls `connection.collect()`:
the channel's `close()` re-reads the BRPOP, gets a ConnectionError and stops half-way (its
unacknowledged messages are not restored yet), and `collect()` then detaches the transport
(`Transport.client = None`). Celery next calls `connection.close()`, which closes the same
channel again; this time it gets as far as restoring the unacknowledged messages
("Restoring N unacknowledged message(s)"), which needs a new Redis pool, whose parameters are
read from the detached transport: `_connparams` raises
`AttributeError: 'NoneType' object has no attribute 'hostname'`. `kombu.common.ignore_errors`
only swallows the transport's connection errors, so the AttributeError reaches the worker's
blueprint: "Unrecoverable error", and the worker process exits. The same happens to an ack
arriving on such a channel. Reproduced here in 1 run of 6 (tests/reliability/test_faults.py,
`test_redis_shut_down_cleanly_under_a_busy_worker_does_not_stop_it`); the same shape was
reported upstream for earlier releases (celery/kombu#970, #582: `_connparams` on a closed
connection).

The workaround: a channel whose transport is detached raises the transport's own
`ConnectionError` instead, which celery already handles (the worker reconnects; an ack that
cannot be sent is logged and the message is delivered again later, where the post's claim makes
it harmless). Nothing else changes. Remove it once a kombu release fixes `_connparams`.
"""
from __future__ import annotations

_PATCHED = "_postloom_detached_transport_guard"


def kombu_redis_detached_transport_guard() -> None:
    """Install the guard on kombu's Redis channel (idempotent)."""
    try:
        from kombu.transport import redis as kombu_redis
    except ImportError:  # pragma: no cover - the redis extra is not installed
        return
    channel = kombu_redis.Channel
    if getattr(channel, _PATCHED, False):
        return
    original = channel._connparams

    def _connparams(self, asynchronous=False):
        if self.connection is None or getattr(self.connection, "client", None) is None:
            import redis

            raise redis.exceptions.ConnectionError("The broker connection was closed (transport detached).")
        return original(self, asynchronous=asynchronous)

    channel._connparams = _connparams
    setattr(channel, _PATCHED, True)


# --- A second mismatch, found by the fault suite -------------------------------------------------
# kombu 5.7.0 (celery/kombu#2623) makes `kombu.utils.compat.fileno(None)` raise ValueError, "as
# Celery's iterate_file_descriptors_safely catches ValueError" - but celery 5.7.0's catches only
# (OSError, FileNotFoundError, AttributeError). When a pool process died while the worker was
# reconnecting to the broker (e.g. killed by a time limit during a Redis outage), re-registering
# the pool with the event loop meets its `None` sentinel: "Unrecoverable error: ValueError('file
# descriptor is None')", and the worker exits. The guard gives celery the AttributeError it
# handles (it drops the stale descriptor, as it did before kombu 5.7.0).
_PATCHED_FDS = "_postloom_stale_fd_guard"


def celery_stale_fd_guard() -> None:
    """Install the guard on celery's prefork pool (idempotent)."""
    from celery.concurrency import asynpool

    if getattr(asynpool.iterate_file_descriptors_safely, _PATCHED_FDS, False):
        return
    original = asynpool.iterate_file_descriptors_safely

    def iterate_file_descriptors_safely(fds_iter, source_data, hub_method, *args, **kwargs):
        def method(fd, *method_args, **method_kwargs):
            try:
                return hub_method(fd, *method_args, **method_kwargs)
            except ValueError as exc:  # a descriptor that is gone: what celery expects as AttributeError
                raise AttributeError(str(exc)) from exc

        return original(fds_iter, source_data, method, *args, **kwargs)

    setattr(iterate_file_descriptors_safely, _PATCHED_FDS, True)
    asynpool.iterate_file_descriptors_safely = iterate_file_descriptors_safely
