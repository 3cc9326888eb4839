// Matrix products: plain GEMM and the grouped (per-expert) family, all on one tiled kernel.
#include <algorithm>
#include <array>

#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

namespace {
constexpr int kTile = 64;             // output tile edge of gemm_tiled
constexpr int kGroupsPerLaunch = 15;  // int16 argument holds 16 offsets = 15 segments
constexpr int kWorkGroupEdge = 16;

// Offsets e0 .. e0 + count as the kernel's int16 argument, padded with the last one.
cl_int16 packOffsets(Segments offsets, int e0, int count) {
  cl_int16 packed;
  for (int i = 0; i < 16; ++i) packed.s[i] = offsets[e0 + std::min(i, count)];
  return packed;
}
}  // namespace

void OpenClBackend::enqueueGemm(const GemmCall& c, const Tensor& a, const Tensor& b, Tensor& out,
                                Segments offsets) {
  if (c.n == 0) return;
  const int experts = int(offsets.size()) - 1;
  for (int e0 = 0; e0 < experts; e0 += kGroupsPerLaunch) {
    const int count = std::min(kGroupsPerLaunch, experts - e0);
    int maxM = c.m;
    if (c.segM) {
      maxM = 0;
      for (int e = e0; e < e0 + count; ++e) maxM = std::max(maxM, offsets[e + 1] - offsets[e]);
    }
    if (maxM == 0) continue;
    // CPU devices: register-blocked vector kernels (NN/TN and NT); GPUs and the rare TT case:
    // the local-memory tiled kernel.
    cl::Kernel* kernel = &mK.gemmTiled;
    std::size_t gx = std::size_t((c.n + kTile - 1) / kTile) * kWorkGroupEdge;
    std::size_t gy = std::size_t((maxM + kTile - 1) / kTile) * kWorkGroupEdge;
    cl::NDRange local(kWorkGroupEdge, kWorkGroupEdge, 1);
    if (mVectorGemm && !c.transB) {
      kernel = &mK.gemmVectorNn;
      gx = std::size_t((c.n + 15) / 16), gy = std::size_t((maxM + 7) / 8), local = cl::NullRange;
    } else if (mVectorGemm && !c.transA) {
      kernel = &mK.gemmVectorNt;
      gx = std::size_t((c.n + 3) / 4), gy = std::size_t((maxM + 3) / 4), local = cl::NullRange;
    }
    launch(*kernel, cl::NDRange(gx, gy, std::size_t(count)), local, c.m, c.n, c.k, c.alpha, c.beta,
           a, c.lda, c.transA, b, c.ldb, c.transB, out, c.ldc, packOffsets(offsets, e0, count), e0,
           c.segM, c.segK, c.aSeg, c.aExpert, c.bSeg, c.bExpert, c.cSeg, c.cExpert);
  }
}

void OpenClBackend::doGemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b,
                           float beta, Tensor& c) {
  const int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
  GemmCall call;
  call.m = m, call.n = n, call.k = k, call.alpha = alpha, call.beta = beta;
  call.transA = transA, call.transB = transB;
  call.lda = a.cols(), call.ldb = b.cols(), call.ldc = c.cols();
  static constexpr std::array<int, 2> kWhole{0, 0};  // one group, no segment strides
  enqueueGemm(call, a, b, c, kWhole);
}

void OpenClBackend::doGroupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) {
  const int in = x.cols(), out = w.cols();
  GemmCall call;
  call.n = out, call.k = in, call.segM = true;
  call.lda = in, call.aSeg = in;
  call.ldb = out, call.bExpert = in * out;
  call.ldc = out, call.cSeg = out;
  enqueueGemm(call, x, w, y, offsets);
}

void OpenClBackend::doGroupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                               Segments offsets) {
  const int in = dx.cols(), out = dy.cols();
  GemmCall call;  // dx_e = dy_e * W_e^T: B = W_e (in x out) read transposed
  call.n = in, call.k = out, call.segM = true, call.transB = true;
  call.lda = out, call.aSeg = out;
  call.ldb = out, call.bExpert = in * out;
  call.ldc = in, call.cSeg = in;
  enqueueGemm(call, dy, w, dx, offsets);
}

void OpenClBackend::doGroupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                                Segments offsets, float beta) {
  const int in = x.cols(), out = dy.cols();
  GemmCall call;  // dW_e = x_e^T * dy_e: K is the segment length; empty segments scale by beta
  call.m = in, call.n = out, call.segK = true, call.transA = true, call.beta = beta;
  call.lda = in, call.aSeg = in;
  call.ldb = out, call.bSeg = out;
  call.ldc = out, call.cExpert = in * out;
  enqueueGemm(call, x, dy, dw, offsets);
}

void OpenClBackend::doGroupedAddBias(Tensor& y, const Tensor& b, Segments offsets) {
  const int experts = int(offsets.size()) - 1;
  for (int e0 = 0; e0 < experts; e0 += kGroupsPerLaunch) {
    const int count = std::min(kGroupsPerLaunch, experts - e0);
    const int rows = offsets[e0 + count] - offsets[e0];
    launch2d(mK.groupedAddBias, y.cols(), rows, y, b, y.cols(), packOffsets(offsets, e0, count),
             count, e0);
  }
}

void OpenClBackend::doGroupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) {
  const int experts = int(offsets.size()) - 1;
  for (int e0 = 0; e0 < experts; e0 += kGroupsPerLaunch) {
    const int count = std::min(kGroupsPerLaunch, experts - e0);
    launch2d(mK.groupedBiasGrad, dy.cols(), count, dy, db, dy.cols(),
             packOffsets(offsets, e0, count), count, e0, beta);
  }
}

}  // namespace moe::compute
