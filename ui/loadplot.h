#pragma once
#include <vector>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * Each expert's share of the routed slots over time, stacked to 1, with the ideal balanced
 * boundaries (multiples of 1/N) dashed. Shares are smoothed with an exponential moving average
 * so the picture reads at a glance.
 */
class LoadPlot : public PlotView {
  Q_OBJECT

 public:
  explicit LoadPlot(QWidget* parent = nullptr);

  /** Clears the data and sets up one band per expert. */
  void setExperts(int experts);
  int experts() const { return mExperts; }
  /** Shared (always-on) experts take every input and so are not in the stack: the legend
   *  names them apart. Set before setExperts; 0 = none. */
  void setSharedExperts(int count);
  int sharedExperts() const { return mShared; }
  /** The legend's entries, in order (for tests). */
  QStringList legendNames() const;
  void append(double step, const std::vector<float>& load);
  void clearData();
  int pointCount() const;
  /** Expert e's band: its curve is the cumulative share of experts 0..e. */
  QCPGraph* band(int expert) const { return mBands.at(std::size_t(expert)); }
  /** Smoothing of the moving average in (0, 1]; 1 = raw per-batch shares. */
  void setSmoothing(double alpha) { mAlpha = alpha; }

 protected:
  void rescale() override;

 private:
  int mExperts = 0;
  int mShared = 0;
  double mAlpha = 0.05;  // per-batch loads are noisy: the same EMA as the other train curves
  std::vector<double> mSmoothed;
  std::vector<QCPGraph*> mBands;  // per expert; painted from the last expert down
  std::vector<CurveThinning> mThinning;  // one per band; all see the same steps
  std::vector<QCPItemStraightLine*> mIdeal;
};

}  // namespace moe::ui
