"""The kombu 5.7.0 Redis crash on a clean shutdown, and its workaround (backend/core/broker.py).

The call chain is kombu's own: celery's `on_connection_error_after_connected` runs
`connection.collect()` (which detaches the transport) and then closes a channel whose pools are
gone, which restores the unacknowledged messages through a new pool built from the detached
transport. The fault suite shows the whole worker surviving real clean Redis shutdowns.
"""
import pytest


@pytest.mark.realservices
def test_restoring_on_a_channel_of_a_detached_transport_is_a_connection_error_not_an_attribute_error(settings):
    from kombu import Connection

    import backend.celery  # noqa: F401  (installs the guard, as every worker does)

    connection = Connection(settings.CELERY_BROKER_URL)
    channel = connection.channel()  # a consumer channel, as celery's task consumer has
    errors = connection.connection_errors
    try:
        channel._disconnect_pools()  # what Channel.close() does before restoring
        connection.collect()  # celery, on a lost connection: the transport's client becomes None
        with pytest.raises(errors):  # AttributeError ('NoneType' ... 'hostname') without the guard
            channel.qos.restore_unacked()
    finally:
        try:
            connection.release()
        except Exception:
            pass


def test_a_pool_process_gone_while_reconnecting_is_dropped_not_fatal():
    """celery 5.7.0's prefork pool re-registers its processes with kombu 5.7.0's event loop after a
    reconnection; a process that died meanwhile has no descriptor (None). Without the guard kombu
    raises ValueError, which celery does not catch: the worker exits."""
    from celery.concurrency import asynpool
    from kombu.asynchronous import Hub

    import backend.celery  # noqa: F401  (installs the guard, as every worker does)

    hub = Hub()
    try:
        stale = [None]
        asynpool.iterate_file_descriptors_safely(stale, stale, hub.add_reader, lambda *a: None)
        assert stale == []  # dropped as stale, as celery intends
    finally:
        hub.close()
