"""`ModelGates`, the synchronous client. Its twin is `client/_async.py`: keep them in step."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import httpx

from client._config import resolve_config
from client._core import Core, RequestSpec, download_error, resume_spec
from client._download import Destination, Download, IncompleteBody, ProgressCallback
from client._polling import DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT, Pacer, check_pacing
from client.models import Job, VideoModel, VideoRequest

__all__ = ["ModelGates"]


class ModelGates:
    """Client for the ModelGates video API.

    Every setting is keyword-only. Precedence: argument > environment > default.

    - `api_key`: else `MODELGATES_API_KEY`. Needed for everything but `list_models()`; a missing
      key raises `MissingAPIKeyError` before any request is sent.
    - `base_url`: else `MODELGATES_BASE_URL`, else `https://modelgates.ai/api/v1`. The key is
      sent only to this URL's scheme, host and port.
    - `timeout` (seconds or `httpx.Timeout`; applies to every request, also through an injected
      client), `max_retries` (default 2; a submit is retried only when it cannot have arrived).
    - `http_client` or `transport`: bring your own `httpx.Client` (you close it) or transport.
    - `sleep`, `clock` (monotonic seconds), `rng`: injectable for tests.

    ```
    with ModelGates() as mg:
        job = mg.generate(model="google/veo-3.1-lite", prompt="...", duration=4, to="out.mp4")
    ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        config = resolve_config(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._core = Core(config, rng=rng)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(transport=transport)
        self._sleep = sleep
        self._clock = clock

    @property
    def base_url(self) -> str:
        return self._core.config.base_url

    def close(self) -> None:
        """Close the connections, unless the `httpx.Client` was passed in by the caller."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def list_models(self) -> list[VideoModel]:
        """The catalog, newest first (`GET /videos/models`)."""
        return self._core.parse_models(self._send(self._core.list_models_spec()))

    def submit(self, request: VideoRequest | None = None, /, **fields: Any) -> Job:
        """Start a job (`POST /videos`). Never retried once the server may have seen it."""
        return self._core.parse_job(self._send(self._core.submit_spec(request, fields)))

    def get(self, job: Job | str) -> Job:
        """The job's current state, from its `polling_url` (or from its id)."""
        return self._core.parse_job(self._send(self._core.get_spec(job)))

    def wait(
        self,
        job: Job,
        *,
        interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_POLL_TIMEOUT,
        on_update: Callable[[Job], None] | None = None,
    ) -> Job:
        """Poll until the job completes; raise `JobFailed`/`JobCancelled`/`JobExpired` with the
        server's error text, or `PollTimeout` after `timeout` seconds."""
        pacer = Pacer(self._clock, interval=interval, timeout=timeout)
        while (delay := pacer.next_delay(job)) is not None:
            self._sleep(delay)
            job = self.get(job)
            if on_update is not None:
                on_update(job)
        return job

    def download(
        self,
        job: Job | str,
        *,
        to: Destination,
        index: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        """Stream output `index` into `to` (a path or a binary file); returns the byte count.

        A body that breaks or ends short of its length is resumed from its first missing byte
        (`Range` + `If-Range`), at most `MAX_RESUMES` times; a path is written as `<name>.part`
        and renamed once whole. The client's timeout bounds each read, not the whole download."""
        spec = self._core.download_spec(job, index)
        with Download(to, on_progress) as download:
            while True:
                response = self._send(resume_spec(spec, download.headers()), stream=True)
                try:
                    self._core.check_video(response)
                    download.begin(response)
                    for chunk in response.iter_bytes():  # as read: nothing held back at a break
                        download.write(chunk)
                    download.end()
                except (httpx.RequestError, IncompleteBody) as exc:  # the body broke: resume it
                    if not download.resumable():
                        raise download_error(exc, response.request) from exc
                    continue
                finally:
                    response.close()
                return download.finish()

    def generate(
        self,
        request: VideoRequest | None = None,
        /,
        *,
        to: Destination,
        interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_POLL_TIMEOUT,
        on_update: Callable[[Job], None] | None = None,
        on_progress: ProgressCallback | None = None,
        **fields: Any,
    ) -> Job:
        """Submit, wait, download output 0 into `to`; returns the completed job.

        `on_update` sees the submitted job, then each poll's answer."""
        check_pacing(interval, timeout)  # before the submit, which costs money
        job = self.submit(request, **fields)
        if on_update is not None:
            on_update(job)
        job = self.wait(job, interval=interval, timeout=timeout, on_update=on_update)
        self.download(job, to=to, on_progress=on_progress)
        return job

    def _send(self, spec: RequestSpec, *, stream: bool = False) -> httpx.Response:
        """Send with retries; a non-2xx answer that is not retried raises its mapped error."""
        for attempt in itertools.count():
            request = self._core.build(self._http, spec)
            try:
                response = self._http.send(request, stream=stream, follow_redirects=spec.follow_redirects)
                if not response.is_success:
                    response.read()  # error bodies are small; their envelope is needed
            except httpx.RequestError as exc:
                delay = self._core.delay_after_exception(spec, attempt, exc)
            else:
                if response.is_success:
                    return response
                delay = self._core.delay_after_response(spec, attempt, response)
            self._sleep(delay)
        raise AssertionError("unreachable")  # itertools.count() never ends
