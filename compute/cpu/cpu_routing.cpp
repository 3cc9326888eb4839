// CPU backend: gather, weighted combine, softmax and top-k.
#include <cmath>
#include <cstring>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/cpu_detail.h"

namespace moe::compute {

using namespace cpu;

namespace {
constexpr int kRowBlock = 64;

void checkCsr(const Tensor& rowPtr, const Tensor& slot, const Tensor& weight, int rows,
              int srcRows, const char* op) {
  requireI32(rowPtr, op, "rowPtr");
  requireI32(slot, op, "slot");
  requireF32(weight, op, "weight");
  require(int(rowPtr.size()) == rows + 1, op, "rowPtr must have rows + 1 entries");
  require(slot.size() == weight.size(), op, "slot and weight sizes differ");
  const std::int32_t* p = rowPtr.i32();
  require(p[0] == 0 && std::size_t(p[rows]) == slot.size(), op,
          "rowPtr must run from 0 to the number of slots");
  for (int r = 0; r < rows; ++r) require(p[r + 1] >= p[r], op, "rowPtr must be non-decreasing");
  for (std::size_t j = 0; j < slot.size(); ++j)
    require(slot.i32()[j] >= 0 && slot.i32()[j] < srcRows, op, "slot index out of range");
}
}  // namespace

void CpuBackend::gatherRows(const Tensor& x, const Tensor& index, Tensor& out) {
  requireF32(x, "gatherRows", "x");
  requireI32(index, "gatherRows", "index");
  requireF32(out, "gatherRows", "out");
  require(out.rows() == int(index.size()) && out.cols() == x.cols(), "gatherRows",
          "out " + shape(out) + " for " + std::to_string(index.size()) + " indices of x " +
              shape(x));
  for (std::size_t i = 0; i < index.size(); ++i)
    require(index.i32()[i] >= 0 && index.i32()[i] < x.rows(), "gatherRows",
            "index " + std::to_string(index.i32()[i]) + " out of range");
  const std::size_t rowBytes = std::size_t(x.cols()) * 4;
  parallel(chunksFor(out.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(out.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r)
      std::memcpy(out.f32() + std::size_t(r) * x.cols(),
                  x.f32() + std::size_t(index.i32()[r]) * x.cols(), rowBytes);
  }, 2 * out.size());
}

void CpuBackend::scatterRows(const Tensor& src, const Tensor& index, Tensor& out) {
  requireF32(src, "scatterRows", "src");
  requireI32(index, "scatterRows", "index");
  requireF32(out, "scatterRows", "out");
  require(src.rows() == int(index.size()) && out.cols() == src.cols(), "scatterRows",
          "src " + shape(src) + " for " + std::to_string(index.size()) + " indices into out " +
              shape(out));
  for (std::size_t i = 0; i < index.size(); ++i)
    require(index.i32()[i] >= 0 && index.i32()[i] < out.rows(), "scatterRows",
            "index " + std::to_string(index.i32()[i]) + " out of range");
  const std::size_t rowBytes = std::size_t(src.cols()) * 4;
  parallel(chunksFor(src.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(src.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r)
      std::memcpy(out.f32() + std::size_t(index.i32()[r]) * src.cols(),
                  src.f32() + std::size_t(r) * src.cols(), rowBytes);
  }, 2 * src.size());
}

void CpuBackend::combineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                             const Tensor& weight, float beta, Tensor& out) {
  requireF32(src, "combineRows", "src");
  requireF32(out, "combineRows", "out");
  require(out.cols() == src.cols(), "combineRows", "src " + shape(src) + ", out " + shape(out));
  checkCsr(rowPtr, slot, weight, out.rows(), src.rows(), "combineRows");
  parallel(chunksFor(out.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(out.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r) {
      auto o = mat(out).row(r);
      if (beta == 0.0f) o.setZero(); else o *= beta;
      for (int j = rowPtr.i32()[r]; j < rowPtr.i32()[r + 1]; ++j)
        o += weight.f32()[j] * cmat(src).row(slot.i32()[j]);
    }
  }, out.size() + src.size());
}

