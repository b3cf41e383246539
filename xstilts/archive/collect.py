"""Reading a finished run for its archive: the study's cells, what each score file says
produced it, the identities of the models and data it was computed from, the files to copy,
and the checks that the run is one consistent run of the archived config and code."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from xstilts import paths
from xstilts.io import IntegrityError, read_json, sha256_file, verify_folder
from xstilts.study.config import Study

# The identity of a results cell: which config, code, test data, predictions and model made it.
IDENTITY_FIELDS = (
    "config_hash",
    "settings_sha256",
    "code_version",
    "code_sha256",
    "data_file_sha256",
    "predictions_sha256",
    "model_sha256",
)
UNKNOWN = (None, "", "unknown", "absent", "not recorded")
WEIGHT_SUFFIXES = (".safetensors", ".pt", ".bin")


class ArchiveError(RuntimeError):
    """The run cannot be archived (or reproduced) as it is; the message says how to fix it."""


@dataclass(frozen=True, order=True)
class Cell:
    model: str
    recipe: str
    task: str
    seed: int
    language: str

    @property
    def key(self) -> str:
        return f"{self.model}/{self.recipe}/{self.task}/seed{self.seed}/{self.language}"

    def score(self, out: str) -> str:
        return paths.SCORE.format(out=out, **self._coords())

    def predictions(self, out: str) -> str:
        return paths.PREDICTION.format(out=out, **self._coords())

    def scores_dir(self, out: str) -> str:
        """The folder of this cell's model's score files: the Snakemake target that makes it."""
        return paths.scores_dir(out, self.model, self.recipe, self.task, self.seed)

    def _coords(self) -> dict:
        return {
            "model": self.model,
            "recipe": self.recipe,
            "task": self.task,
            "seed": self.seed,
            "lang": self.language,
        }


def archived_path(study: Study, run_path: str) -> str:
    """Where a file or folder of the run is in the archive: results/... or resources/..."""
    for top, folder in (("results", study.results_dir), ("resources", study.resources_dir)):
        if Path(run_path).is_relative_to(folder):
            return f"{top}/{Path(run_path).relative_to(folder).as_posix()}"
    raise ValueError(f"{run_path} is neither under {study.results_dir} nor {study.resources_dir}")


def parse_cell(text: str) -> Cell:
    """`model/recipe/task/seedN/lang`, or a score file path ending in
    `model/recipe/task/seedN/scores/lang.json`."""
    parts = text.strip("/").removesuffix(".json").split("/")
    if len(parts) >= 6 and parts[-2] == "scores":
        parts = parts[-6:-2] + parts[-1:]
    parts = parts[-5:]
    if len(parts) != 5 or not parts[3].startswith("seed") or not parts[3][4:].isdigit():
        raise ValueError(
            f"cell {text!r}: expected model/recipe/task/seedN/language "
            "(e.g. tiny-xlmr/baseline/toy-xnli/seed1/xa) or a score file path"
        )
    model, recipe, task, seed, lang = parts
    return Cell(model, recipe, task, int(seed[4:]), lang)


def study_cells(study: Study) -> list[Cell]:
    return sorted(
        Cell(model, recipe, task, seed, lang)
        for task in study.targets
        for model in study.models
        for recipe in study.recipes
        for seed in study.seeds
        for lang in study.test_languages(task)
    )


def target_model_dir(study: Study, cell: Cell) -> str:
    """The trained model a cell is evaluated with: its own, or the one it borrows (Tatoeba)."""
    task = study.tasks[cell.task].encoder_from or cell.task
    return paths.target_model(study.results_dir, cell.model, cell.recipe, task, cell.seed)


def model_identity(model_dir: str | Path) -> dict:
    """SHA-256 of a model folder's weight files, and one digest over them (name + sha256 per
    file, sorted): the model's identity, independent of its metadata (timings)."""
    model_dir = Path(model_dir)
    files = {
        p.name: sha256_file(p)
        for p in sorted(model_dir.iterdir())
        if p.is_file() and p.suffix in WEIGHT_SUFFIXES
    }
    if not files:
        raise ArchiveError(f"{model_dir}: no weight files; rerun the rule that makes this model")
    digest = hashlib.sha256("".join(f"{n} {h}\n" for n, h in files.items()).encode()).hexdigest()
    return {"weights_sha256": digest, "files": files}


