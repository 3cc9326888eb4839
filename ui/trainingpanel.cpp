#include "ui/trainingpanel.h"

#include <algorithm>
#include <cmath>

#include <QComboBox>
#include <QGridLayout>
#include <QListView>
#include <QHBoxLayout>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "core/routing/router_registry.h"
#include "core/task/task.h"
#include "core/train/layer_settings.h"
#include "core/train/run_history.h"
#include "ui/curvecontrols.h"
#include "ui/datalabels.h"
#include "ui/evalscrubber.h"
#include "ui/heatmapwidget.h"
#include "ui/livechangemarkers.h"
#include "ui/loadplot.h"
#include "ui/palette.h"
#include "ui/routerhealthpanel.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

using core::MetricScope;

namespace {
constexpr int kShownMarker = 2;  // the time slider's cursor on the load plot
QStringList classNames(const core::Dataset& d) { return heatmapRowNames(d); }
}  // namespace

TrainingPanel::TrainingPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mControls = new CurveControls(this);  // before the curves: they start at its smoothing
  mLoss = new SeriesPlot(tr("Loss"), tr("step"), tr("cross-entropy"), this);
  mAccuracy = new SeriesPlot(tr("Accuracy"), tr("step"), tr("accuracy"), this);
  mLoad = new LoadPlot(this);
  mImbalance = new SeriesPlot(tr("Imbalance (smoothed)"), tr("step"), tr("value"), this);
  mAux = new SeriesPlot(tr("Auxiliary losses (smoothed)"), tr("step"), tr("unweighted value"), this);
  mHeatmap = new HeatmapWidget(this);
  mBias = new SeriesPlot(tr("Balancing bias per expert"), tr("step"), tr("bias"), this);
  mBias->setVisible(false);
  mBias->legend->setVisible(false);  // the load plot's legend names the same colours
  mHeatmapRows = new QComboBox(this);
  mHeatmapRows->setObjectName(QStringLiteral("heatmapRows"));
  mHeatmapRows->addItem(tr("Rows: class"));
  mHeatmapRows->addItem(tr("Rows: patch position"));
  mHeatmapRows->addItem(tr("Rows: offset on the canvas"));
  mHeatmapRows->setToolTip(tr("Count the routed inputs by their class, or by where they are: a "
                              "patch's place in its image (patch models), an image's offset on "
                              "its canvas (shifted images)"));
  mHeatmapRows->hide();
  auto* heatmapBox = mHeatmapBox = new QWidget(this);
  auto* heatmapLayout = new QVBoxLayout(heatmapBox);
  heatmapLayout->setContentsMargins(0, 0, 0, 0);
  heatmapLayout->setSpacing(2);
  heatmapLayout->addWidget(mHeatmapRows);
  heatmapLayout->addWidget(mHeatmap, 1);
  setQuality(core::QualityMetric::Accuracy);

  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(2, 2, 2, 2);
  outer->setSpacing(2);
  auto* top = new QHBoxLayout;
  top->addWidget(mControls, 1);
  top->addWidget(new EvalScrubber(controller, this), 1);
  outer->addLayout(top);
  auto* grid = mGrid = new QGridLayout;
  outer->addLayout(grid, 1);
  grid->setSpacing(4);
  grid->addWidget(mLoss, 0, 0);
  grid->addWidget(mAccuracy, 0, 1);
  auto* loadColumn = mLoadColumnLayout = new QVBoxLayout;  // the bias, when there is one, under the load it moves
  loadColumn->setSpacing(2);
  loadColumn->addWidget(mLoad, 3);
  loadColumn->addWidget(mBias, 2);
  grid->addLayout(loadColumn, 0, 2);
  grid->addWidget(heatmapBox, 1, 0);
  grid->addWidget(mImbalance, 1, 1);
  grid->addWidget(mAux, 1, 2);
  for (int i = 0; i < 3; ++i) grid->setColumnStretch(i, 1);  // equal cells, whatever the legends
  for (int i = 0; i < 2; ++i) grid->setRowStretch(i, 1);

  connect(mHeatmap, &HeatmapWidget::cellClicked, this, [this](int row, int expert) {
    Q_EMIT heatmapCellClicked(positionRows() || offsetRows() ? -1 : row, expert);  // any class
  });
  connect(mHeatmapRows, &QComboBox::currentIndexChanged, this, [this] { showHeatmapRows(); });
  connect(mControls, &CurveControls::smoothingChanged, this, [this](double s) {
    for (SeriesPlot* p : curvePlots()) p->setSmoothing(s);
  });
  connect(mControls, &CurveControls::logScaleChanged, this, [this](bool on) {
    for (SeriesPlot* p : curvePlots()) p->setLogScale(on);
  });
  connect(controller, &SessionController::sessionReady, this, &TrainingPanel::rebuild);
  connect(controller, &SessionController::metricsAppended, this, &TrainingPanel::appendSteps);
  connect(controller, &SessionController::evalAppended, this, [this] { appendEvals(); });
  // The heatmap and the load plot's cursor show the time slider's evaluation (or the latest).
  connect(controller, &SessionController::shownEvalChanged, this, [this] {
    mLastEval = mController->shownEval();
    mLoad->clearMarkers(kShownMarker);
    if (!mLastEval) return;
    if (mController->scrubbing())
      mLoad->addMarker(double(mLastEval->step), tr("shown: step %1").arg(mLastEval->step), QColor(90, 90, 90), kShownMarker);
    showEval(*mLastEval);
  });
  connect(controller, &SessionController::snapshotUpdated, this, &TrainingPanel::updateTrainHeatmap);
  connect(controller, &SessionController::viewLayerChanged, this, &TrainingPanel::showLayer);
  connect(controller, &SessionController::liveChangesUpdated, this,
          [this] { markLiveChanges(*mController, timePlots()); });
  mHeatmapClock.start();
}

