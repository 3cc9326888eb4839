#pragma once
/** @file Creating a backend from a user's choice, with a clear fallback to the CPU. */
#include <memory>
#include <string>
#include <vector>

#include "compute/backend.h"

namespace moe::compute {

/** One OpenCL device the user can pick. */
struct DeviceInfo {
  int platform = 0;
  int device = 0;
  std::string platformName;
  std::string deviceName;
};

/** OpenCL devices visible on this machine (empty without OpenCL support or platforms). */
std::vector<DeviceInfo> listOpenClDevices();

/** Result of createBackend: the backend, plus a message when the request was not met. */
struct BackendChoice {
  std::unique_ptr<Backend> backend;
  bool fellBack = false;  ///< true when the requested backend failed and the CPU one runs
  std::string message;    ///< why it fell back (with the kernel build log when relevant)
};

/**
 * spec: "cpu" or "opencl" or "opencl:PLATFORM:DEVICE". threads: CPU worker threads
 * (0 = all cores). An unknown spec throws std::invalid_argument; an OpenCL failure falls back
 * to the CPU backend with a message.
 */
BackendChoice createBackend(const std::string& spec, int threads);

}  // namespace moe::compute
