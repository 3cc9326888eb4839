// CPU backend: dense and grouped (per-expert) matrix products.
#include <atomic>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/cpu_detail.h"

namespace moe::compute {

using namespace cpu;

namespace {

// Rows of output per task, chosen from the shape only (determinism) so that each task does
// about half a MFLOP: enough to amortise scheduling, small enough to balance two cores.
int rowsPerTask(Eigen::Index inner, Eigen::Index cols) {
  const Eigen::Index work = std::max<Eigen::Index>(1, inner * cols);
  const Eigen::Index rows = (Eigen::Index(1) << 18) / work;
  return int(std::clamp<Eigen::Index>((rows + 7) / 8 * 8, 8, 4096));
}

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

void checkSegments(Segments offsets, int rows, const char* op) {
  require(offsets.size() >= 2, op, "segments need at least one expert");
  require(offsets.front() == 0 && offsets.back() == rows, op,
          "segments must start at 0 and end at the row count " + std::to_string(rows));
  for (std::size_t e = 1; e < offsets.size(); ++e)
    require(offsets[e] >= offsets[e - 1], op, "segment offsets must be non-decreasing");
}

struct Task {
  int expert, begin, end;
};

// Splits every expert's rows [offsets[e], offsets[e+1]) into blocks of `per` rows.
std::vector<Task> segmentTasks(Segments offsets, int per) {
  std::vector<Task> tasks;
  for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
    for (int r = offsets[e]; r < offsets[e + 1]; r += per)
      tasks.push_back({int(e), r, std::min(offsets[e + 1], r + per)});
  return tasks;
}

}  // namespace

void CpuBackend::gemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b,
                      float beta, Tensor& c) {
  requireF32(a, "gemm", "a");
  requireF32(b, "gemm", "b");
  requireF32(c, "gemm", "c");
  const int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
  const int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
  require(k == kb && c.rows() == m && c.cols() == n, "gemm",
          "op(A) " + std::to_string(m) + "x" + std::to_string(k) + " times op(B) " +
              std::to_string(kb) + "x" + std::to_string(n) + " into C " + shape(c));
  if (m == 0 || n == 0) return;
  const int per = rowsPerTask(k, n);
  parallel(chunksFor(m, per), [&](int t) {
    const int r0 = t * per, len = std::min(per, m - r0);
    auto cBlock = mat(c).middleRows(r0, len);
    if (!transA && !transB)
      gemmInto(cBlock, alpha, cmat(a).middleRows(r0, len), cmat(b), beta);
    else if (!transA && transB)
      gemmInto(cBlock, alpha, cmat(a).middleRows(r0, len), cmat(b).transpose(), beta);
    else if (transA && !transB)
      gemmInto(cBlock, alpha, cmat(a).middleCols(r0, len).transpose(), cmat(b), beta);
    else
      gemmInto(cBlock, alpha, cmat(a).middleCols(r0, len).transpose(), cmat(b).transpose(), beta);
  });
}

void CpuBackend::groupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) {
  requireF32(x, "groupedGemm", "x");
  requireF32(w, "groupedGemm", "w");
  requireF32(y, "groupedGemm", "y");
  checkSegments(offsets, x.rows(), "groupedGemm");
  const int experts = int(offsets.size()) - 1, in = x.cols(), out = w.cols();
  require(w.rows() == experts * in && y.rows() == x.rows() && y.cols() == out, "groupedGemm",
          "x " + shape(x) + ", stacked w " + shape(w) + ", y " + shape(y));
  const auto tasks = segmentTasks(offsets, rowsPerTask(in, out));
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    gemmInto(mat(y).middleRows(t.begin, t.end - t.begin), 1.0f,
             cmat(x).middleRows(t.begin, t.end - t.begin), cmat(w).middleRows(t.expert * in, in),
             0.0f);
  });
}

void CpuBackend::groupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                          Segments offsets) {
  requireF32(dy, "groupedGemmBackwardInput", "dy");
  requireF32(w, "groupedGemmBackwardInput", "w");
  requireF32(dx, "groupedGemmBackwardInput", "dx");
  checkSegments(offsets, dy.rows(), "groupedGemmBackwardInput");
  const int experts = int(offsets.size()) - 1, in = dx.cols(), out = dy.cols();
  require(w.rows() == experts * in && w.cols() == out && dx.rows() == dy.rows(),
          "groupedGemmBackwardInput", "dy " + shape(dy) + ", w " + shape(w) + ", dx " + shape(dx));
  const auto tasks = segmentTasks(offsets, rowsPerTask(out, in));
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    gemmInto(mat(dx).middleRows(t.begin, t.end - t.begin), 1.0f,
             cmat(dy).middleRows(t.begin, t.end - t.begin),
             cmat(w).middleRows(t.expert * in, in).transpose(), 0.0f);
  });
}

