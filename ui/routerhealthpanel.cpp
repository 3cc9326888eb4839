#include "ui/routerhealthpanel.h"

#include <algorithm>
#include <cmath>

#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/train/layer_settings.h"
#include "core/train/run_history.h"
#include "ui/gatehistogramplot.h"
#include "ui/heatmapwidget.h"
#include "ui/livechangemarkers.h"
#include "ui/logithistogramplot.h"
#include "ui/palette.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

using core::MetricScope;

namespace {
constexpr int kBins = 20;        // margin histogram
constexpr std::size_t kRecent = 20;  // utilisation: mean of the last steps, for a steady picture

QStringList expertNames(int experts) {
  QStringList names;
  for (int e = 0; e < experts; ++e) names << QStringLiteral("E%1").arg(e);
  return names;
}

QCPItemStraightLine* verticalLine(PlotView* plot, const QColor& color) {
  auto* line = new QCPItemStraightLine(plot);
  line->setPen(QPen(color, 2, Qt::DashLine));
  return line;
}

void placeVertical(QCPItemStraightLine* line, double x) {
  line->point1->setCoords(x, 0.0);
  line->point2->setCoords(x, 1.0);
}
}  // namespace

QColor alarmColor(const std::string& kind) {
  if (kind == "collapse") return QColor(200, 30, 30);
  if (kind == "dead_expert") return QColor(90, 90, 90);
  if (kind == "drops") return QColor(220, 120, 0);
  if (kind == "churn") return QColor(120, 60, 170);
  return QColor(170, 0, 120);  // non_finite, loss_spike
}

