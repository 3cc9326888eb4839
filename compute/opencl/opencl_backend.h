#pragma once
/** @file Entry points of the OpenCL backend. The backend class itself stays private to
 *  compute/opencl, so callers never see the OpenCL headers. */
#include <memory>
#include <vector>

#include "compute/backend.h"
#include "compute/backend_factory.h"

namespace moe::compute {

/** Every device of every OpenCL platform, in (platform, device) order. Empty when there is no
 *  OpenCL platform; never throws. */
std::vector<DeviceInfo> openClDevices();

/**
 * An OpenCL backend on device `device` of platform `platform`; -1 for both picks the first
 * usable device, a GPU when there is one. Builds all kernels once, here.
 * @throws BackendError when there is no platform or device, the indices are out of range,
 *         the device cannot run the kernels, or they fail to build (the message then holds the
 *         build log).
 */
std::unique_ptr<Backend> createOpenClBackend(int platform, int device);

}  // namespace moe::compute
