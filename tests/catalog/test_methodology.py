"""The methodology page says what every figure is, and for probes exactly what is timed, from when to when."""

from tests.fixtures import text_of


def test_it_says_what_a_probe_times_from_when_to_when_and_that_our_set_up_is_left_out(reader):
    page = text_of(reader.get("/methodology/"))

    assert "What is timed, from when to when" in page
    for phase in ("Connection set-up", "Time to first byte", "Time to first token", "Latency"):
        assert f" {phase} From " in page, phase
    assert "from the moment the request starts being sent on an established connection" in page.lower()
    assert (
        "our own connection set-up, and any wait for a free connection on our side, are excluded whether the "
        "connection was new or reused, and the set-up is reported separately"
    ) in page
    assert "there is no set-up, and none is recorded" in page
