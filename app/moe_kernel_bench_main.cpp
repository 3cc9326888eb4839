// moe-kernel-bench: times the CPU backend's pieces of a reference-task training step, to say
// where a step's time goes, what bounds the top-2 / dense speed ratio and, with
// scripts/bound.sh, how close a step comes to the machine's bound (docs/BENCHMARKS.md).
//
// The reference task: 8 experts of 784-256-10, batch 128. Per step, Adam reads and writes
// every one of the model's 1,634,520 parameters whatever the router does; the experts'
// matrix products scale with the slots (256 for top-2, 1,024 for the dense mixture).
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/kernel_bench_parts.h"
#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/cpu_detail.h"  // the backend's own Adam kernel and chunk size
#include "compute/random.h"

namespace {

using namespace moe::compute;
using moe::bench::medianSeconds;
using moe::bench::randomTensor;
using Clock = std::chrono::steady_clock;

constexpr int kExperts = 8, kIn = 784, kHidden = 256, kOut = 10, kBatch = 128;
constexpr long kParams = 1'634'520;  // router 784x8+8, experts 8 x (784x256+256+256x10+10)

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
  constexpr long kChunk = cpu::kElemChunk;
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

#if defined(__AVX512F__)
// One core, eight experts' first layers at top-2 load (32 rows each): can the backend's Adam
// update (cpu::adamSpan) of a weight block hide under the arithmetic of the product that uses
// it next? The product is a register-tiled AVX-512 kernel (8 rows x 32 columns of y in
// registers, no packing).
namespace overlap {

constexpr int kRows = kBatch * 2 / kExperts, kBlock = 16;

// y[kRows x kHidden] += x[:, k0:k0+kb] * w[k0:k0+kb, :]
void product(const float* x, const float* w, float* y, int k0, int kb) {
  for (int c = 0; c < kHidden; c += 32)
    for (int r = 0; r < kRows; r += 8) {
      __m512 acc[8][2];
      for (int i = 0; i < 8; ++i)
        for (int h = 0; h < 2; ++h) acc[i][h] = _mm512_loadu_ps(y + (r + i) * kHidden + c + 16 * h);
      for (int k = k0; k < k0 + kb; ++k) {
        const __m512 w0 = _mm512_loadu_ps(w + k * kHidden + c);
        const __m512 w1 = _mm512_loadu_ps(w + k * kHidden + c + 16);
        for (int i = 0; i < 8; ++i) {
          const __m512 xv = _mm512_set1_ps(x[(r + i) * kIn + k]);
          acc[i][0] = _mm512_fmadd_ps(xv, w0, acc[i][0]);
          acc[i][1] = _mm512_fmadd_ps(xv, w1, acc[i][1]);
        }
      }
      for (int i = 0; i < 8; ++i)
        for (int h = 0; h < 2; ++h) _mm512_storeu_ps(y + (r + i) * kHidden + c + 16 * h, acc[i][h]);
    }
}

/** Milliseconds (best of reps) for: products alone, Adam alone, Adam then the product, and
 *  the two interleaved by 16-row blocks with the next block's state prefetched. */
nlohmann::json measure(int reps) {
  const std::size_t per = std::size_t(kIn) * kHidden, all = per * kExperts;
  std::vector<float> w(all, 0.01f), g(all, 1e-3f), m(all, 0.0f), v(all, 0.0f);
  std::vector<float> x(std::size_t(kRows) * kIn, 0.5f), y(std::size_t(kRows) * kHidden);
  cpu::flushDenormals();
  AdamParams ap;
  ap.lr = 1e-3f;
  ap.step = 1;
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  for (int rep = 0; rep < reps; ++rep)
    for (int mode = 0; mode < 4; ++mode) {
      const auto t0 = Clock::now();
      for (int e = 0; e < kExperts; ++e) {
        float *pw = &w[e * per], *pg = &g[e * per], *pm = &m[e * per], *pv = &v[e * per];
        std::fill(y.begin(), y.end(), 0.0f);
        if (mode == 0) product(x.data(), pw, y.data(), 0, kIn);
        if (mode == 1) cpu::adamSpan(pw, pg, pm, pv, long(per), ap);
        if (mode == 2) {
          cpu::adamSpan(pw, pg, pm, pv, long(per), ap);
          product(x.data(), pw, y.data(), 0, kIn);
        }
        if (mode == 3)
          for (int k0 = 0; k0 < kIn; k0 += kBlock) {
            const long at = long(k0) * kHidden, n = long(kBlock) * kHidden;
            cpu::adamSpan(pw + at, pg + at, pm + at, pv + at, n, ap);
            if (k0 + kBlock < kIn)
              for (long o = at + n; o < at + 2 * n; o += 16)
                for (const float* p : {pw + o, pg + o, pm + o, pv + o})
                  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1);
            product(x.data(), pw, y.data(), k0, kBlock);
          }
      }
      best[mode] = std::min(best[mode], std::chrono::duration<double>(Clock::now() - t0).count() * 1e3);
    }
  return {{"products_ms", best[0]}, {"adam_ms", best[1]}, {"sequential_ms", best[2]},
          {"interleaved_ms", best[3]}};
}

}  // namespace overlap
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moe-kernel-bench: where a reference-task training step's time goes (CPU backend)"};
  int threads = 2, reps = 50, steps = 200;
  app.add_option("--threads", threads, "CPU threads")->check(CLI::Range(1, 256));
  app.add_option("--reps", reps, "timed repetitions per measurement (median reported)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--steps", steps,
                 "reference-task training steps timed through a Session (median; 0: skip)")
      ->check(CLI::Range(0, 100000));
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
  // A top-2 step part by part (scripts/bound.sh turns these into shares of the bound): the
  // experts' products and Adam from above, the rest from the backend's ops at the step's shapes.
  nlohmann::json parts = moe::bench::stepParts(backend, reps);
  parts["experts_products"] = {{"ms", t2 * 1e3}, {"flops", top2.flops()}, {"bytes", 0.0}};
  parts["optimizer"] = {{"ms", adam * 1e3}, {"flops", 0.0}, {"bytes", bytes}};
  out["parts"] = parts;
  if (steps > 0) out["reference_step"] = moe::bench::referenceStep(threads, steps);
#if defined(__AVX512F__)
  out["overlap_one_core"] = overlap::measure(reps);
#else
  out["overlap_one_core"] = nullptr;  // the probe is written for AVX-512
#endif
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
