"""`modelgates-video`: list the video models, or generate one video into a file.

```
modelgates-video models [--json]
modelgates-video generate --model google/veo-3.1-lite --prompt "..." --duration 4 --out clip.mp4
```

`generate` checks the request against the model's catalog row (and its image URLs) before it
submits, because a submitted job is paid for. Progress goes to stderr, results to stdout.
Exit codes: 0 done, 1 the API or the job failed, 2 refused before submitting (usage, unknown
model, capability mismatch, unusable image, no API key), 3 timed out, 130 interrupted.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TextIO

from client import (
    APITimeoutError,
    Job,
    JobError,
    MissingAPIKeyError,
    ModelGates,
    ModelGatesError,
    PollTimeout,
    VideoModel,
    VideoRequest,
)
from client.images import ImagePreflightError, frames, preflight, reference
from client.select import lowest_advertised_price, preview

__all__ = ["ClientFactory", "Progress", "main", "models_table"]

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Polls are free, and a person is watching: poll more often than the API guides' 30 s.
DEFAULT_INTERVAL = 5.0
TICK = 1.0  # how often the live line refreshes its clock while waiting
PLAIN_EVERY = 30.0  # in a log, repeat an unchanged status this often to show we are alive
DEFAULT_TIMEOUT = 1800.0  # the API guides' bound: 60 polls x 30 s


class ClientFactory(Protocol):
    """Builds the client; `ModelGates` itself is one. Tests bind it to an in-process mock."""

    def __call__(
        self, *, api_key: str | None, base_url: str | None, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> ModelGates: ...


class Refused(Exception):
    """The CLI declines before anything is paid for; each argument is one line to print."""


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
    if isinstance(exc, MissingAPIKeyError):
        return report(EXIT_REFUSED, exc.message)
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
    for sub in (models, gen):  # accepted before and after the subcommand
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
    return [f"job {job.id} {state}: {job.polling_url}"]


# --- models ------------------------------------------------------------------------------------


def list_models(client: ModelGates, *, as_json: bool) -> int:
    models = client.list_models()
    if as_json:
        print(json.dumps({"data": [model.model_dump(mode="json") for model in models]}, indent=2))
    else:
        print(models_table(models))
    return EXIT_OK


def models_table(models: Sequence[VideoModel]) -> str:
    """A fixed-width table, one model per row in catalog order (newest first)."""
    header = ("ID", "DURATIONS", "RESOLUTIONS", "ASPECT RATIOS", "FRAMES", "AUDIO", "SEED", "FROM $")
    rows = [header, *(model_row(model) for model in models)]
    widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    note = "FROM $ = lowest advertised SKU price; units differ (per second, per token)."
    return "\n".join(line.rstrip() for line in [*lines, "", note])


def model_row(model: VideoModel) -> tuple[str, ...]:
    price = lowest_advertised_price(model)
    return (
        model.id,
        durations_text(model.supported_durations or []),
        words(model.supported_resolutions),
        words(model.supported_aspect_ratios),
        words([kind.removesuffix("_frame") for kind in model.supported_frame_images or []]),
        yes_no(model.generate_audio),
        yes_no(model.seed),
        format(Decimal(repr(price)), "f") if price != float("inf") else "-",
    )


def durations_text(durations: Sequence[int]) -> str:
    """Catalog order kept (`8 4 6`); runs of 3+ consecutive seconds shortened (`3-15`)."""
    runs: list[list[int]] = []
    for seconds in durations:
        if runs and seconds == runs[-1][-1] + 1:
            runs[-1].append(seconds)
        else:
            runs.append([seconds])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 2 else " ".join(map(str, r)) for r in runs]
    return " ".join(parts) or "-"


def words(values: Sequence[str] | None) -> str:
    return " ".join(values) if values else "-"


def yes_no(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "no")


# --- generate ----------------------------------------------------------------------------------


def generate(client: ModelGates, args: argparse.Namespace, progress: Progress) -> int:
    request = build_request(args)
    model = find_model(client.list_models(), args.model)
    if mismatches := preview(request, model):
        lines = [f"  {mismatch}" for mismatch in mismatches]
        raise Refused(f"{model.id} cannot run this request; nothing was submitted:", *lines)
    check_output(Path(args.out))
    if not args.no_preflight:
        check_images(request)
    job = client.submit(request)
    progress.on_job(job)
    job = client.wait(job, interval=args.interval, timeout=args.timeout, on_update=progress.on_job)
    size = client.download(job, to=args.out, on_progress=progress.on_bytes)
    progress.close()
    print(f"Saved {args.out} ({size:,} bytes, job {job.id})")
    return EXIT_OK


REQUEST_OPTIONS = ("model", "prompt", "duration", "resolution", "aspect_ratio", "size", "generate_audio", "seed")


def build_request(args: argparse.Namespace) -> VideoRequest:
    return VideoRequest(
        **{name: getattr(args, name) for name in REQUEST_OPTIONS},
        frame_images=frames(first=args.first_frame, last=args.last_frame) or None,
        input_references=[reference(url) for url in args.reference or ()] or None,
    )


def find_model(models: Sequence[VideoModel], model_id: str) -> VideoModel:
    by_id = {model.id: model for model in models}
    if model_id in by_id:
        return by_id[model_id]
    close = difflib.get_close_matches(model_id, by_id, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; see `modelgates-video models`"
    raise Refused(f"unknown model {model_id!r}{hint}")


def check_output(path: Path) -> None:
    """Fail before paying, not after the video is made, when it cannot be written."""
    if path.is_dir():
        raise Refused(f"--out {path} is a directory; give a file name")
    if not path.resolve().parent.is_dir():
        raise Refused(f"--out {path}: the directory {path.parent} does not exist")


def check_images(request: VideoRequest) -> None:
    parts = [*(request.frame_images or ()), *(request.input_references or ())]
    for part in parts:
        try:
            preflight(part.image_url.url)
        except ImagePreflightError as exc:
            message = f"{exc.message}; nothing was submitted (--no-preflight skips this check)"
            raise Refused(message) from exc


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """Live progress on `stream`: one line redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, clock: Callable[[], float], *, live: bool | None = None):
        self.stream = stream
        self.clock = clock
        self.live = stream.isatty() if live is None else live
        self.started = clock()
        self.job: Job | None = None
        self.phase = ""  # what the current line shows: a job status or "download"; "" for none
        self.key: object = None  # a plain line is printed when this changes
        self.text = ""
        self.printed_at = -PLAIN_EVERY

    def on_job(self, job: Job) -> None:
        self.job = job
        self.show(f"job {job.id} {job.status}", phase=job.status, key=job.status)

    def on_bytes(self, done: int, total: int | None) -> None:
        of = f" / {megabytes(total)} ({100 * done // total}%)" if total else ""
        quarter = 4 * done // total if total else 0  # plain mode prints each quarter
        self.show(f"downloading {megabytes(done)}{of}", phase="download", key=quarter)

    def show(self, text: str, *, phase: str, key: object) -> None:
        now = self.clock()
        line = f"[{clock_text(now - self.started)}] {text}"
        if self.live:
            if self.phase and phase != self.phase:
                self.stream.write("\n")  # keep each finished phase on screen
            self.stream.write(f"\r{line}\x1b[K")
        elif key != self.key or now - self.printed_at >= PLAIN_EVERY:
            self.stream.write(line + "\n")
            self.printed_at = now
        self.phase, self.key, self.text = phase, key, text
        self.stream.flush()

    def sleeper(self, sleep: Callable[[float], object]) -> Callable[[float], None]:
        """`sleep` in `TICK` slices that redraw the elapsed time of a live status line."""

        def ticking(seconds: float) -> None:
            if not self.live:
                sleep(seconds)
            while self.live and seconds > 0:
                step = min(TICK, seconds)
                sleep(step)
                seconds -= step
                if self.phase not in ("", "download"):
                    self.show(self.text, phase=self.phase, key=self.key)

        return ticking

    def close(self) -> None:
        if self.live and self.phase:
            self.stream.write("\n")
            self.stream.flush()
        self.phase = ""


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"


if __name__ == "__main__":
    raise SystemExit(main())
