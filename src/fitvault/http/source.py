"""What every API source hands straight to its HTTP client, in one place: the sync core's
``requests_sent``, ``start`` and ``cancel`` (see :class:`fitvault.sync.engine.Source`)."""

from __future__ import annotations

from fitvault.http.client import ApiClient


class ClientSource:
    """Mixin for a source whose requests all go through one :class:`ApiClient` (``self.client``)."""

    client: ApiClient

    @property
    def requests_sent(self) -> int:
        return self.client.requests_sent

    def start(self) -> None:
        """A new run: forget a cancel of an earlier one."""
        self.client.reset_cancel()

    def cancel(self) -> None:
        """End the client's waits at once (a backoff, a quota's countdown): the run stops at its
        next request."""
        self.client.cancel()
