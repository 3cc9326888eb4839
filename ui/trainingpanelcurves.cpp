// Which curves the training panel draws: one per plotted row of the metric table (core/train/
// metric_table.h) for the run's quality metric, with the hover help and empty-plot hints that
// name them.
#include <algorithm>
#include <map>

#include "core/train/metric_table.h"
#include "ui/curvecontrols.h"
#include "ui/curvestyle.h"
#include "ui/hoverhelp.h"
#include "ui/loadplot.h"
#include "ui/seriesplot.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

using core::MetricDef;
using core::MetricGroup;
using core::MetricScope;

QStringList TrainingPanel::curveKeys() const {
  QStringList keys;
  for (const Curve& c : mCurves) keys << QString::fromStdString(core::metricKey(*c.def));
  if (mLoadColumn >= 0) {
    const auto& vectors = core::vectorMetrics(MetricScope::Step, mQuality);
    keys << QString::fromStdString(core::metricKey(*vectors[std::size_t(mLoadColumn)]));
  }
  if (mBiasColumn >= 0) {
    const auto& vectors = core::vectorMetrics(MetricScope::Step, mQuality);
    keys << QString::fromStdString(core::metricKey(*vectors[std::size_t(mBiasColumn)]));
  }
  return keys;
}

SeriesPlot* TrainingPanel::plotFor(MetricGroup group) const {
  switch (group) {
    case MetricGroup::Loss: return mLoss;
    case MetricGroup::Quality: return mAccuracy;
    case MetricGroup::Balance: return mImbalance;
    case MetricGroup::AuxLoss: return mAux;
    default: return nullptr;
  }
}

void TrainingPanel::setQuality(core::QualityMetric quality) {
  for (SeriesPlot* p : {mLoss, mAccuracy, mImbalance, mAux}) p->clearSeries();
  mQuality = quality;
  mCurves.clear();
  mLoadColumn = -1;
  const auto& vectors = core::vectorMetrics(MetricScope::Step, quality);
  for (std::size_t i = 0; i < vectors.size() && mLoadColumn < 0; ++i)
    if (vectors[i]->has(core::kPlotted)) mLoadColumn = int(i);
  mLayerLoadColumn = -1;
  for (std::size_t i = 0; i < vectors.size(); ++i)
    if (std::string_view(vectors[i]->id) == "layer_load") mLayerLoadColumn = int(i);
  mBiasColumn = -1;
  for (std::size_t i = 0; i < vectors.size() && mBiasColumn < 0; ++i)
    if (vectors[i]->has(core::kPlotted) && vectors[i]->has(core::kRightAxis)) mBiasColumn = int(i);
  for (const MetricDef& def : core::metricTable()) {
    SeriesPlot* plot = plotFor(def.group);
    if (!plot || !def.has(core::kPlotted) || !def.recordedFor(quality) || def.perExpert()) continue;
    const bool train = def.scope == MetricScope::Step;
    const SeriesStyle style{!train, Qt::SolidLine, train ? 0.05 : 1.0, def.has(core::kRightAxis)};
    const int series = plot->addSeries(curveName(def), curveColor(def, quality), style);
    if (style.rightAxis)
      plot->setRightLabel(QString::fromUtf8(*def.unit ? def.unit : def.label));
    const auto& columns = core::scalarMetrics(def.scope, quality);
    const int column = int(std::find(columns.begin(), columns.end(), &def) - columns.begin());
    mCurves.push_back({&def, plot, series, column});
  }
  for (SeriesPlot* p : curvePlots()) p->setSmoothing(mControls->smoothing());  // the slider's, not 0.05
  // The quality plot reads the task's metric, and which way is good.
  const core::QualityInfo& info = core::qualityInfo(quality);
  const MetricDef& qualityRow = core::qualityMetricDef(MetricScope::Step, quality);
  mLoss->yAxis->setLabel(QString::fromUtf8(info.lossLabel));
  const QString title = capitalized(QString::fromUtf8(info.label)) +
                        (info.higherIsBetter ? QString() : tr(" (lower is better)"));
  if (mAccuracy->title() != title) mAccuracy->setTitle(title);  // setTitle replots
  mAccuracy->yAxis->setLabel(*qualityRow.unit ? QStringLiteral("%1 (%2)").arg(info.label, qualityRow.unit)
                                              : QString::fromUtf8(info.label));
  mAccuracy->setYFloor(0.0, 1.0);
  mImbalance->setYFloor(0.0, 1.0);
  // Hover on a plot: what each of its curves measures and what a good value looks like.
  std::map<SeriesPlot*, QStringList> help;
  for (const Curve& c : mCurves)
    help[c.plot] << QStringLiteral("<b>%1</b>: %2").arg(curveName(*c.def), metricHelp(core::metricKey(*c.def)));
  for (auto& [plot, lines] : help) plot->setToolTip(lines.join(QStringLiteral("<br>")));
  mLoad->setToolTip(metricHelp("expert_load"));
  mBias->setToolTip(metricHelp("router_bias"));
  // An empty plot says what will appear there, and what makes it appear.
  const QString play = tr("Press Play (Space).");
  mLoss->setEmptyHint(tr("The loss appears after the first step.\n") + play);
  mAccuracy->setEmptyHint(tr("The train %1 appears after the first step,\nthe test %1 after the first evaluation.\n")
                              .arg(QString::fromUtf8(info.label)) + play);
  mLoad->setEmptyHint(tr("Each expert's share of the inputs\nappears after the first step.\n") + play);
  mImbalance->setEmptyHint(tr("How unevenly the experts are used\nappears after the first step.\n") + play);
  mAux->setEmptyHint(tr("The balancing losses\nappear after the first step.\n") + play);
}

}  // namespace moe::ui
