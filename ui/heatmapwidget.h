#pragma once
#include <cstdint>
#include <vector>

#include <QStringList>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * Class x expert specialisation: each cell is the share of a class's inputs the gate sent to
 * an expert (rows sum to 1), with the value written in the cell and the mutual information
 * I(class; expert) in the title. Clicking a cell emits cellClicked(class, expert).
 */
class HeatmapWidget : public PlotView {
  Q_OBJECT

 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);

  /** counts: classes x experts, row-major. mutualInformation < 0 hides the number. */
  void setCounts(const QStringList& classNames, int experts,
                 const std::vector<std::int64_t>& counts, double mutualInformation,
                 const QString& source);
  /** Shares given directly (rows x experts, each in [0, 1], e.g. the co-activation
   *  P(expert j | expert i)), with their own title and colour-scale label. */
  void setShares(const QStringList& rowNames, int experts, const std::vector<float>& shares,
                 const QString& title, const QString& scaleLabel);
  /** What the rows are ("Class", "Language", "Genre") and what is counted ("tokens"),
   *  for the title and the colour scale. */
  void setRowKind(const QString& noun, const QString& counted);
  /** Shared experts (DeepSeekMoE) drawn apart: `count` slate columns S1..Sn right of the
   *  routed experts, after a separator, each taking every input of every row. They are in no
   *  count and no share: the routed cells keep their numbers. 0 removes them. */
  void setSharedExperts(int count);
  int sharedExperts() const { return mShared; }
  /** The expert names under the columns, left to right (routed ones may be thinned out). */
  QStringList expertTickLabels() const;
  /** The caption along the shared columns ("S1–S2 shared: every input (100%)", shortened
   *  to what fits); empty when there are none or it is hidden. */
  QString sharedCaption() const;
  /** The widget pixel at the centre of shared expert s's column. */
  QPoint sharedCenter(int s) const;
  /** The top of the colour scale: the largest share a cell can reach (1/k when each input
   *  goes to k experts, so a fully specialised cell is dark whatever k is). */
  void setScaleMax(double most);
  double scaleMax() const { return mScaleMax; }
  /** The font of the numbers in the cells (fitted to the cell size). */
  /** True when the cells are large enough for their numbers (else only colours show). */
  bool cellNumbersShown() const { return mNumbersFit && mClasses * mExperts <= 160; }
  QFont cellFont() const { return mLabels.empty() ? xAxis->tickLabelFont() : mLabels.front()->font(); }
  /** The row labels on display. */
  QStringList rowNames() const { return mRowNames; }
  int classes() const { return mClasses; }
  int experts() const { return mExperts; }
  /** Row-normalised share in a cell (0 when the class has no inputs). */
  double share(int cls, int expert) const;
  /** Also the colour scale's and the cells' numbers (at least kPresentationPixels, or none). */
  void setPresentation(bool on) override;
  int smallestTextPixels() const override;
  /** The widget pixel at the centre of a cell (for tests and tooltips). */
  QPoint cellCenter(int cls, int expert) const;

 Q_SIGNALS:
  void cellClicked(int cls, int expert);

 protected:
  void mouseReleaseEvent(QMouseEvent* event) override;
  void rescale() override {}
  void resizeEvent(QResizeEvent* event) override;

 private:
  bool cellAt(const QPointF& pos, int* cls, int* expert) const;
  void setGrid(int classes, int experts);
  void fitLabels();
  void setExpertTicks();
  /** Places the shared columns and the separator for the current grid. */
  void layoutShared();
  /** The x coordinate of the plot's right edge (past the shared columns when there are). */
  double rightEdge() const { return mShared > 0 ? mExperts + mShared : mExperts - 0.5; }
  /** Shows row-major shares (rows of rowNames x experts) with their values in the cells. */
  void fill(const QStringList& rowNames, int experts, const std::vector<double>& shares);

  QCPColorMap* mMap = nullptr;
  QCPColorScale* mScale = nullptr;
  std::vector<QCPItemText*> mLabels;
  std::vector<double> mShares;
  int mClasses = 0;
  int mExperts = 0;
  QPointF mPressPos;
  QString mNoun = tr("Class");
  QString mCounted;
  QStringList mRowNames;
  double mScaleMax = 1.0;
  bool mNumbersFit = true;
  int mTickEvery = 0;
  int mShared = 0;
  std::vector<QCPItemRect*> mSharedBars;
  QCPItemText* mSharedText = nullptr;
  QCPItemStraightLine* mSeparator = nullptr;
};

}  // namespace moe::ui
