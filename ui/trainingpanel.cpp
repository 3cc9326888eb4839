#include "ui/trainingpanel.h"

#include <cmath>

#include <QGridLayout>

#include "core/data/dataset.h"
#include "ui/datalabels.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/palette.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

namespace {
enum LossSeries { kTrainLoss, kTestLoss };
enum ImbalanceSeries { kCv, kMaxVio, kDropped, kEntropy, kDead };
enum AuxSeries { kSwitch, kImportance, kLoadLoss, kAuxTotal, kZ };
constexpr double kEma = 0.05;  // train curves are per batch: smooth them to read the trend

QStringList classNames(const core::Dataset& d) { return heatmapRowNames(d); }
}  // namespace

TrainingPanel::TrainingPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  const SeriesStyle train{false, Qt::SolidLine, kEma, false};
  const SeriesStyle test{true, Qt::SolidLine, 1.0, false};
  mLoss = new SeriesPlot(tr("Loss"), tr("step"), tr("cross-entropy"), this);
  mLoss->addSeries(tr("train (smoothed)"), categoryColor(0), train);
  mLoss->addSeries(tr("test"), categoryColor(1), test);
  mAccuracy = new SeriesPlot(tr("Accuracy"), tr("step"), tr("accuracy"), this);
  mAccuracy->addSeries(tr("train (smoothed)"), categoryColor(0), train);
  mAccuracy->addSeries(tr("test"), categoryColor(1), test);
  mAccuracy->setYFloor(0.0, 1.0);
  mAccuracy->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  mLoad = new LoadPlot(this);
  mImbalance = new SeriesPlot(tr("Imbalance (smoothed)"), tr("step"), tr("value"), this);
  mImbalance->addSeries(tr("load CV"), categoryColor(0), train);
  mImbalance->addSeries(tr("MaxVio"), categoryColor(1), train);
  mImbalance->addSeries(tr("dropped fraction"), categoryColor(2), train);
  mImbalance->addSeries(tr("routing entropy (nats)"), categoryColor(4), train);
  mImbalance->addSeries(tr("dead experts"), QColor(40, 40, 40), {false, Qt::SolidLine, kEma, true});
  mImbalance->setRightLabel(tr("experts"));
  mImbalance->setYFloor(0.0, 1.0);
  mAux = new SeriesPlot(tr("Auxiliary losses (smoothed)"), tr("step"), tr("unweighted value"), this);
  mAux->addSeries(tr("Switch balance"), categoryColor(0), train);
  mAux->addSeries(tr("importance CV²"), categoryColor(1), train);
  mAux->addSeries(tr("load CV²"), categoryColor(2), train);
  mAux->addSeries(tr("weighted total"), QColor(40, 40, 40), {false, Qt::SolidLine, kEma, false});
  mAux->addSeries(tr("router z-loss"), categoryColor(3), {false, Qt::SolidLine, kEma, true});
  mAux->setRightLabel(tr("z-loss"));
  mHeatmap = new HeatmapWidget(this);

  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(2, 2, 2, 2);
  grid->setSpacing(4);
  grid->addWidget(mLoss, 0, 0);
  grid->addWidget(mAccuracy, 0, 1);
  grid->addWidget(mLoad, 0, 2);
  grid->addWidget(mHeatmap, 1, 0);
  grid->addWidget(mImbalance, 1, 1);
  grid->addWidget(mAux, 1, 2);

  connect(mHeatmap, &HeatmapWidget::cellClicked, this, &TrainingPanel::heatmapCellClicked);
  connect(controller, &SessionController::sessionReady, this, &TrainingPanel::rebuild);
  connect(controller, &SessionController::metricsAppended, this, &TrainingPanel::appendSteps);
  connect(controller, &SessionController::evalAppended, this,
          [this](std::shared_ptr<const core::EvalReport> r) {
            if (r) appendEval(*r);
          });
  connect(controller, &SessionController::snapshotUpdated, this, &TrainingPanel::updateTrainHeatmap);
  mHeatmapClock.start();
}

std::vector<PlotView*> TrainingPanel::plots() const {
  return {mLoss, mAccuracy, mLoad, mHeatmap, mImbalance, mAux};
}

