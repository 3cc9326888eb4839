#include "ui/parallelpanel.h"

#include <algorithm>
#include <cmath>

#include <QGridLayout>
#include <QLabel>

#include "core/train/run_history.h"
#include "ui/palette.h"
#include "ui/plotview.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

using core::MetricScope;

namespace {

QString byteText(double b) {
  if (b >= 1e6) return QStringLiteral("%1 MB").arg(b / 1e6, 0, 'f', 2);
  if (b >= 1e3) return QStringLiteral("%1 kB").arg(b / 1e3, 0, 'f', 1);
  return QStringLiteral("%1 B").arg(b, 0, 'f', 0);
}

// Mean over the steps of a step-vector column (empty rows skipped).
std::vector<double> meanVector(const core::RunHistory& h, const char* id) {
  std::vector<double> sum;
  const int column = h.vectorColumn(MetricScope::Step, id);
  if (column < 0) return sum;
  long n = 0;
  for (const core::HistoryRow& r : h.steps()) {
    const auto& v = r.vectors[std::size_t(column)];
    if (v.empty()) continue;
    if (sum.size() != v.size()) sum.assign(v.size(), 0.0), n = 0;
    for (std::size_t i = 0; i < v.size(); ++i) sum[i] += double(v[i]);
    ++n;
  }
  for (double& s : sum) s /= double(std::max(1L, n));
  return sum;
}

double meanScalar(const core::RunHistory& h, const char* id) {
  const int column = h.scalarColumn(MetricScope::Step, id);
  double sum = 0.0;
  long n = 0;
  if (column >= 0)
    for (const core::HistoryRow& r : h.steps())
      if (const double v = r.values[std::size_t(column)]; std::isfinite(v)) sum += v, ++n;
  return n ? sum / double(n) : 0.0;
}

}  // namespace

ParallelPanel::ParallelPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mSummary = new QLabel(this);
  mSummary->setWordWrap(true);
  mTraffic = new PlotView(tr("All-to-all traffic per step (rank → rank)"), this);
  mSyncTraffic = new PlotView(tr("Other collectives per step (rank → rank)"), this);
  mExperts = new PlotView(tr("Expert placement and load"), this);
  mTime = new PlotView(tr("Time per step"), this);
  auto* grid = new QGridLayout(this);
  grid->addWidget(mSummary, 0, 0, 1, 2);
  grid->addWidget(mTraffic, 1, 0);
  grid->addWidget(mSyncTraffic, 2, 0);
  grid->addWidget(mExperts, 1, 1);
  grid->addWidget(mTime, 2, 1);
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);
  mSummary->setText(tr("Open the history of an expert-parallel run (mpirun -np R moe-train "
                       "--parallel expert --history FILE; File > Open run history) to see "
                       "what its all-to-alls move."));
  if (mController) {
    auto update = [this] { showHistory(mController->history()); };
    connect(mController, &SessionController::sessionReady, this, update);
    connect(mController, &SessionController::metricsAppended, this, update);
  }
}

QString ParallelPanel::summary() const { return mSummary->text(); }

bool ParallelPanel::showHistory(const core::RunHistory& h) {
  const bool was = hasRun();
  mBytes = meanVector(h, "a2a_bytes");
  mSyncBytes = meanVector(h, "sync_bytes");
  const auto rank = meanVector(h, "expert_rank");
  mRanks = int(std::lround(std::sqrt(double(mBytes.size()))));
  if (mRanks * mRanks != int(mBytes.size()) || rank.empty()) mRanks = 0;
  mPlacement.clear();
  for (double r : rank) mPlacement.push_back(int(std::lround(r)));
  if (!hasRun()) {
    if (was) Q_EMIT availabilityChanged(false);
    return false;
  }
  if (mSyncBytes.size() != mBytes.size()) mSyncBytes.clear();  // a history from before them
  double between = 0.0, syncBetween = 0.0;
  for (int i = 0; i < mRanks * mRanks; ++i)
    if (i / mRanks != i % mRanks) {
      between += mBytes[std::size_t(i)];
      if (!mSyncBytes.empty()) syncBetween += mSyncBytes[std::size_t(i)];
    }
  const double a2a = meanScalar(h, "a2a_seconds"), sync = meanScalar(h, "sync_seconds"),
               compute = meanScalar(h, "compute_seconds");
  const int experts = int(mPlacement.size());
  mSummary->setText(
      tr("%1 ranks, %2 experts each (%3 in all), %4 steps. Each step the all-to-alls move %5 "
         "between ranks (the diagonal stays on its rank) and take %6 ms of %7 ms.")
          .arg(mRanks)
          .arg(experts / mRanks)
          .arg(experts)
          .arg(h.steps().size())
          .arg(byteText(between))
          .arg(a2a * 1e3, 0, 'f', 2)
          .arg((a2a + sync + compute) * 1e3, 0, 'f', 2) +
      (mSyncBytes.empty()
           ? QString()
           : tr(" The other collectives move %1 more between ranks, most of it the data-parallel "
                "layers' input rows, gathered so every rank computes their weight gradients in "
                "one process's order.")
                 .arg(byteText(syncBetween))));
  drawTraffic(mTraffic, mBytes,
              tr("mean bytes a step: rows out, their outputs back, and both gradients"));
  drawTraffic(mSyncTraffic, mSyncBytes,
              mSyncBytes.empty() ? tr("not in this history")
                                 : tr("logits, gate gradients, gathered rows, sums"));
  drawPlacement(meanVector(h, "expert_load"));
  drawTime(a2a, sync, compute);
  if (!was) Q_EMIT availabilityChanged(true);
  return true;
}

