"""Tables, figures, the answer page, the statistics' config and the language metadata, on a
synthetic study shaped like config/test-small.yaml plus a second seed and an English-only
recipe (the one the research question compares against)."""

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from xstilts.reporting import (
    answer,
    comparisons,
    conventions,
    figures,
    layout,
    report,
    stats,
    tables,
)
from xstilts.reporting import settings as stats_settings
from xstilts.reporting.examples import Reducer, reduce
from xstilts.study import languages, registry
from xstilts.study.config import ConfigError, Study, validate_config

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"resamples": 1000, "seed": 3, "confidence": 0.95, "correction": "holm", "power": 0.8}


@pytest.fixture(scope="module")
def config():
    config = yaml.safe_load((ROOT / "config/test-small.yaml").read_text())
    config["seeds"] = [1, 2]
    config["recipes"]["mnli"] = ["mnli"]
    return config


@pytest.fixture(scope="module")
def study(config):
    return Study(config)


@pytest.fixture(scope="module")
def synthetic(study, tmp_path_factory):
    """(scores frame, comparisons frame, summary) of a synthetic run: pawsx-mnli is planted
    10 points better than mnli on toy-udpos; toy-xnli of pawsx-mnli is marked translate-train."""
    rng = np.random.default_rng(0)
    rows, resampled = [], {}
    for task in study.targets:
        for lang in study.test_languages(task):
            cells = {}
            for recipe in study.recipes:
                for seed in study.seeds:
                    shift = 0.1 if (recipe == "pawsx-mnli" and task == "toy-udpos") else 0.0
                    value = (rng.uniform(size=150) < 0.5 + shift) * 100.0
                    cells[("tiny-xlmr", recipe, seed)] = np.column_stack([value, np.ones(150)])
                    setting = (
                        "translate-train"
                        if (recipe == "pawsx-mnli" and task == "toy-xnli")
                        else "zero-shot"
                    )
                    rows.append(
                        {
                            "model": "tiny-xlmr",
                            "recipe": recipe,
                            "task": task,
                            "seed": seed,
                            "language": lang,
                            "score": float(value.mean()),
                            "setting": setting,
                            "n_examples": 150,
                        }
                    )
            data = stats.LanguageData(task, lang, Reducer("ratio", 1), (150,), cells)
            draws = stats.seed_counts(2, SETTINGS["resamples"], SETTINGS["seed"])
            resampled[(task, lang)] = stats.resample_language(data, study.seeds, draws, 3)
    scores = pd.DataFrame(rows)
    pairs = stats_settings.comparisons(study)
    frame = stats.compare(resampled, pairs, study.targets, conventions.categories(study), SETTINGS)
    sizes = {key: 150 for key in resampled}
    frame = comparisons.annotate(frame, study, scores, sizes)
    folder = tmp_path_factory.mktemp("synthetic")
    scores_csv, stats_csv = folder / "scores.csv", folder / "comparisons.csv"
    scores.to_csv(scores_csv, index=False)
    frame.to_csv(stats_csv, index=False)
    summary = {
        **SETTINGS,
        "resampler_seed": 3,
        "scheme": comparisons.SCHEME,
        "interval": "percentile",
        "test": "bootstrap",
        "correction_name": stats_settings.CORRECTIONS["holm"],
        "families": "one per level",
        "mde": "formula",
        "seeds": study.seeds,
        "qa_score": "mean_em_f1",
        "categories": conventions.categories(study),
        "provenance": {
            "study": "test-small",
            "config_hash": "x",
            "environment": {"code_version": "y"},
        },
    }
    return scores, frame, summary, str(scores_csv), str(stats_csv), folder


def test_statistics_config_is_validated(config):
    good = copy.deepcopy(config)
    good["statistics"] = {
        "resamples": 500,
        "seed": 1,
        "correction": "bh",
        "main_comparison": {"recipe": "pawsx-mnli", "versus": "mnli"},
    }
    validate_config(good)
    assert stats_settings.statistics_settings(good)["resamples"] == 500
    assert stats_settings.main_comparison(Study(good)) == ("pawsx-mnli", "mnli")
    for mutation, expected in (
        ({"resamples": 10}, "statistics.resamples"),
        ({"correction": "bonferroni"}, "allowed values: holm, bh"),
        ({"confidence": 1.5}, "statistics.confidence"),
        (
            {"main_comparison": {"recipe": "pawsx-mnlii", "versus": "mnli"}},
            "statistics.main_comparison.recipe: unknown recipe 'pawsx-mnlii'",
        ),
        ({"bootstrap": 3}, "allowed keys"),
    ):
        bad = copy.deepcopy(config)
        bad["statistics"] = mutation
        with pytest.raises(ConfigError) as info:
            validate_config(bad)
        assert expected in str(info.value)


def test_main_comparison_is_multilingual_to_english_against_english_only(study):
    assert stats_settings.main_comparison(study) == ("pawsx-mnli", "mnli")
    pairs = stats_settings.comparisons(study)
    assert ("pawsx-mnli", "mnli") in pairs and ("pawsx-mnli", "baseline") in pairs


