from linguafranca.messages import UsageMetadata, add_usage, subtract_usage


def test_add_usage_verified_example():
    left: UsageMetadata = {
        "input_tokens": 5,
        "output_tokens": 0,
        "total_tokens": 5,
        "input_token_details": {"cache_read": 3},
    }
    right: UsageMetadata = {
        "input_tokens": 0,
        "output_tokens": 7,
        "total_tokens": 7,
        "output_token_details": {"reasoning": 2},
    }
    assert add_usage(add_usage(left, right), None) == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"cache_read": 3},
        "output_token_details": {"reasoning": 2},
    }


def test_add_usage_with_none():
    usage: UsageMetadata = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    assert add_usage(None, usage) == usage
    assert add_usage(usage, None) == usage
    assert add_usage(None, usage) is not usage
    assert add_usage(None, None) == {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}


def test_add_usage_sums_nested_details_and_extra_keys():
    left = {
        "input_tokens": 1,
        "output_tokens": 1,
        "total_tokens": 2,
        "input_token_details": {"audio": 1, "cache_creation": 2},
        "provider_extra": 4,
    }
    right = {
        "input_tokens": 1,
        "output_tokens": 1,
        "total_tokens": 2,
        "input_token_details": {"audio": 2, "cache_read": 5},
        "provider_extra": 1,
    }
    total = add_usage(left, right)  # type: ignore[arg-type]
    assert total["input_token_details"] == {"audio": 3, "cache_creation": 2, "cache_read": 5}
    assert total["provider_extra"] == 5  # type: ignore[typeddict-item]


def test_subtract_usage_floors_at_zero():
    left: UsageMetadata = {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "output_token_details": {"reasoning": 1},
    }
    right: UsageMetadata = {
        "input_tokens": 6,
        "output_tokens": 0,
        "total_tokens": 6,
        "output_token_details": {"reasoning": 4},
    }
    assert subtract_usage(left, right) == {
        "input_tokens": 0,
        "output_tokens": 7,
        "total_tokens": 6,
        "output_token_details": {"reasoning": 0},
    }
    assert subtract_usage(left, None) == left
    assert subtract_usage(None, None)["total_tokens"] == 0