void ParallelPanel::drawTraffic(PlotView* plot, const std::vector<double>& bytes,
                                const QString& subtitle) {
  plot->clearPlottables();
  plot->clearItems();
  plot->setSubtitle(subtitle);
  if (bytes.size() != std::size_t(mRanks) * std::size_t(mRanks)) {
    plot->replot();
    return;
  }
  auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
  map->data()->setSize(mRanks, mRanks);
  map->data()->setRange(QCPRange(0, mRanks - 1), QCPRange(0, mRanks - 1));
  double most = 1.0;
  for (double b : bytes) most = std::max(most, b);
  for (int s = 0; s < mRanks; ++s)
    for (int d = 0; d < mRanks; ++d) {
      const double b = bytes[std::size_t(s * mRanks + d)];
      map->data()->setCell(d, s, b);
      if (mRanks > 8) continue;  // numbers fit up to 8 x 8
      auto* label = new QCPItemText(plot);
      label->position->setCoords(d, s);
      label->setText(byteText(b));
      label->setColor(b > 0.6 * most ? Qt::white : Qt::black);
    }
  QCPColorGradient gradient(QCPColorGradient::gpGrayscale);
  gradient.setColorStopAt(0.0, QColor(250, 250, 250));
  gradient.setColorStopAt(1.0, QColor(20, 60, 140));
  map->setGradient(gradient);
  map->setDataRange(QCPRange(0.0, most));
  map->setInterpolate(false);
  plot->xAxis->setLabel(tr("receiving rank"));
  plot->yAxis->setLabel(tr("sending rank"));
  plot->yAxis->setRangeReversed(true);
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
    axis->setRange(-0.5, mRanks - 0.5);
    axis->ticker()->setTickCount(std::min(mRanks, 8));
  }
  plot->replot();
}

void ParallelPanel::drawPlacement(const std::vector<double>& load) {
  mExperts->clearPlottables();
  mExperts->legend->clearItems();
  const int experts = int(mPlacement.size());
  for (int r = 0; r < mRanks; ++r) {
    auto* bars = new QCPBars(mExperts->xAxis, mExperts->yAxis);
    bars->setName(tr("rank %1").arg(r));
    bars->setBrush(categoryColor(r));
    bars->setPen(Qt::NoPen);
    for (int e = 0; e < experts; ++e)
      if (mPlacement[std::size_t(e)] == r)
        bars->addData(e, std::size_t(e) < load.size() ? load[std::size_t(e)] : 0.0);
  }
  mExperts->legend->setVisible(mRanks <= 8);
  mExperts->xAxis->setLabel(tr("expert"));
  mExperts->yAxis->setLabel(tr("share of the load"));
  mExperts->xAxis->setRange(-0.5, experts - 0.5);
  mExperts->yAxis->rescale();
  mExperts->yAxis->setRangeLower(0.0);
  mExperts->setSubtitle(tr("each expert in its rank's colour; a rank's bars add up to its work"));
  mExperts->replot();
}

void ParallelPanel::drawTime(double a2a, double sync, double compute) {
  mTime->clearPlottables();
  auto* bars = new QCPBars(mTime->yAxis, mTime->xAxis);  // horizontal
  bars->setBrush(categoryColor(0));
  bars->addData(0, a2a * 1e3);
  bars->addData(1, sync * 1e3);
  bars->addData(2, compute * 1e3);
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  ticker->addTick(0, tr("all-to-all"));
  ticker->addTick(1, tr("other collectives"));
  ticker->addTick(2, tr("compute"));
  mTime->yAxis->setTicker(ticker);
  mTime->yAxis->setRange(-0.6, 2.6);
  mTime->xAxis->setLabel(tr("ms a step (mean over the ranks and steps)"));
  mTime->xAxis->setRange(0.0, std::max(1e-3, std::max({a2a, sync, compute}) * 1e3 * 1.1));
  mTime->replot();
}

}  // namespace moe::ui
