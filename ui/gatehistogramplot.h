#pragma once
#include <map>
#include <vector>

#include "ui/plotview.h"

namespace moe::core {
class EvalArchive;
}

namespace moe::ui {

/**
 * TensorBoard's histogram dashboard for the gate: one column per kept evaluation (oldest left,
 * labelled by step), one row per band of gate probability (0..1 in kBins bands), the colour the
 * share of all (test input, expert) probabilities in that band. A gate that learns to decide
 * moves its mass from the middle to the two ends; one that stays uniform keeps a band at
 * 1/experts.
 */
class GateHistogramPlot : public PlotView {
  Q_OBJECT

 public:
  explicit GateHistogramPlot(QWidget* parent = nullptr);

  static constexpr int kBins = 20;
  /** Draws the archive's evaluations (histograms of evaluations seen before are reused). */
  void setEvaluations(const core::EvalArchive& archive);
  void clear();
  /** Columns drawn (evaluations). */
  int evaluations() const { return int(mSteps.size()); }
  long stepOf(int column) const { return mSteps[std::size_t(column)]; }
  /** Share of an evaluation's gate probabilities in a band (0 = [0, 1/kBins)). */
  double share(int column, int bin) const;
  /** Presentation mode hides it (fewer panels at once; the router health tab keeps six). */
  void setPresentation(bool on) override;

 protected:
  void rescale() override;

 private:
  QCPColorMap* mMap;
  QCPColorScale* mScale;
  std::vector<long> mSteps;
  std::map<long, std::vector<double>> mCache;  // step -> kBins shares
};

}  // namespace moe::ui
