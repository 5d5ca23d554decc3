"""`infrai-mock` refuses bad command lines with a message and a usage exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.cli import exposure_warning, main, parser


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int | str | None, str]:
    """Run the CLI in-process on a command line it must refuse; return the exit code and stderr."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return exited.value.code, err


@pytest.mark.parametrize(
    ("port", "complaint"), [("70000", "not in 0..65535"), ("-1", "not in"), ("80x", "invalid")]
)
def test_port_outside_the_tcp_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], port: str, complaint: str
) -> None:
    """A port that is not 0..65535 exits 2 naming --port, before anything tries to bind it."""
    code, err = _refused(capsys, "--port", port)
    assert code == 2
    assert "argument --port" in err
    assert complaint in err


def test_unknown_log_level_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A log level outside the standard names exits 2 and lists the choices."""
    code, err = _refused(capsys, "--log-level", "foo")
    assert code == 2
    assert "argument --log-level" in err
    assert "DEBUG" in err


def test_log_level_is_case_insensitive() -> None:
    """`--log-level debug` means DEBUG."""
    assert parser().parse_args(["--log-level", "debug"]).log_level == "DEBUG"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("openapi: [\n", "is not valid YAML"),
        ("openapi: 3.1.0\npaths:\n  /x: 5\n", "is not a usable OpenAPI document"),
        ("- just\n- a list\n", "is not an OpenAPI document with paths"),
    ],
)
def test_broken_spec_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, complaint: str
) -> None:
    """A --spec that is not valid YAML, or not shaped like OpenAPI, exits 2 with one message."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, err = _refused(capsys, "--spec", str(spec))
    assert code == 2
    assert err.startswith(f"infrai-mock: error: {spec}")
    assert complaint in err


def test_max_body_past_what_aiohttp_can_parse_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A --max-body too large for aiohttp's parser exits 2 instead of serving connections it drops."""
    code, err = _refused(capsys, "--max-body", str(2**64))
    assert code == 2
    assert "max_body must be between 1 and" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"])
def test_loopback_binding_needs_no_warning(host: str) -> None:
    """The default (loopback) binding reaches only this machine: no warning."""
    assert exposure_warning(host, None, False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "", "192.168.1.5", "::", "example.org"])
def test_binding_beyond_loopback_with_an_open_control_api_warns(host: str) -> None:
    """Non-loopback without --admin-token or --no-admin gets a warning naming both remedies."""
    warning = exposure_warning(host, None, False)
    assert warning is not None
    assert "--admin-token" in warning
    assert "--no-admin" in warning
    assert exposure_warning(host, "t0ken", False) is None
    assert exposure_warning(host, None, True) is None


def test_admin_token_and_no_admin_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """The two control-API switches contradict each other."""
    code, err = _refused(capsys, "--admin-token", "t", "--no-admin")
    assert code == 2
    assert "contradict" in err


@pytest.mark.parametrize("flag", ["--max-tenants", "--max-key-length", "--header-timeout", "--journal-bytes"])
def test_limits_must_be_positive(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    """A limit of 0 or less is refused on the command line."""
    code, err = _refused(capsys, flag, "0")
    assert code == 2
    assert "positive" in err
