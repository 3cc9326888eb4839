// CPU backend: memory, element-wise ops, activations, loss and optimizers.
#include "compute/cpu/cpu_backend.h"
#include "compute/huge_pages.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "compute/cpu/cpu_detail.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace moe::compute {

bool cpu::adamSpan(float* __restrict w, const float* __restrict g, float* __restrict m,
                   float* __restrict v, Eigen::Index n, const AdamParams& p) {
  // Finiteness first, in independent lanes so it vectorises: x * 0 is NaN for inf and NaN.
  constexpr int kLanes = 16;
  float lanes[kLanes] = {};
  Eigen::Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += g[i + l] * 0.0f;
  float probe = 0.0f;
  for (; i < n; ++i) probe += g[i] * 0.0f;
  for (float l : lanes) probe += l;
  if (!(probe == 0.0f)) return false;

  const float bc1 = 1.0f - std::pow(p.beta1, float(p.step));
  const float bc2 = 1.0f - std::pow(p.beta2, float(p.step));
  const float stepSize = p.lr / bc1, invSqrtBc2 = 1.0f / std::sqrt(bc2);
  const float b1 = p.beta1, b2 = p.beta2, eps = p.eps;
  const float l2 = p.decoupled ? 0.0f : p.weightDecay;
  const float decay = p.decoupled ? 1.0f - p.lr * p.weightDecay : 1.0f;
  // One pass, 7 floats moved per weight; vectorised (the compute library builds with
  // -fno-math-errno so sqrt needs no libm call).
  for (Eigen::Index j = 0; j < n; ++j) {
    const float gj = g[j] + l2 * w[j];
    const float mj = b1 * m[j] + (1.0f - b1) * gj;
    const float vj = b2 * v[j] + (1.0f - b2) * gj * gj;
    m[j] = mj;
    v[j] = vj;
    w[j] = decay * w[j] - stepSize * mj / (std::sqrt(vj) * invSqrtBc2 + eps);
  }
  return true;
}

using namespace cpu;

namespace {

// 64-byte aligned, zero-initialised host memory for one tensor.
class CpuBuffer final : public Buffer {
 public:
  explicit CpuBuffer(std::size_t elements) {
    const std::size_t bytes = ((std::max<std::size_t>(elements, 1) * 4 + 63) / 64) * 64;
    mData = std::aligned_alloc(64, bytes);
    if (!mData) throw BackendError("out of host memory allocating " + std::to_string(bytes) + " bytes");
    adviseHugePages(mData, bytes);  // a dataset's device copy: hundreds of MB, faulted in once
    std::memset(mData, 0, bytes);
  }
  ~CpuBuffer() override { std::free(mData); }
  void* hostData() override { return mData; }

 private:
  void* mData = nullptr;
};

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

}  // namespace

CpuBackend::CpuBackend(int threads)
    : mThreads(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))),
      mArena(std::make_unique<Arena>(mThreads)) {}

void cpu::lowerThreadPriorityOnce() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  // Linux: nice applies per thread (tid). Raising niceness needs no privilege.
  ::setpriority(PRIO_PROCESS, id_t(::syscall(SYS_gettid)), 10);
}

CpuBackend::~CpuBackend() = default;

void CpuBackend::setBackgroundPriority() { mBackground = true; }

std::string CpuBackend::deviceName() const {
  return "CPU (Eigen + oneTBB, " + std::to_string(mThreads) +
         (mThreads == 1 ? " thread)" : " threads)");
}

// ---- memory -----------------------------------------------------------------------------

Tensor CpuBackend::doAlloc(int rows, int cols, DType dtype) {
  return Tensor(this, std::make_shared<CpuBuffer>(std::size_t(rows) * std::size_t(cols)), rows,
                cols, dtype);
}

void CpuBackend::doWrite(Tensor& dst, std::span<const float> src) {
  if (!src.empty()) std::memcpy(dst.f32(), src.data(), src.size_bytes());
}

void CpuBackend::doWrite(Tensor& dst, std::span<const std::int32_t> src) {
  if (!src.empty()) std::memcpy(dst.i32(), src.data(), src.size_bytes());
}

void CpuBackend::doRead(const Tensor& src, std::span<float> dst) {
  if (!dst.empty()) std::memcpy(dst.data(), src.f32(), dst.size_bytes());
}

void CpuBackend::doRead(const Tensor& src, std::span<std::int32_t> dst) {
  if (!dst.empty()) std::memcpy(dst.data(), src.i32(), dst.size_bytes());
}