def stage_dirs(study: Study) -> list[tuple[str, int, str]]:
    """(model, seed, chain id) of every intermediate-stage encoder the study trains."""
    return [
        (model, seed, chain)
        for model in study.models
        for seed in study.seeds
        for chain in study.all_chain_prefixes()
        if chain
    ]


def _code_version(provenance: dict) -> str | None:
    return provenance.get("code_version") or (provenance.get("scored_with") or {}).get(
        "code_version"
    )


def cell_row(study: Study, cell: Cell, record: dict, model: dict, root: Path) -> dict:
    """One row of the identity table: the cell, its score and everything that produced it."""
    prov = record.get("provenance") or {}
    spec = study.tasks[cell.task]
    recorded_model = prov.get("model_sha256")
    data_source = prov.get("data_source") or {}
    return {
        "cell": cell.key,
        "model": cell.model,
        "recipe": cell.recipe,
        "task": cell.task,
        "seed": cell.seed,
        "language": cell.language,
        "score": record.get("score"),
        "primary": record.get("primary"),
        "setting": record.get("setting"),
        "score_file": archived_path(study, cell.score(study.results_dir)),
        "score_sha256": sha256_file(root / cell.score(study.results_dir)),
        "config_hash": prov.get("config_hash"),
        "settings_sha256": prov.get("settings_sha256"),
        "chain": "/".join(prov.get("chain") or []) or "(none)",
        "code_version": _code_version(prov),
        "trained_code_version": (prov.get("trained_with") or {}).get("code_version"),
        "code_sha256": prov.get("code_sha256") or "not recorded",
        "test_dataset": spec.test.dataset,
        "data_source": data_source.get("kind"),
        "data_file_sha256": prov.get("data_file_sha256"),
        "predictions_sha256": prov.get("predictions_sha256"),
        "model_dir": archived_path(study, target_model_dir(study, cell)),
        "model_sha256": recorded_model or model["weights_sha256"],
        "model_sha256_from": "score provenance" if recorded_model else "model files at archiving",
        "model_weights_sha256": model["weights_sha256"],
        "trained_device": (prov.get("trained_with") or {}).get("device"),
        "torch": ((prov.get("trained_with") or {}).get("packages") or {}).get("torch"),
        "best_step": (prov.get("selection") or {}).get("best_step"),
    }


def unknown_fields(row: dict) -> list[str]:
    return [name for name in IDENTITY_FIELDS if row.get(name) in UNKNOWN]


def _commit(code_version: str | None) -> str | None:
    return code_version.removesuffix("-dirty") if code_version else None


def expected_settings(study: Study, metadata: dict) -> str | None:
    """The settings digest this config gives a trained model (its metadata says which), or
    None for a model whose settings are not recorded (made before they were)."""
    from xstilts.study import settings

    kind = metadata.get("kind")
    if kind == "target":
        return settings.settings_digest(settings.target_settings(study, metadata["task"]))
    if kind == "intermediate-stage":
        chain = "/".join(metadata["chain"])
        return settings.settings_digest(settings.stage_settings(study, chain))
    return None


