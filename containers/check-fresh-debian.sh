#!/usr/bin/env bash
# Runs the README's two commands in a fresh Debian 12 root made with debootstrap: the same steps as the
# container build (containers/Dockerfile, containers/achrome.def), without Docker or Apptainer. Proves that
# containers/install-packages.sh installs everything the build, the demo and the tests need.
#   containers/check-fresh-debian.sh [ROOT_DIR]      (as root; ROOT_DIR default /var/tmp/achrome-debian12)
# Prints the wall time of each step; leaves the root in place for inspection (delete it afterwards).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/achrome-debian12}
[ "$(id -u)" -eq 0 ] || { echo "check-fresh-debian: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
step() {
  local name="$1"
  shift
  local start=$SECONDS
  "$@"
  echo "check-fresh-debian: $name: $((SECONDS - start)) s"
}

[ -e "$root" ] && { echo "check-fresh-debian: $root exists; remove it or name another folder" >&2; exit 1; }
step "debootstrap bookworm" debootstrap --variant=minbase bookworm "$root" >/dev/null
mkdir -p "$root/src"
git -C "$here" archive HEAD | tar -x -C "$root/src"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
trap 'umount -l "$root/proc" "$root/dev" 2>/dev/null || true' EXIT
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c "cd /src && $1"; }
# The README's first command (install, build, demo), then its test command.
step "install + build + demo" in_root "bash containers/install-packages.sh && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 && snakemake --cores 2"
step "tests" in_root "bash containers/install-packages.sh --tests && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 && ctest --test-dir build --output-on-failure -j2"
echo "check-fresh-debian: both README commands passed in a fresh Debian 12 root ($root)"
