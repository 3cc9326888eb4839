// CPU backend: gather, scatter, weighted combine and its backward. Shapes are checked by
// Backend's fronts; the values of index tensors are checked here, where they are on the host.
#include <cstring>
#include <string>

#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/cpu_detail.h"

namespace moe::compute {

using namespace cpu;

namespace {
constexpr int kRowBlock = 64;

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw ShapeError(std::string(op) + ": " + what);
}

// Every entry of index (n values) in [0, rows).
void checkIndices(const Tensor& index, int rows, const char* op) {
  for (std::size_t i = 0; i < index.size(); ++i)
    if (index.i32()[i] < 0 || index.i32()[i] >= rows)
      fail(op, "index " + std::to_string(index.i32()[i]) + " out of range [0, " +
                   std::to_string(rows) + ")");
}

// rowPtr runs from 0 to the number of slots without decreasing; slots index rows of src.
void checkCsr(const Tensor& rowPtr, const Tensor& slot, int rows, int srcRows, const char* op) {
  const std::int32_t* p = rowPtr.i32();
  if (p[0] != 0 || std::size_t(p[rows]) != slot.size())
    fail(op, "rowPtr must run from 0 to the number of slots");
  for (int r = 0; r < rows; ++r)
    if (p[r + 1] < p[r]) fail(op, "rowPtr must be non-decreasing");
  for (std::size_t j = 0; j < slot.size(); ++j)
    if (slot.i32()[j] < 0 || slot.i32()[j] >= srcRows) fail(op, "slot index out of range");
}
}  // namespace

void CpuBackend::doGatherRows(const Tensor& x, const Tensor& index, Tensor& out) {
  checkIndices(index, x.rows(), "gatherRows");
  const std::size_t rowBytes = std::size_t(x.cols()) * 4;
  parallel(chunksFor(out.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(out.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r)
      std::memcpy(out.f32() + std::size_t(r) * x.cols(),
                  x.f32() + std::size_t(index.i32()[r]) * x.cols(), rowBytes);
  }, 2 * out.size());
}

void CpuBackend::doScatterRows(const Tensor& src, const Tensor& index, Tensor& out) {
  checkIndices(index, out.rows(), "scatterRows");
  const std::size_t rowBytes = std::size_t(src.cols()) * 4;
  parallel(chunksFor(src.rows(), kRowBlock), [&](int c) {
    const int r1 = std::min(src.rows(), (c + 1) * kRowBlock);
    for (int r = c * kRowBlock; r < r1; ++r)
      std::memcpy(out.f32() + std::size_t(index.i32()[r]) * src.cols(),
                  src.f32() + std::size_t(r) * src.cols(), rowBytes);
  }, 2 * src.size());
}

void CpuBackend::doCombineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                               const Tensor& weight, float beta, Tensor& out) {
  checkCsr(rowPtr, slot, out.rows(), src.rows(), "combineRows");
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

void CpuBackend::doCombineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                                       const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                                       Tensor& dWeight) {
  checkCsr(rowPtr, slot, dOut.rows(), src.rows(), "combineRowsBackward");
  doFill(dSrc, 0.0f);
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

}  // namespace moe::compute