def check_run(study: Study, root: Path, rows: list[dict], models: dict[str, dict]) -> list[str]:
    """Every way the run is not one run of this config, one line each: score files or models
    made with other settings than this config gives them, scores computed against test data
    that is not the archived data. Settings are compared per output (study.settings): a config
    change that reran nothing of an output (another task's test languages, a checkpoint
    interval, the tables' options) leaves it this config's. Outputs that do not record their
    settings are compared by the whole config's hash."""
    from xstilts.study.settings import cell_settings_digest

    problems = []
    manifests: dict[str, dict] = {}
    for row in rows:
        where = row["score_file"]
        if row.get("settings_sha256"):
            expected = cell_settings_digest(study, row["recipe"], row["task"])
            if row["settings_sha256"] != expected:
                problems.append(
                    f"{where}: predicted and scored with settings {row['settings_sha256']}, "
                    f"this config gives {expected} (config hash then {row['config_hash']}, "
                    f"now {study.hash})"
                )
        elif row["config_hash"] != study.hash:
            problems.append(
                f"{where}: produced with config hash {row['config_hash']}, the config hashes to "
                f"{study.hash}"
            )
        split = study.tasks[row["task"]].test.split
        folder = paths.data(study.resources_dir, row["test_dataset"], split)
        if folder not in manifests:
            manifests[folder] = read_json(root / folder / "manifest.json")
        expected = manifests[folder]["files"].get(f"{row['language']}/{split}.parquet")
        if row["data_file_sha256"] != expected:
            problems.append(
                f"{where}: scored against test data {row['data_file_sha256']}, but "
                f"{folder}/manifest.json has {expected}"
            )
    for path, entry in models.items():
        metadata = entry.get("metadata") or {}
        trained_with = metadata.get("config_hash")
        if metadata.get("settings_sha256"):
            expected = expected_settings(study, metadata)
            if metadata["settings_sha256"] != expected:
                problems.append(
                    f"{path}: trained with settings {metadata['settings_sha256']}, this config "
                    f"gives {expected} (config hash then {trained_with}, now {study.hash})"
                )
        elif trained_with not in (None, study.hash):
            problems.append(
                f"{path}: trained with config hash {trained_with}, the config hashes to {study.hash}"
            )
    return problems


def code_problems(
    rows: list[dict], models: dict[str, dict], commit: str, same_code=None
) -> list[str]:
    """Scores and models made by another commit than the checkout whose code is archived.
    `same_code(other)`: whether that commit's workflow code is the checkout's (commits that
    differ in documentation or tests only make the same numbers)."""
    versions: dict[str, list[str]] = {}
    for row in rows:
        for key in ("code_version", "trained_code_version"):
            versions.setdefault(row[key], []).append(f"{row['score_file']} ({key})")
    for path, entry in models.items():
        version = ((entry.get("metadata") or {}).get("environment") or {}).get("code_version")
        if version is not None:
            versions.setdefault(version, []).append(path)
    problems = []
    for version, users in versions.items():
        other = _commit(version)
        if other == commit or (other and same_code and same_code(other)):
            continue
        problems.append(
            f"{users[0]}"
            + (f" and {len(users) - 1} more outputs" if len(users) > 1 else "")
            + f": made by code {version}, the checkout's workflow code ({commit}) differs"
        )
    return problems


def predictions_problems(study: Study, root: Path, cells: list[Cell], records: dict) -> list[str]:
    """Prediction files that are not the ones their score file was computed from."""
    problems = []
    for cell in cells:
        path = root / cell.predictions(study.results_dir)
        recorded = (records[cell].get("provenance") or {}).get("predictions_sha256")
        if not path.is_file():
            problems.append(f"{cell.predictions(study.results_dir)}: missing")
        elif recorded and sha256_file(path) != recorded:
            problems.append(
                f"{cell.predictions(study.results_dir)}: changed after its score file was written "
                f"(sha256 {sha256_file(path)}, the score file records {recorded})"
            )
    return problems


def read_records(study: Study, root: Path, cells: list[Cell]) -> dict[Cell, dict]:
    """Every cell's score record, each scores folder checked against its record first: a score
    file changed by hand is not archived."""
    missing = [c for c in cells if not (root / c.score(study.results_dir)).is_file()]
    if missing:
        raise ArchiveError(
            f"the run is not finished: {len(missing)} of {len(cells)} score files are missing, "
            f"e.g. {missing[0].score(study.results_dir)}; finish it with "
            "`snakemake all --configfile <the config>` and archive again"
        )
    checked: set[str] = set()
    records = {}
    for cell in cells:
        folder = cell.scores_dir(study.results_dir)
        name = Path(cell.score(study.results_dir)).name
        try:
            if folder not in checked:
                verify_folder(root / folder)
                checked.add(folder)
            records[cell] = json.loads((root / cell.score(study.results_dir)).read_text())
        except IntegrityError as err:
            raise ArchiveError(str(err)) from None
        except json.JSONDecodeError as err:
            raise ArchiveError(
                f"{folder}/{name}: not valid JSON ({err}); regenerate it with "
                f"`snakemake --force {folder}` and archive again"
            ) from None
    return records
