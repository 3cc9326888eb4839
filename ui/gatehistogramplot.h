#pragma once
#include "ui/evalhistogramplot.h"

namespace moe::ui {

/**
 * The gate probabilities over evaluations: per evaluation, how all (test input, expert)
 * probabilities spread over 0..1 in kBins bands. A gate that learns to decide moves its mass
 * from the middle to the two ends; one that stays uniform keeps a band at 1/experts.
 */
class GateHistogramPlot : public EvalHistogramPlot {
  Q_OBJECT

 public:
  explicit GateHistogramPlot(QWidget* parent = nullptr);
  static constexpr int kBins = 20;

 protected:
  bool columnOf(const core::EvalReport& report, Column& out) const override;
};

}  // namespace moe::ui
