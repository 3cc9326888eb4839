#pragma once
#include "ui/evalhistogramplot.h"

namespace moe::ui {

/**
 * The router's raw logits over evaluations (EvalReport::routerLogits): per evaluation, how the
 * logits of all routed (row, expert) pairs spread between the smallest and the largest, on one
 * value axis for the run. Softmax forgets a shift common to all experts, so the probabilities
 * beside it can look calm while the logits drift or spread without bound, which a z-loss holds
 * back. The subtitle gives the newest evaluation's mean, spread and range.
 */
class LogitHistogramPlot : public EvalHistogramPlot {
  Q_OBJECT

 public:
  explicit LogitHistogramPlot(QWidget* parent = nullptr);

 protected:
  bool columnOf(const core::EvalReport& report, Column& out) const override;
  void shown(const core::EvalReport* newest) override;
};

}  // namespace moe::ui
