"""`modelgates-video generate`, `status` and `download`: one job, from request to file."""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Sequence
from pathlib import Path

from client import ModelGates, VideoModel, VideoRequest
from client.cli._progress import Progress
from client.images import ImagePreflightError, frames, preflight, reference
from client.select import preview

__all__ = ["Refused", "download", "generate", "status"]


class Refused(Exception):
    """The CLI declines before anything is paid for; each argument is one line to print."""


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
    return 0


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


def status(client: ModelGates, job_id: str, *, as_json: bool) -> int:
    """Print a job as the API answers it now; exit 0 unless it failed."""
    job = client.get(job_id)
    if as_json:
        print(json.dumps(job.model_dump(mode="json"), indent=2))
    else:
        print(f"job {job.id} {job.status}")
        if job.error:
            print(f"  error: {job.error}")
        for url in job.unsigned_urls or ():
            print(f"  output: {url}")
    return 1 if job.is_terminal and not job.is_completed else 0


def download(client: ModelGates, args: argparse.Namespace, progress: Progress) -> int:
    """Wait for an existing job (a failed one raises `JobFailed`) and save one of its outputs."""
    check_output(Path(args.out))
    job = client.get(args.job_id)
    progress.on_job(job)
    job = client.wait(job, interval=args.interval, timeout=args.timeout, on_update=progress.on_job)
    size = client.download(job, to=args.out, index=args.index, on_progress=progress.on_bytes)
    progress.close()
    print(f"Saved {args.out} ({size:,} bytes, job {job.id})")
    return 0
