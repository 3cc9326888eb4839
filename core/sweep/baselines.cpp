#include "core/sweep/baselines.h"

#include "core/routing/router_registry.h"

namespace moe::core {

const std::vector<Baseline>& allBaselines() {
  static const std::vector<Baseline> all{Baseline::DenseActive, Baseline::DenseTotal,
                                         Baseline::UniformGate, Baseline::Bagging,
                                         Baseline::Boosting,    Baseline::Stacking};
  return all;
}

const char* baselineName(Baseline b) {
  switch (b) {
    case Baseline::DenseActive: return "dense-active";
    case Baseline::DenseTotal: return "dense-total";
    case Baseline::UniformGate: return "uniform-gate";
    case Baseline::Bagging: return "bagging";
    case Baseline::Boosting: return "boosting";
    case Baseline::Stacking: return "stacking";
  }
  return "?";
}

std::optional<Baseline> findBaseline(const std::string& name) {
  for (Baseline b : allBaselines())
    if (name == baselineName(b)) return b;
  return std::nullopt;
}

bool isEnsemble(Baseline b) {
  return b == Baseline::Bagging || b == Baseline::Boosting || b == Baseline::Stacking;
}

TrainConfig baselineConfig(const TrainConfig& moe, Baseline b) {
  TrainConfig c = moe;
  if (b == Baseline::UniformGate) {
    c.model.router = "uniform";
    return c;
  }
  const ModelConfig& m = moe.model;
  const int width = m.routedHidden();
  const int perRow = expertsPerRow(m.router, m.routedTopK(), m.routedExperts());
  int experts = 1;  // ensemble members: one expert of the MoE's width
  if (b == Baseline::DenseActive) experts = perRow + m.sharedExperts;
  if (b == Baseline::DenseTotal) experts = m.routedExperts() + m.sharedExperts;
  c.model.expertHidden = std::max(1, width) * experts;
  if (width == 0) c.model.expertHidden = 0;  // linear experts stay linear
  c.model.experts = 1;
  c.model.topK = 1;
  c.model.expertSplit = 1;
  c.model.sharedExperts = 0;
  c.model.router = "topk";
  c.model.biasUpdateRate = 0.0;
  return c;
}

}  // namespace moe::core
