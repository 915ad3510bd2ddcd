"""Where each option comes from: flag > MODELGATES_MOCK_* > --config file > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver._settings import OPTIONS, SettingsError, resolve
from mockserver.cli import main

KEY = "sk-mg-v1-" + "ab" * 32
OTHER = "sk-mg-v1-" + "cd" * 32


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mock.toml"
    path.write_text(text)
    return str(path)


def test_defaults_when_nothing_is_given() -> None:
    args = resolve([], {})
    assert (args.host, args.port, args.scenario, args.speed, args.keys, args.access_log) == (
        "127.0.0.1",
        8000,
        "happy",
        1.0,
        None,
        False,
    )
    assert args.cors is None and args.log_format == "text"


def test_a_config_file_sets_every_kind_of_option(tmp_path: Path) -> None:
    config = _file(
        tmp_path,
        f'port = 9001\nscenario = "fast"\nspeed = 60\nkey = ["{KEY}"]\naccess-log = true\n'
        'webhook_allow_host = ["hooks.example"]\ncredits = "5.00"\n',
    )
    args = resolve(["--config", config], {})
    assert (args.port, args.scenario, args.speed, args.keys, args.access_log) == (9001, "fast", 60.0, [KEY], True)
    assert args.webhook_hosts == ["hooks.example"] and str(args.credits) == "5.00"


def test_the_environment_sets_options_and_beats_the_file(tmp_path: Path) -> None:
    environ = {
        "MODELGATES_MOCK_CONFIG": _file(tmp_path, 'port = 9001\nscenario = "fast"\n'),
        "MODELGATES_MOCK_PORT": "9002",
        "MODELGATES_MOCK_KEY": f"{KEY},{OTHER}",
        "MODELGATES_MOCK_ACCESS_LOG": "yes",
        "MODELGATES_MOCK_LOG_FORMAT": "json",
    }
    args = resolve([], environ)
    assert (args.port, args.scenario, args.keys, args.access_log, args.log_format) == (
        9002,
        "fast",
        [KEY, OTHER],
        True,
        "json",
    )


def test_a_flag_beats_the_environment_and_the_file(tmp_path: Path) -> None:
    environ = {"MODELGATES_MOCK_PORT": "9002", "MODELGATES_MOCK_SCENARIO": "fail"}
    args = resolve(["--port", "9003", "--config", _file(tmp_path, "port = 9001\nseed = 4\n")], environ)
    assert (args.port, args.scenario, args.seed) == (9003, "fail", 4)


def test_every_option_has_an_environment_variable() -> None:
    for option in OPTIONS:
        value = (
            "true"
            if option.parse is None
            else {"port": "1234", "key": KEY, "cors": "*", "render": "off", "api-version": "2026-10"}.get(
                option.flag, "7"
            )
        )
        if option.flag == "log-format":
            value = "json"
        args = resolve([], {option.env: value})
        assert getattr(args, option.name) not in (None, False, option.default), option.flag


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MODELGATES_MOCK_PORT": "99999"}, "MODELGATES_MOCK_PORT=99999: must be a port from 0 to 65535"),
        ({"MODELGATES_MOCK_KEY": "notakey"}, "MODELGATES_MOCK_KEY=notakey: an API key looks like sk-mg-v1-"),
        ({"MODELGATES_MOCK_PROT": "1"}, "MODELGATES_MOCK_PROT: no such option"),
        ({"MODELGATES_MOCK_ACCESS_LOG": "maybe"}, "MODELGATES_MOCK_ACCESS_LOG=maybe: must be true or false"),
    ],
)
def test_a_bad_environment_value_names_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        resolve([], environ)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [("prot = 1\n", "no such option 'prot'"), ("port = [1]\n", "port: expected a string"), ("port = \n", "Invalid")],
)
def test_a_bad_config_file_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = _file(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        resolve(["--config", config], {})
    assert str(caught.value).startswith(f"--config {config}: ") and message in str(caught.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--port", "99999"],
            "mockserver: argument --port: must be a port from 0 to 65535 (0: any free one), not '99999'",
        ),
        (["--port", "-5"], "mockserver: argument --port: must be a port from 0 to 65535 (0: any free one), not '-5'"),
        (["--key", "notakey"], "mockserver: argument --key: an API key looks like sk-mg-v1-<64 lowercase hex>"),
        (["--speed", "0"], "mockserver: argument --speed: must be a number greater than 0, not '0'"),
        (["--log-format", "xml"], "mockserver: argument --log-format: must be text or json, not 'xml'"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.startswith(message) and err.count("\n") == 1


def test_a_bad_environment_value_from_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELGATES_MOCK_PORT", "-5")
    assert main([]) == 2
    assert (
        capsys.readouterr().err
        == "mockserver: MODELGATES_MOCK_PORT=-5: must be a port from 0 to 65535 (0: any free one), not '-5'\n"
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("mockserver (modelgates-mock) ")


def test_state_errors_name_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no-such-dir" / "mock.sqlite"
    assert main(["--state", str(path)]) == 2
    err = capsys.readouterr().err
    # One line that names the file and what is wrong with it (the state file's own wording).
    assert err == f"mockserver: state file {path}: No such file or directory\n"
