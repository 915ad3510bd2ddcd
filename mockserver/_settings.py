"""The CLI's options, and where each value comes from, in one place.

Every option can be given four ways; the first that is present wins:

1. the command line: `--port 9000`
2. the environment: `MODELGATES_MOCK_PORT=9000` (repeatable options: comma-separated; switches:
   1/true/yes/on or 0/false/no/off)
3. a TOML file: `--config mock.toml` (or `MODELGATES_MOCK_CONFIG=mock.toml`) with `port = 9000`
   (keys spelled like the flags, `-` or `_`; repeatable options as arrays)
4. the default shown by `--help`.

A value from any source goes through the same check as the flag, and a bad one is one line that
names where it came from (`MODELGATES_MOCK_PORT=99999: must be a port from 0 to 65535`).
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from mockserver.domain.keys import is_valid_key

__all__ = ["ENV_PREFIX", "OPTIONS", "Option", "SettingsError", "build_parser", "resolve"]

ENV_PREFIX = "MODELGATES_MOCK_"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


class SettingsError(Exception):
    """A value the mock cannot start with; the message is the one line to print."""


def _port(text: str) -> int:
    if not (text.strip().isdigit() and 0 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port from 0 to 65535 (0: any free one), not {text!r}")
    return int(text)


def _positive(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, not {text!r}")
    return number


_MAX_SPEED = 1_000_000.0  # a vendor day in under a tenth of a second; beyond, the mock's time overflows


def _speed(text: str) -> float:
    number = _positive(text)
    if number > _MAX_SPEED:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_SPEED:.0f}, not {text!r}")
    return number


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None


def _count(text: str) -> int:
    if _integer(text) < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return int(text)


def _money(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError("must be a non-negative amount")
    return amount


def _api_version(text: str) -> str:
    from mockserver.domain.versions import VERSIONS

    if text not in VERSIONS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(VERSIONS)}, not {text!r}")
    return text


def _render(text: str) -> str:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"must be on or off, not {text!r}")
    return text


def _api_key(text: str) -> str:
    if not is_valid_key(text):
        raise argparse.ArgumentTypeError("an API key looks like sk-mg-v1-<64 lowercase hex> (see mockserver --help)")
    return text


def _origin(text: str) -> str:
    if text != "*" and not (text.startswith(("http://", "https://")) and text.count("/") == 2):
        raise argparse.ArgumentTypeError(f"must be an origin like http://localhost:3000 (or *), not {text!r}")
    return text


def _log_format(text: str) -> str:
    if text not in ("text", "json"):
        raise argparse.ArgumentTypeError(f"must be text or json, not {text!r}")
    return text


class Option(NamedTuple):
    flag: str  # without the dashes
    parse: Callable[[str], Any] | None  # None: a switch
    default: Any
    help: str
    group: str = ""
    many: bool = False  # repeatable
    dest: str = ""
    metavar: str | None = None

    @property
    def name(self) -> str:
        return self.dest or self.flag.replace("-", "_")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.flag.replace("-", "_").upper()


_REALISM, _HOOKS, _CONTROL, _OUTPUT = "realism (all off by default)", "webhooks", "control", "output"
_VIDEOS = "videos"

OPTIONS: tuple[Option, ...] = (
    Option("host", str, "127.0.0.1", "bind address (default: loopback only)"),
    Option("port", _port, 8000, "port; 0 picks a free one (default 8000)"),
    Option(
        "api-version",
        _api_version,
        None,
        "which version of the vendor API to be: 2026-06 or 2026-10 (default: $MODELGATES_API_VERSION, else 2026-10)",
    ),
    Option("catalog", str, None, "serve this catalog (GET /videos/models format; `mockserver catalog save URL FILE`)"),
    Option(
        "remove-model",
        str,
        None,
        "take a model out of the catalog: its submits get 400 'Model ID does not exist'",
        many=True,
        dest="removed",
        metavar="ID",
    ),
    Option("scenario", str, "happy", "built-in name or path of a .toml file (reloaded when it changes)"),
    Option("speed", _speed, 1.0, "vendor seconds per real second (default 1)"),
    Option("seed", _integer, 0, "same seed, same ids and timelines"),
    Option(
        "key",
        _api_key,
        None,
        "accept only these API keys (repeatable; default: any sk-mg-v1-<64 hex>)",
        many=True,
        dest="keys",
    ),
    Option("journal-size", _count, 10_000, "requests the journal keeps (default 10000)"),
    Option("max-jobs", _count, 10_000, "jobs kept; beyond it the oldest finished ones are forgotten (default 10000)"),
    Option("credits", _money, None, "each key's starting balance in USD (default: unlimited)", _REALISM),
    Option("rate-limit", _count, None, "submits per minute per key", _REALISM, metavar="PER_MINUTE"),
    Option("max-concurrent-jobs", _count, None, "unfinished jobs per key", _REALISM, metavar="N"),
    Option("webhook-url", str, None, "default callback_url for jobs that give none", _HOOKS),
    Option("webhook-secret", str, None, "sign deliveries with this secret (X-ModelGates-Signature)", _HOOKS),
    Option("webhook-allow-http-loopback", None, False, "accept http:// callbacks on loopback", _HOOKS),
    Option(
        "webhook-allow-host",
        str,
        None,
        "a host besides loopback that deliveries may reach (repeatable)",
        _HOOKS,
        many=True,
        dest="webhook_hosts",
        metavar="HOST",
    ),
    Option("webhook-max-attempts", _count, 5, "attempts per delivery (default 5)", _HOOKS),
    Option("admin-token", str, None, "operator token for /_mock/ (default: a random one, kept by --state)", _CONTROL),
    Option("state", str, None, "keep jobs, ledger, journal, deliveries and the admin token in SQLite", _CONTROL),
    Option("cors", _origin, None, "answer browsers from this origin (preflights too; default: off)", _CONTROL),
    Option(
        "render", _render, "on", "on: each job's own MP4 (size, duration, audio; needs PyAV); off: fixtures", _VIDEOS
    ),
    Option("video-bitrate", _count, 1_000_000, "video bits per second at 720p (default 1000000)", _VIDEOS),
    Option("render-cache-mb", _count, 256, "memory for rendered videos in MB (default 256)", _VIDEOS),
    Option("render-cache-dir", str, None, "also keep rendered videos in DIR (reused after a restart)", _VIDEOS),
    Option("access-log", None, False, "log every request", _OUTPUT),
    Option("log-format", _log_format, "text", "text (default) or json: one JSON object per line", _OUTPUT),
)
_BY_KEY = {key: option for option in OPTIONS for key in {option.flag, option.name, option.flag.replace("-", "_")}}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the flag and what is wrong with it.
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The flags; a flag not given is absent from the namespace (so env, file and defaults can fill it)."""
    parser = _Parser(
        prog="mockserver",
        description="A spec-faithful fake of the ModelGates video API. Every option also reads "
        f"{ENV_PREFIX}<OPTION> (e.g. {ENV_PREFIX}PORT) and a --config TOML file; the flag wins, then "
        "the environment, then the file.",
        argument_default=argparse.SUPPRESS,
    )
    groups: dict[str, Any] = {}
    for option in OPTIONS:
        target = groups.setdefault(option.group, parser.add_argument_group(option.group)) if option.group else parser
        names = [f"--{option.flag}"]
        if option.parse is None:
            target.add_argument(*names, dest=option.name, action="store_true", help=option.help)
        else:
            action = "append" if option.many else "store"
            target.add_argument(
                *names, dest=option.name, type=option.parse, action=action, metavar=option.metavar, help=option.help
            )
    parser.add_argument("--config", metavar="FILE", help=f"a TOML file of options (or {ENV_PREFIX}CONFIG)")
    parser.add_argument("--list-scenarios", action="store_true", help="list built-ins and exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def resolve(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    """Every option's value, from the flag, else the environment, else the file, else the default."""
    given = vars(build_parser().parse_args(argv))
    values: dict[str, Any] = {"list_scenarios": False, "version": False}
    values.update({option.name: option.default for option in OPTIONS})
    config = given.get("config") or environ.get(ENV_PREFIX + "CONFIG")
    if config:
        values.update(_from_file(Path(config)))
    values.update(_from_environment(environ))
    values.update(given)
    values["config"] = config
    return argparse.Namespace(**values)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    by_env = {option.env: option for option in OPTIONS}
    found: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        option = by_env.get(name)
        if option is None:  # a typo would otherwise be ignored in silence
            raise SettingsError(f"{name}: no such option (mockserver --help lists them)")
        where = f"{name}={raw}"
        if option.many:
            found[option.name] = [_parsed(option, part.strip(), where) for part in raw.split(",") if part.strip()]
        else:
            found[option.name] = _parsed(option, raw, where)
    return found


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"--config {path}: {exc}") from None
    found: dict[str, Any] = {}
    for key, value in data.items():
        option = _BY_KEY.get(key)
        if option is None:
            raise SettingsError(f"--config {path}: no such option {key!r} (mockserver --help lists them)")
        where = f"--config {path}: {key}"
        if option.many:
            items = value if isinstance(value, list) else [value]
            found[option.name] = [_parsed(option, _text(item, where), where) for item in items]
        else:
            found[option.name] = _parsed(option, _text(value, where), where)
    return found


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise SettingsError(f"{where}: expected a string, number or boolean, not {type(value).__name__}")


def _parsed(option: Option, raw: str, where: str) -> Any:
    if option.parse is None:
        if raw.strip().lower() not in _TRUE + _FALSE:
            raise SettingsError(f"{where}: must be true or false")
        return raw.strip().lower() in _TRUE
    try:
        return option.parse(raw)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
