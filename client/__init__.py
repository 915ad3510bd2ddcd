"""Reference client for the ModelGates video-generation API (sync and asyncio).

```
from client import ModelGates

with ModelGates() as mg:  # MODELGATES_API_KEY from the environment
    job = mg.generate(model="google/veo-3.1-lite", prompt="A glass greenhouse at sunrise",
                      duration=4, resolution="720p", aspect_ratio="16:9", to="greenhouse.mp4")
```

This package never imports `mockserver`: it is the second, independent implementation of the
contract in `openapi/modelgates.yaml`.
"""

import types as _types

from client._async import AsyncModelGates
from client._config import DEFAULT_BASE_URL
from client._sync import ModelGates
from client.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    JobCancelled,
    JobError,
    JobExpired,
    JobFailed,
    MissingAPIKeyError,
    ModelGatesError,
    NoOutputsError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    PollTimeout,
    RateLimitError,
    ServiceUnavailableError,
)
from client.images import (
    ImagePreflightError,
    PreflightResult,
    apreflight,
    first_frame,
    frames,
    last_frame,
    preflight,
    reference,
)
from client.models import (
    TERMINAL_STATUSES,
    AudioUrl,
    ContentPartAudio,
    ContentPartImage,
    ContentPartVideo,
    FrameImage,
    ImageUrl,
    Job,
    JobStatus,
    Trace,
    UpscaleFactor,
    Usage,
    VideoModel,
    VideoModelsList,
    VideoRequest,
    VideoUrl,
)
from client.select import (
    PRIORITY_PROFILES,
    RESOLUTION_RANKS,
    Mismatch,
    Requirements,
    ScoredModel,
    choose_model,
    describe_size,
    filter_models,
    lowest_advertised_price,
    preview,
    resolution_rank,
    round3,
    score_models,
    sort_by_price,
    speed_score,
)
from client.webhooks import (
    WEBHOOK_IDEMPOTENCY_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    WebhookEvent,
    WebhookEventData,
    parse_event,
    verify_signature,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "PRIORITY_PROFILES",
    "RESOLUTION_RANKS",
    "TERMINAL_STATUSES",
    "WEBHOOK_IDEMPOTENCY_HEADER",
    "WEBHOOK_SIGNATURE_HEADER",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncModelGates",
    "AudioUrl",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "ConflictError",
    "ContentPartAudio",
    "ContentPartImage",
    "ContentPartVideo",
    "FrameImage",
    "GoneError",
    "ImagePreflightError",
    "ImageUrl",
    "InternalServerError",
    "Job",
    "JobCancelled",
    "JobError",
    "JobExpired",
    "JobFailed",
    "JobStatus",
    "Mismatch",
    "MissingAPIKeyError",
    "ModelGates",
    "ModelGatesError",
    "NoOutputsError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollTimeout",
    "PreflightResult",
    "RateLimitError",
    "Requirements",
    "ScoredModel",
    "ServiceUnavailableError",
    "Trace",
    "UpscaleFactor",
    "Usage",
    "VideoModel",
    "VideoModelsList",
    "VideoRequest",
    "VideoUrl",
    "WebhookEvent",
    "WebhookEventData",
    "apreflight",
    "choose_model",
    "describe_size",
    "filter_models",
    "first_frame",
    "frames",
    "last_frame",
    "lowest_advertised_price",
    "parse_event",
    "preflight",
    "preview",
    "reference",
    "resolution_rank",
    "round3",
    "score_models",
    "sort_by_price",
    "speed_score",
    "verify_signature",
]

# Tracebacks and reprs read `client.NotFoundError`, not `client.errors.NotFoundError`.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type | _types.FunctionType):
        _value.__module__ = "client"
del _name, _value
