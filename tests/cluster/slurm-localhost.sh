#!/usr/bin/env bash
# Starts a one-node SLURM cluster on this machine (Debian's slurm-wlm and munge), as CI and the SLURM
# workflow test need it: munged, slurmctld and slurmd on localhost, one node with the machine's cores and
# most of its memory, a job-completion log that tests read to prove that jobs ran under SLURM.
# Idempotent: does nothing when the cluster already answers. Needs root (it writes /etc/slurm and
# /etc/munge and starts the daemons).
#   slurm-localhost.sh          start (or check) the cluster
#   slurm-localhost.sh --stop   stop the daemons
set -euo pipefail
conf=/etc/slurm/slurm.conf
jobcomp=/var/log/slurm/jobcomp.log

if [ "${1:-}" = "--stop" ]; then
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  exit 0
fi

for tool in munged slurmctld slurmd sinfo sbatch; do
  command -v "$tool" >/dev/null || { echo "slurm-localhost: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "slurm-localhost: needs root to start a local SLURM cluster" >&2; exit 1; }

# munge: a key, then the daemon (it refuses to start without a key readable only by its user).
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
if ! pgrep -x munged >/dev/null; then
  # As the munge user when it exists (Debian's package creates it), else as root with --force.
  if id munge >/dev/null 2>&1; then runuser -u munge -- munged; else munged --force; fi
fi

node=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) * 9 / 10 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
# proctrack/linuxproc and task/none: no cgroup setup needed, which containers and CI machines lack.
cat > "$conf" <<CONF
ClusterName=achrome-ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$jobcomp
SchedulerType=sched/backfill
MinJobAge=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    exit 0
  fi
  sleep 1
done
echo "slurm-localhost: the node did not come up; see /var/log/slurm/slurmctld.log and slurmd.log:" >&2
tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
