// Session's router diagnostics and alarms (the rest of Session is in session.cpp).
#include "core/model/moe_layer.h"
#include "core/routing/router_diagnostics.h"
#include "core/train/router_health.h"
#include "core/train/session.h"

namespace moe::core {

void Session::measureStep(MoeLayer& moe, StepMetrics& m) {
  const std::vector<float>& probs = moe.probs();
  const int E = moe.plan().experts;  // the router's width: experts x split
  const int rows = E > 0 ? int(probs.size() / std::size_t(E)) : 0;
  const MarginSummary margins = summarizeMargins(
      topkMargins(probs.data(), rows, E, moe.router().expertsPerRow()),
      mConfig.health.fragileMargin);
  m.marginMean = margins.mean;
  m.fragileFraction = margins.fragile;
  m.logitScale = logitScale(moe.router().logits());
  // Norms cost a recomputed weight gradient: only every normEvery steps (this is step+1).
  const int every = mConfig.health.normEvery;
  if (every > 0 && (mStep + 1) % every == 0)
    moe.experts().expertNorms(m.expertGradNorm, m.expertWeightNorm);
}

std::string Session::refuseStep(const std::string& message) {
  mHealth->nonFinite(mStep + 1, message);
  return message;
}

const std::vector<RouterEvent>& Session::events() const { return mHealth->events(); }

}  // namespace moe::core
