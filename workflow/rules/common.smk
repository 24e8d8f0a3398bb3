# Config and sample sheet handling shared by all rules.
import csv
import os
import re

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

def is_url(path):
    return re.match(r"^(https?|ftp|file)://", path) is not None


def local(path):
    """Inputs may be URLs (the Roadmap configuration names the upstream files): they are fetched
    once into results/downloads/ by the download rule, and every rule reads the local copy."""
    return f"{RESULTS}/downloads/{os.path.basename(path)}" if is_url(path) else path


DOWNLOADS = {}
for _url in [row["signal"] for row in SAMPLES] + [config["annotation"]["gtf"], config["expression"]["matrix"]]:
    if is_url(_url):
        _copy = local(_url)
        if DOWNLOADS.get(_copy, _url) != _url:
            raise ValueError(f"two inputs download to the same file name {_copy}: {DOWNLOADS[_copy]} and {_url}")
        DOWNLOADS[_copy] = _url


wildcard_constraints:
    eid="[^/]+",
    mark="[^/]+",
    download="[^/]+",


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
