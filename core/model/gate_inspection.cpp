#include "core/model/gate_inspection.h"

#include <algorithm>

#include "core/model/host_softmax.h"

namespace moe::core {

std::vector<float> fillGate(MoeLayer& moe, Inspection& out) {
  const DispatchPlan& plan = moe.plan();
  const auto& probs = moe.probs();
  const int E = plan.experts;
  out.experts = E;
  out.gateProbs.assign(probs.begin(), probs.begin() + E);
  out.gateLogits.assign(moe.router().logits().begin(), moe.router().logits().begin() + E);
  for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j) {
    out.chosen.push_back(plan.rowExperts[std::size_t(j)]);
    out.chosenGates.push_back(plan.rowGates[std::size_t(j)]);
  }
  out.dropped = !plan.dropped.empty();
  const int e0 = out.chosen.empty()
                     ? int(std::max_element(out.gateProbs.begin(), out.gateProbs.end()) -
                           out.gateProbs.begin())
                     : out.chosen[0];
  std::vector<float> dz(static_cast<std::size_t>(E));
  for (int j = 0; j < E; ++j) dz[std::size_t(j)] = out.gateProbs[e0] * ((j == e0) - out.gateProbs[j]);
  return dz;
}

void fillPrediction(compute::Backend& backend, const compute::Tensor& logits, Inspection& out) {
  auto host = compute::toHost(backend, logits);
  out.classes = logits.cols();
  out.prediction = softmaxOf(host.data(), logits.cols());
  out.predicted = int(std::max_element(out.prediction.begin(), out.prediction.end()) -
                      out.prediction.begin());
}

}  // namespace moe::core
