"""Load and validate ``config.yaml``, pointing every problem at its file, line and field.

A daemon that refuses to start should say exactly why, once, for every mistake in the file:
PyYAML parses the text into a node tree (which keeps line numbers), pydantic validates the
plain data, and each pydantic error's ``loc`` is walked back down the node tree to the line
it came from. Messages are rewritten into plain words (``expected a duration like 30s, 10m
or 2h, got '10 minutes'``) and all problems are collected before raising one
:class:`~newswatch.errors.ConfigError`.

The package splits that work by concept: :mod:`~newswatch.config.units` (durations, sizes),
:mod:`~newswatch.config.fields` (field types), the models (:mod:`~newswatch.config.sources`,
:mod:`~newswatch.config.alerts`, :mod:`~newswatch.config.settings`,
:mod:`~newswatch.config.root`), and loading (:mod:`~newswatch.config.loader`,
:mod:`~newswatch.config.yaml_nodes`, :mod:`~newswatch.config.environment`,
:mod:`~newswatch.config.problems`). Import from here.
"""

from __future__ import annotations

from newswatch.config.alerts import (
    ALL_KINDS,
    AlertConfig,
    AppriseAlert,
    ChangeKind,
    DigestConfig,
    EmailAlert,
    LogAlert,
    WebhookAlert,
)
from newswatch.config.loader import ENV_CONFIG as ENV_CONFIG
from newswatch.config.loader import default_config_path, load_config, parse_config
from newswatch.config.root import Config
from newswatch.config.settings import DaemonConfig, FetchConfig, ScheduleConfig
from newswatch.config.settings import ServeConfig as ServeConfig
from newswatch.config.sources import DEFAULT_FOLLOW_FOR as DEFAULT_FOLLOW_FOR
from newswatch.config.sources import DEFAULT_MAX_ARTICLES as DEFAULT_MAX_ARTICLES
from newswatch.config.sources import ExtractConfig, SourceConfig
from newswatch.config.sources import SourceKind as SourceKind
from newswatch.config.units import parse_duration, parse_listen, parse_size

__all__ = [
    "ALL_KINDS",
    "AlertConfig",
    "AppriseAlert",
    "ChangeKind",
    "Config",
    "DaemonConfig",
    "DigestConfig",
    "EmailAlert",
    "ExtractConfig",
    "FetchConfig",
    "LogAlert",
    "ScheduleConfig",
    "SourceConfig",
    "WebhookAlert",
    "default_config_path",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_listen",
    "parse_size",
]
