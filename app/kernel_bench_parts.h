#pragma once
// moe-kernel-bench's step parts: each part of a reference-task training step (router, dispatch,
// the experts' products and their element-wise work, combine, loss, optimizer) timed on the CPU
// backend's own ops at the step's shapes, and the whole step timed through a real Session.
#include <functional>

#include <nlohmann/json.hpp>

#include "compute/backend.h"

namespace moe::bench {

/** Median seconds of `reps` calls of f, after one warm-up call. */
double medianSeconds(int reps, const std::function<void()>& f);

/** A tensor of normal values times scale (a fixed stream per seed). */
compute::Tensor randomTensor(compute::Backend& b, int rows, int cols, float scale,
                             std::uint64_t seed);

/** Per part: "ms" (median of reps), "flops" (matrix products) and "bytes" (what the part must
 *  move at least, for the memory-bound parts). */
nlohmann::json stepParts(compute::Backend& backend, int reps);

/** The reference task's training step as moe-train runs it (Session::trainStep, median of
 *  `steps` steps after 20 warm-up steps); null with "error" when Fashion-MNIST is missing. */
nlohmann::json referenceStep(int threads, int steps);

}  // namespace moe::bench
