#pragma once
#include <map>
#include <vector>

#include "ui/plotview.h"

namespace moe::core {
class EvalArchive;
struct EvalReport;
}  // namespace moe::core

namespace moe::ui {

/**
 * TensorBoard's histogram dashboard over the run's kept evaluations: one column per evaluation
 * (oldest left, labelled by step), one row per band of the value, the colour the share of the
 * evaluation's values in that band (log scale: the tails stay visible). A derived plot says what
 * it counts (columnOf): each evaluation's bands over its own range; columns of different ranges
 * are spread onto one common axis, each band's share split by overlap.
 */
class EvalHistogramPlot : public PlotView {
  Q_OBJECT

 public:
  EvalHistogramPlot(const QString& title, const QString& valueLabel, QWidget* parent = nullptr);

  /** Draws the archive's evaluations (the columns of evaluations seen before are reused). */
  void setEvaluations(const core::EvalArchive& archive);
  void clear();
  /** Columns drawn (evaluations). */
  int evaluations() const { return int(mSteps.size()); }
  long stepOf(int column) const { return mSteps[std::size_t(column)]; }
  /** Share of a column's values in its own band `bin` (as columnOf gave it). */
  double share(int column, int bin) const;
  /** The value axis drawn: the union of the columns' ranges. */
  double lowest() const { return mLo; }
  double highest() const { return mHi; }
  /** Presentation mode hides it (fewer panels at once; the router health tab keeps six). */
  void setPresentation(bool on) override;

 protected:
  /** One evaluation's histogram: equal bands between lo and hi, each band's share. */
  struct Column {
    double lo = 0.0, hi = 1.0;
    std::vector<double> shares;
  };
  /** What this plot counts in an evaluation; false when the evaluation has none of it. */
  virtual bool columnOf(const core::EvalReport& report, Column& out) const = 0;
  /** After setEvaluations and clear: the newest evaluation drawn (nullptr: none), e.g. for a
   *  subtitle. */
  virtual void shown(const core::EvalReport* newest) { (void)newest; }
  /** The empty plot's sentence before the first evaluation, and once evaluations came with
   *  nothing of what it counts (a model without a router). */
  void setHints(const QString& waiting, const QString& none);
  void rescale() override;
  bool hasData() const override { return !mSteps.empty(); }

 private:
  QCPColorMap* mMap;
  QCPColorScale* mScale;
  std::vector<long> mSteps;
  std::map<long, Column> mCache;  // step -> its column
  double mLo = 0.0, mHi = 1.0;
  QString mWaiting, mNone;
};

}  // namespace moe::ui