std::vector<SeriesPlot*> TrainingPanel::curvePlots() const { return {mLoss, mAccuracy, mImbalance, mAux}; }

std::vector<PlotView*> TrainingPanel::plots() const {
  std::vector<PlotView*> all{mLoss, mAccuracy, mLoad, mHeatmap, mImbalance, mAux};
  if (!mBias->isHidden()) all.push_back(mBias);  // only runs with a balancing bias have it
  return all;
}

void TrainingPanel::rebuild() {
  setQuality(mController->history().quality());
  for (SeriesPlot* p : {mLoss, mAccuracy, mImbalance, mAux}) {
    p->clearData();
    p->setFollowing(true);
  }
  const core::ModelConfig model = core::layerConfig(mController->config().model, mController->viewLayer());
  // Shared experts are not routed: they take every input, so they are named apart.
  const int shared = model.sharedExperts;
  mLoad->setSharedExperts(shared);
  mLoad->setExperts(model.routedExperts());
  mLoad->setFollowing(true);
  mHeatmap->setSharedExperts(shared);
  mLoad->setTitle((shared > 0 ? tr("Routed expert load") : tr("Expert load")) + layerSuffix());  // the legend names S1..Sn
  // Each input takes k routings, so no cell can pass 1/k: the scale ends there.
  mHeatmap->setScaleMax(1.0 / std::max(1, core::expertsPerRow(model.router, model.routedTopK(), model.routedExperts())));
  mBias->clearSeries();
  for (int e = 0; e < model.routedExperts(); ++e)
    mBias->addSeries(tr("E%1").arg(e), categoryColor(e).darker(120));
  mBias->setFollowing(true);
  mBias->setVisible(false);
  mLastEval.reset();
  mHeatmapRows->hide();
  mEvalsShown = 0;
  mEventsShown = 0;
  for (PlotView* p : timePlots()) p->clearMarkers();
  mHasEval = false;
  const auto data = mController->data();
  setTask(mController->task());
  if (data) {
    const int classes = int(classNames(data->test).size());
    mHeatmap->setCounts(classNames(data->test), model.routedExperts(),
                        std::vector<std::int64_t>(std::size_t(classes) * std::size_t(model.routedExperts()),
                                                  0),
                        -1, tr("fills after the first steps: press Play (Space)"));
  }
  // A loaded session brings its history: draw it at once.
  if (!mController->history().empty()) appendSteps(0);
  refreshAll();
}

