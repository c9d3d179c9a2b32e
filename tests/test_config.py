"""Tests of toyopt.config: limits, strict validation, the configuration file and share links."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyopt.config import (
    APP_LIMITS,
    CONFIG_FORMAT,
    FIELD_NAMES,
    LIMITS,
    MAX_CONFIG_FILE_SIZE,
    QUERY_KEYS,
    ConfigError,
    Interval,
    config_from_dict,
    config_from_query,
    config_to_dict,
    config_to_query,
    dump_config_file,
    format_number,
    load_config_file,
    parse_number,
    parse_starts,
)
from toyopt.engine import RunConfig
from toyopt.problems import CAGRAD_TOY

DEFAULT = RunConfig()

CUSTOM = RunConfig(
    methods=("cagrad", "gd"),
    starts=((0.1, -0.2), (-9.99, 3.0)),
    optimizer="rmsprop",
    lr=0.0123,
    steps=2500,
    c=0.3,
    rescale="none",
    record_every=7,
)


def with_setting(**changes: object) -> dict[str, object]:
    """Return the default configuration dictionary with some settings replaced."""
    return {**config_to_dict(DEFAULT), **changes}


# Limits.

LIMIT_TABLE = [
    # (limits, field, inside, outside)
    (LIMITS, "c", [0.0, 100.0], [-1e-9, 100.000001]),
    (LIMITS, "lr", [1e-300, 100.0], [0.0, 100.5]),
    (LIMITS, "steps", [1, 1_000_000], [0, 1_000_001]),
    (APP_LIMITS, "c", [0.0, 10.0], [-0.1, 10.1]),
    (APP_LIMITS, "lr", [1e-4, 1e-1], [9.9e-5, 0.11]),
    (APP_LIMITS, "steps", [1000, 200_000], [999, 200_001]),
]


@pytest.mark.parametrize(("limits", "field", "inside", "outside"), LIMIT_TABLE)
def test_limits_ranges(limits, field, inside, outside):
    interval = getattr(limits, field)
    for value in inside:
        assert value in interval, (field, value)
    for value in outside:
        assert value not in interval, (field, value)


def test_limits_reject_nan_inf_bool():
    for interval in (LIMITS.c, LIMITS.lr, APP_LIMITS.lr):
        assert math.nan not in interval
        assert math.inf not in interval
        assert True not in interval


def test_limits_start_counts_and_boxes():
    assert LIMITS.max_starts == 64
    assert APP_LIMITS.max_starts == 12
    assert LIMITS.start_box(CAGRAD_TOY) == (Interval(-1000, 1000), Interval(-1000, 1000))
    assert APP_LIMITS.start_box(CAGRAD_TOY) == (Interval(-10, 10), Interval(-10, 10))


def test_interval_text():
    assert str(LIMITS.lr) == "(0, 100]"
    assert str(APP_LIMITS.lr) == "[0.0001, 0.1]"
    assert str(LIMITS.steps) == "[1, 1000000]"


@pytest.mark.parametrize("limits", [LIMITS, APP_LIMITS], ids=["library", "app"])
def test_defaults_valid_under_limits(limits):
    # Every fallback of the lenient parser is a default, so defaults must pass.
    assert config_from_dict(config_to_dict(DEFAULT), limits) == DEFAULT


# Strict dictionary parser.


def test_config_dict_round_trip():
    for config in (DEFAULT, CUSTOM):
        assert config_from_dict(config_to_dict(config)) == config


def test_config_dict_is_json_safe():
    d = config_to_dict(CUSTOM)
    assert list(d) == list(FIELD_NAMES)
    assert isinstance(d["methods"], list)
    assert isinstance(d["starts"], list)
    assert all(isinstance(point, list) for point in d["starts"])
    assert json.loads(json.dumps(d, allow_nan=False)) == d


def test_config_dict_missing_keys_default():
    assert config_from_dict({}) == DEFAULT
    assert config_from_dict({"lr": 0.01}) == dataclasses.replace(DEFAULT, lr=0.01)


def test_config_dict_record_every_default_follows_steps():
    assert config_from_dict({"steps": 50}).record_every == 50
    assert config_from_dict({"steps": 5000}).record_every == 100


def test_config_dict_record_every_default_respects_point_cap():
    config = config_from_dict({"steps": 1_000_000, "starts": [[0.0, 0.0]] * 64})
    n_runs = len(config.methods) * len(config.starts)
    assert n_runs * config.n_records <= LIMITS.max_points
    assert config.record_every > 100


STRICT_REJECTS = [
    # (settings, field named in the message, text that must appear)
    ({"foo": 1}, None, "'foo'"),
    ({"problem": "nope"}, "problem", "'nope'"),
    ({"problem": 3}, "problem", "3"),
    ({"methods": "gd,mgda"}, "methods", "'gd,mgda'"),
    ({"methods": []}, "methods", "[]"),
    ({"methods": ["gd", "gd"]}, "methods", "at most once"),
    ({"methods": ["gd", "sgd"]}, "methods", "'sgd'"),
    ({"methods": [1]}, "methods", "1"),
    ({"starts": []}, "starts", "[]"),
    ({"starts": "1,2"}, "starts", "'1,2'"),
    ({"starts": [[1.0]]}, "starts", "[1.0]"),
    ({"starts": [[1.0, 2.0, 3.0]]}, "starts", "[1.0, 2.0, 3.0]"),
    ({"starts": [["1", 2.0]]}, "starts", "'1'"),
    ({"starts": [[math.nan, 0.0]]}, "starts", "nan"),
    ({"starts": [[0.0, math.inf]]}, "starts", "inf"),
    ({"starts": [[1000.5, 0.0]]}, "starts", "1000.5"),
    ({"starts": [[0.0, 0.0]] * 65}, "starts", "1 to 64 points"),
    ({"optimizer": "adagrad"}, "optimizer", "'adagrad'"),
    ({"rescale": "1+c^3"}, "rescale", "'1+c^3'"),
    ({"lr": "0.1"}, "lr", "'0.1'"),
    ({"lr": True}, "lr", "True"),
    ({"lr": math.nan}, "lr", "nan"),
    ({"lr": math.inf}, "lr", "inf"),
    ({"lr": 0.0}, "lr", "(0, 100]"),
    ({"lr": 100.5}, "lr", "100.5"),
    ({"lr": 10**400}, "lr", "(0, 100]"),
    ({"c": -0.5}, "c", "-0.5"),
    ({"c": None}, "c", "None"),
    ({"steps": 0}, "steps", "[1, 1000000]"),
    ({"steps": 2000.0}, "steps", "2000.0"),
    ({"steps": 1_000_001}, "steps", "1000001"),
    ({"steps": False}, "steps", "False"),
    ({"record_every": 0}, "record_every", "0"),
    ({"steps": 10, "record_every": 11}, "record_every", "11"),
    ({"record_every": 1.5}, "record_every", "1.5"),
    (
        {"steps": 1_000_000, "record_every": 1, "starts": [[0.0, 0.0]] * 64},
        "record_every",
        "2000000",
    ),
]


@pytest.mark.parametrize(("changes", "field", "shown"), STRICT_REJECTS)
def test_config_dict_rejects(changes, field, shown):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(with_setting(**changes))
    message = str(caught.value)
    assert caught.value.field == field
    assert shown in message
    if field is not None:
        assert field in message


APP_REJECTS = [
    ({"c": 10.5}, "c"),
    ({"lr": 0.2}, "lr"),
    ({"lr": 5e-5}, "lr"),
    ({"steps": 999}, "steps"),
    ({"steps": 200_001}, "steps"),
    ({"starts": [[0.0, 0.0]] * 13}, "starts"),
    ({"starts": [[10.5, 0.0]]}, "starts"),
    ({"starts": [[0.0, -10.01]]}, "starts"),
]


@pytest.mark.parametrize(("changes", "field"), APP_REJECTS)
def test_config_dict_app_limits_reject(changes, field):
    config_from_dict(with_setting(**changes), LIMITS)
    with pytest.raises(ConfigError) as caught:
        config_from_dict(with_setting(**changes), APP_LIMITS)
    assert caught.value.field == field


def test_config_error_is_value_error():
    with pytest.raises(ValueError, match="expected a number in"):
        config_from_dict({"lr": -1.0})


def test_config_dict_rejects_non_mapping():
    with pytest.raises(ConfigError, match="expected an object"):
        config_from_dict([1, 2])


# Configuration file.


def test_config_file_round_trip():
    for config in (DEFAULT, CUSTOM):
        assert load_config_file(dump_config_file(config)) == config
        assert load_config_file(dump_config_file(config).encode()) == config


def test_config_file_layout():
    document = json.loads(dump_config_file(CUSTOM))
    assert list(document) == ["format", "version", "config"]
    assert document["format"] == "toyopt-config"
    assert document["version"] == 1
    assert document["config"] == config_to_dict(CUSTOM)


def test_config_file_floats_exact():
    config = dataclasses.replace(DEFAULT, lr=0.1 + 0.2, c=1 / 3, starts=((math.pi, -math.e),))
    loaded = load_config_file(dump_config_file(config))
    assert loaded.lr == config.lr
    assert loaded.c == config.c
    assert loaded.starts == config.starts


def config_file(document: object) -> str:
    return json.dumps(document)


VALID_DOCUMENT = {"format": CONFIG_FORMAT, "version": 1, "config": config_to_dict(DEFAULT)}

FILE_REJECTS = [
    # (file text, text that must appear in the message)
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "not a toyopt configuration file"),
    ('"toyopt-config"', "not a toyopt configuration file"),
    (config_file({"version": 1, "config": {}}), 'the key "format" is missing'),
    (config_file({**VALID_DOCUMENT, "format": "other-tool"}), "'other-tool'"),
    (config_file({**VALID_DOCUMENT, "version": 2}), "version 2 is newer"),
    (config_file({**VALID_DOCUMENT, "version": 0}), "version 0"),
    (config_file({**VALID_DOCUMENT, "version": "1"}), "version '1'"),
    (config_file({**VALID_DOCUMENT, "version": True}), "version True"),
    (config_file({**VALID_DOCUMENT, "extra": 1}), "unknown key 'extra'"),
    (config_file({"format": CONFIG_FORMAT, "version": 1}), 'missing key "config"'),
    (config_file({**VALID_DOCUMENT, "config": []}), "expected an object of settings"),
    (config_file({**VALID_DOCUMENT, "config": {"lr": "fast"}}), "invalid lr 'fast'"),
    ('{"format": "toyopt-config", "version": 1, "config": {"lr": NaN}}', "NaN"),
    ('{"format": "toyopt-config", "version": 1, "config": {"c": -Infinity}}', "-Infinity"),
    ('{"format": "toyopt-config", "version": 1, "version": 1, "config": {}}', "'version'"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (" " * (MAX_CONFIG_FILE_SIZE + 1), "more than the maximum"),
]


@pytest.mark.parametrize(("text", "reason"), FILE_REJECTS)
def test_config_file_rejects(text, reason):
    with pytest.raises(ConfigError) as caught:
        load_config_file(text)
    assert reason in str(caught.value)


def test_config_file_rejects_oversized_bytes():
    with pytest.raises(ConfigError, match="more than the maximum"):
        load_config_file(b" " * (MAX_CONFIG_FILE_SIZE + 1))


def test_config_file_rejects_non_utf8():
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config_file(b'{"format": "\xff"}')


def test_config_file_applies_limits():
    text = dump_config_file(dataclasses.replace(DEFAULT, lr=1.0))
    assert load_config_file(text).lr == 1.0
    with pytest.raises(ConfigError, match=r"invalid lr 1\.0"):
        load_config_file(text, APP_LIMITS)


# Number and list parsing.

NUMBER_FORMATS = [
    (-5.0, "-5"),
    (9.0, "9"),
    (0.001, "0.001"),
    (1e-05, "1e-05"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1e16, "1e+16"),
    (100_000, "100000"),
]


@pytest.mark.parametrize(("value", "text"), NUMBER_FORMATS)
def test_format_number_table(value, text):
    assert format_number(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_round_trips(value):
    assert float(format_number(value)) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1_000", "0x10", "\uff11", "1e", "", "--1"])
def test_parse_number_rejects(text):
    with pytest.raises(ConfigError, match="invalid lr"):
        parse_number("lr", text, Interval(-1e308, 1e308))


def test_parse_starts_forms():
    expected = ((-8.5, 7.5), (-8.5, -5.0), (9.0, 9.0))
    assert parse_starts("-8.5,7.5;-8.5,-5;9,9") == expected
    assert parse_starts(" -8.5 , 7.5 ; -8.5,-5 ;9,9") == expected


def test_parse_starts_counts_before_splitting():
    text = ";".join(["1,1"] * 65)
    with pytest.raises(ConfigError, match="at most 64 points"):
        parse_starts(text)


# Share-link query string.


def test_query_of_default():
    assert config_to_query(DEFAULT) == {
        "problem": "cagrad-toy",
        "methods": "gd,mgda,pcgrad,cagrad",
        "starts": "-8.5,7.5;-8.5,-5;9,9",
        "c": "0.5",
        "lr": "0.001",
        "steps": "100000",
        "optimizer": "adam",
        "rescale": "1+c",
    }


def test_query_bare_url_is_default():
    assert config_from_query({}) == (DEFAULT, [])


def test_query_round_trip_custom():
    app_config = dataclasses.replace(CUSTOM, record_every=100)
    config, messages = config_from_query(config_to_query(app_config))
    assert messages == []
    assert config == app_config


@settings(max_examples=50)
@given(
    lr=st.floats(1e-4, 1e-1),
    c=st.floats(0.0, 10.0),
    x=st.floats(-10.0, 10.0),
    y=st.floats(-10.0, 10.0),
    steps=st.integers(1000, 200_000),
)
def test_query_round_trip_exact(lr, c, x, y, steps):
    config = RunConfig(lr=lr, c=c, starts=((x, y),), steps=steps)
    parsed, messages = config_from_query(config_to_query(config))
    assert messages == []
    assert parsed == config


def test_query_accepts_single_item_lists():
    params = {key: [value] for key, value in config_to_query(CUSTOM).items()}
    config, messages = config_from_query(params)
    assert messages == []
    assert config.lr == CUSTOM.lr


def test_query_plus_sent_as_space():
    config, messages = config_from_query({"rescale": "1 c^2", "lr": "1e 2"})
    assert config.rescale == "1+c^2"
    assert messages == [
        "invalid lr '1e+2': expected a number in [0.0001, 0.1]. Used lr=0.001 instead."
    ]


QUERY_TAMPERED = [
    # (key, tampered value, text in the message, fallback used)
    ("lr", "abc", "'abc'", 0.001),
    ("lr", "nan", "'nan'", 0.001),
    ("lr", "inf", "'inf'", 0.001),
    ("lr", "1e308", "'1e308'", 0.001),
    ("lr", "0.5", "[0.0001, 0.1]", 0.001),
    ("lr", ["0.01", "0.02"], "given 2 times", 0.001),
    ("c", "-1", "'-1'", 0.5),
    ("c", "1e308", "[0, 10]", 0.5),
    ("c", "", "''", 0.5),
    ("steps", "12.5", "'12.5'", 100_000),
    ("steps", "1e5", "'1e5'", 100_000),
    ("steps", "999", "[1000, 200000]", 100_000),
    ("steps", "9" * 5000, "(5000 characters)", 100_000),
    ("starts", "nan,1", "'nan,1'", DEFAULT.starts),
    ("starts", "11,0", "x1 in [-10, 10]", DEFAULT.starts),
    ("starts", "1,2;3", "point 2", DEFAULT.starts),
    ("starts", "", "point 1", DEFAULT.starts),
    ("starts", ";".join(["1,1"] * 13), "at most 12 points", DEFAULT.starts),
    ("starts", ";".join(["1,1"] * 5000), "at most 768 characters", DEFAULT.starts),
    ("methods", "gd,sgd", "unknown method 'sgd'", DEFAULT.methods),
    ("methods", "", "non-empty list", DEFAULT.methods),
    ("methods", "gd,gd", "at most once", DEFAULT.methods),
    ("methods", "gd," * 1000, "at most 256 characters", DEFAULT.methods),
    ("problem", "nope", "'nope'", "cagrad-toy"),
    ("optimizer", "adagrad", "'adagrad'", "adam"),
    ("rescale", "1+c^3", "'1+c^3'", "1+c"),
    ("rescale", ["1+c", "none", "none", "1+c"], "given 4 times", "1+c"),
]


@pytest.mark.parametrize(("key", "value", "shown", "fallback"), QUERY_TAMPERED)
def test_query_tampered_value_falls_back(key, value, shown, fallback):
    config, messages = config_from_query({key: value})
    default_text = config_to_query(DEFAULT)[key]
    assert getattr(config, key) == fallback
    assert len(messages) == 1
    assert key in messages[0]
    assert shown in messages[0]
    assert messages[0].endswith(f"Used {key}={default_text} instead.")


def test_query_bad_value_keeps_others():
    config, messages = config_from_query({"lr": "abc", "c": "2", "steps": "5000"})
    assert config.lr == DEFAULT.lr
    assert config.c == 2.0
    assert config.steps == 5000
    assert len(messages) == 1


def test_query_non_string_value():
    config, messages = config_from_query({"c": 3})
    assert config.c == DEFAULT.c
    assert messages == ["invalid c 3. Used c=0.5 instead."]


def test_query_every_key_tampered():
    params = dict.fromkeys(QUERY_KEYS, "\x00garbage")
    config, messages = config_from_query(params)
    assert config == DEFAULT
    assert len(messages) == len(QUERY_KEYS)


def test_query_unknown_keys_noted():
    params = {"lr": "0.01", "zoom": "2", **{f"k{i}": "1" for i in range(10)}}
    config, messages = config_from_query(params)
    assert config.lr == 0.01
    assert len(messages) == 1
    assert "'zoom'" in messages[0]
    assert "and 6 more" in messages[0]


def test_query_ignored_keys_silent():
    _, messages = config_from_query({"page": "about"}, ignored_keys={"page"})
    assert messages == []


def test_query_record_every_set_from_steps():
    config, _ = config_from_query({"steps": "150"}, limits=LIMITS)
    assert config.steps == 150
    assert config.record_every == 100
    config, _ = config_from_query({"steps": "50"}, limits=LIMITS)
    assert config.record_every == 50


def test_query_library_limits_allow_wide_starts():
    config, messages = config_from_query({"starts": "500,-500"}, limits=LIMITS)
    assert messages == []
    assert config.starts == ((500.0, -500.0),)
