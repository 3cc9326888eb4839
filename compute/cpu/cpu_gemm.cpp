// CPU backend: dense and grouped (per-expert) matrix products.
#include <atomic>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/cpu_detail.h"

namespace moe::compute {

using namespace cpu;

namespace {

// Output tiles per task, fixed by the shape only (determinism). Eigen packs the right-hand
// operand once per product, so a task should cover many rows of one column block: splitting
// rows finely would re-pack the whole weight matrix for every few rows.
constexpr int kTileRows = 256;
constexpr int kTileCols = 128;

// C = alpha * A * B + beta * C on Eigen expressions.
template <typename CBlock, typename ABlock, typename BBlock>
void gemmInto(CBlock&& c, float alpha, const ABlock& a, const BBlock& b, float beta) {
  if (beta == 0.0f) {
    c.noalias() = alpha * a * b;
  } else {
    if (beta != 1.0f) c *= beta;
    c.noalias() += alpha * a * b;
  }
}

// What a product of m x k by k x n weighs in floats moved by a memory-bound op (for the
// serial threshold): 2mnk flops at ~60 GFLOP/s a core take as long as moving mnk/8 floats.
std::size_t gemmWork(long m, long n, long k) { return std::size_t(m) * std::size_t(n) * std::size_t(k) / 8; }

struct Task {
  int expert, begin, end, col0, cols;
};

// Splits every expert's rows [offsets[e], offsets[e+1]) into blocks of `per` rows, and the
// output's columns into blocks of kTileCols.
std::vector<Task> segmentTasks(Segments offsets, int per, int cols) {
  std::vector<Task> tasks;
  for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
    for (int r = offsets[e]; r < offsets[e + 1]; r += per)
      for (int c = 0; c < cols; c += kTileCols)
        tasks.push_back({int(e), r, std::min(offsets[e + 1], r + per), c, std::min(kTileCols, cols - c)});
  return tasks;
}

}  // namespace

void CpuBackend::doGemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b,
                        float beta, Tensor& c) {
  const int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
  if (m == 0 || n == 0) return;
  const int rowTiles = chunksFor(m, kTileRows), colTiles = chunksFor(n, kTileCols);
  parallel(rowTiles * colTiles, [&](int t) {
    const int r0 = (t / colTiles) * kTileRows, len = std::min(kTileRows, m - r0);
    const int c0 = (t % colTiles) * kTileCols, w = std::min(kTileCols, n - c0);
    auto cBlock = mat(c).block(r0, c0, len, w);
    if (!transA && !transB)
      gemmInto(cBlock, alpha, cmat(a).middleRows(r0, len), cmat(b).middleCols(c0, w), beta);
    else if (!transA && transB)
      gemmInto(cBlock, alpha, cmat(a).middleRows(r0, len), cmat(b).middleRows(c0, w).transpose(),
               beta);
    else if (transA && !transB)
      gemmInto(cBlock, alpha, cmat(a).middleCols(r0, len).transpose(), cmat(b).middleCols(c0, w),
               beta);
    else
      gemmInto(cBlock, alpha, cmat(a).middleCols(r0, len).transpose(),
               cmat(b).middleRows(c0, w).transpose(), beta);
  }, gemmWork(m, n, k));
}

void CpuBackend::doGroupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) {
  const int in = x.cols(), out = w.cols();
  const auto tasks = segmentTasks(offsets, kTileRows, out);
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    gemmInto(mat(y).block(t.begin, t.col0, t.end - t.begin, t.cols), 1.0f,
             cmat(x).middleRows(t.begin, t.end - t.begin),
             cmat(w).block(t.expert * in, t.col0, in, t.cols), 0.0f);
  }, gemmWork(x.rows(), out, in));
}

void CpuBackend::doGroupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                            Segments offsets) {
  const int in = dx.cols(), out = dy.cols();
  const auto tasks = segmentTasks(offsets, kTileRows, in);
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    gemmInto(mat(dx).block(t.begin, t.col0, t.end - t.begin, t.cols), 1.0f,
             cmat(dy).middleRows(t.begin, t.end - t.begin),
             cmat(w).middleRows(t.expert * in + t.col0, t.cols).transpose(), 0.0f);
  }, gemmWork(dy.rows(), in, out));
}

void CpuBackend::doGroupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                             Segments offsets, float beta) {
  const int experts = int(offsets.size()) - 1, in = x.cols(), out = dy.cols();
  // Tasks are (expert, block of weight rows): every output element is written by one task.
  constexpr int kBlock = 64;
  const int blocks = chunksFor(in, kBlock);
  parallel(experts * blocks, [&](int i) {
    const int e = i / blocks, r0 = (i % blocks) * kBlock, len = std::min(kBlock, in - r0);
    const int s = offsets[std::size_t(e)], n = offsets[std::size_t(e) + 1] - s;
    auto block = mat(dw).middleRows(e * in + r0, len);
    if (n == 0) {
      if (beta == 0.0f) block.setZero(); else block *= beta;
      return;
    }
    gemmInto(block, 1.0f, cmat(x).block(s, r0, n, len).transpose(), cmat(dy).middleRows(s, n),
             beta);
  }, gemmWork(x.rows(), in, out));
}

bool CpuBackend::doGroupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w,
                                                 Tensor& m, Tensor& v, Segments offsets,
                                                 const AdamParams& p, Tensor& /*dwScratch*/) {
  const int experts = int(offsets.size()) - 1, in = x.cols(), out = dy.cols();
  // Same tasks as groupedGemmBackwardWeight; each block's gradient stays in cache and is
  // consumed by the Adam step at once instead of being written out and read back.
  constexpr int kBlock = 64;
  const int blocks = chunksFor(in, kBlock);
  std::atomic<bool> finite{true};
  parallel(experts * blocks, [&](int i) {
    const int e = i / blocks, r0 = (i % blocks) * kBlock, len = std::min(kBlock, in - r0);
    const int s = offsets[std::size_t(e)], n = offsets[std::size_t(e) + 1] - s;
    if (n == 0 && p.skipEmptySegments) return;
    thread_local RowMat grad;
    grad.resize(len, out);
    if (n == 0)
      grad.setZero();
    else
      grad.noalias() = cmat(x).block(s, r0, n, len).transpose() * cmat(dy).middleRows(s, n);
    // A non-finite block is left as it was; the caller reports divergence.
    const std::size_t at = (std::size_t(e) * in + r0) * std::size_t(out);
    if (!adamSpan(w.f32() + at, grad.data(), m.f32() + at, v.f32() + at, Eigen::Index(len) * out, p))
      finite = false;
  }, gemmWork(x.rows(), in, out) + 6 * w.size());
  return finite;
}

void CpuBackend::doGroupedAddBias(Tensor& y, const Tensor& b, Segments offsets) {
  const auto tasks = segmentTasks(offsets, 256, y.cols());
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    mat(y).block(t.begin, t.col0, t.end - t.begin, t.cols).rowwise() +=
        cmat(b).row(t.expert).segment(t.col0, t.cols);
  }, 2 * y.size());
}

void CpuBackend::doGroupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) {
  parallel(db.rows(), [&](int e) {
    const int s = offsets[std::size_t(e)], n = offsets[std::size_t(e) + 1] - s;
    auto row = mat(db).row(e);
    if (beta == 0.0f) row.setZero(); else row *= beta;
    if (n > 0) row += cmat(dy).middleRows(s, n).colwise().sum();
  }, dy.size());
}

}  // namespace moe::compute
