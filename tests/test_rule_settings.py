"""A rule's settings param (what Snakemake compares to decide a rerun) depends on the values of a
config, not on the order its keys are listed in; an order that matters stays, as a list."""

from xstilts.study.settings import rule_settings


def test_the_order_of_a_mappings_keys_is_not_a_setting():
    listed = {
        "spec": {"lr": 1e-5, "batch_size": 32, "heads": {"span": 1, "tagging": 2}},
        "pin": None,
    }
    resorted = {
        "pin": None,
        "spec": {"heads": {"tagging": 2, "span": 1}, "batch_size": 32, "lr": 1e-5},
    }
    assert repr(listed) != repr(resorted)  # what Snakemake would have compared
    assert repr(rule_settings(listed)) == repr(rule_settings(resorted))


def test_values_and_list_order_are_settings():
    base = {"languages": ["en", "de"], "task": {"lr": 1e-5}}
    assert rule_settings(base) != rule_settings({"languages": ["de", "en"], "task": {"lr": 1e-5}})
    assert rule_settings(base) != rule_settings({"languages": ["en", "de"], "task": {"lr": 2e-5}})
    nested = {"b": [{"y": 1, "x": (2, 3)}], "a": None}
    assert rule_settings(nested) == {"a": None, "b": [{"x": [2, 3], "y": 1}]}
    assert list(rule_settings(nested)["b"][0]) == ["x", "y"]
