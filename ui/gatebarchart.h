#pragma once
#include <cstdint>
#include <vector>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * The gate's probability for every expert as bars. Chosen experts are coloured and labelled
 * with their rank and combine weight; a dropped input (capacity) is marked in red.
 */
class GateBarChart : public PlotView {
  Q_OBJECT

 public:
  explicit GateBarChart(QWidget* parent = nullptr);

  void setGate(const std::vector<float>& probs, const std::vector<std::int32_t>& chosen,
               const std::vector<float>& chosenGates, bool dropped);
  void clearGate();
  /** The probabilities on display (for tests). */
  std::vector<double> values() const;

 protected:
  void rescale() override {}

 private:
  QCPBars* mOther = nullptr;
  QCPBars* mChosen = nullptr;
  std::vector<QCPItemText*> mLabels;
  QCPItemText* mDropped = nullptr;
  std::vector<double> mValues;
};

}  // namespace moe::ui
