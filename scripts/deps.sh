#!/usr/bin/env bash
# Installs the Debian 12 packages MoE Explorer needs, skipping those already present.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config ccache
      qt6-base-dev libqcustomplot-dev libeigen3-dev libtbb-dev zlib1g-dev nlohmann-json3-dev libcli11-dev
      opencl-headers opencl-clhpp-headers ocl-icd-opencl-dev pocl-opencl-icd
      dataset-fashion-mnist
      fortunes fortunes-de fortunes-es fortunes-it fortunes-ru fortunes-pl fortunes-cs fortunes-eo fortunes-br
      xvfb xauth
      python3-torch python3-numpy)  # scripts/to_pytorch.py and ctest's app.torch_roundtrip
# Expert parallelism (moe-train --parallel expert, ctest parallel.mpi_parity): Open MPI.
PKGS+=(libopenmpi-dev openmpi-bin)
PKGS+=("$@")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
