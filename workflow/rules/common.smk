# Config and sample sheet handling shared by all rules. Everything here runs before any job: a bad
# config or sample sheet stops the workflow with one message naming the file, the row and the column.
import csv
import math
import os
import re

import jsonschema
import yaml
from snakemake.utils import validate


def _config_source(path):
    """The config file that sets the key at `path` (a list of keys): the last --configfile that has
    it (they override in order), else the workflow's default config; '--config' when none does."""
    given = list(workflow.overwrite_configfiles or [])
    defaults = [name for name in workflow.configfiles if name not in given]
    for name in list(reversed(given)) + defaults:
        try:
            with open(name) as handle:
                node = yaml.safe_load(handle) or {}
        except OSError:
            continue
        for key in path:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            return name
    return "--config"


def _check_config(config):
    """Schema errors as 'FILE: key.path: what is wrong', unknown keys (typos) included."""
    with open(os.path.join(workflow.basedir, "schemas", "config.schema.yaml")) as handle:
        schema = yaml.safe_load(handle)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    messages = []
    for error in errors:
        path = [str(key) for key in error.absolute_path]
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(known)):
                where = ".".join(path + [key])
                messages.append(f"{_config_source(path + [key])}: {where}: unknown key (known here: {', '.join(known)})")
        else:
            where = ".".join(path) or "(top level)"
            messages.append(f"{_config_source(path)}: {where}: {error.message}")
    raise ValueError("invalid configuration:\n  " + "\n  ".join(messages))


_check_config(config)
validate(config, schema="../schemas/config.schema.yaml")  # fills the schema's defaults


def _read_sample_sheet(path, marks, extra_marks=()):
    """The sample sheet: one row per (epigenome, mark) with the signal file for it; every epigenome
    needs every mark of `marks`, and may have rows for `extra_marks` (the validation track). Lines are
    numbered as in the file (the header is line 1)."""
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            columns = reader.fieldnames or []
            rows = [(line, row) for line, row in enumerate(reader, start=2) if any((v or "").strip() for v in row.values())]
    except OSError as error:
        raise ValueError(f"{path}: cannot read the sample sheet: {error.strerror}") from None
    for column in ("epigenome", "mark", "signal"):
        if column not in columns:
            raise ValueError(f"{path}:1: no column '{column}' in the header (found: {', '.join(columns) or 'nothing'})")
    if not rows:
        raise ValueError(f"{path}: the sample sheet has no rows")
    with open(os.path.join(workflow.basedir, "schemas", "samples.schema.yaml")) as handle:
        column_schemas = yaml.safe_load(handle)["properties"]
    seen = {}
    for line, row in rows:
        for column in ("epigenome", "mark", "signal"):
            value = row[column] or ""
            problem = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(column_schemas[column]).iter_errors(value))
            if problem is not None:
                raise ValueError(
                    f"{path}:{line}: column {column}: '{value}' is not valid ({column_schemas[column]['description']}: {problem.message})"
                )
        if row["mark"] not in marks and row["mark"] not in extra_marks:
            raise ValueError(
                f"{path}:{line}: column mark: '{row['mark']}' is not one of the config's marks ({', '.join(marks)})"
                + (f" nor its validation track ({', '.join(extra_marks)})" if extra_marks else "")
            )
        key = (row["epigenome"], row["mark"])
        if key in seen:
            raise ValueError(
                f"{path}:{line}: columns epigenome, mark: {key[0]} {key[1]} is listed twice (first on line {seen[key]})"
            )
        seen[key] = line
    epigenome_lines = {}
    for line, row in rows:
        epigenome_lines.setdefault(row["epigenome"], []).append(line)
    for eid, lines in epigenome_lines.items():
        missing = [mark for mark in marks if (eid, mark) not in seen]
        if missing:
            raise ValueError(
                f"{path}:{lines[0]}: column mark: epigenome {eid} has no signal for marks {', '.join(missing)}"
                f" (its rows: lines {', '.join(map(str, lines))})"
            )
    return [row for _, row in rows]


RESULTS = config["results"]
MARKS = config["marks"]
# The validation track: binned like a mark, never a model input, compared with attention on the run pages.
# (The defaults name H3K27ac; a config switches it off with track: "", since a key of the defaults
# cannot be removed by --configfile.)
VALIDATION = config.get("validation", {})
VALIDATION = {"mark": "H3K4me3", **VALIDATION} if VALIDATION.get("track") else None
if VALIDATION:
    if VALIDATION["track"] in MARKS:
        raise ValueError(
            f"validation.track: {VALIDATION['track']} is a model input (marks); the check needs a mark the model never"
            " saw: name another, or switch the check off with validation: {track: \"\"}"
        )
    if VALIDATION["mark"] not in MARKS:
        raise ValueError(f"validation.mark: {VALIDATION['mark']} is not one of the config's marks ({', '.join(MARKS)})")