void TrainingPanel::setTask(const core::TaskInfo& task) {
  mHeatmap->setRowKind(tr(task.rowKind), tr(task.rowUnit));
}

void TrainingPanel::appendSteps(std::size_t from) {
  // The curves read columns of the history's quality metric: set up for another one first.
  if (mController->history().quality() != mQuality) return rebuild();
  const auto& steps = mController->history().steps();
  for (std::size_t i = from; i < steps.size(); ++i) {
    const core::HistoryRow& row = steps[i];
    const double x = double(row.step);
    for (const Curve& c : mCurves)
      if (c.def->scope == MetricScope::Step) c.plot->append(c.series, x, row.values[std::size_t(c.column)]);
    appendLoad(row);
    if (mBiasColumn >= 0) {
      const std::vector<float>& bias = row.vectors[std::size_t(mBiasColumn)];
      if (!bias.empty() && mBias->isHidden()) mBias->setVisible(true);
      for (std::size_t e = 0; e < bias.size() && int(e) < mBias->seriesCount(); ++e)
        mBias->append(int(e), x, bias[e]);
    }
  }
  appendEvals();
  markEvents();
  for (PlotView* p : timePlots()) p->refresh();
}

std::vector<PlotView*> TrainingPanel::timePlots() const {
  return {mLoss, mAccuracy, mLoad, mImbalance, mAux, mBias};
}

void TrainingPanel::markEvents() {
  const auto& events = mController->history().events();
  for (; mEventsShown < events.size(); ++mEventsShown) {
    const core::RouterEvent& e = events[mEventsShown];
    for (PlotView* p : timePlots()) p->addMarker(double(e.step), alarmLabel(e), alarmColor(e.kind));
  }
}

void TrainingPanel::showStep(long step) {
  // A window of a tenth of the run so far on either side, at least 50 steps.
  const double half = std::max(50.0, 0.1 * double(mController->snapshot().step));
  for (PlotView* p : timePlots()) p->showAround(double(step), half);
}

void TrainingPanel::appendEvals() {
  if (mController->history().quality() != mQuality) return;  // appendSteps rebuilds first
  const auto& evals = mController->history().evals();
  for (; mEvalsShown < evals.size(); ++mEvalsShown) {
    const core::HistoryRow& row = evals[mEvalsShown];
    for (const Curve& c : mCurves)
      if (c.def->scope == MetricScope::Eval)
        c.plot->append(c.series, double(row.step), row.values[std::size_t(c.column)]);
  }
}

void TrainingPanel::showEval(const core::EvalReport& report) {
  appendEvals();
  const auto data = mController->data();
  mHeatmapRows->setVisible(!report.positionExpert.empty() || !report.offsetExpert.empty());
  if (auto* view = qobject_cast<QListView*>(mHeatmapRows->view())) {  // only the rows it has
    view->setRowHidden(1, report.positionExpert.empty());
    view->setRowHidden(2, report.offsetExpert.empty());
  }
  if (data && report.classes > 0 && report.experts > 0) {
    mHasEval = true;
    showHeatmapRows();
  }
  refreshAll();
}

bool TrainingPanel::positionRows() const {
  return mHeatmapRows->isVisible() && mHeatmapRows->currentIndex() == 1 && mLastEval &&
         !mLastEval->positionExpert.empty();
}

