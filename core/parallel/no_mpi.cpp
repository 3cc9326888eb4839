// Builds without MPI (CMake did not find it): --parallel expert explains how to get it.
#include "core/parallel/communicator.h"

namespace moe::core {

bool mpiBuilt() { return false; }

std::unique_ptr<Communicator> openMpi(int*, char***) {
  throw ParallelError(
      "this build has no MPI, so --parallel expert is unavailable: install Open MPI "
      "(Debian: libopenmpi-dev openmpi-bin, see scripts/deps.sh), reconfigure with CMake and "
      "rebuild, then run it under mpirun -np R");
}

}  // namespace moe::core