# Two routes into training: from signal files (the sample sheet: bin, label) or from the published
# DeepChrome/AttentiveChrome CSV folders (published: achrome-import), which carry bins and labels.
PUBLISHED = config.get("published", {})


def _published_epigenomes(published):
    folder = published["folder"]
    if not os.path.isdir(folder):
        raise ValueError(f"published.folder: {folder} is not a folder")
    found = sorted(d for d in os.listdir(folder) if os.path.isfile(os.path.join(folder, d, "train.csv")))
    wanted = published.get("epigenomes") or found
    missing = [eid for eid in wanted if eid not in found]
    if missing:
        raise ValueError(f"published.epigenomes: {', '.join(missing)} have no train.csv under {folder}")
    if not wanted:
        raise ValueError(f"published.folder: {folder} has no epigenome folders with a train.csv")
    return wanted


if PUBLISHED:
    SAMPLES = []
    EPIGENOMES = _published_epigenomes(PUBLISHED)
else:
    SAMPLES = _read_sample_sheet(config["samples"], config["marks"], [VALIDATION["track"]] if VALIDATION else [])
    EPIGENOMES = sorted({row["epigenome"] for row in SAMPLES})
SIGNAL = {(row["epigenome"], row["mark"]): row["signal"] for row in SAMPLES}


def genes_of(eid):
    """genes.tsv of an epigenome's training set: the study's, or its imported published folder's."""
    return f"{RESULTS}/published/{eid}/genes.tsv" if PUBLISHED else f"{RESULTS}/genes.tsv"


def labels_of(eid):
    return f"{RESULTS}/published/{eid}/labels.tsv" if PUBLISHED else f"{RESULTS}/labels/{eid}.tsv"


def bins_of(eid, mark):
    return f"{RESULTS}/published/{eid}/{mark}.npy" if PUBLISHED else f"{RESULTS}/bins/{eid}/{mark}.npy"

_EXPRESSION_FORMATS = ("auto", "matrix", "roadmap", "rsem", "salmon", "kallisto", "featurecounts", "star")


def _read_expression_sheet(path, epigenomes):
    """Expression per epigenome: columns epigenome, file, and optionally format, value_column, value
    (achrome-label's --format, --value-column, --value). Epigenomes without a row take their column of
    expression.matrix."""
    if not path:
        return {}
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            columns = reader.fieldnames or []
            rows = [(line, row) for line, row in enumerate(reader, start=2) if any((v or "").strip() for v in row.values())]
    except OSError as error:
        raise ValueError(f"{path}: cannot read the expression sheet: {error.strerror}") from None
    for column in ("epigenome", "file"):
        if column not in columns:
            raise ValueError(f"{path}:1: no column '{column}' in the header (found: {', '.join(columns) or 'nothing'})")
    known = {"epigenome", "file", "format", "value_column", "value"}
    for column in columns:
        if column not in known:
            raise ValueError(f"{path}:1: unknown column '{column}' (known: {', '.join(sorted(known))})")
    sheet, first_line = {}, {}
    for line, row in rows:
        eid = (row["epigenome"] or "").strip()
        if eid not in epigenomes:
            raise ValueError(f"{path}:{line}: column epigenome: '{eid}' is not in the sample sheet {config['samples']}")
        if eid in sheet:
            raise ValueError(f"{path}:{line}: column epigenome: {eid} is listed twice (first on line {first_line[eid]})")
        if not (row["file"] or "").strip():
            raise ValueError(f"{path}:{line}: column file: empty")
        fmt = (row.get("format") or "auto").strip()
        if fmt not in _EXPRESSION_FORMATS:
            raise ValueError(f"{path}:{line}: column format: '{fmt}' is not one of {', '.join(_EXPRESSION_FORMATS)}")
        value = (row.get("value") or "auto").strip()
        if value not in ("auto", "rpkm", "tpm"):
            raise ValueError(f"{path}:{line}: column value: '{value}' is not one of auto, rpkm, tpm")
        sheet[eid] = {"file": row["file"].strip(), "format": fmt, "value_column": (row.get("value_column") or "").strip(), "value": value}
        first_line[eid] = line
    return sheet


EXPRESSION = {} if PUBLISHED else _read_expression_sheet(config["expression"].get("sheet", ""), EPIGENOMES)
_uncovered = [eid for eid in EPIGENOMES if eid not in EXPRESSION]
if _uncovered and not PUBLISHED and not config["expression"].get("matrix"):
    raise ValueError(
        f"expression: epigenomes {', '.join(_uncovered)} have no row in expression.sheet and there is no expression.matrix"
    )


