"""Redirects followed by hand, so every hop is recorded and loops are caught early.

A moved article is news to the user, hence the recorded chain. Cookies set along the chain
are sent back within the same fetch only: a jar shared across fetches would trip metered
paywalls and make what we see depend on what we fetched before. Credentials go with the
first request only (``auth``, from the configuration): a redirect target's own
``user:password@`` is dropped, so it is neither sent (httpx would make it Basic auth) nor
recorded in the chain or the final URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from newswatch.errors import FetchError, TooManyRedirects
from newswatch.fetch.failures import remaining
from newswatch.models import Redirect

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@contextmanager
def final_response(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    *,
    max_redirects: int,
    timeout: Callable[[float], httpx.Timeout],
    deadline: float,
    auth: httpx.Auth | None = None,
) -> Iterator[tuple[httpx.Response, list[Redirect]]]:
    """GET ``url`` hop by hop; yield the last (streamed) response and the hops that led there.

    ``timeout`` turns the time left before ``deadline`` into each request's timeout. The
    response is closed when the block ends, whatever happens in it.
    """
    cookies = httpx.Cookies()
    redirects: list[Redirect] = []
    seen: set[str] = set()
    current = _without_userinfo(httpx.URL(url))
    while True:
        if current.scheme not in ("http", "https") or not current.host:
            raise FetchError(url, f"not an http(s) URL: {current}")
        left = remaining(url, deadline)
        request = client.build_request("GET", current, headers=headers, timeout=timeout(left))
        if cookies:  # building the header reads the jar through a urllib request: not for none
            cookies.set_cookie_header(request)
        seen.add(str(request.url))
        response = client.send(request, stream=True, auth=auth if not redirects else None)
        try:
            if "set-cookie" in response.headers:  # nothing to keep otherwise (RFC 2965's
                cookies.extract_cookies(response)  # Set-Cookie2 is off in httpx's jar)
            location = response.headers.get("location")
            if response.status_code in _REDIRECT_STATUSES and location:
                target = _without_userinfo(response.url.join(location))
                redirects.append(Redirect(response.status_code, str(response.url), str(target)))
                # a revisit is only legitimate when the hop set a cookie (consent walls)
                if str(target) in seen and "set-cookie" not in response.headers:
                    raise TooManyRedirects(url, f"redirect loop at {target}")
                if len(redirects) > max_redirects:
                    raise TooManyRedirects(url, f"more than {max_redirects} redirects")
                current = target
                continue
            yield response, redirects
            return
        finally:
            response.close()


def _without_userinfo(url: httpx.URL) -> httpx.URL:
    return url.copy_with(userinfo=b"") if url.userinfo else url
