// moe-kernel-bench's step parts (kernel_bench_parts.h).
#include "app/kernel_bench_parts.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <vector>

#include "compute/random.h"
#include "core/train/session_factory.h"

namespace moe::bench {

using compute::Tensor;
using Clock = std::chrono::steady_clock;

namespace {
constexpr int kExperts = 8, kIn = 784, kHidden = 256, kOut = 10, kBatch = 128, kK = 2;
constexpr int kSlots = kBatch * kK;
}  // namespace

double medianSeconds(int reps, const std::function<void()>& f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(t.begin(), t.begin() + long(t.size() / 2), t.end());
  return t[t.size() / 2];
}

Tensor randomTensor(compute::Backend& b, int rows, int cols, float scale, std::uint64_t seed) {
  std::vector<float> v(std::size_t(rows) * std::size_t(cols));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * compute::normalAt(seed, i);
  Tensor t = b.alloc(rows, cols);
  b.write(t, std::span<const float>(v));
  return t;
}

nlohmann::json stepParts(compute::Backend& b, int reps) {
  nlohmann::json parts;
  auto part = [&](const char* name, double flops, double bytes, const std::function<void()>& f) {
    const double s = medianSeconds(reps, [&] {
      f();
      b.synchronize();
    });
    parts[name] = {{"ms", s * 1e3}, {"flops", flops}, {"bytes", bytes}};
  };
  Tensor x = randomTensor(b, kBatch, kIn, 1.0f, 11);

  // Router: logits = x Wr + br (read to the host for gating), then its weight gradients.
  Tensor wr = randomTensor(b, kIn, kExperts, 0.03f, 12), br = b.alloc(1, kExperts);
  Tensor logits = b.alloc(kBatch, kExperts), dz = randomTensor(b, kBatch, kExperts, 0.01f, 13);
  Tensor dwr = b.alloc(kIn, kExperts), dbr = b.alloc(1, kExperts);
  std::vector<float> host(std::size_t(kBatch) * kExperts);
  part("router", 2.0 * 2.0 * kBatch * kIn * kExperts, 0.0, [&] {
    b.gemm(false, false, 1.0f, x, wr, 0.0f, logits);
    b.addRowVector(logits, br);
    b.read(logits, std::span<float>(host));
    b.gemm(true, false, 1.0f, x, dz, 0.0f, dwr);
    b.sumRows(dz, dbr, 0.0f);
  });

  // Dispatch: every row copied to its two slots.
  std::vector<std::int32_t> slotRow(kSlots);
  for (int s = 0; s < kSlots; ++s) slotRow[std::size_t(s)] = (s * 37) % kBatch;
  Tensor index = b.alloc(kSlots, 1, compute::DType::I32), xe = b.alloc(kSlots, kIn);
  b.write(index, std::span<const std::int32_t>(slotRow));
  part("dispatch", 0.0, 2.0 * 4.0 * kSlots * kIn, [&] { b.gatherRows(x, index, xe); });

  // The experts' element-wise work around their products: biases, activation, bias gradients.
  std::vector<int> offsets(kExperts + 1);
  for (int e = 0; e <= kExperts; ++e) offsets[std::size_t(e)] = e * kSlots / kExperts;
  Tensor pre = randomTensor(b, kSlots, kHidden, 1.0f, 14), hid = b.alloc(kSlots, kHidden);
  Tensor dhid = randomTensor(b, kSlots, kHidden, 0.01f, 15), ye = b.alloc(kSlots, kOut);
  Tensor dye = randomTensor(b, kSlots, kOut, 0.01f, 16);
  Tensor b1 = b.alloc(kExperts, kHidden), b2 = b.alloc(kExperts, kOut);
  Tensor db1 = b.alloc(kExperts, kHidden), db2 = b.alloc(kExperts, kOut);
  part("experts_elementwise", 0.0, 4.0 * 4.0 * kSlots * kHidden, [&] {
    b.groupedAddBias(pre, b1, offsets);
    b.activation(compute::Activation::Relu, pre, hid);
    b.groupedAddBias(ye, b2, offsets);
    b.groupedBiasGrad(dye, db2, offsets, 0.0f);
    b.activationBackward(compute::Activation::Relu, pre, hid, dhid, dhid);
    b.groupedBiasGrad(dhid, db1, offsets, 0.0f);
  });

  // Combine: each row the gated sum of its two slots; backward to slots and gates.
  std::vector<std::int32_t> rowPtr(kBatch + 1), slots(kSlots);
  for (int r = 0; r <= kBatch; ++r) rowPtr[std::size_t(r)] = r * kK;
  for (int s = 0; s < kSlots; ++s) slots[std::size_t(s)] = (s * 37) % kSlots;
  Tensor ptrT = b.alloc(kBatch + 1, 1, compute::DType::I32), slotT = b.alloc(kSlots, 1, compute::DType::I32);
  b.write(ptrT, std::span<const std::int32_t>(rowPtr));
  b.write(slotT, std::span<const std::int32_t>(slots));
  Tensor gates = randomTensor(b, kSlots, 1, 0.5f, 17), y = b.alloc(kBatch, kOut);
  Tensor dy = randomTensor(b, kBatch, kOut, 0.01f, 18), dGate = b.alloc(kSlots, 1);
  std::vector<float> dGateHost(kSlots);
  part("combine", 0.0, 4.0 * 4.0 * kSlots * kOut, [&] {
    b.combineRows(ye, ptrT, slotT, gates, 0.0f, y);
    b.combineRowsBackward(dy, ye, ptrT, slotT, gates, dye, dGate);
    b.read(dGate, std::span<float>(dGateHost));
  });

  // Loss: softmax cross-entropy of the batch and its gradient.
  std::vector<std::int32_t> labels(kBatch);
  for (int r = 0; r < kBatch; ++r) labels[std::size_t(r)] = r % kOut;
  Tensor labelT = b.alloc(kBatch, 1, compute::DType::I32), dLogits = b.alloc(kBatch, kOut);
  b.write(labelT, std::span<const std::int32_t>(labels));
  part("loss", 0.0, 3.0 * 4.0 * kBatch * kOut,
       [&] { b.crossEntropy(y, labelT, 1.0f / kBatch, dLogits); });
  return parts;
}

nlohmann::json referenceStep(int threads, int steps) {
  core::TrainConfig cfg;  // the defaults are the reference task
  cfg.threads = threads;
  try {
    core::SessionBuild build = core::buildSession(cfg);
    core::Session& s = *build.session;
    for (int i = 0; i < 20; ++i) s.trainStep();
    const double sec = medianSeconds(steps, [&] { s.trainStep(); });
    return {{"ms", sec * 1e3}, {"samples_per_s", cfg.batchSize / sec}, {"steps", steps}};
  } catch (const std::exception& e) {
    return {{"ms", nullptr}, {"error", e.what()}};
  }
}

}  // namespace moe::bench