def expression_file(eid):
    return EXPRESSION[eid]["file"] if eid in EXPRESSION else config["expression"]["matrix"]


def expression_flags(eid):
    """achrome-label flags that say how to read the epigenome's expression file."""
    if eid not in EXPRESSION:
        return "--format matrix"
    row = EXPRESSION[eid]
    flags = [f"--format {row['format']}", f"--value {row['value']}"]
    if row["value_column"]:
        flags.append(f"--value-column {row['value_column']}")
    return " ".join(flags)


def is_url(path):
    return re.match(r"^(https?|ftp|file)://", path) is not None


_MIRROR = config.get("mirror", {})


def local(path):
    """Inputs may be URLs (the Roadmap configuration names the upstream files): they are fetched
    once into results/downloads/ by the download rule, and every rule reads the local copy. A URL
    under mirror.prefix is a file in mirror.folder instead (the rest of the URL as its path)."""
    prefix = _MIRROR.get("prefix", "")
    if prefix and path.startswith(prefix):
        return os.path.join(_MIRROR["folder"], path[len(prefix):].lstrip("/"))
    return f"{RESULTS}/downloads/{os.path.basename(path)}" if is_url(path) else path


DOWNLOADS = {}
_inputs = [] if PUBLISHED else [row["signal"] for row in SAMPLES] + [config["annotation"]["gtf"]] + [expression_file(eid) for eid in EPIGENOMES]
for _url in _inputs:
    if is_url(_url) and local(_url).startswith(f"{RESULTS}/downloads/"):
        _copy = local(_url)
        if DOWNLOADS.get(_copy, _url) != _url:
            raise ValueError(f"two inputs download to the same file name {_copy}: {DOWNLOADS[_copy]} and {_url}")
        DOWNLOADS[_copy] = _url


wildcard_constraints:
    eid="[^/]+",
    model="[a-z-]+",
    mark="[^/]+",
    download="[^/]+",


def stage_params(stage):
    """The config's further flags for a stage (params: {stage: "..."})."""
    return config.get("params", {}).get(stage, "")


def achrome(stage):
    """Path of an achrome executable: config 'binaries' folder, or PATH when it is empty."""
    folder = config.get("binaries", "")
    return os.path.join(folder, f"achrome-{stage}") if folder else f"achrome-{stage}"


# The paper's seven models (its Table 2), in the order the paper lists them.
PAPER_TABLE = ["deepchrome", "lstm", "cnn-attn", "cnn-alpha-beta", "lstm-attn", "lstm-alpha", "attentivechrome"]
_models = config["train"]["models"]
MODELS = PAPER_TABLE if _models == "paper-table" else list(_models)


def run_dir(eid, model):
    return f"{RESULTS}/runs/{eid}/{model}"


def run_files(eid, model):
    """What every finished run folder holds (the train rule's outputs); rule all asks for them too, so
    a deleted model is rebuilt even when the reports are newer."""
    return [f"{run_dir(eid, model)}/{name}" for name in ("metrics.json", "predictions.tsv", "history.tsv", "model.pt")]


def all_outputs():
    runs = [(eid, model) for eid in EPIGENOMES for model in MODELS]
    return (
        [path for eid, model in runs for path in run_files(eid, model)]
        + [f"{RESULTS}/reports/{eid}/{model}.html" for eid, model in runs]
        + [f"{RESULTS}/reports/summary.html"]
    )


# What each job asks a cluster for: config resources (measured at full size by bench/resources.sh; the
# table is docs/resources.md). A job that SLURM stops for running over its time or memory is retried
# (the profile's restart-times) with the request multiplied by the attempt number.
def threads_of(rule):
    return config["resources"][rule]["threads"]


def mem_mb_of(rule):
    return lambda wildcards, attempt: config["resources"][rule]["mem_mb"] * attempt


def runtime_of(rule):
    return lambda wildcards, attempt: config["resources"][rule]["runtime"] * attempt


def _train_request(model):
    per_model = config["resources"]["train"]
    return per_model.get(model, per_model["default"])


def train_mem_mb(wildcards, attempt):
    return _train_request(wildcards.model)["mem_mb"] * attempt


def train_runtime(wildcards, attempt):
    """Minutes: 3 x the measured time of train.epochs epochs, at least 5."""
    request = _train_request(wildcards.model)
    seconds = request["fixed_seconds"] + config["train"]["epochs"] * request["epoch_seconds"]
    return max(5, math.ceil(3 * seconds / 60)) * attempt
