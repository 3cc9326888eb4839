#include "ui/seriesplot.h"

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
  QCPGraph* g = addGraph(xAxis, style.rightAxis ? yAxis2 : yAxis);
  g->setName(style.rightAxis ? name + tr(" (right)") : name);
  g->setPen(QPen(color, (style.markers ? 2.5 : 1.8) * lineScale(), style.pen));
  g->setAdaptiveSampling(true);
  if (style.markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 7));
  mSeries.push_back({style.smoothing, 0.0, false, !style.markers, CurveThinning()});
  return graphCount() - 1;
}

void SeriesPlot::setRightLabel(const QString& label) { yAxis2->setLabel(label); }

void SeriesPlot::append(int series, double x, double y) {
  if (!std::isfinite(y)) return;  // a diverged loss must not wreck the axes
  Series& s = mSeries[std::size_t(series)];
  s.ema = s.started ? s.ema + s.smoothing * (y - s.ema) : y;
  s.started = true;
  if (s.thinned)
    s.thinning.append(graph(series), x, s.ema);
  else
    graph(series)->addData(x, s.ema);
}

void SeriesPlot::clearData() {
  for (int i = 0; i < graphCount(); ++i) graph(i)->data()->clear();
  for (Series& s : mSeries) {
    s.started = false;
    s.thinning.reset();
  }
  refresh();
}

void SeriesPlot::clearSeries() {
  clearGraphs();
  mSeries.clear();
  yAxis2->setVisible(false);
  yAxis2->setLabel(QString());
}

int SeriesPlot::pointCount(int series) const {
  return series < graphCount() ? graph(series)->dataCount() : 0;
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

void SeriesPlot::rescale() {
  rescaleAxes(true);
  for (QCPAxis* axis : {yAxis, yAxis2}) {
    bool any = false;
    QCPRange data;
    for (QCPAbstractPlottable* p : axis->plottables()) {
      bool found = false;
      const QCPRange r = p->getValueRange(found);
      if (!found) continue;
      data = any ? QCPRange(std::min(data.lower, r.lower), std::max(data.upper, r.upper)) : r;
      any = true;
    }
    if (any) axis->setRange(readableRange(data.lower, data.upper));
  }
  if (mHasFloor) {
    const QCPRange r = yAxis->range();
    yAxis->setRange(std::min(r.lower, mFloorLo), std::max(r.upper, mFloorHi));
  }
}

}  // namespace moe::ui
