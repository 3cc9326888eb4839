// SessionController's view of a model with several MoE layers (deep-moe): which layer the
// views show, and the evaluation and inspection as seen from it.
#include <algorithm>

#include "core/train/layer_settings.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

int SessionController::layerCount() const {
  return hasSession() ? core::moeLayerCount(mConfig.model) : 0;
}

void SessionController::setViewLayer(int layer) {
  layer = std::clamp(layer, 0, std::max(0, layerCount() - 1));
  if (layer == mViewLayer) return;
  mViewLayer = layer;
  Q_EMIT viewLayerChanged(layer);
}

std::shared_ptr<const core::EvalReport> SessionController::layerView(
    std::shared_ptr<const core::EvalReport> report) const {
  // Layer 0's own report lacks the diagnostics across evaluations: the main one is layer 0's.
  if (!report || mViewLayer == 0 || std::size_t(mViewLayer) >= report->layers.size())
    return report;
  return report->layers[std::size_t(mViewLayer)];
}

core::Inspection SessionController::layerView(const core::Inspection& in) const {
  if (mViewLayer == 0 || std::size_t(mViewLayer) >= in.layers.size()) return in;
  core::Inspection out = in;
  const core::Inspection& layer = in.layers[std::size_t(mViewLayer)];
  out.experts = layer.experts;
  out.gateProbs = layer.gateProbs;
  out.gateLogits = layer.gateLogits;
  out.chosen = layer.chosen;
  out.chosenGates = layer.chosenGates;
  out.dropped = layer.dropped;
  out.expertPredictions = layer.expertPredictions;
  out.saliency = layer.saliency;
  out.note = layer.note;
  return out;
}

}  // namespace moe::ui
