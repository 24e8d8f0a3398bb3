#!/usr/bin/env bash
# Installs achrome's Debian packages from containers/debian-packages.txt.
#   install-packages.sh            build + run sections (what the pipeline needs)
#   install-packages.sh --tests    also the peers the tests compare against (bedtools, deepTools, ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sections="build run"
[ "${1:-}" = "--tests" ] && sections="build run tests"

packages=$(awk -v want="$sections" '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
  /^\[.*\]$/ { section = substr($0, 2, length($0) - 2); next }
  /^[[:space:]]*(#|$)/ { next }
  section in keep { print $1 }' "$here/debian-packages.txt")

missing=$(for p in $packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -z "$missing" ]; then
  echo "install-packages: all $(echo $packages | wc -w) packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