void CpuBackend::groupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Segments offsets, float beta) {
  requireF32(x, "groupedGemmBackwardWeight", "x");
  requireF32(dy, "groupedGemmBackwardWeight", "dy");
  requireF32(dw, "groupedGemmBackwardWeight", "dw");
  checkSegments(offsets, x.rows(), "groupedGemmBackwardWeight");
  const int experts = int(offsets.size()) - 1, in = x.cols(), out = dy.cols();
  require(dy.rows() == x.rows() && dw.rows() == experts * in && dw.cols() == out,
          "groupedGemmBackwardWeight", "x " + shape(x) + ", dy " + shape(dy) + ", dw " + shape(dw));
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
  });
}

bool CpuBackend::groupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w,
                                               Tensor& m, Tensor& v, Segments offsets,
                                               const AdamParams& p, Tensor& /*dwScratch*/) {
  requireF32(x, "groupedGemmBackwardWeightAdam", "x");
  requireF32(dy, "groupedGemmBackwardWeightAdam", "dy");
  for (const Tensor* t : {&w, &m, &v}) requireF32(*t, "groupedGemmBackwardWeightAdam", "state");
  checkSegments(offsets, x.rows(), "groupedGemmBackwardWeightAdam");
  const int experts = int(offsets.size()) - 1, in = x.cols(), out = dy.cols();
  require(dy.rows() == x.rows() && w.rows() == experts * in && w.cols() == out &&
              m.rows() == w.rows() && m.cols() == out && v.rows() == w.rows() && v.cols() == out,
          "groupedGemmBackwardWeightAdam", "x " + shape(x) + ", dy " + shape(dy) + ", w " + shape(w));
  // Same tasks as groupedGemmBackwardWeight; each block's gradient stays in cache and is
  // consumed by the Adam step at once instead of being written out and read back.
  constexpr int kBlock = 64;
  const int blocks = chunksFor(in, kBlock);
  std::atomic<bool> finite{true};
  parallel(experts * blocks, [&](int i) {
    const int e = i / blocks, r0 = (i % blocks) * kBlock, len = std::min(kBlock, in - r0);
    const int s = offsets[std::size_t(e)], n = offsets[std::size_t(e) + 1] - s;
    thread_local RowMat grad;
    grad.resize(len, out);
    if (n == 0)
      grad.setZero();
    else
      grad.noalias() = cmat(x).block(s, r0, n, len).transpose() * cmat(dy).middleRows(s, n);
    if (!grad.allFinite()) {  // leave this block as it was; the caller reports divergence
      finite = false;
      return;
    }
    const std::size_t at = (std::size_t(e) * in + r0) * std::size_t(out);
    adamSpan(w.f32() + at, grad.data(), m.f32() + at, v.f32() + at, Eigen::Index(len) * out, p);
  });
  return finite;
}

void CpuBackend::groupedAddBias(Tensor& y, const Tensor& b, Segments offsets) {
  requireF32(y, "groupedAddBias", "y");
  requireF32(b, "groupedAddBias", "b");
  checkSegments(offsets, y.rows(), "groupedAddBias");
  require(b.rows() == int(offsets.size()) - 1 && b.cols() == y.cols(), "groupedAddBias",
          "bias " + shape(b) + " for y " + shape(y));
  const auto tasks = segmentTasks(offsets, 256);
  parallel(int(tasks.size()), [&](int i) {
    const Task& t = tasks[std::size_t(i)];
    mat(y).middleRows(t.begin, t.end - t.begin).rowwise() += cmat(b).row(t.expert);
  });
}

void CpuBackend::groupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) {
  requireF32(dy, "groupedBiasGrad", "dy");
  requireF32(db, "groupedBiasGrad", "db");
  checkSegments(offsets, dy.rows(), "groupedBiasGrad");
  require(db.rows() == int(offsets.size()) - 1 && db.cols() == dy.cols(), "groupedBiasGrad",
          "db " + shape(db) + " for dy " + shape(dy));
  parallel(db.rows(), [&](int e) {
    const int s = offsets[std::size_t(e)], n = offsets[std::size_t(e) + 1] - s;
    auto row = mat(db).row(e);
    if (beta == 0.0f) row.setZero(); else row *= beta;
    if (n > 0) row += cmat(dy).middleRows(s, n).colwise().sum();
  });
}

}  // namespace moe::compute