// ---- element-wise -----------------------------------------------------------------------

void CpuBackend::doFill(Tensor& x, float value) {
  const auto n = Eigen::Index(x.size());
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto b = c * kElemChunk, len = std::min(kElemChunk, n - b);
    arr(x).segment(b, len).setConstant(value);
  }, std::size_t(n));
}

void CpuBackend::doCopy(const Tensor& src, Tensor& dst) {
  std::memcpy(dst.buffer()->hostData(), src.buffer()->hostData(), src.size() * 4);
}

void CpuBackend::doAxpby(float a, const Tensor& x, float b, Tensor& y) {
  const auto n = Eigen::Index(x.size());
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto s = c * kElemChunk, len = std::min(kElemChunk, n - s);
    if (b == 0.0f)
      arr(y).segment(s, len) = a * carr(x).segment(s, len);
    else
      arr(y).segment(s, len) = a * carr(x).segment(s, len) + b * arr(y).segment(s, len);
  }, 2 * std::size_t(n));
}

void CpuBackend::doMul(const Tensor& x, const Tensor& y, Tensor& z) {
  const auto n = Eigen::Index(x.size());
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto s = c * kElemChunk, len = std::min(kElemChunk, n - s);
    arr(z).segment(s, len) = carr(x).segment(s, len) * carr(y).segment(s, len);
  }, 3 * std::size_t(n));
}

void CpuBackend::doActivation(Activation act, const Tensor& x, Tensor& y) {
  const auto n = Eigen::Index(x.size());
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto s = c * kElemChunk, e = s + std::min(kElemChunk, n - s);
    const float* in = x.f32();
    float* out = y.f32();
    switch (act) {
      case Activation::Identity:
        if (in != out) std::memcpy(out + s, in + s, std::size_t(e - s) * 4);
        break;
      case Activation::Relu:
        for (auto i = s; i < e; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
        break;
      case Activation::Gelu:
        for (auto i = s; i < e; ++i) {
          const float v = in[i];
          out[i] = 0.5f * v * (1.0f + std::tanh(kGeluC * (v + kGeluA * v * v * v)));
        }
        break;
      case Activation::Tanh:
        for (auto i = s; i < e; ++i) out[i] = std::tanh(in[i]);
        break;
      case Activation::Sigmoid:
        for (auto i = s; i < e; ++i) out[i] = sigmoid(in[i]);
        break;
      case Activation::Silu:
        for (auto i = s; i < e; ++i) out[i] = in[i] * sigmoid(in[i]);
        break;
      case Activation::Softplus:
        for (auto i = s; i < e; ++i)
          out[i] = std::log1p(std::exp(-std::fabs(in[i]))) + std::max(in[i], 0.0f);
        break;
    }
  }, 2 * std::size_t(n));
}

void CpuBackend::doActivationBackward(Activation act, const Tensor& x, const Tensor& y,
                                      const Tensor& dy, Tensor& dx) {
  const auto n = Eigen::Index(x.size());
  // One loop per activation (the switch outside): each vectorises. dx may alias dy.
  const auto each = [&](auto deriv) {
    parallel(chunksFor(n, kElemChunk), [&](int c) {
      const auto s = c * kElemChunk, e = s + std::min(kElemChunk, n - s);
      const float *in = x.f32(), *out = y.f32(), *g = dy.f32();
      float* d = dx.f32();
      if (d == g)  // in place: one read-modify-write stream (no alias check to fail)
        for (auto i = s; i < e; ++i) d[i] *= deriv(in[i], out[i]);
      else
        for (auto i = s; i < e; ++i) d[i] = g[i] * deriv(in[i], out[i]);
    }, 3 * std::size_t(n));
  };
  switch (act) {
    case Activation::Identity: each([](float, float) { return 1.0f; }); break;
    case Activation::Relu: each([](float v, float) { return v > 0.0f ? 1.0f : 0.0f; }); break;
    case Activation::Gelu:
      each([](float v, float) {
        const float t = std::tanh(kGeluC * (v + kGeluA * v * v * v));
        return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluC * (1.0f + 3.0f * kGeluA * v * v);
      });
      break;
    case Activation::Tanh: each([](float, float o) { return 1.0f - o * o; }); break;
    case Activation::Sigmoid: each([](float, float o) { return o * (1.0f - o); }); break;
    case Activation::Silu:
      each([](float v, float) {
        const float sg = sigmoid(v);
        return sg * (1.0f + v * (1.0f - sg));
      });
      break;
    case Activation::Softplus: each([](float v, float) { return sigmoid(v); }); break;
  }
}

