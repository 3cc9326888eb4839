#include "ui/seriesplot.h"

#include <algorithm>
#include <cmath>

namespace moe::ui {

SeriesPlot::SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
                       QWidget* parent)
    : PlotView(title, parent) {
  xAxis->setLabel(xLabel);
  yAxis->setLabel(yLabel);
  placeLegendBelow();
}

int SeriesPlot::addSeries(const QString& name, const QColor& color, const SeriesStyle& style) {
  if (style.rightAxis) yAxis2->setVisible(true);
  QCPAxis* valueAxis = style.rightAxis ? yAxis2 : yAxis;
  Series s;
  s.weight = std::clamp(style.smoothing, 0.0, 1.0);
  s.thinned = !style.markers;
  if (style.smoothing < 1.0) {
    // The raw curve first, so the smoothed one is drawn over it.
    s.raw = addGraph(xAxis, valueAxis);
    QColor faint = color;
    faint.setAlpha(60);
    s.raw->setPen(QPen(faint, 1.0 * lineScale()));
    s.raw->setAdaptiveSampling(true);
    s.raw->removeFromLegend();
    if (mSmoothing < 0) mSmoothing = 1.0 - s.weight;
  }
  QCPGraph* g = s.graph = addGraph(xAxis, valueAxis);
  g->setName(style.rightAxis ? name + tr(" (right)") : name);
  g->setPen(QPen(color, (style.markers ? 2.5 : 1.8) * lineScale(), style.pen));
  g->setAdaptiveSampling(true);
  if (style.markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 7));
  mSeries.push_back(std::move(s));
  return int(mSeries.size()) - 1;
}

void SeriesPlot::setRightLabel(const QString& label) { yAxis2->setLabel(label); }

void SeriesPlot::append(int series, double x, double y) {
  if (!std::isfinite(y)) return;  // a diverged loss must not wreck the axes
  Series& s = mSeries[std::size_t(series)];
  if (s.raw) {
    s.thinning.append(s.raw, x, y);  // the smoothed curve follows at the next replot
    mSmoothDirty = true;
  } else if (s.thinned) {
    s.thinning.append(s.graph, x, y);
  } else {
    s.graph->addData(x, y);
  }
}

void SeriesPlot::clearData() {
  for (int i = 0; i < graphCount(); ++i) graph(i)->data()->clear();
  for (Series& s : mSeries) s.thinning.reset();
  refresh();
}

void SeriesPlot::clearSeries() {
  clearGraphs();
  mSeries.clear();
  mSmoothing = -1.0;
  yAxis2->setVisible(false);
  yAxis2->setLabel(QString());
}

void SeriesPlot::setSmoothing(double smoothing) {
  mSmoothing = std::clamp(smoothing, 0.0, 0.99);
  for (Series& s : mSeries) {
    if (!s.raw) continue;
    s.weight = 1.0 - mSmoothing;
    s.raw->setVisible(mSmoothing > 0.0);  // at 0 both curves are the same
  }
  mSmoothDirty = true;
  refresh();
}

void SeriesPlot::prepareData() {
  if (!mSmoothDirty) return;
  mSmoothDirty = false;
  for (Series& s : mSeries) {
    if (!s.raw) continue;
    // An exponential moving average over the thinned raw points, each weighted by the steps
    // it stands for: the same curve as one over every step, at any length of run.
    QVector<QCPGraphData> smoothed;
    smoothed.reserve(s.raw->dataCount());
    double ema = 0.0;
    double lastKey = 0.0;
    const double keep = 1.0 - s.weight;
    for (auto it = s.raw->data()->constBegin(); it != s.raw->data()->constEnd(); ++it) {
      if (smoothed.isEmpty())
        ema = it->value;
      else
        ema += (1.0 - std::pow(keep, std::max(1.0, it->key - lastKey))) * (it->value - ema);
      lastKey = it->key;
      smoothed.append(QCPGraphData(it->key, ema));
    }
    s.graph->data()->set(smoothed, true);
  }
}

QCPGraph* SeriesPlot::rawGraph(int series) const { return mSeries[std::size_t(series)].raw; }

QCPGraph* SeriesPlot::seriesGraph(int series) const { return mSeries[std::size_t(series)].graph; }

void SeriesPlot::setLogScale(bool on) {
  if (on == mLog) return;
  mLog = on;
  for (QCPAxis* axis : {yAxis, yAxis2}) {
    axis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on)
      axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
      axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  }
  setFollowing(true);  // the old range means nothing on the other scale
  refresh();
}

int SeriesPlot::pointCount(int series) const {
  if (series < 0 || series >= seriesCount()) return 0;
  const Series& s = mSeries[std::size_t(series)];
  return (s.raw ? s.raw : s.graph)->dataCount();  // the smoothed curve follows at the replot
}

void SeriesPlot::setYFloor(double lo, double hi) {
  mHasFloor = true;
  mFloorLo = lo;
  mFloorHi = hi;
}

QCPRange SeriesPlot::readableRange(double lo, double hi) {
  const double span = hi - lo;
  if (span > 1e-9 * std::max(1.0, std::max(std::abs(lo), std::abs(hi)))) {
    const double pad = span * 0.05;
    // A series that never goes below zero (a count, a share) keeps zero as its floor.
    return QCPRange(lo >= 0 && lo - pad < 0 ? 0.0 : lo - pad, hi + pad);
  }
  // A constant series: a range around it that reads as "flat at v", not +-1500 around 0.
  const double v = 0.5 * (lo + hi);
  const double half = std::max(0.5, std::abs(v) * 0.1);
  if (v >= 0 && v - half < 0) return QCPRange(0.0, std::max(1.0, 2.0 * v));
  return QCPRange(v - half, v + half);
}

QCPRange SeriesPlot::logRange(double lo, double hi) {
  const double low = std::pow(10.0, std::floor(std::log10(lo)));
  double high = std::pow(10.0, std::ceil(std::log10(hi)));
  if (high <= low) high = low * 10.0;
  return QCPRange(low, high);
}

void SeriesPlot::rescale() {
  rescaleAxes(true);
  for (QCPAxis* axis : {yAxis, yAxis2}) {
    bool any = false;
    QCPRange data;
    for (QCPAbstractPlottable* p : axis->plottables()) {
      bool found = false;
      const QCPRange r = p->getValueRange(found, mLog ? QCP::sdPositive : QCP::sdBoth);
      if (!found) continue;
      data = any ? QCPRange(std::min(data.lower, r.lower), std::max(data.upper, r.upper)) : r;
      any = true;
    }
    if (any) axis->setRange(mLog ? logRange(data.lower, data.upper) : readableRange(data.lower, data.upper));
  }
  if (mHasFloor && !mLog) {
    const QCPRange r = yAxis->range();
    yAxis->setRange(std::min(r.lower, mFloorLo), std::max(r.upper, mFloorHi));
  }
}

}  // namespace moe::ui