QString alarmName(const std::string& kind) {
  if (kind == "non_finite") return QObject::tr("NaN or Inf");
  return QString::fromStdString(kind).replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString alarmLabel(const core::RouterEvent& e) {
  QString label = alarmName(e.kind);
  for (std::size_t i = 0; i < e.experts.size() && i < 3; ++i)
    label += QStringLiteral(" E%1").arg(e.experts[i]);
  if (e.experts.size() > 3) label += QStringLiteral(" …");
  return label;
}

RouterHealthPanel::RouterHealthPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mUtilisation = new PlotView(tr("Expert utilisation (load / fair share)"), this);
  mUtilisation->xAxis->setLabel(tr("expert"));
  mUtilisation->yAxis->setLabel(tr("× fair share"));
  mUtilBars = new QCPBars(mUtilisation->xAxis, mUtilisation->yAxis);
  mUtilBars->setBrush(QColor(78, 121, 167));
  mUtilBars->setPen(Qt::NoPen);
  auto* fair = new QCPItemStraightLine(mUtilisation);
  fair->point1->setCoords(0.0, 1.0);
  fair->point2->setCoords(1.0, 1.0);
  fair->setPen(QPen(QColor(60, 60, 60), 1.5, Qt::DashLine));
  mCollapseLine = new QCPItemStraightLine(mUtilisation);
  mCollapseLine->setPen(QPen(alarmColor("collapse"), 2, Qt::DashLine));

  mMargins = new PlotView(tr("Top-k margin (test inputs)"), this);
  mMargins->xAxis->setLabel(tr("last chosen − best rejected probability"));
  mMargins->yAxis->setLabel(tr("share of inputs"));
  mMarginBars = new QCPBars(mMargins->xAxis, mMargins->yAxis);
  mMarginBars->setBrush(QColor(89, 161, 79));
  mMarginBars->setPen(Qt::NoPen);
  mFragileLine = verticalLine(mMargins, alarmColor("drops"));

  mCoactivation = new HeatmapWidget(this);
  mCoactivation->setToolTip(tr("Row i: of the test inputs that use expert i, the share that "
                               "also use expert j"));
  mSaturation = new SeriesPlot(tr("Router saturation"), tr("step of an earlier evaluation"),
                               tr("top-k overlap with the latest"), this);
  mSaturation->addSeries(tr("overlap"), categoryColor(0), {true, Qt::SolidLine, 1.0, false});
  mSaturation->setYFloor(0.0, 1.0);
  mStability = new SeriesPlot(tr("Routing stability"), tr("step"), tr("share of test inputs"), this);
  mStability->addSeries(tr("first expert unchanged"), categoryColor(0), {true, Qt::SolidLine, 1.0, false});
  mStability->addSeries(tr("top-k overlap, previous"), categoryColor(1), {true, Qt::SolidLine, 1.0, false});
  mStability->addSeries(tr("fragile rows (train)"), categoryColor(2), {false, Qt::SolidLine, 0.05, false});
  mStability->setYFloor(0.0, 1.0);
  mStability->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  mGradients = new SeriesPlot(tr("Expert gradient norms (smoothed)"), tr("step"), tr("‖gradient‖"), this);

  mEvents = new QListWidget(this);
  mEvents->setWordWrap(true);
  mEvents->setToolTip(tr("Click an alarm to show its step on the plots"));
  QFont listFont = mEvents->font();
  listFont.setPointSize(11);
  mEvents->setFont(listFont);
  mSummary = new QLabel(tr("Alarms: none yet"), this);
  QFont bold = mSummary->font();
  bold.setBold(true);
  bold.setPointSize(12);
  mSummary->setFont(bold);

  auto* plots = new QWidget(this);
  auto* grid = new QGridLayout(plots);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(4);
  grid->addWidget(mUtilisation, 0, 0);
  grid->addWidget(mMargins, 0, 1);
  grid->addWidget(mCoactivation, 0, 2);
  grid->addWidget(mStability, 1, 0);
  grid->addWidget(mSaturation, 1, 1);
  grid->addWidget(mGradients, 1, 2);
  mGateHistogram = new GateHistogramPlot(this);
  mLogitHistogram = new LogitHistogramPlot(this);
  auto* histograms = new QHBoxLayout;  // what the gate decides beside what it computes
  histograms->setSpacing(4);
  histograms->addWidget(mGateHistogram, 1);
  histograms->addWidget(mLogitHistogram, 1);
  grid->addLayout(histograms, 2, 0, 1, 3);
  for (int i = 0; i < 3; ++i) grid->setColumnStretch(i, 1);  // equal columns, whatever the histogram
  auto* alarms = new QWidget(this);
  auto* alarmLayout = new QVBoxLayout(alarms);
  alarmLayout->setContentsMargins(0, 0, 0, 0);
  alarmLayout->addWidget(mSummary);
  alarmLayout->addWidget(mEvents, 1);
  // The plots scroll rather than hold the window open: in presentation mode their titles and
  // ticks are large, and eight plots do not fit 720 lines at their least height.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(plots);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(scroll);
  split->addWidget(alarms);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(split);

  connect(mEvents, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    Q_EMIT stepRequested(item->data(Qt::UserRole).toLongLong());
  });
  connect(controller, &SessionController::sessionReady, this, &RouterHealthPanel::rebuild);
  connect(controller, &SessionController::liveChangesUpdated, this, [this, controller] {
    markLiveChanges(*controller, {mStability, mGradients});
  });
  connect(controller, &SessionController::metricsAppended, this, &RouterHealthPanel::appendSteps);
  connect(controller, &SessionController::evalAppended, this,
          [this](std::shared_ptr<const core::EvalReport> r) {
            if (r) showEval(*r);
            mGateHistogram->setEvaluations(mController->evalArchive());
            mLogitHistogram->setEvaluations(mController->evalArchive());
          });
  rebuild();
}

std::vector<PlotView*> RouterHealthPanel::plots() const {
  return {mUtilisation, mMargins, mCoactivation, mStability, mSaturation, mGradients, mGateHistogram, mLogitHistogram};
}

