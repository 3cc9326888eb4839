#!/bin/sh
# Runs an MPI test program with 2 ranks on this machine (ctest: tests/parallel). Exit 77, which
# ctest reports as skipped, where Open MPI's mpirun is not installed.
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIPPED: mpirun not found: install Debian's openmpi-bin (scripts/deps.sh)"
  exit 77
fi
# --oversubscribe: 2 ranks even on a 1-core runner.
exec mpirun -np 2 --oversubscribe "$@"
