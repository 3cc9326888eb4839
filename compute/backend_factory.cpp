#include "compute/backend_factory.h"

#include <stdexcept>

#include "compute/cpu/cpu_backend.h"
#ifdef MOE_HAVE_OPENCL
#include "compute/opencl/opencl_backend.h"
#endif

namespace moe::compute {

std::vector<DeviceInfo> listOpenClDevices() {
#ifdef MOE_HAVE_OPENCL
  return openClDevices();
#else
  return {};
#endif
}

namespace {

// Parses "opencl", "opencl:P:D" into platform/device indices (-1 = first usable).
void parseOpenClSpec(const std::string& spec, int& platform, int& device) {
  platform = -1;
  device = -1;
  if (spec == "opencl") return;
  const auto rest = spec.substr(std::string("opencl:").size());
  const auto colon = rest.find(':');
  try {
    std::size_t used = 0;
    platform = std::stoi(rest.substr(0, colon), &used);
    if (used != rest.substr(0, colon).size()) throw std::invalid_argument("trailing");
    device = 0;
    if (colon != std::string::npos) {
      device = std::stoi(rest.substr(colon + 1), &used);
      if (used != rest.substr(colon + 1).size()) throw std::invalid_argument("trailing");
    }
  } catch (const std::logic_error&) {
    throw std::invalid_argument("backend '" + spec +
                                "': expected opencl:PLATFORM:DEVICE with numeric indices");
  }
  if (platform < 0 || device < 0)
    throw std::invalid_argument("backend '" + spec + "': indices must be non-negative");
}

}  // namespace

BackendChoice createBackend(const std::string& spec, int threads) {
  BackendChoice choice;
  if (spec == "cpu") {
    choice.backend = std::make_unique<CpuBackend>(threads);
    return choice;
  }
  if (spec != "opencl" && spec.rfind("opencl:", 0) != 0)
    throw std::invalid_argument("unknown backend '" + spec +
                                "' (expected cpu, opencl or opencl:PLATFORM:DEVICE)");
  int platform = -1, device = -1;
  parseOpenClSpec(spec, platform, device);
#ifdef MOE_HAVE_OPENCL
  try {
    choice.backend = createOpenClBackend(platform, device);
    return choice;
  } catch (const BackendError& e) {
    choice.message = std::string("OpenCL unavailable, using the CPU backend: ") + e.what();
  }
#else
  choice.message = "this build has no OpenCL support (MOE_WITH_OPENCL=OFF); using the CPU backend";
#endif
  choice.fellBack = true;
  choice.backend = std::make_unique<CpuBackend>(threads);
  return choice;
}

}  // namespace moe::compute
