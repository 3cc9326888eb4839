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
  double smoothing = 1.0;        ///< exponential moving average weight of a new step; 1 = raw;
                                 ///< below 1 the raw curve is drawn faint behind the smoothed one
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
  int seriesCount() const { return int(mSeries.size()); }
  int pointCount(int series) const;
  /** Keeps the y axis at least [lo, hi] when rescaling (e.g. accuracy 0..1). */
  void setYFloor(double lo, double hi);
  /** Labels the right-hand axis (shown once a series uses it). */
  void setRightLabel(const QString& label);
  /** The y range drawn for data in [lo, hi]: 5 % padding, zero kept as the floor of
   *  non-negative data, and a readable range around a constant series. */
  static QCPRange readableRange(double lo, double hi);
  /** The y range drawn on a log axis for positive data in [lo, hi]: whole decades, so at
   *  least two powers of ten carry a label. */
  static QCPRange logRange(double lo, double hi);

  /** TensorBoard's smoothing of the smoothed series (those added with smoothing below 1):
   *  0 draws the raw curve, 0.99 a slow average; each step's weight in the exponential
   *  moving average is 1 - s. The raw curve stays faint behind. */
  void setSmoothing(double s);
  /** The smoothing set last (or the one the first smoothed series was added with). */
  double smoothing() const { return mSmoothing; }
  /** The faint raw curve behind a smoothed series (nullptr for one drawn raw). */
  QCPGraph* rawGraph(int series) const;
  /** The curve drawn for a series (smoothed where it is smoothed). */
  QCPGraph* seriesGraph(int series) const;
  /** A logarithmic y axis (and right axis): for losses that span decades. */
  void setLogScale(bool on);
  bool logScale() const { return mLog; }
  /** Brings the smoothed curves up to date with the raw ones (done before every replot). */
  void prepareData() override;

 protected:
  void rescale() override;

 private:
  struct Series {
    QCPGraph* graph = nullptr;  ///< what is drawn: the smoothed curve of a smoothed series
    QCPGraph* raw = nullptr;    ///< the raw (thinned) values of a smoothed series, faint
    double weight = 1.0;        ///< EMA weight of one step: 1 - smoothing
    bool thinned = true;        ///< per-step curves are thinned; sparse marked series keep all
    CurveThinning thinning;
  };
  std::vector<Series> mSeries;
  double mSmoothing = -1.0;  // < 0 until a smoothed series sets it
  bool mSmoothDirty = false;
  bool mLog = false;
  bool mHasFloor = false;
  double mFloorLo = 0.0;
  double mFloorHi = 0.0;
};

}  // namespace moe::ui