void RouterHealthPanel::rebuild() {
  mGateHistogram->clear();
  mLogitHistogram->clear();
  const core::TrainConfig& config = mController->config();
  const int experts = core::layerConfig(config.model, 0).experts;  // deep-moe: the first layer's
  mUtilBars->data()->clear();
  mUtilisation->xAxis->setRange(-0.6, experts - 0.4);
  mUtilisation->yAxis->setRange(0.0, std::max(2.5, config.health.collapseFactor + 0.5));
  const double collapse = config.health.collapseFactor;
  mCollapseLine->setVisible(collapse > 0.0);
  mCollapseLine->point1->setCoords(0.0, collapse);
  mCollapseLine->point2->setCoords(1.0, collapse);
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (int e = 0; e < experts; ++e) ticks->addTick(e, QStringLiteral("E%1").arg(e));
  mUtilisation->xAxis->setTicker(ticks);
  mMarginBars->data()->clear();
  placeVertical(mFragileLine, config.health.fragileMargin);
  mCoactivation->setShares(expertNames(experts), experts,
                           std::vector<float>(std::size_t(experts) * std::size_t(experts), 0.0f),
                           tr("Co-activation P(j | i) · no evaluation yet"), tr("share of i's inputs"));
  mCoactivation->xAxis->setLabel(tr("expert j"));
  mSaturation->clearData();
  mStability->clearData();
  mGradients->clearSeries();
  for (int e = 0; e < experts; ++e)
    mGradients->addSeries(QStringLiteral("E%1").arg(e), categoryColor(e), {false, Qt::SolidLine, 0.3, false});
  mGradients->legend->setVisible(experts <= 8);
  mGradients->legend->setWrap(4);  // two short rows: the curves stay visible
  mGradients->legend->setFillOrder(QCPLegend::foColumnsFirst);
  mGradSeries = experts;
  for (PlotView* p : {static_cast<PlotView*>(mStability), static_cast<PlotView*>(mGradients)}) {
    p->clearMarkers();
    p->setFollowing(true);
  }
  mEvents->clear();
  mSummary->setText(tr("Alarms: none yet"));
  mEventsShown = 0;
  mEvalsShown = 0;
  if (!mController->history().empty()) appendSteps(0);
  if (const auto& last = mController->snapshot().lastEval) showEval(*last);
  refreshAll();
}

void RouterHealthPanel::appendSteps(std::size_t from) {
  const core::RunHistory& h = mController->history();
  const auto& steps = h.steps();
  const int util = h.vectorColumn(MetricScope::Step, "expert_utilisation");
  const int grad = h.vectorColumn(MetricScope::Step, "expert_grad_norm");
  const int fragile = h.scalarColumn(MetricScope::Step, "fragile_fraction");
  for (std::size_t i = from; i < steps.size(); ++i) {
    const core::HistoryRow& row = steps[i];
    if (fragile >= 0) mStability->append(2, double(row.step), row.values[std::size_t(fragile)]);
    if (grad < 0) continue;
    const std::vector<float>& norms = row.vectors[std::size_t(grad)];
    for (int e = 0; e < mGradSeries && e < int(norms.size()); ++e)
      mGradients->append(e, double(row.step), norms[std::size_t(e)]);
  }
  // Utilisation: the mean of the last steps, so the bars do not flicker with each batch.
  if (util >= 0 && !steps.empty()) {
    std::vector<double> mean;
    std::size_t n = 0;
    for (std::size_t i = steps.size(); i-- > 0 && n < kRecent;) {
      const std::vector<float>& u = steps[i].vectors[std::size_t(util)];
      if (u.empty()) continue;
      mean.resize(u.size(), 0.0);
      for (std::size_t e = 0; e < u.size(); ++e) mean[e] += u[e];
      ++n;
    }
    QVector<double> keys, values;
    for (std::size_t e = 0; e < mean.size(); ++e) {
      keys << double(e);
      values << mean[e] / double(n);
    }
    mUtilBars->setData(keys, values, true);
    const double top = values.isEmpty() ? 0.0 : *std::max_element(values.begin(), values.end());
    mUtilisation->yAxis->setRange(
        0.0, std::max({2.5, mController->config().health.collapseFactor + 0.5, top * 1.1}));
  }
  const auto& evals = h.evals();
  const int stability = h.scalarColumn(MetricScope::Eval, "routing_stability");
  const int saturation = h.scalarColumn(MetricScope::Eval, "router_saturation");
  for (; mEvalsShown < evals.size(); ++mEvalsShown) {
    const core::HistoryRow& row = evals[mEvalsShown];
    if (stability >= 0) mStability->append(0, double(row.step), row.values[std::size_t(stability)]);
    if (saturation >= 0) mStability->append(1, double(row.step), row.values[std::size_t(saturation)]);
  }
  addEvents();
  refreshAll();
}

