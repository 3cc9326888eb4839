#pragma once
// Helpers shared by the session-level core tests (training, checkpoints).
#include <memory>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/train/session.h"

namespace moe::core::testing {

/** A session on the CPU backend with config.threads threads. */
inline std::unique_ptr<Session> makeSession(const TrainConfig& config,
                                            std::shared_ptr<const DataSplits> data) {
  return std::make_unique<Session>(config, std::move(data),
                                   std::make_unique<compute::CpuBackend>(config.threads));
}

/** Fashion-MNIST cut to 1000 training rows and a stratified 500 test rows, no validation: the
 *  small data the checkpoint suites train on. */
inline std::shared_ptr<const DataSplits> smallFashionMnist() {
  DataOptions opt;
  opt.maxTrain = 1000;
  opt.validationFraction = 0.0;
  auto d = std::make_shared<DataSplits>(loadDataset("fashion-mnist", opt));
  d->test = subset(d->test, 500, 2);
  return d;
}

/** A small, fast MoE on 784 inputs: 4 experts, top-2, batch 100, 2 threads. */
inline TrainConfig smallMoeConfig(int expertHidden, std::uint64_t seed) {
  TrainConfig c;
  c.model.experts = 4;
  c.model.topK = 2;
  c.model.expertHidden = expertHidden;
  c.batchSize = 100;
  c.threads = 2;
  c.seed = seed;
  return c;
}

/** Every parameter's values, copied to the host, in the model's order. */
inline std::vector<std::vector<float>> paramValues(Session& s) {
  std::vector<std::vector<float>> v;
  for (Parameter* p : s.model().parameters()) v.push_back(compute::toHost(s.backend(), p->value));
  return v;
}

}  // namespace moe::core::testing
