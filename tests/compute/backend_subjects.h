#pragma once
// The backends under test of the suites that compare every backend with the CPU reference
// (test_backend_ops: the op table; test_backend_shapes: shape validation).
#include <QString>
#include <QtGlobal>

#include <memory>
#include <vector>

#include "compute/backend_factory.h"
#include "compute/cpu/cpu_backend.h"

namespace moe::compute::test {

/** A backend under test. exact: it must agree with the reference bit for bit. */
struct Subject {
  QString name;
  std::unique_ptr<Backend> backend;
  bool exact = false;
  QString unavailable;  // why there is no such backend here
};

/** The CPU backend with 3 threads (exact), the OpenCL backend and an OpenCL instance forced onto
 *  the tiled (GPU) GEMM kernels; the OpenCL ones without a backend, and why, when no device is
 *  usable. */
inline std::vector<Subject> backendsUnderTest() {
  std::vector<Subject> subjects;
  subjects.push_back({"cpu, 3 threads", std::make_unique<CpuBackend>(3), true, {}});
  BackendChoice cl = createBackend("opencl", 2);
  if (cl.fellBack) {
    const QString why = QString::fromStdString(cl.message);
    subjects.push_back({"opencl", nullptr, false, why});
    subjects.push_back({"opencl, tiled gemm", nullptr, false, why});
    return subjects;
  }
  qInfo("OpenCL device: %s", cl.backend->deviceName().c_str());
  subjects.push_back({"opencl", std::move(cl.backend), false, {}});
  // A second instance on the local-memory tiled GEMM (the GPU path), so both GEMM kernel
  // families are checked whatever the device.
  qputenv("MOE_OPENCL_GEMM", "tiled");
  subjects.push_back({"opencl, tiled gemm", createBackend("opencl", 2).backend, false, {}});
  qunsetenv("MOE_OPENCL_GEMM");
  return subjects;
}

}  // namespace moe::compute::test
