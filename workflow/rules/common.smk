# Config and sample sheet handling shared by all rules.
import csv
import os

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")


def _read_sample_sheet(path):
    """The sample sheet: one row per (epigenome, mark) with the signal file for it."""
    with open(path, newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if any(row.values())]
    if not rows:
        raise ValueError(f"{path}: the sample sheet has no rows")
    for line, row in enumerate(rows, start=2):
        try:
            validate(row, schema="../schemas/samples.schema.yaml")
        except Exception as error:
            raise ValueError(f"{path}:{line}: {error}") from None
    return rows


SAMPLES = _read_sample_sheet(config["samples"])
RESULTS = config["results"]
MARKS = config["marks"]
EPIGENOMES = sorted({row["epigenome"] for row in SAMPLES})
SIGNAL = {(row["epigenome"], row["mark"]): row["signal"] for row in SAMPLES}

for _eid in EPIGENOMES:
    _missing = [mark for mark in MARKS if (_eid, mark) not in SIGNAL]
    if _missing:
        raise ValueError(f"{config['samples']}: epigenome {_eid} has no signal for marks {', '.join(_missing)}")

wildcard_constraints:
    eid="[^/]+",
    mark="[^/]+",


def achrome(stage):
    """Path of an achrome executable: config 'binaries' folder, or PATH when it is empty."""
    folder = config.get("binaries", "")
    return os.path.join(folder, f"achrome-{stage}") if folder else f"achrome-{stage}"


def run_dir(eid):
    return f"{RESULTS}/runs/{eid}/{config['train']['model']}"


def all_outputs():
    return [f"{RESULTS}/reports/{eid}.html" for eid in EPIGENOMES] + [
        f"{RESULTS}/reports/summary.html"
    ]