void TrainingPanel::showHeatmapRows() {
  const auto data = mController->data();
  if (!data || !mLastEval) return;
  const core::EvalReport& r = *mLastEval;
  const QString source =
      (mController->scrubbing() ? tr("test @ %1 (time slider)") : tr("test @ %1")).arg(r.step) + layerSuffix();
  if (offsetRows()) {
    mHeatmap->setRowKind(tr("Offset"), tr("images"));
    return mHeatmap->setCounts(offsetNames(data->test.offsetGrid), r.experts, r.offsetExpert,
                               r.offsetMutualInformation, source);
  }
  if (!positionRows()) {
    setTask(mController->task());
    mHeatmap->setCounts(classNames(data->test), r.experts, r.classExpert, r.mutualInformation,
                        source);
    return;
  }
  // One row per patch, row-major; only each image row's first patch is labelled (49 rows).
  const int patch = std::max(1, mController->config().model.patchSize);
  const int across = std::max(1, data->test.imageWidth / patch);
  QStringList names;
  for (int p = 0; p < r.positions; ++p)
    names << (p % across == 0 ? tr("row %1").arg(p / across) : QString());
  mHeatmap->setRowKind(tr("Patch position"), tr("patches"));
  mHeatmap->setCounts(names, r.experts, r.positionExpert, -1, source);
}

void TrainingPanel::updateTrainHeatmap() {
  // Until the first evaluation, show the train split's counts of the current epoch (2 Hz).
  if (mHasEval || mHeatmapClock.elapsed() < 500) return;
  mHeatmapClock.restart();
  const auto data = mController->data();
  const core::Snapshot& snap = mController->snapshot();
  const int experts = core::layerConfig(mController->config().model, 0).routedExperts();
  if (mController->viewLayer() != 0 || !data || snap.classExpertTrain.empty() || experts <= 0) return;
  QStringList names = classNames(data->train);
  if (snap.classExpertTrain.size() != std::size_t(names.size()) * std::size_t(experts)) return;
  mHeatmap->setCounts(names, experts, snap.classExpertTrain, -1, tr("train, this epoch"));
}

void TrainingPanel::setPresentation(bool on) {
  mGrid->removeWidget(mLoss);
  mGrid->removeWidget(mAccuracy);
  mGrid->removeWidget(mHeatmapBox);
  mGrid->removeWidget(mImbalance);
  mGrid->removeWidget(mAux);
  mGrid->removeItem(mLoadColumnLayout);
  mGrid->addWidget(mLoss, 0, 0);
  mGrid->addWidget(mAccuracy, 0, 1);
  if (on) {
    mGrid->addLayout(mLoadColumnLayout, 1, 0);
    mGrid->addWidget(mHeatmapBox, 1, 1);
  } else {
    mGrid->addLayout(mLoadColumnLayout, 0, 2);
    mGrid->addWidget(mHeatmapBox, 1, 0);
    mGrid->addWidget(mImbalance, 1, 1);
    mGrid->addWidget(mAux, 1, 2);
  }
  mImbalance->setVisible(!on);
  mAux->setVisible(!on);
  mGrid->setColumnStretch(2, on ? 0 : 1);
  // The heatmap's ten row names at 18 px need the taller row; a short load label fits its axis.
  mGrid->setRowStretch(0, on ? 2 : 1);
  mGrid->setRowStretch(1, on ? 3 : 1);
  static const QString deskLoadLabel = mLoad->yAxis->label();
  mLoad->yAxis->setLabel(on ? tr("share") : deskLoadLabel);
  for (PlotView* p : {static_cast<PlotView*>(mLoss), static_cast<PlotView*>(mAccuracy),
                      static_cast<PlotView*>(mLoad), static_cast<PlotView*>(mHeatmap),
                      static_cast<PlotView*>(mImbalance), static_cast<PlotView*>(mAux),
                      static_cast<PlotView*>(mBias)})
    p->setPresentation(on);
  refreshAll();
}

void TrainingPanel::refreshAll() {
  for (PlotView* p : plots()) p->refresh();
}

}  // namespace moe::ui