void RouterHealthPanel::showEval(const core::EvalReport& report) {
  // Margin histogram over [0, largest margin].
  double top = 0.0;
  long finite = 0;
  for (float m : report.rowMargins)
    if (std::isfinite(m)) {
      top = std::max(top, double(m));
      ++finite;
    }
  mMarginBars->data()->clear();
  if (finite > 0) {
    const double width = std::max(top, 0.05) / kBins;
    std::vector<double> counts(kBins, 0.0);
    for (float m : report.rowMargins)
      if (std::isfinite(m)) counts[std::size_t(std::min(kBins - 1, int(m / width)))] += 1.0;
    QVector<double> keys, values;
    for (int b = 0; b < kBins; ++b) {
      keys << (b + 0.5) * width;
      values << counts[std::size_t(b)] / double(finite);
    }
    mMarginBars->setWidth(width * 0.9);
    mMarginBars->setData(keys, values, true);
    mMargins->setTitle(tr("Top-k margin (test) · %1% fragile").arg(100.0 * report.fragileFraction, 0, 'f', 1));
  } else {
    mMargins->setTitle(tr("Top-k margin (test) · no rejected expert"));
  }
  const int E = report.experts;
  if (E > 0 && report.coactivation.size() == std::size_t(E) * std::size_t(E))
    mCoactivation->setShares(expertNames(E), E, report.coactivation,
                             tr("Co-activation P(j | i) · test @ %1").arg(report.step),
                             tr("share of i's inputs"));
  else if (E > 0 && report.k < 2)
    mCoactivation->setShares(expertNames(E), E, std::vector<float>(std::size_t(E) * std::size_t(E), 0.0f),
                             tr("Co-activation · one expert per input"), tr("share of i's inputs"));
  mSaturation->clearData();
  for (std::size_t i = 0; i < report.saturationCurve.size(); ++i)
    mSaturation->append(0, double(report.saturationSteps[i]), report.saturationCurve[i]);
  appendSteps(mController->history().steps().size());
}

void RouterHealthPanel::addEvents() {
  const auto& events = mController->history().events();
  for (; mEventsShown < events.size(); ++mEventsShown) {
    const core::RouterEvent& e = events[mEventsShown];
    auto* item = new QListWidgetItem(tr("step %1 · %2 — %3\n    Try: %4")
                                         .arg(e.step)
                                         .arg(alarmName(e.kind),
                                              QString::fromStdString(e.message),
                                              QString::fromStdString(e.remedy)));
    item->setForeground(alarmColor(e.kind));
    item->setData(Qt::UserRole, qlonglong(e.step));
    mEvents->addItem(item);
    for (PlotView* p : {static_cast<PlotView*>(mStability), static_cast<PlotView*>(mGradients)})
      p->addMarker(double(e.step), alarmLabel(e), alarmColor(e.kind));
  }
  if (!events.empty())
    mSummary->setText(tr("Alarms: %1 (latest: %2 at step %3)")
                          .arg(events.size())
                          .arg(alarmName(events.back().kind))
                          .arg(events.back().step));
}

void RouterHealthPanel::refreshAll() {
  for (PlotView* p : plots()) p->refresh();
}

}  // namespace moe::ui