void TrainingPanel::rebuild() {
  for (SeriesPlot* p : {mLoss, mAccuracy, mImbalance, mAux}) {
    p->clearData();
    p->setFollowing(true);
  }
  mLoad->setExperts(mController->config().model.experts);
  mLoad->setFollowing(true);
  mEvalsShown = 0;
  mHasEval = false;
  const auto data = mController->data();
  setTask(data ? data->train.kind : core::DataKind::Dense);
  if (data) {
    const int classes = int(classNames(data->test).size());
    mHeatmap->setCounts(classNames(data->test), mController->config().model.experts,
                        std::vector<std::int64_t>(std::size_t(classes) *
                                                      std::size_t(mController->config().model.experts),
                                                  0),
                        -1, tr("no data yet"));
  }
  // A loaded session brings its history: draw it at once.
  if (!mController->history().steps.empty()) appendSteps(0);
  for (const EvalPoint& e : mController->history().evals) {
    mLoss->append(kTestLoss, double(e.step), e.loss);
    mAccuracy->append(kTestLoss, double(e.step), e.accuracy);
  }
  mEvalsShown = mController->history().evals.size();
  refreshAll();
}

void TrainingPanel::setTask(core::DataKind kind) {
  const bool regression = kind == core::DataKind::Ratings;
  mLoss->yAxis->setLabel(regression ? tr("squared error") : tr("cross-entropy"));
  // Ratings report RMSE where classification reports accuracy: say so, and which way is good.
  mAccuracy->setTitle(regression ? tr("RMSE (lower is better)") : tr("Accuracy"));
  mAccuracy->yAxis->setLabel(regression ? tr("RMSE (stars)") : tr("accuracy"));
  mAccuracy->axisRect()->insetLayout()->setInsetAlignment(
      0, (regression ? Qt::AlignTop : Qt::AlignBottom) | Qt::AlignRight);
  switch (kind) {
    case core::DataKind::Tokens: mHeatmap->setRowKind(tr("Language"), tr("tokens")); break;
    case core::DataKind::Ratings: mHeatmap->setRowKind(tr("Genre"), tr("ratings")); break;
    case core::DataKind::Dense: mHeatmap->setRowKind(tr("Class"), QString()); break;
  }
}

void TrainingPanel::appendSteps(std::size_t from) {
  const auto& steps = mController->history().steps;
  for (std::size_t i = from; i < steps.size(); ++i) {
    const core::StepMetrics& m = steps[i];
    const double x = double(m.step);
    mLoss->append(kTrainLoss, x, m.loss);
    mAccuracy->append(kTrainLoss, x, m.accuracy);
    if (!m.routing.load.empty()) mLoad->append(x, m.routing.load);
    mImbalance->append(kCv, x, m.routing.loadCv);
    mImbalance->append(kMaxVio, x, m.routing.maxVio);
    mImbalance->append(kDropped, x, m.routing.droppedFraction);
    mImbalance->append(kEntropy, x, m.routing.entropy);
    mImbalance->append(kDead, x, m.routing.deadExperts);
    mAux->append(kSwitch, x, m.switchLoss);
    mAux->append(kImportance, x, m.importanceLoss);
    mAux->append(kLoadLoss, x, m.loadLoss);
    mAux->append(kZ, x, m.zLoss);
    mAux->append(kAuxTotal, x, m.auxTotal);
  }
  for (PlotView* p : {static_cast<PlotView*>(mLoss), static_cast<PlotView*>(mAccuracy),
                      static_cast<PlotView*>(mLoad), static_cast<PlotView*>(mImbalance),
                      static_cast<PlotView*>(mAux)})
    p->refresh();
}

void TrainingPanel::appendEval(const core::EvalReport& report) {
  mLoss->append(kTestLoss, double(report.step), report.loss);
  mAccuracy->append(kTestLoss, double(report.step), report.accuracy);
  const auto data = mController->data();
  if (data && report.classes > 0 && report.experts > 0) {
    mHasEval = true;
    mHeatmap->setCounts(classNames(data->test), report.experts, report.classExpert,
                        report.mutualInformation, tr("test @ %1").arg(report.step));
  }
  refreshAll();
}

void TrainingPanel::updateTrainHeatmap() {
  // Until the first evaluation, show the train split's counts of the current epoch (2 Hz).
  if (mHasEval || mHeatmapClock.elapsed() < 500) return;
  mHeatmapClock.restart();
  const auto data = mController->data();
  const core::Snapshot& snap = mController->snapshot();
  const int experts = mController->config().model.experts;
  if (!data || snap.classExpertTrain.empty() || experts <= 0) return;
  QStringList names = classNames(data->train);
  if (snap.classExpertTrain.size() != std::size_t(names.size()) * std::size_t(experts)) return;
  mHeatmap->setCounts(names, experts, snap.classExpertTrain, -1, tr("train, this epoch"));
}

void TrainingPanel::refreshAll() {
  for (PlotView* p : plots()) p->refresh();
}

}  // namespace moe::ui