def test_language_metadata_covers_every_test_language():
    codes = set(languages.known_codes())
    for name, spec in registry.tasks().items():
        if spec.is_target:
            assert set(spec.test.languages) <= codes, name
    assert (
        len(
            codes
            & {lang for s in registry.tasks().values() if s.is_target for lang in s.test.languages}
        )
        >= 54
    )  # 50 XTREME-R + en + xa..xd
    assert languages.metadata("sw")["family"] == "Niger-Congo"
    assert languages.metadata("en")["cc100_gib"] == 300.8  # Conneau et al. 2020, Table 6
    assert languages.metadata("yo")["cc100_gib"] is None  # not a CC-100 language
    assert languages.metadata("xb")["script"] == "Cyrillic"  # as the generator defines it
    assert languages.metadata("zz")["family"] is None


def test_planted_effect_and_marks_reach_the_tables(study, synthetic, tmp_path):
    scores, frame, summary, scores_csv, stats_csv, _ = synthetic
    outputs = {k: str(tmp_path / Path(v).name) for k, v in layout.table_outputs("r").items()}
    tables.build_tables(study, scores_csv, stats_csv, summary, outputs)
    main_tex = Path(outputs["main_tex"]).read_text()
    assert "\\toprule" in main_tex and "\\midrule" in main_tex and "\\bottomrule" in main_tex
    assert "multilingual$\\to$English" in main_tex and "$\\pm$" in main_tex
    main_md = Path(outputs["main_md"]).read_text()
    pawsx_row = next(line for line in main_md.splitlines() if "| pawsx-mnli " in line)
    assert pawsx_row.count("†") == 3  # toy-xnli, its category, the average
    main = pd.read_csv(outputs["main_csv"]).set_index("recipe")
    udpos_mnli = scores[(scores["recipe"] == "mnli") & (scores["task"] == "toy-udpos")]
    # the table's task score: language mean per seed, then mean over seeds
    expected = udpos_mnli.groupby("seed")["score"].mean().mean()
    assert main.loc["mnli", "toy-udpos_mean"] == pytest.approx(expected, abs=1e-4)
    comparison_md = Path(outputs["comparison_md"]).read_text()
    udpos = frame[
        (frame["level"] == "task")
        & (frame["name"] == "toy-udpos")
        & (frame["recipe"] == "pawsx-mnli")
        & (frame["versus"] == "mnli")
    ].iloc[0]
    assert udpos["significant"] and udpos["delta"] > 5
    assert f"+{udpos['delta']:.1f} [" in comparison_md
    languages_tex = Path(outputs["languages_tex"]).read_text()
    assert languages_tex.count("\\begin{table}") == len(study.targets)
    html = Path(outputs["html"]).read_text()
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html


def test_answer_page_states_the_answer_and_caveats(study, synthetic, tmp_path):
    scores, frame, summary, scores_csv, stats_csv, _ = synthetic
    outputs = {"markdown": str(tmp_path / "answer.md"), "html": str(tmp_path / "answer.html")}
    answer.build_answer(study, stats_csv, summary, scores_csv, outputs)
    text = Path(outputs["markdown"]).read_text()
    average = frame[
        (frame["level"] == "average")
        & (frame["recipe"] == "pawsx-mnli")
        & (frame["versus"] == "mnli")
    ].iloc[0]
    assert "**Answer.**" in text
    assert "`pawsx-mnli` (multilingual->English) vs `mnli` (English-only)" in text
    assert f"±{average['mde']:.2f}" in text
    assert "toy-udpos" in text.split("## Where each recipe wins and loses")[1]  # a planted win
    assert "pawsx-mnli on toy-xnli (translate-train)" in text
    assert "2 seeds (1, 2)" in text and "Holm" in text
    assert "<h1>" in Path(outputs["html"]).read_text()


def test_figures_are_drawn_in_both_formats(study, synthetic, tmp_path):
    _, frame, summary, _, stats_csv, folder = synthetic
    summary_json = folder / "statistics.json"
    summary_json.write_text(json.dumps(summary))
    outputs = {k: str(tmp_path / Path(v).name) for k, v in layout.figure_outputs("r").items()}
    report.build_figures(study, stats_csv, str(summary_json), outputs)
    for path in outputs.values():
        data = Path(path).read_bytes()
        assert data[:4] in (b"\x89PNG", b"%PDF") and len(data) > 5000, path
    properties = figures.language_properties(
        frame, ("pawsx-mnli", "mnli"), "c", str(tmp_path / "p.png"), str(tmp_path / "p.pdf")
    )
    assert properties == ["script", "word_order"]  # toy languages: family and size do not vary


