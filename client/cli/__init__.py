"""`modelgates-video`: list the video models, generate one video into a file, or follow up a job.

```
modelgates-video models [--json]
modelgates-video generate --model google/veo-3.1-lite --prompt "..." --duration 4 --out clip.mp4
modelgates-video status JOB_ID
modelgates-video download JOB_ID --out clip.mp4
```

`generate` checks the request against the model's catalog row (and its image URLs) before it
submits, because a submitted job is paid for. Progress goes to stderr, results to stdout.
Every command takes `--base-url` (else MODELGATES_BASE_URL, else the real API) and `--api-key`
(else MODELGATES_API_KEY). Exit codes: 0 done, 1 the API or the job failed, 2 refused before
submitting (usage, unknown model, capability mismatch, unusable image, no API key), 3 timed out,
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from client import APITimeoutError, Job, JobError, MissingAPIKeyError, ModelGates, ModelGatesError, PollTimeout
from client.cli._generate import Refused, download, generate, status
from client.cli._models import durations_text, list_models, models_table
from client.cli._progress import Progress

__all__ = ["ClientFactory", "Progress", "durations_text", "main", "models_table"]

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Polls are free, and a person is watching: poll more often than the API guides' 30 s.
DEFAULT_INTERVAL = 5.0
DEFAULT_TIMEOUT = 1800.0  # the API guides' bound: 60 polls x 30 s
NO_KEY = "no API key: pass --api-key KEY or set MODELGATES_API_KEY"


class ClientFactory(Protocol):
    """Builds the client; `ModelGates` itself is one. Tests bind it to an in-process mock."""

    def __call__(
        self, *, api_key: str | None, base_url: str | None, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> ModelGates: ...


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: ClientFactory = ModelGates,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run the CLI and return its exit code (see the module docstring)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else EXIT_REFUSED
    progress = Progress(sys.stderr, clock)
    try:
        with client_factory(
            api_key=args.api_key, base_url=args.base_url, sleep=progress.sleeper(sleep), clock=clock
        ) as client:
            if args.command == "models":
                return list_models(client, as_json=args.json)
            if args.command == "status":
                return status(client, args.job_id, as_json=args.json)
            if args.command == "download":
                return download(client, args, progress)
            return generate(client, args, progress)
    except (Refused, ModelGatesError, OSError, KeyboardInterrupt) as exc:
        progress.close()  # end the live line before the message
        return explain(exc, progress.job)
    finally:
        progress.close()


def explain(exc: BaseException, job: Job | None) -> int:
    """Print one clear line (no traceback) for `exc`, plus where its job is; the exit code."""
    if isinstance(exc, Refused):
        return report(EXIT_REFUSED, *exc.args)
    if isinstance(exc, MissingAPIKeyError):  # the client's message names its Python argument
        return report(EXIT_REFUSED, NO_KEY)
    if isinstance(exc, PollTimeout | APITimeoutError):
        return report(EXIT_TIMEOUT, f"timed out: {exc.message}", *job_hint(job))
    if isinstance(exc, JobError):
        return report(EXIT_FAILED, f"job {exc.job.id} {exc.job.status}: {exc.message}")
    if isinstance(exc, KeyboardInterrupt):
        return report(EXIT_INTERRUPTED, "interrupted", *job_hint(job))
    return report(EXIT_FAILED, str(exc), *job_hint(job))  # API, connection or file errors


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelgates-video", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--base-url", help="API base URL (else MODELGATES_BASE_URL)")
    parser.add_argument("--api-key", help="API key (else MODELGATES_API_KEY)")
    commands = parser.add_subparsers(dest="command", required=True)
    models = commands.add_parser("models", help="list the video models and their capabilities")
    models.add_argument("--json", action="store_true", help="print the catalog as JSON")
    gen = commands.add_parser("generate", help="generate a video and download it")
    gen.add_argument("--model", required=True)
    gen.add_argument("--prompt", required=True)
    gen.add_argument("--duration", type=int, help="seconds; see `models` for each model's set")
    gen.add_argument("--resolution", help="e.g. 720p")
    gen.add_argument("--aspect-ratio", help="e.g. 16:9")
    gen.add_argument("--size", help="WIDTHxHEIGHT, instead of resolution + aspect ratio")
    gen.add_argument("--first-frame", metavar="URL", help="https: or data: image URL")
    gen.add_argument("--last-frame", metavar="URL", help="https: or data: image URL")
    gen.add_argument("--reference", metavar="URL", action="append", help="reference image")
    gen.add_argument(
        "--audio", action=argparse.BooleanOptionalAction, dest="generate_audio", help="default: the model's flag"
    )
    gen.add_argument("--seed", type=int)
    gen.add_argument("--out", required=True, help="where to write the MP4")
    gen.add_argument("--interval", type=positive, default=DEFAULT_INTERVAL, metavar="S", help="poll every S seconds")
    gen.add_argument("--timeout", type=positive, default=DEFAULT_TIMEOUT, metavar="S", help="stop waiting after S s")
    gen.add_argument("--no-preflight", action="store_true", help="do not check image URLs")
    stat = commands.add_parser("status", help="show an existing job (e.g. one left running after Ctrl-C)")
    stat.add_argument("job_id", metavar="JOB_ID")
    stat.add_argument("--json", action="store_true", help="print the job as JSON")
    get = commands.add_parser("download", help="wait for an existing job and download its video")
    get.add_argument("job_id", metavar="JOB_ID")
    get.add_argument("--out", required=True, help="where to write the MP4")
    get.add_argument("--index", type=int, default=0, help="which output (default 0)")
    get.add_argument("--interval", type=positive, default=DEFAULT_INTERVAL, metavar="S", help="poll every S seconds")
    get.add_argument("--timeout", type=positive, default=DEFAULT_TIMEOUT, metavar="S", help="stop waiting after S s")
    for sub in (models, gen, stat, get):  # accepted before and after the subcommand
        sub.add_argument("--base-url", default=argparse.SUPPRESS, help="API base URL")
        sub.add_argument("--api-key", default=argparse.SUPPRESS, help="API key")
    return parser


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def report(code: int, *lines: str) -> int:
    for index, line in enumerate(lines):
        print(line if index else f"modelgates-video: error: {line}", file=sys.stderr)
    return code


def job_hint(job: Job | None) -> list[str]:
    """Where to find a job the CLI stopped following: it is paid for either way."""
    if job is None or (job.is_terminal and not job.is_completed):
        return []
    state = "is completed" if job.is_completed else "keeps running on the server"
    return [
        f"job {job.id} {state}: {job.polling_url}",
        f"  follow it up: modelgates-video status {job.id}",
        f"  fetch it:     modelgates-video download {job.id} --out FILE",
    ]
