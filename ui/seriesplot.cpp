#include "ui/seriesplot.h"

#include <cmath>

namespace moe::ui {

SeriesPlot::SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
                       QWidget* parent)
    : PlotView(title, parent) {
  xAxis->setLabel(xLabel);
  yAxis->setLabel(yLabel);
  legend->setVisible(true);
  axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

int SeriesPlot::addSeries(const QString& name, const QColor& color, bool markers,
                          Qt::PenStyle style) {
  QCPGraph* g = addGraph();
  g->setName(name);
  QPen pen(color, markers ? 2.5 : 1.8, style);
  g->setPen(pen);
  g->setAdaptiveSampling(true);
  if (markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 7));
  return graphCount() - 1;
}

void SeriesPlot::append(int series, double x, double y) {
  if (!std::isfinite(y)) return;  // a diverged loss must not wreck the axes
  graph(series)->addData(x, y);
}

void SeriesPlot::clearData() {
  for (int i = 0; i < graphCount(); ++i) graph(i)->data()->clear();
  refresh();
}

int SeriesPlot::pointCount(int series) const {
  return series < graphCount() ? graph(series)->dataCount() : 0;
}

void SeriesPlot::setYFloor(double lo, double hi) {
  mHasFloor = true;
  mFloorLo = lo;
  mFloorHi = hi;
}

void SeriesPlot::rescale() {
  rescaleAxes(true);
  if (mHasFloor) {
    QCPRange r = yAxis->range();
    yAxis->setRange(std::min(r.lower, mFloorLo), std::max(r.upper, mFloorHi));
  } else {
    QCPRange r = yAxis->range();
    const double pad = std::max(1e-9, (r.upper - r.lower) * 0.05);
    yAxis->setRange(r.lower - pad, r.upper + pad);
  }
}

}  // namespace moe::ui
