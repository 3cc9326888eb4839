// Device discovery, program build, kernel creation, memory and transfers.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "compute/opencl/opencl_backend.h"
#include "compute/opencl/opencl_backend_impl.h"
#include "compute/opencl/opencl_kernels.h"

namespace moe::compute {

std::string clErrorString(cl_int err) {
  const char* name = nullptr;
  switch (err) {
    case CL_DEVICE_NOT_FOUND:
      name = "CL_DEVICE_NOT_FOUND";
      break;
    case CL_DEVICE_NOT_AVAILABLE:
      name = "CL_DEVICE_NOT_AVAILABLE";
      break;
    case CL_COMPILER_NOT_AVAILABLE:
      name = "CL_COMPILER_NOT_AVAILABLE";
      break;
    case CL_MEM_OBJECT_ALLOCATION_FAILURE:
      name = "CL_MEM_OBJECT_ALLOCATION_FAILURE";
      break;
    case CL_OUT_OF_RESOURCES:
      name = "CL_OUT_OF_RESOURCES";
      break;
    case CL_OUT_OF_HOST_MEMORY:
      name = "CL_OUT_OF_HOST_MEMORY";
      break;
    case CL_BUILD_PROGRAM_FAILURE:
      name = "CL_BUILD_PROGRAM_FAILURE";
      break;
    case CL_INVALID_VALUE:
      name = "CL_INVALID_VALUE";
      break;
    case CL_INVALID_BUFFER_SIZE:
      name = "CL_INVALID_BUFFER_SIZE";
      break;
    case CL_INVALID_KERNEL_ARGS:
      name = "CL_INVALID_KERNEL_ARGS";
      break;
    case CL_INVALID_WORK_GROUP_SIZE:
      name = "CL_INVALID_WORK_GROUP_SIZE";
      break;
    case CL_INVALID_WORK_ITEM_SIZE:
      name = "CL_INVALID_WORK_ITEM_SIZE";
      break;
    case CL_INVALID_GLOBAL_WORK_SIZE:
      name = "CL_INVALID_GLOBAL_WORK_SIZE";
      break;
    case CL_INVALID_ARG_INDEX:
      name = "CL_INVALID_ARG_INDEX";
      break;
    case CL_INVALID_ARG_SIZE:
      name = "CL_INVALID_ARG_SIZE";
      break;
    case CL_INVALID_KERNEL_NAME:
      name = "CL_INVALID_KERNEL_NAME";
      break;
    case CL_INVALID_MEM_OBJECT:
      name = "CL_INVALID_MEM_OBJECT";
      break;
    case CL_INVALID_COMMAND_QUEUE:
      name = "CL_INVALID_COMMAND_QUEUE";
      break;
    case CL_INVALID_PLATFORM:
      name = "CL_INVALID_PLATFORM";
      break;
    case CL_INVALID_DEVICE:
      name = "CL_INVALID_DEVICE";
      break;
    case -1001:
      name = "CL_PLATFORM_NOT_FOUND_KHR";
      break;
    default:
      break;
  }
  return std::string(name ? name : "OpenCL error") + " (" + std::to_string(err) + ")";
}

void checkCl(cl_int err, const char* what) {
  if (err != CL_SUCCESS)
    throw BackendError(std::string("OpenCL: ") + what + " failed: " + clErrorString(err));
}

// ---- construction ------------------------------------------------------------------------

OpenClBackend::OpenClBackend(const cl::Platform& platform, const cl::Device& device)
    : mDevice(device) {
  cl_int err = CL_SUCCESS;
  mContext = cl::Context(device, nullptr, nullptr, nullptr, &err);
  checkCl(err, "creating a context");
  mQueue = cl::CommandQueue(mContext, device, 0, &err);  // in-order, no profiling
  checkCl(err, "creating a command queue");
  mDeviceName =
      device.getInfo<CL_DEVICE_NAME>() + " (" + platform.getInfo<CL_PLATFORM_NAME>() + ", OpenCL)";
  // A zero-terminated name may come back with the terminator included.
  mDeviceName.erase(std::remove(mDeviceName.begin(), mDeviceName.end(), '\0'), mDeviceName.end());
  // CPU devices get the vector GEMM kernels; MOE_OPENCL_GEMM=tiled|vector overrides (tests).
  mVectorGemm = (device.getInfo<CL_DEVICE_TYPE>() & CL_DEVICE_TYPE_CPU) != 0;
  if (const char* choice = std::getenv("MOE_OPENCL_GEMM")) {
    if (std::strcmp(choice, "tiled") == 0) mVectorGemm = false;
    if (std::strcmp(choice, "vector") == 0) mVectorGemm = true;
  }
  buildProgram();
}

void OpenClBackend::buildProgram() {
  cl::Program::Sources sources;
  for (int i = 0; i < kOpenClKernelSourceCount; ++i)
    sources.push_back(kOpenClKernelSources[i].source);
  cl_int err = CL_SUCCESS;
  mProgram = cl::Program(mContext, sources, &err);
  checkCl(err, "creating the program");
  err = mProgram.build(std::vector<cl::Device>{mDevice}, "");
  if (err != CL_SUCCESS) {
    std::string log = mProgram.getBuildInfo<CL_PROGRAM_BUILD_LOG>(mDevice);
    throw BackendError("OpenCL kernels failed to build on " + mDeviceName + ": " +
                       clErrorString(err) + "\nBuild log:\n" + log);
  }
  auto make = [&](const char* name) {
    cl_int e = CL_SUCCESS;
    cl::Kernel k(mProgram, name, &e);
    if (e != CL_SUCCESS)
      throw BackendError(std::string("OpenCL: creating kernel ") + name +
                         " failed: " + clErrorString(e));
    return k;
  };
  mK.axpby = make("axpby");
  mK.mul = make("mul_f32");
  mK.activationForward = make("activation_forward");
  mK.activationBackward = make("activation_backward");
  mK.addRowVector = make("add_row_vector");
  mK.sumRows = make("sum_rows");
  mK.sumSquaresPartial = make("sum_squares_partial");
  mK.gemmTiled = make("gemm_tiled");
  mK.gemmVectorNn = make("gemm_vector_nn");
  mK.gemmVectorNt = make("gemm_vector_nt");
  mK.groupedAddBias = make("grouped_add_bias");
  mK.groupedBiasGrad = make("grouped_bias_grad");
  mK.gatherRows = make("gather_rows");
  mK.scatterRows = make("scatter_rows");
  mK.combineRows = make("combine_rows");
  mK.combineRowsBackwardSrc = make("combine_rows_backward_src");
  mK.combineRowsBackwardWeight = make("combine_rows_backward_weight");
  mK.crossEntropy = make("cross_entropy");
  mK.adamUpdate = make("adam_update");
  mK.sgdUpdate = make("sgd_update");
  // The tiled kernels need 256 work-items per group; say so now rather than at the first op.
  for (cl::Kernel* k : {&mK.gemmTiled, &mK.sumSquaresPartial, &mK.axpby}) {
    const auto wg = k->getWorkGroupInfo<CL_KERNEL_WORK_GROUP_SIZE>(mDevice);
    if (wg < 256)
      throw BackendError("OpenCL device " + mDeviceName + " allows only " + std::to_string(wg) +
                         " work-items per group for kernel " +
                         k->getInfo<CL_KERNEL_FUNCTION_NAME>() + "; 256 are needed");
  }
}

// ---- memory --------------------------------------------------------------------------------

const cl::Buffer& OpenClBackend::mem(const Tensor& t) const {
  return static_cast<const ClBuffer*>(t.buffer())->mem();
}

const cl::Buffer& OpenClBackend::scratch(int slot, std::size_t bytes) {
  if (mScratch.size() <= std::size_t(slot)) {
    mScratch.resize(slot + 1);
    mScratchBytes.resize(slot + 1, 0);
  }
  if (mScratchBytes[slot] < bytes) {
    cl_int err = CL_SUCCESS;
    mScratch[slot] = cl::Buffer(mContext, CL_MEM_READ_WRITE, bytes, nullptr, &err);
    checkCl(err, "allocating a scratch buffer");
    mScratchBytes[slot] = bytes;
  }
  return mScratch[slot];
}

Tensor OpenClBackend::doAlloc(int rows, int cols, DType dtype) {
  const std::size_t count = std::size_t(rows) * std::size_t(cols);
  if (count > std::size_t(0x7fffffff))
    throw ShapeError("alloc: tensor too large for int32 indexing");
  const std::size_t bytes = std::max<std::size_t>(count, 1) * 4;
  cl_int err = CL_SUCCESS;
  cl::Buffer buffer(mContext, CL_MEM_READ_WRITE, bytes, nullptr, &err);
  checkCl(err, "allocating a tensor");
  checkCl(mQueue.enqueueFillBuffer(buffer, cl_int(0), 0, bytes), "zeroing a tensor");
  return Tensor(this, std::make_shared<ClBuffer>(std::move(buffer)), rows, cols, dtype);
}

void OpenClBackend::doWrite(Tensor& dst, std::span<const float> src) {
  if (!src.empty())
    checkCl(mQueue.enqueueWriteBuffer(mem(dst), CL_TRUE, 0, src.size_bytes(), src.data()), "write");
}

void OpenClBackend::doWrite(Tensor& dst, std::span<const std::int32_t> src) {
  if (!src.empty())
    checkCl(mQueue.enqueueWriteBuffer(mem(dst), CL_TRUE, 0, src.size_bytes(), src.data()), "write");
}

void OpenClBackend::doRead(const Tensor& src, std::span<float> dst) {
  if (!dst.empty())
    checkCl(mQueue.enqueueReadBuffer(mem(src), CL_TRUE, 0, dst.size_bytes(), dst.data()), "read");
}

void OpenClBackend::doRead(const Tensor& src, std::span<std::int32_t> dst) {
  if (!dst.empty())
    checkCl(mQueue.enqueueReadBuffer(mem(src), CL_TRUE, 0, dst.size_bytes(), dst.data()), "read");
}

void OpenClBackend::synchronize() { checkCl(mQueue.finish(), "synchronize"); }

// ---- entry points ----------------------------------------------------------------------------

namespace {
std::vector<cl::Platform> platforms() {
  std::vector<cl::Platform> list;
  if (cl::Platform::get(&list) != CL_SUCCESS) list.clear();
  return list;
}

std::vector<cl::Device> devices(const cl::Platform& platform) {
  std::vector<cl::Device> list;
  if (platform.getDevices(CL_DEVICE_TYPE_ALL, &list) != CL_SUCCESS) list.clear();
  return list;
}

bool usable(const cl::Device& d) {
  return d.getInfo<CL_DEVICE_AVAILABLE>() && d.getInfo<CL_DEVICE_COMPILER_AVAILABLE>();
}

std::string trimmed(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
  return s;
}
}  // namespace

std::vector<DeviceInfo> openClDevices() {
  std::vector<DeviceInfo> out;
  const auto ps = platforms();
  for (std::size_t p = 0; p < ps.size(); ++p) {
    const auto ds = devices(ps[p]);
    for (std::size_t d = 0; d < ds.size(); ++d)
      out.push_back({int(p), int(d), trimmed(ps[p].getInfo<CL_PLATFORM_NAME>()),
                     trimmed(ds[d].getInfo<CL_DEVICE_NAME>())});
  }
  return out;
}

std::unique_ptr<Backend> createOpenClBackend(int platform, int device) {
  const auto ps = platforms();
  if (ps.empty())
    throw BackendError("no OpenCL platform found (is an OpenCL driver/ICD installed?)");
  if (platform >= 0 || device >= 0) {
    if (platform < 0 || platform >= int(ps.size()))
      throw BackendError("OpenCL platform " + std::to_string(platform) + " does not exist (" +
                         std::to_string(ps.size()) + " platform(s) found)");
    const auto ds = devices(ps[platform]);
    if (device < 0 || device >= int(ds.size()))
      throw BackendError("OpenCL platform " + std::to_string(platform) + " has no device " +
                         std::to_string(device) + " (" + std::to_string(ds.size()) +
                         " device(s) found)");
    if (!usable(ds[device]))
      throw BackendError("OpenCL device " + std::to_string(platform) + ":" +
                         std::to_string(device) + " is unavailable or has no compiler");
    return std::make_unique<OpenClBackend>(ps[platform], ds[device]);
  }
  // First usable GPU, else the first usable device of any kind.
  for (bool wantGpu : {true, false})
    for (const auto& p : ps)
      for (const auto& d : devices(p))
        if (usable(d) && (!wantGpu || (d.getInfo<CL_DEVICE_TYPE>() & CL_DEVICE_TYPE_GPU)))
          return std::make_unique<OpenClBackend>(p, d);
  throw BackendError("no usable OpenCL device found on " + std::to_string(ps.size()) +
                     " platform(s)");
}

}  // namespace moe::compute
