// Element-wise ops, activations, row-vector broadcast, reductions and random numbers.
#include <algorithm>
#include <initializer_list>

#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

namespace {
constexpr int kScratchPartials = 0;  // sumSquares' per-group partial sums
constexpr int kMaxPartials = 64;     // fixed grid, so the summation order never changes
}  // namespace

void OpenClBackend::fill(Tensor& x, float value) {
  requireF32(x, "fill", "x");
  if (x.size() > 0)
    checkCl(mQueue.enqueueFillBuffer(mem(x), cl_float(value), 0, x.size() * 4), "fill");
}

void OpenClBackend::copy(const Tensor& src, Tensor& dst) {
  if (src.size() != dst.size() || src.dtype() != dst.dtype())
    throw ShapeError("copy: size or type mismatch");
  if (src.size() == 0 || mem(src)() == mem(dst)()) return;
  checkCl(mQueue.enqueueCopyBuffer(mem(src), mem(dst), 0, 0, src.size() * 4), "copy");
}

void OpenClBackend::axpby(float a, const Tensor& x, float b, Tensor& y) {
  requireF32(x, "axpby", "x");
  requireF32(y, "axpby", "y");
  requireSameShape(x, y, "axpby");
  launch1d(mK.axpby, x.size(), x, y, int(x.size()), a, b);
}

void OpenClBackend::mul(const Tensor& x, const Tensor& y, Tensor& z) {
  requireF32(x, "mul", "x");
  requireF32(y, "mul", "y");
  requireF32(z, "mul", "z");
  requireSameShape(x, y, "mul");
  requireSameShape(x, z, "mul");
  launch1d(mK.mul, x.size(), x, y, z, int(x.size()));
}

void OpenClBackend::activation(Activation act, const Tensor& x, Tensor& y) {
  requireF32(x, "activation", "x");
  requireF32(y, "activation", "y");
  requireSameShape(x, y, "activation");
  launch1d(mK.activationForward, x.size(), x, y, int(x.size()), int(act));
}

void OpenClBackend::activationBackward(Activation act, const Tensor& x, const Tensor& y,
                                       const Tensor& dy, Tensor& dx) {
  for (const Tensor* t : std::initializer_list<const Tensor*>{&x, &y, &dy, &dx})
    requireF32(*t, "activationBackward", "operand");
  requireSameShape(x, y, "activationBackward");
  requireSameShape(x, dy, "activationBackward");
  requireSameShape(x, dx, "activationBackward");
  launch1d(mK.activationBackward, x.size(), x, y, dy, dx, int(x.size()), int(act));
}

void OpenClBackend::addRowVector(Tensor& x, const Tensor& b) {
  requireF32(x, "addRowVector", "x");
  requireF32(b, "addRowVector", "b");
  requireShape(b, 1, x.cols(), "addRowVector", "b");
  launch2d(mK.addRowVector, x.cols(), x.rows(), x, b, x.rows(), x.cols());
}

void OpenClBackend::sumRows(const Tensor& x, Tensor& out, float beta) {
  requireF32(x, "sumRows", "x");
  requireF32(out, "sumRows", "out");
  requireShape(out, 1, x.cols(), "sumRows", "out");
  launch1d(mK.sumRows, x.cols(), x, out, x.rows(), x.cols(), beta);
}

double OpenClBackend::sumSquares(const Tensor& x) {
  requireF32(x, "sumSquares", "x");
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

void OpenClBackend::randomNormal(Tensor& x, std::uint64_t seed, std::uint64_t offset) {
  requireF32(x, "randomNormal", "x");
  launch1d(mK.randomNormal, x.size(), x, int(x.size()), cl_ulong(seed), cl_ulong(offset));
}

}  // namespace moe::compute
