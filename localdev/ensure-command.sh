#!/usr/bin/env bash
# ensure-command.sh COMMAND "DEBIAN PACKAGES": install the packages with apt-get when COMMAND is
# missing and we are root; otherwise say exactly how to get it.
set -euo pipefail
command_name=$1
packages=$2
if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] Installing $packages (provides '$command_name') with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086  # the package list is meant to split
  apt-get install -y -qq $packages >/dev/null
  command -v "$command_name" >/dev/null 2>&1 && exit 0
fi
echo "error: '$command_name' is required and missing. Install it with:" >&2
echo "  sudo apt-get install -y $packages" >&2
exit 1
