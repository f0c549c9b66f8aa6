"""POSTing a webhook delivery through the fetcher's client, so HTTP stays in this package.

The caller decides what a status means; redirects are not followed, and only a bounded
amount of the answer is read (enough to let the connection be reused). One deadline bounds
the whole exchange, status line and headers included, so a receiver that hangs or drips its
answer costs a delivery its budget and no more. A receiver's URL is configured, so it is
not held to the fetch scope.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from newswatch.errors import FetchError, TooLargeError
from newswatch.fetch.body import PIECE, raw_chunks
from newswatch.fetch.failures import TRANSLATED, translate
from newswatch.fetch.network import exchange


def post_json(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    deadline_seconds: float,
) -> int:
    """POST ``body`` as JSON and return the status; ``deadline_seconds`` bounds the whole."""
    deadline = time.monotonic() + deadline_seconds
    request_headers = {"Content-Type": "application/json; charset=utf-8", **headers}
    try:
        request = client.build_request(
            "POST", url, content=body, headers=request_headers, timeout=timeout
        )
        if request.url.scheme not in ("http", "https") or not request.url.host:
            raise FetchError(url, "not an http(s) URL")
        with exchange(deadline, None):
            response = client.send(request, stream=True)
            try:
                # read (a bounded amount of) the answer so the connection can be reused
                for _ in raw_chunks(url, response, PIECE, deadline):
                    pass
            except TooLargeError:
                pass
            finally:
                response.close()
        return response.status_code
    except FetchError:
        raise
    except TRANSLATED as exc:
        raise translate(url, exc) from exc
