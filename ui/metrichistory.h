#pragma once
#include <vector>

#include "core/train/metrics.h"

namespace moe::ui {

/** One evaluation on the test split, the part of an EvalReport kept for plots and files. */
struct EvalPoint {
  long step = 0;
  int epoch = 0;
  double loss = 0.0;
  double accuracy = 0.0;
  double mutualInformation = 0.0;
  core::RoutingStats routing;
};

/** Everything plotted so far; survives a failed rebuild and is saved with a session. */
struct MetricHistory {
  std::vector<core::StepMetrics> steps;
  std::vector<EvalPoint> evals;

  void clear() {
    steps.clear();
    evals.clear();
  }
};

EvalPoint evalPoint(const core::EvalReport& report);

}  // namespace moe::ui
