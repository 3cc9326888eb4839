#include "ui/evalhistogramplot.h"

#include <algorithm>

#include "core/train/eval_archive.h"

namespace moe::ui {

EvalHistogramPlot::EvalHistogramPlot(const QString& title, const QString& valueLabel, QWidget* parent)
    : PlotView(title, parent) {
  xAxis->setLabel(tr("evaluation (step)"));
  yAxis->setLabel(valueLabel);
  mMap = new QCPColorMap(xAxis, yAxis);
  mMap->setInterpolate(false);
  mMap->setTightBoundary(false);
  mScale = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, mScale);
  mScale->setType(QCPAxis::atRight);
  mScale->axis()->setLabel(tr("share (log)"));
  mScale->setDataScaleType(QCPAxis::stLogarithmic);  // the bands near the ends hold little
  mScale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  mScale->setDataRange(QCPRange(1e-4, 1.0));
  mMap->setColorScale(mScale);
  mScale->setGradient(QCPColorGradient(QCPColorGradient::gpThermal));
  auto* group = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  mScale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  yAxis->setRange(0.0, 1.0);
  mMap->setVisible(false);
}

void EvalHistogramPlot::setHints(const QString& waiting, const QString& none) {
  mWaiting = waiting;
  mNone = none;
  setEmptyHint(waiting);
}

void EvalHistogramPlot::clear() {
  mSteps.clear();
  mCache.clear();
  mMap->data()->clear();
  mMap->setVisible(false);
  mLo = 0.0;
  mHi = 1.0;
  shown(nullptr);
  setEmptyHint(mWaiting);
}

void EvalHistogramPlot::setEvaluations(const core::EvalArchive& archive) {
  std::map<long, Column> cache;
  mSteps.clear();
  std::shared_ptr<const core::EvalReport> newest;
  for (std::size_t i = 0; i < archive.size(); ++i) {
    const auto r = archive.at(i);
    auto it = mCache.find(r->step);
    Column c;
    if (it != mCache.end())
      c = it->second;
    else if (!columnOf(*r, c) || c.shares.empty() || !(c.hi > c.lo))
      continue;  // nothing of it in this evaluation (no router: the dense baseline)
    cache[r->step] = std::move(c);
    mSteps.push_back(r->step);
    newest = r;
  }
  mCache = std::move(cache);
  shown(newest.get());
  setEmptyHint(archive.size() > 0 ? mNone : mWaiting);
  const int n = int(mSteps.size());
  mMap->setVisible(n > 0);
  if (n == 0) return refresh();
  // One value axis for all columns, as finely banded as the finest column.
  mLo = mCache.begin()->second.lo;
  mHi = mCache.begin()->second.hi;
  std::size_t rows = 1;
  for (const auto& [step, c] : mCache) {
    mLo = std::min(mLo, c.lo);
    mHi = std::max(mHi, c.hi);
    rows = std::max(rows, c.shares.size());
  }
  const double band = (mHi - mLo) / double(rows);
  mMap->data()->setSize(n, int(rows));
  mMap->data()->setRange(QCPRange(0, std::max(1, n - 1)), QCPRange(mLo + band / 2, mHi - band / 2));
  if (n == 1) mMap->data()->setKeyRange(QCPRange(-0.5, 0.5));
  std::vector<double> cells(rows);
  for (int x = 0; x < n; ++x) {
    const Column& c = mCache[mSteps[std::size_t(x)]];
    std::fill(cells.begin(), cells.end(), 0.0);
    const double width = (c.hi - c.lo) / double(c.shares.size());
    for (std::size_t b = 0; b < c.shares.size(); ++b) {
      // The band [a, a + width) of the column over the rows it overlaps, by overlap.
      const double a = c.lo + width * double(b);
      const std::size_t first = std::size_t(std::clamp(int((a - mLo) / band), 0, int(rows) - 1));
      for (std::size_t y = first; y < rows; ++y) {
        const double from = std::max(a, mLo + band * double(y));
        const double to = std::min(a + width, mLo + band * double(y + 1));
        if (to <= from) {
          if (mLo + band * double(y) >= a + width) break;
          continue;
        }
        cells[y] += c.shares[b] * (to - from) / width;
      }
    }
    for (std::size_t y = 0; y < rows; ++y) mMap->data()->setCell(x, int(y), std::max(1e-5, cells[y]));
  }
  // About six step labels along the bottom, whatever the number of evaluations.
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  const int every = std::max(1, n / 6);
  for (int x = 0; x < n; x += every) ticks->addTick(x, QString::number(mSteps[std::size_t(x)]));
  xAxis->setTicker(ticks);
  refresh();
}

void EvalHistogramPlot::rescale() {
  xAxis->setRange(-0.5, std::max(0.5, double(mSteps.size()) - 0.5));
  yAxis->setRange(mLo, mHi);
}

double EvalHistogramPlot::share(int column, int bin) const {
  return mCache.at(mSteps[std::size_t(column)]).shares[std::size_t(bin)];
}

void EvalHistogramPlot::setPresentation(bool on) {
  PlotView::setPresentation(on);
  setVisible(!on);
  mScale->axis()->setTickLabelFont(xAxis->tickLabelFont());
  mScale->axis()->setLabelFont(xAxis->labelFont());
}

}  // namespace moe::ui
