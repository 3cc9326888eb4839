#pragma once

#include "ui/qcp.h"

namespace moe::ui {

/**
 * Keeps a live per-step curve at a bounded number of points, however long training runs.
 * Each point stands for a window of at least `stride` steps and shows their mean (the last
 * point is the window still filling, at the newest step); when the curve reaches its budget,
 * neighbouring windows merge in pairs and the stride doubles. Drawing cost and memory stay
 * constant, and per-batch jitter averages out instead of turning into zig-zags.
 */
class CurveThinning {
 public:
  explicit CurveThinning(int budget = 1000) : mBudget(budget) {}
  /** Appends the value of step x to graph under these rules. */
  void append(QCPGraph* graph, double x, double y);
  void reset() { *this = CurveThinning(mBudget); }
  double stride() const { return mStride; }

 private:
  int mBudget;
  double mStride = 1.0;
  double mSum = 0.0;  // of the window still filling (the curve's last point)
  int mCount = 0;
};

}  // namespace moe::ui
