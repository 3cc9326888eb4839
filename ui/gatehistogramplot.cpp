#include "ui/gatehistogramplot.h"

#include <algorithm>

#include "core/train/eval_archive.h"

namespace moe::ui {

namespace {

std::vector<double> histogram(const core::EvalReport& r) {
  std::vector<double> shares(std::size_t(GateHistogramPlot::kBins), 0.0);
  if (r.gateProbs.empty()) return shares;
  for (float p : r.gateProbs)
    shares[std::size_t(std::clamp(int(p * GateHistogramPlot::kBins), 0, GateHistogramPlot::kBins - 1))] += 1.0;
  for (double& s : shares) s /= double(r.gateProbs.size());
  return shares;
}

}  // namespace

GateHistogramPlot::GateHistogramPlot(QWidget* parent)
    : PlotView(tr("Gate probabilities over evaluations"), parent) {
  xAxis->setLabel(tr("evaluation (step)"));
  yAxis->setLabel(tr("gate probability"));
  mMap = new QCPColorMap(xAxis, yAxis);
  mMap->setInterpolate(false);
  mMap->setTightBoundary(false);
  mScale = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, mScale);
  mScale->setType(QCPAxis::atRight);
  mScale->axis()->setLabel(tr("share (log)"));
  mScale->setDataScaleType(QCPAxis::stLogarithmic);  // the bands near 0 hold most of the mass
  mScale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  mScale->setDataRange(QCPRange(1e-4, 1.0));
  QCPColorGradient gradient(QCPColorGradient::gpThermal);
  mMap->setColorScale(mScale);
  mScale->setGradient(gradient);
  auto* group = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  mScale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  yAxis->setRange(0.0, 1.0);
  setToolTip(tr("Each column is one evaluation of the test split: how the router's probabilities of "
                "all (input, expert) pairs spread over 0..1. A deciding gate piles them at 0 (experts "
                "not chosen) and near 1 (the chosen one); a band that stays at 1/experts means the "
                "gate has not learned to tell the inputs apart."));
}

void GateHistogramPlot::clear() {
  mSteps.clear();
  mCache.clear();
  mMap->data()->clear();
  mMap->setVisible(false);
  refresh();
}

void GateHistogramPlot::setEvaluations(const core::EvalArchive& archive) {
  std::map<long, std::vector<double>> cache;
  mSteps.clear();
  for (std::size_t i = 0; i < archive.size(); ++i) {
    const auto r = archive.at(i);
    if (r->gateProbs.empty()) continue;  // no router (the dense baseline)
    auto it = mCache.find(r->step);
    cache[r->step] = it != mCache.end() ? it->second : histogram(*r);
    mSteps.push_back(r->step);
  }
  mCache = std::move(cache);
  const int n = int(mSteps.size());
  mMap->setVisible(n > 0);
  if (n == 0) return refresh();
  mMap->data()->setSize(n, kBins);
  mMap->data()->setRange(QCPRange(0, std::max(1, n - 1)), QCPRange(0.5 / kBins, 1.0 - 0.5 / kBins));
  if (n == 1) mMap->data()->setKeyRange(QCPRange(-0.5, 0.5));
  for (int x = 0; x < n; ++x) {
    const std::vector<double>& shares = mCache[mSteps[std::size_t(x)]];
    for (int b = 0; b < kBins; ++b) mMap->data()->setCell(x, b, std::max(1e-5, shares[std::size_t(b)]));
  }
  // About six step labels along the bottom, whatever the number of evaluations.
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  const int every = std::max(1, n / 6);
  for (int x = 0; x < n; x += every) ticks->addTick(x, QString::number(mSteps[std::size_t(x)]));
  xAxis->setTicker(ticks);
  refresh();
}

void GateHistogramPlot::rescale() {
  xAxis->setRange(-0.5, std::max(0.5, double(mSteps.size()) - 0.5));
  yAxis->setRange(0.0, 1.0);
}

double GateHistogramPlot::share(int column, int bin) const {
  return mCache.at(mSteps[std::size_t(column)])[std::size_t(bin)];
}

void GateHistogramPlot::setPresentation(bool on) {
  PlotView::setPresentation(on);
  setVisible(!on);
  QFont f = xAxis->tickLabelFont();
  mScale->axis()->setTickLabelFont(f);
  mScale->axis()->setLabelFont(xAxis->labelFont());
}

}  // namespace moe::ui
