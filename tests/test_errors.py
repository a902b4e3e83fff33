"""The gateway's error envelope, read into typed errors (``status_error``).

Every body here is one of the gateway's literal answers (``tests/data/examples``,
copied from its docs and tests) or a shape its server code sends, as described
in the upstream notes: a string ``error`` with ``reason``, the normalised
envelope (``message``, ``description``, ``details[]``, ``upstream_error``,
``request_id`` / ``generation_id``, ``retry_after_seconds``), an executor's
nested ``error`` object, the 402 with ``min_usd``, the 501 of the feature
switched off and the 504 of the queue route.
"""

from __future__ import annotations

import json
import random
from typing import Any, Final

import httpx
import pytest
from _support import EXAMPLES

from ai_stats_music import (
    APIStatusError,
    BadRequestError,
    FeatureDisabledError,
    InsufficientFundsError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ai_stats_music._failures import note_create_failure, status_error
from ai_stats_music._retry import RetryPolicy, is_transient, retry_after_of

URL: Final = "https://api.phaseo.app/v1/music/generate"


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def answer(
    code: int, body: Any, *, headers: dict[str, str] | None = None, method: str = "POST"
) -> APIStatusError:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(
        code, content=content, headers=headers, request=httpx.Request(method, URL)
    )
    return status_error(response)


# -- the literal answers -------------------------------------------------------------


def test_the_normalised_envelope_gives_code_request_id_and_every_text() -> None:
    error = answer(400, example("error-normalized.json"))
    assert type(error) is BadRequestError
    assert error.error_code == "validation_error"
    assert error.request_id == "G-VALIDATION-1"
    assert error.reason is None  # the envelope has no reason; its words are in the message
    assert str(error) == (
        f"POST {URL} answered HTTP 400: validation_error: The request contains invalid "
        "parameters.; temperature is too high (request id 'G-VALIDATION-1')"
    )


def test_the_documented_validation_answer_keeps_its_reason() -> None:
    error = answer(400, example("error-validation-documented.json"))
    assert (error.error_code, error.reason, error.request_id) == ("validation_error", "...", None)
    assert str(error).endswith("answered HTTP 400: validation_error: ...")


def test_the_501_of_the_feature_switched_off_is_its_own_error_and_not_a_server_error() -> None:
    error = answer(501, example("error-feature-disabled-501.json"))
    assert type(error) is FeatureDisabledError
    assert not isinstance(error, ServerError)  # `except ServerError: retry` must not retry it
    assert error.error_code == "not_implemented"
    assert error.reason == "feature_temporarily_disabled"
    assert "music endpoints are temporarily disabled." in str(error)
    assert "feature_temporarily_disabled" in str(error)
    assert not is_transient(error)


def test_a_501_on_create_is_not_retried_and_made_no_job() -> None:
    error = answer(501, example("error-feature-disabled-501.json"))
    assert RetryPolicy(max_retries=5).delay(error, attempt=0, creating=True, rng=_rng()) is None
    assert RetryPolicy(max_retries=5).delay(error, attempt=0, creating=False, rng=_rng()) is None
    note_create_failure(error)
    assert not error.job_may_exist
    assert "may exist" not in str(error)


def test_the_504_of_the_queue_route_names_the_request_a_job_may_exist_under() -> None:
    body = {"error": "gmicloud_request_queue_timeout", "request_id": "G-01JQ", "status": 504}
    error = answer(504, body)
    assert type(error) is ServerError
    assert error.error_code == "gmicloud_request_queue_timeout"
    assert error.request_id == "G-01JQ"
    note_create_failure(error)
    assert error.job_may_exist
    assert "may exist" in str(error)
    assert "client.wait('G-01JQ')" in str(error)
    assert error.args == (str(error),)


def test_402_is_insufficient_funds_with_the_minimum_it_asks_for() -> None:
    body = {"error": "insufficient_funds", "reason": "balance too low", "min_usd": 0.25}
    error = answer(402, body)
    assert type(error) is InsufficientFundsError
    assert error.min_usd == 0.25
    assert error.reason == "balance too low"
    assert "insufficient_funds: balance too low" in str(error)
    assert not is_transient(error)
    note_create_failure(error)
    assert not error.job_may_exist
    bare = answer(402, {"error": "insufficient_funds"})
    assert isinstance(bare, InsufficientFundsError)
    assert bare.min_usd is None


@pytest.mark.parametrize("value", [True, "lots", -1, float("inf"), None, [1], 10**400])
def test_a_min_usd_that_is_not_an_amount_is_none(value: Any) -> None:
    body = json.dumps({"error": "insufficient_funds", "min_usd": value}, allow_nan=True)
    error = answer(402, body.encode())
    assert isinstance(error, InsufficientFundsError)
    assert error.min_usd is None


# -- the shapes of the server code ------------------------------------------------------


def test_a_nested_error_object_gives_its_type_message_and_param() -> None:
    body = {
        "error": {
            "type": "invalid_request_error",
            "message": "format aac is not supported",
            "param": "format",
        }
    }
    error = answer(400, body)
    assert error.error_code == "invalid_request_error"
    assert error.reason == "format aac is not supported"  # as before: the nested message
    assert str(error).endswith(": invalid_request_error: format aac is not supported")


def test_a_nested_code_wins_over_its_type_and_a_nested_reason_is_read() -> None:
    error = answer(400, {"error": {"code": "bad_format", "type": "x", "reason": "aac"}})
    assert (error.error_code, error.reason) == ("bad_format", "aac")
    error = answer(400, {"error": {"code": 7, "type": "invalid_request_error"}})
    assert error.error_code == "invalid_request_error"  # a code that is not a string is none


def test_upstream_error_and_details_are_in_the_message_each_once() -> None:
    body = {
        "error": "upstream_error",
        "message": "The provider failed.",
        "description": "The provider failed.",
        "upstream_error": {"code": "x", "message": "model overloaded", "param": None},
        "details": [{"message": "model overloaded"}, {"message": "try later"}, {"nope": 1}],
        "generation_id": "G-GEN",
    }
    error = answer(502, body)
    assert error.request_id == "G-GEN"
    assert str(error) == (
        f"POST {URL} answered HTTP 502: upstream_error: The provider failed.; model "
        "overloaded; try later (request id 'G-GEN')"
    )


def test_request_id_comes_from_the_body_then_generation_id_then_the_header() -> None:
    header = {"X-Request-Id": "G-HEADER"}
    assert answer(500, {"request_id": "A", "generation_id": "B"}, headers=header).request_id == "A"
    assert answer(500, {"request_id": None, "generation_id": "B"}, headers=header).request_id == "B"
    assert answer(500, {"request_id": 3}, headers=header).request_id == "G-HEADER"
    assert answer(500, b"<html>bad gateway</html>", headers=header).request_id == "G-HEADER"
    assert answer(500, b"").request_id is None


@pytest.mark.parametrize(
    "body",
    [
        {"error": None, "message": None, "reason": None, "details": None},
        {"message": "", "description": "  ", "details": [None, {"message": None}]},
        {},
        [],
        None,
    ],
    ids=["nulls", "blanks", "empty-object", "array", "null"],
)
def test_a_body_without_words_never_says_none_and_ends_at_the_status(body: Any) -> None:
    error = answer(500, body)
    assert "None" not in str(error)
    assert str(error) == f"POST {URL} answered HTTP 500"
    assert (error.error_code, error.reason, error.request_id) == (None, None, None)


def test_the_message_is_bounded_whatever_the_body_holds() -> None:
    body = {
        "error": "e" * 100_000,
        "message": "m" * 100_000,
        "description": "d" * 100_000,
        "reason": "r" * 100_000,
        "details": [{"message": f"{i}" * 10_000} for i in range(1_000)],
        "upstream_error": {"message": "u" * 100_000},
        "request_id": "i" * 100_000,
    }
    error = answer(502, body)
    assert len(str(error)) < 1_000
    assert error.reason == "r" * 100_000  # the attributes keep everything
    assert error.request_id == "i" * 100_000
    assert "..." in str(error)


def test_a_404_of_another_workspaces_job_reads_like_any_unknown_job() -> None:
    body = {"error": "not_found", "reason": "music_not_found_or_not_owned", "request_id": "G-1"}
    response = httpx.Response(404, json=body, request=httpx.Request("GET", f"{URL}/req_other"))
    error = status_error(response, job_id="req_other")
    assert type(error) is NotFoundError
    assert error.job_id == "req_other"
    assert "music_not_found_or_not_owned" in str(error)
    assert "(job 'req_other' not found)" in str(error)


# -- retry_after_seconds -----------------------------------------------------------------


def test_retry_after_seconds_in_the_body_is_honoured_like_the_header() -> None:
    limited = answer(429, {"error": "key_limit_exceeded", "retry_after_seconds": 12})
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 12.0
    assert retry_after_of(limited) == 12.0
    # The header, when both are sent, wins.
    both = answer(429, {"retry_after_seconds": 12}, headers={"Retry-After": "3"})
    assert isinstance(both, RateLimitError)
    assert both.retry_after == 3.0
    assert retry_after_of(answer(502, {"retry_after_seconds": "4.5"})) == 4.5
    policy = RetryPolicy(max_retries=2)
    assert policy.delay(limited, attempt=0, creating=False, rng=_rng()) == 12.0
    assert policy.delay(limited, attempt=0, creating=True, rng=_rng()) == 12.0


def test_a_503_create_is_retried_on_the_retry_after_header_only() -> None:
    # The trust that a 503 was not processed rests on the header HTTP defines
    # for it; a hint in the body says when, not that nothing happened.
    policy = RetryPolicy(max_retries=2)
    hinted = answer(503, {"error": "upstream_error", "retry_after_seconds": 2})
    assert policy.delay(hinted, attempt=0, creating=True, rng=_rng()) is None
    assert policy.delay(hinted, attempt=0, creating=False, rng=_rng()) == 2.0
    header = answer(503, {"retry_after_seconds": 2}, headers={"Retry-After": "5"})
    assert policy.delay(header, attempt=0, creating=True, rng=_rng()) == 5.0


def _rng() -> random.Random:
    return random.Random(0)
