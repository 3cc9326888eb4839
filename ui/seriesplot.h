#pragma once
#include <vector>

#include <QColor>
#include <QString>

#include "ui/plotview.h"

namespace moe::ui {

/** How one series is drawn. */
struct SeriesStyle {
  bool markers = false;          ///< dots on the points, for sparse series (evaluations)
  Qt::PenStyle pen = Qt::SolidLine;
  double smoothing = 1.0;        ///< exponential moving average weight of a new point; 1 = raw
  bool rightAxis = false;        ///< on the right-hand y axis (a quantity of another scale)
};

/** Named line series against a shared x axis (training step), e.g. train and test loss. */
class SeriesPlot : public PlotView {
  Q_OBJECT

 public:
  SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
             QWidget* parent = nullptr);

  /** Adds a series and returns its index. */
  int addSeries(const QString& name, const QColor& color, const SeriesStyle& style = {});
  void append(int series, double x, double y);
  void clearData();
  /** Removes every series (and the right-hand axis), e.g. to set up for another task. */
  void clearSeries();
  int seriesCount() const { return graphCount(); }
  int pointCount(int series) const;
  /** Keeps the y axis at least [lo, hi] when rescaling (e.g. accuracy 0..1). */
  void setYFloor(double lo, double hi);
  /** Labels the right-hand axis (shown once a series uses it). */
  void setRightLabel(const QString& label);
  /** The y range drawn for data in [lo, hi]: 5 % padding, zero kept as the floor of
   *  non-negative data, and a readable range around a constant series. */
  static QCPRange readableRange(double lo, double hi);

 protected:
  void rescale() override;

 private:
  struct Series {
    double smoothing = 1.0;
    double ema = 0.0;
    bool started = false;
    bool thinned = true;  ///< per-step curves are thinned; sparse marked series keep all
    CurveThinning thinning;
  };
  std::vector<Series> mSeries;
  bool mHasFloor = false;
  double mFloorLo = 0.0;
  double mFloorHi = 0.0;
};

}  // namespace moe::ui
