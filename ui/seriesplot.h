#pragma once
#include <QColor>
#include <QString>

#include "ui/plotview.h"

namespace moe::ui {

/** Named line series against a shared x axis (training step), e.g. train and test loss. */
class SeriesPlot : public PlotView {
  Q_OBJECT

 public:
  SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
             QWidget* parent = nullptr);

  /** Adds a series and returns its index. Markers suit sparse series (evaluations). */
  int addSeries(const QString& name, const QColor& color, bool markers = false,
                Qt::PenStyle style = Qt::SolidLine);
  void append(int series, double x, double y);
  void clearData();
  int seriesCount() const { return graphCount(); }
  int pointCount(int series) const;
  /** Keeps the y axis at least [lo, hi] when rescaling (e.g. accuracy 0..1). */
  void setYFloor(double lo, double hi);

 protected:
  void rescale() override;

 private:
  bool mHasFloor = false;
  double mFloorLo = 0.0;
  double mFloorHi = 0.0;
};

}  // namespace moe::ui