void CpuBackend::doAddRowVector(Tensor& x, const Tensor& b) {
  const int rowsPer = std::max(1, int(kElemChunk / std::max(1, x.cols())));
  parallel(chunksFor(x.rows(), rowsPer), [&](int c) {
    const int r0 = c * rowsPer, len = std::min(rowsPer, x.rows() - r0);
    mat(x).middleRows(r0, len).rowwise() += cmat(b).row(0);
  }, x.size());
}

void CpuBackend::doSumRows(const Tensor& x, Tensor& out, float beta) {
  // Column blocks are independent; each sums its rows in order (deterministic).
  constexpr int kCols = 256;
  parallel(chunksFor(x.cols(), kCols), [&](int c) {
    const int c0 = c * kCols, len = std::min(kCols, x.cols() - c0);
    auto o = mat(out).block(0, c0, 1, len);
    if (beta == 0.0f)
      o = cmat(x).middleCols(c0, len).colwise().sum();
    else
      o = beta * o + cmat(x).middleCols(c0, len).colwise().sum();
  }, x.size());
}

double CpuBackend::doSumSquares(const Tensor& x) {
  const auto n = Eigen::Index(x.size());
  const int chunks = chunksFor(n, kElemChunk);
  std::vector<double> partial(std::size_t(std::max(chunks, 0)), 0.0);
  parallel(chunks, [&](int c) {
    // Float sums over a chunk vectorise; chunks are then added in double.
    const auto s = c * kElemChunk, len = std::min(kElemChunk, n - s);
    partial[std::size_t(c)] = double(carr(x).segment(s, len).square().sum());
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

// ---- loss -------------------------------------------------------------------------------

double CpuBackend::doCrossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                                  Tensor& dLogits) {
  const int rows = logits.rows(), cols = logits.cols();
  constexpr int kRows = 64;
  const int chunks = chunksFor(rows, kRows);
  std::vector<double> partial(static_cast<std::size_t>(chunks), 0.0);
  bool badLabel = false;
  parallel(chunks, [&](int c) {
    const int r0 = c * kRows, r1 = std::min(rows, r0 + kRows);
    double sum = 0.0;
    for (int r = r0; r < r1; ++r) {
      const float* z = logits.f32() + std::size_t(r) * cols;
      float* d = dLogits.f32() + std::size_t(r) * cols;
      const int label = labels.i32()[r];
      if (label < 0 || label >= cols) {
        badLabel = true;
        continue;
      }
      float mx = z[0];
      for (int j = 1; j < cols; ++j) mx = std::max(mx, z[j]);
      float denom = 0.0f;
      for (int j = 0; j < cols; ++j) denom += std::exp(z[j] - mx);
      const float lse = mx + std::log(denom);
      sum += double(lse - z[label]);
      for (int j = 0; j < cols; ++j) d[j] = scale * std::exp(z[j] - lse);
      d[label] -= scale;
    }
    partial[std::size_t(c)] = sum;
  }, 2 * logits.size());
  if (badLabel)
    throw ShapeError("crossEntropy: label out of range [0, " + std::to_string(cols) + ")");
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

// ---- optimizers -------------------------------------------------------------------------

void CpuBackend::doAdamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                              const AdamParams& p) {
  const auto n = Eigen::Index(param.size());
  // Chunks small enough that adamSpan's passes over a chunk stay in cache.
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto s = c * kElemChunk, len = std::min(kElemChunk, n - s);
    adamSpan(param.f32() + s, grad.f32() + s, m.f32() + s, v.f32() + s, len, p);
  });
}

void CpuBackend::doSgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity,
                             const SgdParams& p) {
  const auto n = Eigen::Index(param.size());
  parallel(chunksFor(n, kElemChunk), [&](int c) {
    const auto s = c * kElemChunk, len = std::min(kElemChunk, n - s);
    auto w = arr(param).segment(s, len);
    auto buf = arr(velocity).segment(s, len);
    Eigen::ArrayXf g = carr(grad).segment(s, len);
    if (p.weightDecay != 0.0f) g += p.weightDecay * w;
    if (p.momentum != 0.0f) {
      buf = p.momentum * buf + g;
      if (p.nesterov)
        g += p.momentum * buf;
      else
        g = buf;
    }
    w -= p.lr * g;
  });
}

}  // namespace moe::compute
