"""This folder's tests use the pytest plugin. A user's suite gets it from the installed package's
entry point; this repository switches the entry point off for its own tests (`-p no:infrai_mock`
in pyproject.toml), so the examples take the plugin's fixtures and hooks from here."""

from mockserver.pytest_plugin import (  # noqa: F401
    _infrai_block_live,
    infrai_mock,
    infrai_mock_api_key,
    infrai_mock_factory,
    infrai_mock_options,
    infrai_mock_server,
    infrai_mock_url,
    pytest_addoption,
    pytest_configure,
    pytest_runtest_call,
    pytest_runtest_makereport,
)
