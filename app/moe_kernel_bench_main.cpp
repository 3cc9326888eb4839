// moe-kernel-bench: times the CPU backend's pieces of a reference-task training step, to say
// where a step's time goes and what bounds the top-2 / dense speed ratio (docs/BENCHMARKS.md).
//
// The reference task: 8 experts of 784-256-10, batch 128. Per step, Adam reads and writes
// every one of the model's 1,634,520 parameters whatever the router does; the experts'
// matrix products scale with the slots (256 for top-2, 1,024 for the dense mixture).
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "compute/random.h"

namespace {

using namespace moe::compute;
using Clock = std::chrono::steady_clock;

constexpr int kExperts = 8, kIn = 784, kHidden = 256, kOut = 10, kBatch = 128;
constexpr long kParams = 1'634'520;  // router 784x8+8, experts 8 x (784x256+256+256x10+10)

/** Median seconds of `reps` calls of f, after one warm-up call. */
double medianSeconds(int reps, const std::function<void()>& f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

Tensor randomTensor(Backend& b, int rows, int cols, float scale, std::uint64_t seed) {
  std::vector<float> v(std::size_t(rows) * std::size_t(cols));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * normalAt(seed, i);
  Tensor t = b.alloc(rows, cols);
  b.write(t, std::span<const float>(v));
  return t;
}

/** The experts' products of one step (forward, input and weight gradients of both layers,
 *  no input gradient of the first: the reference model's inputs are data) for `perExpert`
 *  rows per expert. */
struct ExpertProducts {
  ExpertProducts(Backend& b, int perExpert)
      : offsets(kExperts + 1),
        x(randomTensor(b, kExperts * perExpert, kIn, 1.0f, 1)),
        w1(randomTensor(b, kExperts * kIn, kHidden, 0.03f, 2)),
        w2(randomTensor(b, kExperts * kHidden, kOut, 0.06f, 3)),
        h(b.alloc(kExperts * perExpert, kHidden)),
        dh(b.alloc(kExperts * perExpert, kHidden)),
        y(b.alloc(kExperts * perExpert, kOut)),
        dy(randomTensor(b, kExperts * perExpert, kOut, 0.1f, 4)),
        dw1(b.alloc(kExperts * kIn, kHidden)),
        dw2(b.alloc(kExperts * kHidden, kOut)) {
    for (int e = 0; e <= kExperts; ++e) offsets[std::size_t(e)] = e * perExpert;
  }
  void run(Backend& b) {
    b.groupedGemm(x, w1, h, offsets);
    b.groupedGemm(h, w2, y, offsets);
    b.groupedGemmBackwardInput(dy, w2, dh, offsets);
    b.groupedGemmBackwardWeight(h, dy, dw2, offsets, 0.0f);
    b.groupedGemmBackwardWeight(x, dh, dw1, offsets, 0.0f);
  }
  double flops() const {
    const double rows = offsets.back();
    return 2.0 * rows * (3.0 * kHidden * kOut + 2.0 * kIn * kHidden);
  }
  std::vector<int> offsets;
  Tensor x, w1, w2, h, dh, y, dy, dw1, dw2;
};

/** Moves the bytes Adam moves (read weight, gradient and two moments; write three) with no
 *  arithmetic to speak of, split as the backend splits element-wise work: the ceiling for
 *  any implementation of the update on this machine. */
double streamSeconds(int threads, int reps) {
  std::vector<float> w(kParams, 1.0f), g(kParams, 1e-3f), m(kParams, 0.0f), v(kParams, 0.0f);
  tbb::task_arena arena(threads);
  constexpr long kChunk = 1 << 15;
  const long chunks = (kParams + kChunk - 1) / kChunk;
  return medianSeconds(reps, [&] {
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<long>(0, chunks, 1), [&](const tbb::blocked_range<long>& r) {
        for (long c = r.begin(); c < r.end(); ++c) {
          const long end = std::min(kParams, (c + 1) * kChunk);
          float* __restrict pw = w.data();
          float* __restrict pm = m.data();
          float* __restrict pv = v.data();
          const float* __restrict pg = g.data();
          for (long j = c * kChunk; j < end; ++j) {
            pm[j] += pg[j];
            pv[j] += pg[j];
            pw[j] -= pg[j];
          }
        }
      }, tbb::static_partitioner());
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moe-kernel-bench: where a reference-task training step's time goes (CPU backend)"};
  int threads = 2, reps = 50;
  app.add_option("--threads", threads, "CPU threads")->check(CLI::Range(1, 256));
  app.add_option("--reps", reps, "timed repetitions per measurement (median reported)")
      ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);

  CpuBackend backend(threads);
  nlohmann::json out{{"threads", threads}, {"reps", reps}, {"params", kParams}};

  // Adam over the whole model, as every step of either router does it.
  Tensor w = randomTensor(backend, int(kParams / 8), 8, 0.03f, 5);
  Tensor g = randomTensor(backend, int(kParams / 8), 8, 1e-3f, 6);
  Tensor m = backend.alloc(int(kParams / 8), 8), v = backend.alloc(int(kParams / 8), 8);
  AdamParams ap;
  ap.lr = 1e-3f;
  ap.step = 1;
  const double adam = medianSeconds(reps, [&] {
    backend.adamUpdate(w, g, m, v, ap);
    ++ap.step;
  });
  const double stream = streamSeconds(threads, reps);
  const double bytes = 28.0 * kParams;
  out["adam_ms"] = adam * 1e3;
  out["adam_gb_per_s"] = bytes / adam / 1e9;
  out["stream_same_bytes_ms"] = stream * 1e3;
  out["stream_gb_per_s"] = bytes / stream / 1e9;

  // The experts' products at top-2 (32 rows an expert on average) and dense (128) loads.
  ExpertProducts top2(backend, kBatch * 2 / kExperts), dense(backend, kBatch);
  const double t2 = medianSeconds(reps, [&] { top2.run(backend); });
  const double td = medianSeconds(reps, [&] { dense.run(backend); });
  out["experts_top2_ms"] = t2 * 1e3;
  out["experts_top2_gflop_per_s"] = top2.flops() / t2 / 1e9;
  out["experts_dense_ms"] = td * 1e3;
  out["experts_dense_gflop_per_s"] = dense.flops() / td / 1e9;

  // If nothing else cost anything: a step is Adam plus the experts' products.
  out["ratio_adam_plus_products"] = (adam + td) / (adam + t2);
  // And if top-2's products ran at the dense mixture's rate (exactly a quarter of its time).
  out["ratio_bound_quarter_products"] = (adam + td) / (adam + td / 4.0);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
