#pragma once
// Private helpers shared by the CPU backend's translation units.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <Eigen/Core>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#include <algorithm>

#include "compute/cpu/cpu_backend.h"

namespace moe::compute::cpu {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<RowMat, Eigen::Unaligned>;
using ConstMatMap = Eigen::Map<const RowMat, Eigen::Unaligned>;
using ArrMap = Eigen::Map<Eigen::ArrayXf, Eigen::Unaligned>;
using ConstArrMap = Eigen::Map<const Eigen::ArrayXf, Eigen::Unaligned>;

inline MatMap mat(const Tensor& t) { return MatMap(t.f32(), t.rows(), t.cols()); }
inline ConstMatMap cmat(const Tensor& t) { return ConstMatMap(t.f32(), t.rows(), t.cols()); }
inline ArrMap arr(const Tensor& t) { return ArrMap(t.f32(), Eigen::Index(t.size())); }
inline ConstArrMap carr(const Tensor& t) { return ConstArrMap(t.f32(), Eigen::Index(t.size())); }

/** Element-wise work is split into chunks of this many elements (fixed: determinism). */
constexpr Eigen::Index kElemChunk = 1 << 15;

/** Memory-bound ops on fewer floats than this run on the calling thread: handing a chunk to
 *  a worker and joining it costs ~20 us, as long as moving ~100K floats (the biases, gathers
 *  and element-wise ops of a batch of 128, two dozen of them a step). Results do not change:
 *  the same chunks run in the same order. */
constexpr std::size_t kSerialElements = std::size_t(1) << 17;

inline int chunksFor(Eigen::Index n, Eigen::Index per) { return int((n + per - 1) / per); }

/** Flushes denormal floats to zero on the calling thread (x86 FTZ + DAZ). Adam's moments of
 *  rarely-used weights decay through the denormal range, where x86 arithmetic is ~100x slower;
 *  as in TensorFlow, the backend's threads treat such values as zero. */
inline void flushDenormals() {
#if defined(__SSE2__)
  _mm_setcsr(_mm_getcsr() | 0x8040u);
#endif
}

/** Lowers the calling thread's OS scheduling priority (nice 10), once per thread. */
void lowerThreadPriorityOnce();

/** Adam/AdamW on n contiguous weights (PyTorch's formulation). Returns false, changing
 *  nothing, when some gradient value is not finite. */
bool adamSpan(float* w, const float* g, float* m, float* v, Eigen::Index n, const AdamParams& p);

}  // namespace moe::compute::cpu

namespace moe::compute {

struct CpuBackend::Arena {
  explicit Arena(int threads) : arena(threads) {}
  tbb::task_arena arena;
};

// Runs body(0..chunks-1) on the backend's arena. Chunks are fixed by the caller from the
// problem's shape only, so results do not depend on how many threads run them.
template <typename F>
void CpuBackend::parallel(int chunks, F&& body, std::size_t elements) {
  if (chunks <= 0) return;
  cpu::flushDenormals();
  if (mBackground) cpu::lowerThreadPriorityOnce();
  if (chunks == 1 || mThreads == 1 || elements < cpu::kSerialElements) {
    for (int i = 0; i < chunks; ++i) body(i);
    return;
  }
  mArena->arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, chunks, 1),
        [&](const tbb::blocked_range<int>& r) {
          cpu::flushDenormals();  // a worker's control register is its own
          if (mBackground) cpu::lowerThreadPriorityOnce();
          for (int i = r.begin(); i < r.end(); ++i) body(i);
        },
        tbb::simple_partitioner());
  });
}

}  // namespace moe::compute