def test_a_single_recipe_study_has_tables_and_says_there_is_nothing_to_compare(
    config, synthetic, tmp_path
):
    """A baseline-only study (the real-encoder e2e test runs one): its statistics are an empty
    comparisons table with the usual columns; the tables, the answer page and the figures
    still build and say why there is no comparison."""
    scores, frame, summary, _, _, folder = synthetic
    assert list(frame.columns) == comparisons.COLUMNS  # the empty table's columns are the real ones
    single = copy.deepcopy(config)
    single["recipes"] = {"baseline": []}
    study = Study(single)
    assert stats_settings.comparisons(study) == []
    scores_csv = tmp_path / "scores.csv"
    scores[scores["recipe"] == "baseline"].to_csv(scores_csv, index=False)
    stats_csv = tmp_path / "comparisons.csv"
    pd.DataFrame(columns=comparisons.COLUMNS).to_csv(stats_csv, index=False)
    summary = {**summary, "comparisons": [], "main_comparison": []}
    summary_json = tmp_path / "statistics.json"
    summary_json.write_text(json.dumps(summary))

    outputs = {k: str(tmp_path / Path(v).name) for k, v in layout.figure_outputs("r").items()}
    report.build_figures(study, str(stats_csv), str(summary_json), outputs)
    for path in outputs.values():
        assert Path(path).read_bytes()[:4] in (b"\x89PNG", b"%PDF"), path
    table_outputs = {
        k: str(tmp_path / "tables" / Path(v).name) for k, v in layout.table_outputs("r").items()
    }
    tables.build_tables(study, str(scores_csv), str(stats_csv), summary, table_outputs)
    main = pd.read_csv(table_outputs["main_csv"])
    assert list(main["recipe"]) == ["baseline"]
    assert "single recipe" in Path(table_outputs["comparison_md"]).read_text()
    assert "tabular" not in Path(table_outputs["comparison_tex"]).read_text()
    page = {"markdown": str(tmp_path / "answer.md"), "html": str(tmp_path / "answer.html")}
    answer.build_answer(study, str(stats_csv), summary, str(scores_csv), page)
    assert "single recipe" in Path(page["markdown"]).read_text()


def test_training_curves_from_model_records(tmp_path):
    records = []
    for recipe in ("baseline", "mnli"):
        for seed in (1, 2):
            folder = tmp_path / recipe / str(seed)
            folder.mkdir(parents=True)
            curve = [
                {"step": s, "train_loss": 1.0 / s, "selection_score": 40 + s / 10, "dev": {}}
                for s in (50, 100)
            ]
            record = {
                "recipe": recipe,
                "task": "toy-xnli",
                "seed": seed,
                "model": "m",
                "curve": curve,
                "best_step": 100,
            }
            (folder / "xstilts.json").write_text(json.dumps(record))
            records.append(figures.read_curve(str(folder)))
    png, pdf = tmp_path / "c.png", tmp_path / "c.pdf"
    figures.training_curves(records, "recipe", "caption", str(png), str(pdf))
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:4] == b"%PDF"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "xstilts.json").write_text("{}")
    with pytest.raises(ValueError, match="no training curve"):
        figures.read_curve(str(tmp_path / "bad"))


def test_stale_examples_file_fails_with_its_name(study, tmp_path):
    """A per-example file whose values no longer give the table's value is refused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "tiny-xlmr/baseline/toy-xcopa/seed1/examples.parquet"
    path.parent.mkdir(parents=True)
    meta = {
        "format": 1,
        "cell": {"model": "tiny-xlmr", "recipe": "baseline", "task": "toy-xcopa", "seed": 1},
        "metric": "accuracy",
        "primary": "accuracy",
        "ids_digest": {"xa": "d"},
    }
    table = pa.table(
        {
            "language": ["xa"] * 4,
            "part": [""] * 4,
            "id": list("abcd"),
            "value": [100.0, 0.0, 0.0, 100.0],
        }
    )
    pq.write_table(table.replace_schema_metadata({"xstilts": json.dumps(meta)}), path)
    stale = {("tiny-xlmr", "baseline", "toy-xcopa", 1, "xa"): 75.0}
    with pytest.raises(
        comparisons.StatisticsError, match="examples.parquet.*50.0.*75.0.*forcerun aggregate"
    ):
        comparisons.load_task(study, "toy-xcopa", [str(path)], stale)
    fresh = {("tiny-xlmr", "baseline", "toy-xcopa", 1, "xa"): 50.0}
    data = comparisons.load_task(study, "toy-xcopa", [str(path)], fresh)["xa"]
    assert float(reduce(data.cells[("tiny-xlmr", "baseline", 1)].sum(axis=0), data.reducer)) == 50.0


def test_layout_lists_every_output(study):
    outputs = layout.all_outputs(study)
    assert any(p.endswith("summary/answer.html") for p in outputs)
    assert any(p.endswith("figures/curves-stages.pdf") for p in outputs)
    # Tatoeba borrows the QA model: no curve of its own
    assert not any("curves-toy-tatoeba" in p for p in outputs)
    assert len(layout.examples_files(study)) == len(study.recipes) * len(study.targets) * 2


def test_planner_counts_no_submission_for_the_statistics():
    from xstilts.study.plan import submissions

    counts = {"predict_toy_xnli": 4, "score_toy_xnli": 4, "examples": 4, "statistics": 1}
    counts |= {"tables": 1, "figures": 1, "training_curves": 1, "answer": 1}
    assert submissions(counts) == 4  # examples ride with predictions; the rest are local
