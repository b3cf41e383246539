"""Reporting conventions: the QA value rule and the category groupings."""

from pathlib import Path

import pytest
import yaml

from xstilts.reporting import conventions
from xstilts.study.config import Study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def study():
    return Study(yaml.safe_load((ROOT / "config.yaml").read_text()))


def test_qa_value_is_the_official_mean_of_em_and_f1_by_default(study):
    spec = study.tasks["toy-xquad"]
    metrics = {"f1": 51.5, "exact_match": 9.3}
    rule = conventions.qa_score_rule(study.config)
    assert rule == "mean_em_f1"
    assert conventions.cell_value(metrics, spec, rule) == pytest.approx((51.5 + 9.3) / 2)
    assert conventions.cell_value(metrics, spec, "f1") == 51.5
    assert conventions.cell_value(metrics, spec, "exact_match") == 9.3


def test_non_qa_value_is_the_primary_metric(study):
    spec = study.tasks["toy-udpos"]
    metrics = {"f1": 40.0, "token_accuracy": 80.0}
    assert conventions.cell_value(metrics, spec, "mean_em_f1") == 40.0


def test_official_categories_group_by_benchmark_name(study):
    groups = conventions.categories(study)
    # XTREME_R_GROUP2TASK of the official evaluate.py, names and order as there.
    assert groups == {
        "classification": ["toy-xnli", "toy-xcopa"],
        "tagging": ["toy-udpos", "toy-panx"],
        "qa": ["toy-xquad"],
        "retrieval": ["toy-tatoeba", "toy-mewsli"],
        "multi_choice": ["toy-xcopa"],  # XCOPA sits in two groups
    }
    assert "toy-lareqa" not in {t for tasks in groups.values() for t in tasks}


def test_registry_and_custom_categories(study):
    study.config["aggregate"] = {"categories": "registry"}
    groups = conventions.categories(study)
    assert groups["sentence_retrieval"] == ["toy-tatoeba"]
    assert groups["retrieval"] == ["toy-lareqa", "toy-mewsli"]
    study.config["aggregate"] = {"categories": {"mine": ["toy-xnli", "toy-panx"]}}
    assert conventions.categories(study) == {"mine": ["toy-xnli", "toy-panx"]}
