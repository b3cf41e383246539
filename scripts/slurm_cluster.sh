#!/usr/bin/env bash
# A real single-node SLURM cluster for tests, as root, without systemd.
#
#   bash scripts/slurm_cluster.sh install      # Debian packages (quick when already there)
#   bash scripts/slurm_cluster.sh start DIR    # config, munged, slurmctld, slurmd under DIR
#   bash scripts/slurm_cluster.sh status DIR   # exit 0 when all three daemons run
#   bash scripts/slurm_cluster.sh stop DIR     # kill the daemons whose pids are in DIR
#
# Everything the cluster writes lives under DIR: slurm.conf, gres.conf, the munge key and its
# log, the pid files (DIR/*.pid), slurmctld state, slurmd spool and the logs (DIR/log/).
# Two things cannot live there:
#   - /etc/slurm/{slurm,gres}.conf are symlinks to DIR's files, because srun inside a job
#     reads its configuration from there (SLURM_CONF alone was not enough);
#   - munged's socket is in /run/xstilts-munge-<hash of DIR>/, because munged refuses a socket
#     whose every parent directory is not world-executable (pytest's tmp dirs are 0700).
# munged runs as root with a root-owned copy of the key in DIR (munged refuses a key owned by
# another uid), so it never clashes with a system munged on /run/munge.
#
# The node has one fake GPU (gres gpu:fake:1 on /dev/null): `sbatch --gpus=1` works and the job
# sees CUDA_VISIBLE_DEVICES=0. There is no accounting: use `slurm-status-command: squeue`.
set -euo pipefail

PACKAGES=(slurm-wlm slurmd slurmctld slurm-client munge)
BINARIES=(munged munge slurmctld slurmd sinfo squeue sbatch srun scontrol scancel)
CLUSTER_NAME=xstilts
PARTITION=debug
START_TIMEOUT=${SLURM_CLUSTER_START_TIMEOUT:-60}

die() {
    echo "slurm_cluster: $*" >&2
    exit 1
}
say() { echo "slurm_cluster: $*" >&2; }

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# install

packages_installed() {
    local p status
    for p in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || return 1
    done
    for p in "${BINARIES[@]}"; do
        command -v "$p" >/dev/null 2>&1 || [[ -x /usr/sbin/$p ]] || return 1
    done
}

cmd_install() {
    if packages_installed; then
        say "packages already installed: ${PACKAGES[*]}"
        return 0
    fi
    [[ $(id -u) == 0 ]] || die "install needs root"
    command -v apt-get >/dev/null || die "apt-get not found: install ${PACKAGES[*]} by hand"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -q "${PACKAGES[@]}"
    packages_installed || die "packages installed but binaries missing"
}

# ---------------------------------------------------------------------------------------------
# helpers

# pid_alive PIDFILE COMM: the pid in PIDFILE is a running (not zombie) process named COMM.
# Zombies matter: where PID 1 does not reap (some sandboxes), a killed daemon stays a zombie
# and `kill -0` still succeeds on it.
pid_alive() {
    local pidfile=$1 comm=$2 pid state name
    [[ -s $pidfile ]] || return 1
    pid=$(tr -dc '0-9' 2>/dev/null <"$pidfile") || return 1
    [[ -n $pid && -r /proc/$pid/stat ]] || return 1
    name=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $name == "$comm" ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ $state != Z && $state != X ]]
}

read_pid() { tr -dc '0-9' 2>/dev/null <"$1"; }

node_name() { hostname -s; }

munge_socket_dir() {
    local dir=$1
    echo "/run/xstilts-munge-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
}

