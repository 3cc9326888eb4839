// Element-wise ops, activations, row-vector broadcast and reductions.
#include <algorithm>

#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

namespace {
constexpr int kScratchPartials = 0;  // sumSquares' per-group partial sums
constexpr int kMaxPartials = 64;     // fixed grid, so the summation order never changes
}  // namespace

void OpenClBackend::doFill(Tensor& x, float value) {
  if (x.size() > 0)
    checkCl(mQueue.enqueueFillBuffer(mem(x), cl_float(value), 0, x.size() * 4), "fill");
}

void OpenClBackend::doCopy(const Tensor& src, Tensor& dst) {
  if (src.size() == 0 || mem(src)() == mem(dst)()) return;
  checkCl(mQueue.enqueueCopyBuffer(mem(src), mem(dst), 0, 0, src.size() * 4), "copy");
}

void OpenClBackend::doAxpby(float a, const Tensor& x, float b, Tensor& y) {
  launch1d(mK.axpby, x.size(), x, y, int(x.size()), a, b);
}

void OpenClBackend::doMul(const Tensor& x, const Tensor& y, Tensor& z) {
  launch1d(mK.mul, x.size(), x, y, z, int(x.size()));
}

void OpenClBackend::doActivation(Activation act, const Tensor& x, Tensor& y) {
  launch1d(mK.activationForward, x.size(), x, y, int(x.size()), int(act));
}

void OpenClBackend::doActivationBackward(Activation act, const Tensor& x, const Tensor& y,
                                         const Tensor& dy, Tensor& dx) {
  launch1d(mK.activationBackward, x.size(), x, y, dy, dx, int(x.size()), int(act));
}

void OpenClBackend::doAddRowVector(Tensor& x, const Tensor& b) {
  launch2d(mK.addRowVector, x.cols(), x.rows(), x, b, x.rows(), x.cols());
}

void OpenClBackend::doSumRows(const Tensor& x, Tensor& out, float beta) {
  launch1d(mK.sumRows, x.cols(), x, out, x.rows(), x.cols(), beta);
}

double OpenClBackend::doSumSquares(const Tensor& x) {
  if (x.size() == 0) return 0.0;
  const int groups = int(std::min<std::size_t>(kMaxPartials, (x.size() + 255) / 256));
  const cl::Buffer& partial = scratch(kScratchPartials, kMaxPartials * sizeof(float));
  launch(mK.sumSquaresPartial, cl::NDRange(std::size_t(groups) * 256), cl::NDRange(256), x,
         int(x.size()), partial);
  float host[kMaxPartials];
  checkCl(mQueue.enqueueReadBuffer(partial, CL_TRUE, 0, groups * sizeof(float), host),
          "sumSquares");
  double sum = 0.0;
  for (int i = 0; i < groups; ++i) sum += host[i];
  return sum;
}

}  // namespace moe::compute
