#!/usr/bin/env python3
"""Snakemake --cluster-status for SLURM: prints running, success or failed for a job id. Asks sacct
(accounting) first, then scontrol (jobs the controller still remembers, MinJobAge). Without it Snakemake
only learns of a job's end from the job script itself, so a job that SLURM kills (time or memory limit)
would be waited for forever."""
import subprocess
import sys

job = sys.argv[1]
RUNNING = {"PENDING", "CONFIGURING", "COMPLETING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING", "PREEMPTED"}


def state_from(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out


state = state_from(["sacct", "-j", job, "-X", "-n", "-P", "-o", "State"]).strip().split("\n")[0].split(" ")[0]
if not state:
    for field in state_from(["scontrol", "show", "job", "-o", job]).split():
        if field.startswith("JobState="):
            state = field.split("=", 1)[1]
if state in RUNNING:
    print("running")
elif state == "COMPLETED":
    print("success")
elif state:
    print("failed")
else:
    # Neither knows the job: it ended long enough ago to be forgotten, or the id is wrong.
    print(f"status.py: SLURM has no record of job {job}", file=sys.stderr)
    print("failed")
