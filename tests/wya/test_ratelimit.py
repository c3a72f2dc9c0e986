from wya.ratelimit import allow, parse_rate


def test_rates_parse_like_drf():
    assert parse_rate("100/min") == (100, 60)
    assert parse_rate("5/hour") == (5, 3600)


def test_the_limit_allows_exactly_its_count_per_window(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "messages": "3/hour"}
    assert [allow("messages", "u1") for _ in range(5)] == [True, True, True, False, False]
    assert allow("messages", "u2") is True