void CpuBackend::combineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                                     const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                                     Tensor& dWeight) {
  requireF32(dOut, "combineRowsBackward", "dOut");
  requireF32(src, "combineRowsBackward", "src");
  requireF32(dSrc, "combineRowsBackward", "dSrc");
  requireF32(dWeight, "combineRowsBackward", "dWeight");
  requireSame(src, dSrc, "combineRowsBackward");
  require(dOut.cols() == src.cols() && dWeight.size() == weight.size(), "combineRowsBackward",
          "dOut " + shape(dOut) + ", src " + shape(src));
  checkCsr(rowPtr, slot, weight, dOut.rows(), src.rows(), "combineRowsBackward");
  fill(dSrc, 0.0f);
  parallel(chunksFor(dOut.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(dOut.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r) {
      const auto g = cmat(dOut).row(r);
      for (int j = rowPtr.i32()[r]; j < rowPtr.i32()[r + 1]; ++j) {
        const int s = slot.i32()[j];
        mat(dSrc).row(s) = weight.f32()[j] * g;
        dWeight.f32()[j] = g.dot(cmat(src).row(s));
      }
    }
  }, 2 * src.size() + dOut.size());
}

void CpuBackend::softmaxRows(const Tensor& x, Tensor& y) {
  requireF32(x, "softmaxRows", "x");
  requireF32(y, "softmaxRows", "y");
  requireSame(x, y, "softmaxRows");
  const int cols = x.cols();
  parallel(chunksFor(x.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(x.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r) {
      const float* in = x.f32() + std::size_t(r) * cols;
      float* out = y.f32() + std::size_t(r) * cols;
      float mx = in[0];
      for (int j = 1; j < cols; ++j) mx = std::max(mx, in[j]);
      float sum = 0.0f;
      for (int j = 0; j < cols; ++j) sum += (out[j] = std::exp(in[j] - mx));
      const float inv = 1.0f / sum;
      for (int j = 0; j < cols; ++j) out[j] *= inv;
    }
  }, 2 * x.size());
}

void CpuBackend::softmaxRowsBackward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  requireF32(y, "softmaxRowsBackward", "y");
  requireF32(dy, "softmaxRowsBackward", "dy");
  requireF32(dx, "softmaxRowsBackward", "dx");
  requireSame(y, dy, "softmaxRowsBackward");
  requireSame(y, dx, "softmaxRowsBackward");
  parallel(chunksFor(y.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(y.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r) {
      const float dot = cmat(y).row(r).dot(cmat(dy).row(r));
      mat(dx).row(r) = cmat(y).row(r).cwiseProduct(cmat(dy).row(r).array().matrix() -
                                                   Eigen::RowVectorXf::Constant(y.cols(), dot));
    }
  }, 3 * y.size());
}

void CpuBackend::topk(const Tensor& x, int k, Tensor& values, Tensor& indices) {
  requireF32(x, "topk", "x");
  requireF32(values, "topk", "values");
  requireI32(indices, "topk", "indices");
  require(k >= 1 && k <= x.cols(), "topk", "k must be in [1, cols]");
  require(values.rows() == x.rows() && values.cols() == k && indices.rows() == x.rows() &&
              indices.cols() == k,
          "topk", "outputs must be rows x k");
  const int cols = x.cols();
  parallel(chunksFor(x.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(x.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r) {
      const float* in = x.f32() + std::size_t(r) * cols;
      float* v = values.f32() + std::size_t(r) * k;
      std::int32_t* idx = indices.i32() + std::size_t(r) * k;
      // Insertion into a sorted list of k: k is small (the number of experts chosen).
      int filled = 0;
      for (int j = 0; j < cols; ++j) {
        const float val = in[j];
        int pos = filled;
        while (pos > 0 && (val > v[pos - 1] || (std::isnan(v[pos - 1]) && !std::isnan(val)))) --pos;
        if (pos >= k) continue;
        for (int q = std::min(filled, k - 1); q > pos; --q) {
          v[q] = v[q - 1];
          idx[q] = idx[q - 1];
        }
        v[pos] = val;
        idx[pos] = j;
        filled = std::min(filled + 1, k);
      }
    }
  }, x.size());
}

}  // namespace moe::compute
