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
};

}  // namespace moe::ui
