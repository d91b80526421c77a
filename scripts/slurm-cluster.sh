#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for trying lsgan's sweeps under sbatch/job arrays.
#
#   bash scripts/slurm-cluster.sh start    install (if missing), configure and start; idempotent
#   bash scripts/slurm-cluster.sh stop     stop slurmd and slurmctld (munged is left running;
#                                          running jobs are not cancelled, their slurmstepd lives on)
#   bash scripts/slurm-cluster.sh status   sinfo and squeue
#
# Needs root and Debian 12 (bookworm: Slurm 22.05, MUNGE 0.5.15). Works without systemd (in a
# container or microVM): the daemons are started directly, never with systemctl or init scripts.
# `start` installs slurmctld slurmd slurm-client munge with apt-get (--no-install-recommends),
# creates /etc/munge/munge.key (munge:munge, 0400) if absent, starts munged as user munge, writes
# /etc/slurm/slurm.conf (no cgroup.conf: with no cgroup plugin configured Slurm 22.05 needs none),
# starts slurmctld and slurmd as daemons (pid files in /run, logs in /var/log/slurm/) and waits up
# to 60 s for the node to be idle. If slurm.conf changed while the daemons ran, they are restarted
# (queued and running jobs survive: slurmctld keeps its state in the spool, slurmstepd lives on).
#
# Cluster: ClusterName=lsgan-test, one node named after `hostname -s` with CPUs=$(nproc) and 90 % of
# MemTotal as RealMemory, reached over 127.0.0.1 (no dependence on DNS or /etc/hosts), partition
# `debug` (default, no time limit). select/cons_tres with CR_Core: each task takes one core, so
# array tasks run side by side; memory is not a consumable. No cgroups, no accounting (no sacct),
# proctrack/linuxproc, KillWait=30 (scancel sends SIGTERM, then SIGKILL 30 s later).
#
# Time measured on a Debian 12 microVM with 2 cores, both busy with training runs: `start` on a
# fresh machine (nothing installed, no debs cached; apt fetches 8 packages, 3.5 MB) took 8-10 s;
# installed but stopped, 0.2-2 s (5 s when slurm.conf changed and running daemons were restarted);
# already running, 0.2 s. `stop` takes about 1 s.
#
# Log noise that is harmless here: "mpi/pmix_v4: can not load PMIx library" (libpmix is only a
# Recommends) and munged's "Unauthorized credential for client UID=0".
set -euo pipefail

PKGS=(slurmctld slurmd slurm-client munge)
CONF=/etc/slurm/slurm.conf
LOG_DIR=/var/log/slurm
SPOOL=/var/spool/slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
HOST="$(hostname -s)"

say() { printf 'slurm: %s\n' "$*"; }

# Prints $1 and the tails of the daemons' logs (the apt log too when $2 is "apt"), then exits 1.
fail() {
  say "FAILED: $1" >&2
  local f logs=("$LOG_DIR"/slurm*.log /var/log/munge/munged.log)
  [[ ${2:-} == apt ]] && logs=("$LOG_DIR/install.log")
  for f in "${logs[@]}"; do
    [[ -s $f ]] || continue
    printf '\n==> %s (last 25 lines) <==\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
  exit 1
}
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

# True if process $1 exists and is not a zombie (without systemd, the container's init may be
# slow to reap a daemon that just exited).
alive() { local st; st="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ $st != Z* ]]; }
# True if the pid in file $1 is alive and its command name is $2.
running() { [[ -s $1 ]] && alive "$(cat "$1")" && [[ "$(ps -o comm= -p "$(cat "$1")")" == "$2" ]]; }

install_packages() {
  local p missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]} (apt log: $LOG_DIR/install.log)"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get install -y -q --no-install-recommends "${missing[@]}")
  "${apt[@]}" >"$LOG_DIR/install.log" 2>&1 \
    || { apt-get update -q >>"$LOG_DIR/install.log" 2>&1 && "${apt[@]}" >>"$LOG_DIR/install.log" 2>&1; } \
    || fail "apt-get install ${missing[*]}" apt
}

start_munge() {
  local key=/etc/munge/munge.key
  if [[ ! -s $key ]]; then
    say "creating $key"
    mungekey --create --keyfile="$key" 2>/dev/null || dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
  fi
  chown munge:munge "$key" && chmod 0400 "$key"
  # systemd would create the socket directory (RuntimeDirectory=munge); here we do.
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  # Is a munged answering? (pgrep would also match a zombie munged.)
  if ! munge -n </dev/null >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
  fi
  munge -n </dev/null | unmunge >/dev/null || fail "munge credential round trip"
}

write_conf() {
  local cpus mem new
  cpus="$(nproc)"
  mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  new="$(cat <<EOF
# Written by lsgan's scripts/slurm-cluster.sh: a one-node test cluster. Edits are overwritten.
ClusterName=lsgan-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=30
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
)"
  if [[ -f $CONF && "$(cat "$CONF")" == "$new" ]]; then return 1; fi
  say "writing $CONF"
  printf '%s\n' "$new" >"$CONF"
}

stop_daemons() {
  local pidf name pid i
  for pidf in "$SLURMD_PID:slurmd" "$CTLD_PID:slurmctld"; do
    name="${pidf#*:}" pidf="${pidf%%:*}"
    running "$pidf" "$name" || continue
    pid="$(cat "$pidf")"
    say "stopping $name (pid $pid)"
    kill -TERM "$pid"
    for ((i = 0; i < 30; i++)); do alive "$pid" || break; sleep 1; done
    if alive "$pid"; then kill -KILL "$pid"; fi
    rm -f "$pidf"
  done
}

# Starts daemon $1 unless running; waits (up to 10 s) for it to write its pid file $2.
launch() {
  local i
  running "$2" "$1" && return 0
  "$1" || fail "$1 did not start"
  for ((i = 0; i < 20; i++)); do running "$2" "$1" && return 0; sleep 0.5; done
  fail "$1 exited during start-up"
}

node_state() { sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n 1; }

wait_idle() {
  local i state=""
  for ((i = 0; i < 60; i++)); do
    running "$CTLD_PID" slurmctld || fail "slurmctld exited"
    running "$SLURMD_PID" slurmd || fail "slurmd exited"
    state="$(node_state)"
    case $state in
      idle | mixed | allocated | completing) return 0 ;;
      down* | drain* | fail*) scontrol update nodename="$HOST" state=resume 2>/dev/null || true ;;
    esac
    sleep 1
  done
  scontrol show node "$HOST" >&2 || true
  fail "node $HOST is '${state:-unknown}' after 60 s, not idle"
}

start() {
  [[ $EUID -eq 0 ]] || fail "run as root"
  mkdir -p "$LOG_DIR" "$SPOOL/ctld" "$SPOOL/d" /etc/slurm
  install_packages
  start_munge
  if write_conf && { running "$CTLD_PID" slurmctld || running "$SLURMD_PID" slurmd; }; then
    say "slurm.conf changed: restarting the daemons"
    stop_daemons
  fi
  launch slurmctld "$CTLD_PID"
  launch slurmd "$SLURMD_PID"
  wait_idle
  say "one-node cluster $HOST up ($(nproc) CPUs, partition debug)"
}

status() {
  sinfo && squeue || { say "slurmctld not reachable: run '$0 start'"; exit 1; }
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons; say "slurmd and slurmctld stopped (munged left running)" ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
