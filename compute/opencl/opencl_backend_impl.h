#pragma once
/** @file The OpenCL backend class, shared by its host sources (one per op family):
 *  opencl_context.cpp (device, program, memory), opencl_elementwise.cpp, opencl_gemm.cpp,
 *  opencl_routing.cpp and opencl_optimizer.cpp. Internal to compute/opencl. */
#include <CL/opencl.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "compute/backend.h"

namespace moe::compute {

/** A device buffer. Zero-sized tensors still own a minimal buffer, so kernels can bind it. */
class ClBuffer final : public Buffer {
 public:
  explicit ClBuffer(cl::Buffer mem) : mMem(std::move(mem)) {}
  const cl::Buffer& mem() const { return mMem; }

 private:
  cl::Buffer mMem;
};

/** "CL_OUT_OF_RESOURCES (-5)" and the like. */
std::string clErrorString(cl_int err);
/** Throws BackendError naming `what` when err is not CL_SUCCESS. */
void checkCl(cl_int err, const char* what);

/** Backend on one OpenCL device, with an in-order queue; tensors stay on the device. */
class OpenClBackend final : public Backend {
 public:
  /** Creates the context and queue, builds the embedded program and all kernels. */
  OpenClBackend(const cl::Platform& platform, const cl::Device& device);

  std::string name() const override { return "opencl"; }
  std::string deviceName() const override { return mDeviceName; }

  void synchronize() override;

 protected:
  Tensor doAlloc(int rows, int cols, DType dtype) override;
  void doWrite(Tensor& dst, std::span<const float> src) override;
  void doWrite(Tensor& dst, std::span<const std::int32_t> src) override;
  void doRead(const Tensor& src, std::span<float> dst) override;
  void doRead(const Tensor& src, std::span<std::int32_t> dst) override;

  void doFill(Tensor& x, float value) override;
  void doCopy(const Tensor& src, Tensor& dst) override;
  void doAxpby(float a, const Tensor& x, float b, Tensor& y) override;
  void doMul(const Tensor& x, const Tensor& y, Tensor& z) override;
  void doActivation(Activation act, const Tensor& x, Tensor& y) override;
  void doActivationBackward(Activation act, const Tensor& x, const Tensor& y, const Tensor& dy,
                            Tensor& dx) override;
  void doAddRowVector(Tensor& x, const Tensor& b) override;
  void doSumRows(const Tensor& x, Tensor& out, float beta) override;
  double doSumSquares(const Tensor& x) override;

  void doGemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b, float beta,
              Tensor& c) override;
  void doGroupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) override;
  void doGroupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                  Segments offsets) override;
  void doGroupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw, Segments offsets,
                                   float beta) override;
  void doGroupedAddBias(Tensor& y, const Tensor& b, Segments offsets) override;
  void doGroupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) override;

  void doGatherRows(const Tensor& x, const Tensor& index, Tensor& out) override;
  void doScatterRows(const Tensor& src, const Tensor& index, Tensor& out) override;
  void doCombineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                     const Tensor& weight, float beta, Tensor& out) override;
  void doCombineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                             const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                             Tensor& dWeight) override;

  double doCrossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                        Tensor& dLogits) override;

  void doAdamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                    const AdamParams& p) override;
  void doSgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity,
                   const SgdParams& p) override;

 private:
  /** Every kernel of the program, created once in the constructor. */
  struct Kernels {
    cl::Kernel axpby, mul, activationForward, activationBackward, addRowVector, sumRows,
        sumSquaresPartial;
    cl::Kernel gemmTiled, gemmVectorNn, gemmVectorNt, groupedAddBias, groupedBiasGrad;
    cl::Kernel gatherRows, scatterRows, combineRows, combineRowsBackwardSrc,
        combineRowsBackwardWeight, crossEntropy;
    cl::Kernel adamUpdate, sgdUpdate;
  };
  /** One GEMM launch description; see kernels/gemm.cl for the meaning of the fields. */
  struct GemmCall {
    int m = 0, n = 0, k = 0;
    float alpha = 1.0f, beta = 0.0f;
    bool transA = false, transB = false;
    int lda = 0, ldb = 0, ldc = 0;
    bool segM = false, segK = false;
    int aSeg = 0, aExpert = 0, bSeg = 0, bExpert = 0, cSeg = 0, cExpert = 0;
  };

  void buildProgram();
  /** The device buffer of a tensor of this backend (Backend's fronts checked that it is). */
  const cl::Buffer& mem(const Tensor& t) const;
  /** A scratch buffer of at least `bytes`, reused across calls (slot: one per purpose). */
  const cl::Buffer& scratch(int slot, std::size_t bytes);
  /** Launches GEMM groups, 15 experts per launch (offsets travel as an int16 argument). */
  void enqueueGemm(const GemmCall& call, const Tensor& a, const Tensor& b, Tensor& c,
                   Segments offsets);

  // Kernel argument binding: tensors bind their buffers, bools become ints.
  void setArg(cl::Kernel& k, cl_uint i, const Tensor& t) { check(k.setArg(i, mem(t))); }
  void setArg(cl::Kernel& k, cl_uint i, const cl::Buffer& b) { check(k.setArg(i, b)); }
  void setArg(cl::Kernel& k, cl_uint i, int v) { check(k.setArg(i, cl_int(v))); }
  void setArg(cl::Kernel& k, cl_uint i, bool v) { check(k.setArg(i, cl_int(v ? 1 : 0))); }
  void setArg(cl::Kernel& k, cl_uint i, float v) { check(k.setArg(i, cl_float(v))); }
  void setArg(cl::Kernel& k, cl_uint i, cl_ulong v) { check(k.setArg(i, v)); }
  void setArg(cl::Kernel& k, cl_uint i, const cl_int16& v) { check(k.setArg(i, v)); }
  static void check(cl_int err) { checkCl(err, "setting a kernel argument"); }

  /** Binds args in order and enqueues k over global (rounded up to local) with local. */
  template <typename... Args>
  void launch(cl::Kernel& k, cl::NDRange global, cl::NDRange local, const Args&... args) {
    cl_uint i = 0;
    (setArg(k, i++, args), ...);
    checkCl(mQueue.enqueueNDRangeKernel(k, cl::NullRange, global, local), "enqueueing a kernel");
  }
  /** 1-D launch over n items in groups of 256 (no-op when n == 0). */
  template <typename... Args>
  void launch1d(cl::Kernel& k, std::size_t n, const Args&... args) {
    if (n > 0) launch(k, cl::NDRange(roundUp(n, 256)), cl::NDRange(256), args...);
  }
  /** 2-D launch over (cols, rows) in 16 x 16 groups (no-op when empty). */
  template <typename... Args>
  void launch2d(cl::Kernel& k, std::size_t cols, std::size_t rows, const Args&... args) {
    if (cols > 0 && rows > 0)
      launch(k, cl::NDRange(roundUp(cols, 16), roundUp(rows, 16)), cl::NDRange(16, 16), args...);
  }
  static std::size_t roundUp(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

  cl::Device mDevice;
  cl::Context mContext;
  cl::CommandQueue mQueue;
  cl::Program mProgram;
  Kernels mK;
  std::string mDeviceName;
  bool mVectorGemm = false;  ///< use gemm_vector.cl's kernels (CPU devices) over gemm_tiled
  std::vector<cl::Buffer> mScratch;
  std::vector<std::size_t> mScratchBytes;
  std::vector<float> mHostScratch;
};

}  // namespace moe::compute
