#pragma once
#include <cstdint>
#include <vector>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * The gate's probability for every expert as bars. Chosen experts are coloured and labelled
 * with their rank and combine weight, the others with their probability; a dropped input
 * (capacity) is marked in red. For a sentence, setTokenShares shows the mean gate beside the
 * share of tokens each expert took.
 */
class GateBarChart : public PlotView {
  Q_OBJECT

 public:
  explicit GateBarChart(QWidget* parent = nullptr);

  void setGate(const std::vector<float>& probs, const std::vector<std::int32_t>& chosen,
               const std::vector<float>& chosenGates, bool dropped);
  /**
   * A sentence's view (text models route tokens): per expert, the mean gate probability over
   * its tokens beside the share of its tokens the expert took. `experts`/`shares` list the
   * experts that took tokens and their shares, in any order.
   */
  void setTokenShares(const std::vector<float>& meanProbs, const std::vector<std::int32_t>& experts,
                      const std::vector<float>& shares);
  void clearGate();
  /** Shared (always-on) experts: drawn after the routed ones, apart, as full bars of weight 1
   *  (every input goes through them, added to the routed mix). Set before setGate. */
  void setSharedExperts(int count) { mSharedCount = count > 0 ? count : 0; }
  int sharedExperts() const { return mSharedCount; }
  /** The expert names under the bars, left to right (for tests). */
  QStringList expertTickLabels() const;
  /** The probabilities on display (for tests). */
  std::vector<double> values() const;
  /** Per expert, the share of tokens on display after setTokenShares (for tests). */
  std::vector<double> tokenShares() const { return mShares; }
  /** The value labels on display, left to right (for tests). */
  QStringList labelTexts() const;
  /** Where the value labels were drawn at the last replot, in pixels (for tests). */
  std::vector<QRect> labelRects() const;

 protected:
  void rescale() override {}

 private:
  QCPBars* mOther = nullptr;
  QCPBars* mChosen = nullptr;
  QCPBars* mShared = nullptr;
  QCPItemStraightLine* mSeparator = nullptr;
  int mSharedCount = 0;
  std::vector<QCPItemText*> mLabels;
  QCPItemText* mDropped = nullptr;
  std::vector<double> mValues;
  std::vector<double> mShares;

  QCPItemText* addLabel(double x, double y, const QString& text, const QColor& color);
  void clearLabels();
  void setExpertAxis(int n, double top);
  /** The y range from the tallest bar plus room, in pixels, for the labels above the bars
   *  (a fixed quarter of the range was not enough on a short plot: "40%" was cut off). */
  void fitLabelRoom();
  double mTop = 1.0;
  int mLabelLines = 2;
  /** The always-on bars after n routed experts, labelled `caption`; the largest bar drawn. */
  double showShared(int n, const QString& caption);
};

}  // namespace moe::ui
