// The training panel's per-layer views of a model with several MoE layers (deep-moe), and the
// offset rows of shifted images.
#include <algorithm>

#include "core/routing/router_registry.h"
#include "core/task/task.h"
#include "core/train/layer_settings.h"
#include "core/train/run_history.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

bool TrainingPanel::offsetRows() const {
  return mHeatmapRows->isVisible() && mHeatmapRows->currentIndex() == 2 && mLastEval &&
         !mLastEval->offsetExpert.empty();
}

QString TrainingPanel::layerSuffix() const {
  return mController->layerCount() > 1 ? tr(" · MoE layer %1").arg(mController->viewLayer() + 1)
                                       : QString();
}

void TrainingPanel::showLayer() {
  const core::ModelConfig model = core::layerConfig(mController->config().model, mController->viewLayer());
  mLoad->setExperts(model.routedExperts());
  mLoad->setTitle(tr("Expert load") + layerSuffix());
  mHeatmap->setScaleMax(1.0 / std::max(1, core::expertsPerRow(model.router, model.routedTopK(), model.routedExperts())));
  for (const core::HistoryRow& row : mController->history().steps()) appendLoad(row);
  mLastEval = mController->latestEval();
  if (mLastEval) showEval(*mLastEval);
  refreshAll();
}

void TrainingPanel::appendLoad(const core::HistoryRow& row) {
  // Layer l's load is its slice of the every-layer vector (layers after layers, in order).
  const int layer = mController->viewLayer();
  const int column = layer == 0 ? mLoadColumn : mLayerLoadColumn;
  if (column < 0 || row.vectors[std::size_t(column)].empty()) return;
  const std::vector<float>& all = row.vectors[std::size_t(column)];
  std::size_t from = 0;
  for (int l = 0; layer > 0 && l < layer; ++l)
    from += std::size_t(core::layerConfig(mController->config().model, l).routedExperts());
  const std::size_t n = layer == 0 ? all.size() : std::size_t(mLoad->experts());
  if (from + n <= all.size())
    mLoad->append(double(row.step), std::vector<float>(all.begin() + long(from), all.begin() + long(from + n)));
}

}  // namespace moe::ui
