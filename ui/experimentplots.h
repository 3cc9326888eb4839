#pragma once
#include <vector>

#include <QRect>
#include <QWidget>

#include "core/sweep/sweep_results.h"

class QComboBox;
class QCPGraph;
class QCPItemText;
class QGridLayout;
class QVBoxLayout;

namespace moe::ui {

class PlotView;

/** One setting of a sweep over its seeds: the mean and spread of its runs. */
struct SettingPoint {
  QString label;         ///< the run id without its seed
  QString baseline;      ///< empty for the sweep's own MoE runs
  double flops = 0.0;    ///< inference MFLOPs per sample
  double experts = 0.0, k = 0.0;
  double mean = 0.0, sd = 0.0;  ///< test accuracy over the seeds
  int runs = 0;
};

/** Groups finished rows by setting (the run id without "seed=..."), in first-seen order. */
std::vector<SettingPoint> settingPoints(const std::vector<core::SweepRow>& rows);
/** The settings on the accuracy-against-FLOPs Pareto front (no other is cheaper and as good),
 *  cheapest first. */
std::vector<SettingPoint> paretoFront(const std::vector<SettingPoint>& points);

/** A run's name in a legend, short enough to read beside its line: "experts=4 top_k=2 seed=1"
 *  -> "E=4 k=2, seed 1", "baseline=bagging seed=0" -> "bagging, seed 0". */
QString runLegendName(const std::string& id);

/**
 * The Experiments tab's plots: test accuracy against inference FLOPs per sample (each setting's
 * mean with its spread over seeds as error bars, baselines as labelled diamonds, the Pareto
 * front as a step line), against the number of experts (one line per k) and against k (one
 * line per number of experts), and the chosen runs' curves overlaid (a metric from each run's
 * history file).
 */
class ExperimentPlots : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentPlots(QWidget* parent = nullptr);
  void setRows(const std::vector<core::SweepRow>& rows);
  /** Overlays the curves of these rows' history files (paths relative to `dir`). */
  void setOverlay(const std::vector<core::SweepRow>& rows, const QString& dir);
  std::vector<PlotView*> plots() const;
  PlotView* paretoPlot() const { return mPareto; }
  PlotView* overlayPlot() const { return mOverlay; }
  /** The points drawn on the Pareto plot (MoE settings and baselines). */
  int paretoPointCount() const { return mParetoPoints; }
  /** Where the Pareto plot's point labels were drawn at its last replot (only those shown: a
   *  label with no free place beside its point is left out, its text is in the hover). */
  std::vector<QRect> paretoLabelRects() const;
  /** The texts of the labels drawn at the last replot, in the order of paretoLabelRects. */
  QStringList paretoLabelTexts() const;
  /** The hover text of the Pareto point within 10 pixels of pixel (empty when none): the
   *  setting, its accuracy over the seeds and its FLOPs. */
  QString paretoPointText(const QPoint& pixel) const;
  /** Presentation mode: the Pareto plot over the chosen runs, full width (fewer panels at
   *  once: the plots against experts and k are hidden). */
  void setPresentation(bool on);

 private:
  void drawPareto(const std::vector<SettingPoint>& points);
  void drawAgainst(PlotView* plot, const std::vector<SettingPoint>& points, bool byExperts);
  void drawOverlay();
  void layoutParetoLabels();

  struct ParetoLabel {
    QCPItemText* item;
    SettingPoint point;
    int rank;  // 0 on the front, 1 a baseline, 2 the rest: who gets a place first
  };
  std::vector<ParetoLabel> mLabels;

  PlotView* mPareto;
  PlotView* mExperts;
  PlotView* mK;
  PlotView* mOverlay;
  QComboBox* mMetric;
  QGridLayout* mGrid;
  QVBoxLayout* mOverlayBox;
  int mParetoPoints = 0;
  QCPGraph* mFrontGraph = nullptr;  // the Pareto front's step line, on mPareto
  std::vector<core::SweepRow> mOverlayRows;
  QString mDir;
};

}  // namespace moe::ui