abs_dir() {
    [[ -n ${1:-} ]] || usage
    [[ $1 != *[[:space:]]* ]] || die "DIR must not contain whitespace (slurm.conf paths): '$1'"
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

daemons_alive() { # how many of the three daemons in DIR run
    local dir=$1 n=0
    pid_alive "$dir/munged.pid" munged && n=$((n + 1))
    pid_alive "$dir/slurmctld.pid" slurmctld && n=$((n + 1))
    pid_alive "$dir/slurmd.pid" slurmd && n=$((n + 1))
    echo "$n"
}

# Other slurm daemons on this machine (for error messages; never killed from here).
foreign_daemons() {
    local p comm
    for p in /proc/[0-9]*; do
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        case $comm in slurmctld | slurmd | slurmstepd)
            grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && continue
            echo "  pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
            ;;
        esac
    done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The DIR whose config /etc/slurm/slurm.conf links to, if any.
linked_dir() {
    local target
    [[ -L /etc/slurm/slurm.conf ]] || return 0
    target=$(readlink /etc/slurm/slurm.conf)
    dirname "$target"
}

node_state() {
    SLURM_CONF="$1/slurm.conf" sinfo -h -N -n "$(node_name)" -o '%T' 2>/dev/null | head -n1
}

# ---------------------------------------------------------------------------------------------
# start

write_config() {
    local dir=$1 node cpus mem_kb real_mem sock
    node=$(node_name)
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    real_mem=$((mem_kb * 8 / 10 / 1024))
    sock=$(munge_socket_dir "$dir")/munge.socket.2

    cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm_cluster.sh for tests: a single-node cluster under $dir.
ClusterName=$CLUSTER_NAME
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock

StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups (no systemd here; CgroupPlugin=disabled crashed slurmd 22.05).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default a job without --mem takes the whole node's memory.
DefMemPerCPU=1000
GresTypes=gpu
# Finished jobs stay visible to squeue this long: the executor plugin's squeue status
# checks need it well above their interval.
MinJobAge=300
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
Waittime=0
MailProg=/bin/true

# No accounting: sacct does not work, use squeue for status. To add it later: run slurmdbd
# (with MariaDB), set the two lines below, and register cluster/account/user with sacctmgr.
#AccountingStorageType=accounting_storage/slurmdbd
#JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none

NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem Gres=gpu:fake:1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

    cat >"$dir/gres.conf" <<EOF
# A fake GPU: enough for --gpus=1 to schedule and set CUDA_VISIBLE_DEVICES=0.
AutoDetect=off
Name=gpu Type=fake File=/dev/null
EOF
}

link_config() {
    local dir=$1 other f
    other=$(linked_dir)
    if [[ -n $other && $other != "$dir" && $(daemons_alive "$other") != 0 ]]; then
        die "another cluster runs from $other (/etc/slurm/slurm.conf links there):" \
            "stop it first with: bash $0 stop $other"
    fi
    mkdir -p /etc/slurm
    for f in slurm.conf gres.conf; do
        if [[ -e /etc/slurm/$f && ! -L /etc/slurm/$f ]]; then
            die "/etc/slurm/$f is a real file, not ours: refusing to replace it"
        fi
        ln -sfn "$dir/$f" "/etc/slurm/$f"
    done
}

start_munged() {
    local dir=$1 sockdir key
    pid_alive "$dir/munged.pid" munged && return 0
    sockdir=$(munge_socket_dir "$dir")
    mkdir -p "$dir/munge" "$sockdir"
    chmod 700 "$dir/munge"
    chmod 755 "$sockdir"
    key=$dir/munge/munge.key
    if [[ ! -s $key ]]; then
        if [[ -s /etc/munge/munge.key ]]; then
            cp /etc/munge/munge.key "$key"
        else
            dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
        fi
    fi
    chown root:root "$key"
    chmod 400 "$key"
    rm -f "$sockdir/munge.socket.2" "$sockdir/munge.socket.2.lock"
    munged --key-file="$key" --socket="$sockdir/munge.socket.2" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed" ||
        die "munged did not start; see $dir/log/munged.log"
    STARTED+=(munged)
    munge -S "$sockdir/munge.socket.2" -n </dev/null | unmunge -S "$sockdir/munge.socket.2" >/dev/null ||
        die "munge round trip failed; see $dir/log/munged.log"
}

wait_for_pidfile() { # PIDFILE COMM SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        pid_alive "$1" "$2" && return 0
        sleep 0.1
    done
    return 1
}

STARTED=() # daemons this invocation started: stopped again if start fails
undo_start() {
    local rc=$? d
    ((rc == 0)) && return 0
    for d in slurmd slurmctld munged; do
        [[ " ${STARTED[*]} " == *" $d "* ]] && stop_daemon "$START_DIR" "$d"
    done
    [[ $(daemons_alive "$START_DIR") == 0 ]] && remove_runtime_files "$START_DIR"
    return "$rc"
}

cmd_start() {
    local dir state i node t0
    t0=$(date +%s%N)
    [[ $(id -u) == 0 ]] || die "start needs root"
    packages_installed || die "SLURM/munge not installed: run '$0 install' first"
    dir=$(abs_dir "${1:-}")
    node=$(node_name)
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    export SLURM_CONF=$dir/slurm.conf
    START_DIR=$dir
    trap undo_start EXIT

    if [[ $(daemons_alive "$dir") == 3 ]]; then
        say "already running from $dir"
    else
        # Rewrite the config only when nothing runs from DIR, so a running daemon and its
        # clients never disagree.
        [[ $(daemons_alive "$dir") == 0 ]] && write_config "$dir"
        link_config "$dir"
        start_munged "$dir"
        if ! pid_alive "$dir/slurmctld.pid" slurmctld; then
            if port_busy 6817; then
                die "port 6817 is taken, by a slurmctld not started from $dir?"$'\n'"$(foreign_daemons)"
            fi
            rm -f "$dir/slurmctld.pid"
            slurmctld -i -f "$dir/slurm.conf" ||
                die "slurmctld did not start; see $dir/log/slurmctld.log"
            STARTED+=(slurmctld)
            wait_for_pidfile "$dir/slurmctld.pid" slurmctld 15 ||
                die "slurmctld did not stay up; see $dir/log/slurmctld.log"
        fi
        if ! pid_alive "$dir/slurmd.pid" slurmd; then
            if port_busy 6818; then
                die "port 6818 is taken, by a slurmd not started from $dir?"$'\n'"$(foreign_daemons)"
            fi
            rm -f "$dir/slurmd.pid"
            slurmd -f "$dir/slurm.conf" -N "$node" ||
                die "slurmd did not start; see $dir/log/slurmd.log"
            STARTED+=(slurmd)
            wait_for_pidfile "$dir/slurmd.pid" slurmd 15 ||
                die "slurmd did not stay up; see $dir/log/slurmd.log"
        fi
    fi
    link_config "$dir"

    # Wait for the node to come up idle; resume it once if it is drained or down.
    local resumed=0
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        state=$(node_state "$dir" || true)
        case $state in
        idle | mixed | allocated | completing)
            local ms=$((($(date +%s%N) - t0) / 1000000))
            say "node $node $state after $((ms / 1000)).$((ms % 1000 / 100)) s; cluster in $dir"
            return 0
            ;;
        *drain* | *down* | *fail* | *inval*)
            if ((resumed == 0)); then
                say "node $node is $state: resuming it"
                scontrol update nodename="$node" state=resume || true
                resumed=1
            fi
            ;;
        esac
        pid_alive "$dir/slurmctld.pid" slurmctld || die "slurmctld died; see $dir/log/slurmctld.log"
        pid_alive "$dir/slurmd.pid" slurmd || die "slurmd died; see $dir/log/slurmd.log"
        sleep 0.5
    done
    die "node $node not idle after ${START_TIMEOUT}s (state: ${state:-unknown}); see $dir/log/"
}

# ---------------------------------------------------------------------------------------------
# stop / status

stop_daemon() { # DIR NAME
    local pidfile=$1/$2.pid pid i
    if ! pid_alive "$pidfile" "$2"; then
        rm -f "$pidfile"
        return 0
    fi
    pid=$(read_pid "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pid_alive "$pidfile" "$2" || break
        sleep 0.1
    done
    if pid_alive "$pidfile" "$2"; then
        say "$2 ($pid) ignored SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    say "stopped $2 ($pid)"
    rm -f "$pidfile"
}

cmd_stop() {
    local dir i
    [[ -n ${1:-} && -d $1 ]] || die "no such cluster directory: ${1:-}"
    dir=$(cd "$1" && pwd -P)
    export SLURM_CONF=$dir/slurm.conf
    # Cancel what still runs, so slurmstepd processes end with their jobs.
    if pid_alive "$dir/slurmctld.pid" slurmctld; then
        local jobs
        jobs=$(squeue -h -o '%i' 2>/dev/null | tr '\n' ' ' || true)
        if [[ -n ${jobs// /} ]]; then
            say "cancelling jobs: $jobs"
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                [[ -z $(squeue -h -t running,completing -o '%i' 2>/dev/null) ]] && break
                sleep 0.2
            done
        fi
    fi
    stop_daemon "$dir" slurmd
    stop_daemon "$dir" slurmctld
    stop_daemon "$dir" munged
    remove_runtime_files "$dir"
}

# The munge socket dir in /run and the /etc/slurm links, if they are DIR's.
remove_runtime_files() {
    local dir=$1 f
    rm -rf "$(munge_socket_dir "$dir")"
    for f in slurm.conf gres.conf; do
        if [[ -L /etc/slurm/$f && $(readlink "/etc/slurm/$f") == "$dir/$f" ]]; then
            rm -f "/etc/slurm/$f"
        fi
    done
}

cmd_status() {
    local dir d rc=0
    [[ -n ${1:-} && -d $1 ]] || die "no such cluster directory: ${1:-}"
    dir=$(cd "$1" && pwd -P)
    for d in munged slurmctld slurmd; do
        if pid_alive "$dir/$d.pid" "$d"; then
            echo "$d: running (pid $(read_pid "$dir/$d.pid"))"
        else
            echo "$d: not running"
            rc=1
        fi
    done
    if ((rc == 0)); then
        SLURM_CONF=$dir/slurm.conf sinfo -N -o '%N %P %T %c %m %G' || rc=1
    fi
    return "$rc"
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
status) cmd_status "${2:-}" ;;
*) usage ;;
esac
