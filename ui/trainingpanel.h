#pragma once
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QStringList>
#include <QWidget>

#include "core/data/dataset.h"
#include "core/task/task_info.h"
#include "core/train/metric_table.h"
#include "core/train/metrics.h"
#include "core/train/run_history.h"

class QComboBox;
class QGridLayout;
class QVBoxLayout;

namespace moe::ui {

class CurveControls;
class HeatmapWidget;
class LoadPlot;
class PlotView;
class SeriesPlot;
class SessionController;

/**
 * The live dashboard: loss, accuracy, expert load, imbalance, auxiliary losses and the class x
 * expert heatmap, fed from the controller's history. Which curves exist, their names and
 * colours come from the metric table (kPlotted rows, one plot per group). Plots only replot
 * while visible.
 */
class TrainingPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingPanel(SessionController* controller, QWidget* parent = nullptr);

  SeriesPlot* lossPlot() const { return mLoss; }
  SeriesPlot* accuracyPlot() const { return mAccuracy; }
  LoadPlot* loadPlot() const { return mLoad; }
  /** Each expert's auxiliary-loss-free balancing bias over time, under the load plot; hidden
   *  while the run has no such bias. */
  SeriesPlot* biasPlot() const { return mBias; }
  SeriesPlot* imbalancePlot() const { return mImbalance; }
  SeriesPlot* auxPlot() const { return mAux; }
  HeatmapWidget* heatmap() const { return mHeatmap; }
  /** The smoothing slider and log-scale toggle over the plots. */
  CurveControls* curveControls() const { return mControls; }
  /** The plots of scalar curves the smoothing and log scale apply to. */
  std::vector<SeriesPlot*> curvePlots() const;
  std::vector<PlotView*> plots() const;
  /** The metrics drawn now, as core::metricKey: one per curve (and the load bands). */
  QStringList curveKeys() const;
  /** Curves, titles and labels for a task's quality metric (accuracy or RMSE); every rebuild
   *  calls it with the session's. */
  void setQuality(core::QualityMetric quality);
  /** Shows the time plots around a step (an alarm picked in the Router health list). */
  void showStep(long step);
  /** Presentation mode: four plots in two rows (loss, quality / load, heatmap), the
   *  imbalance and auxiliary-loss plots hidden, every plot in its projector sizes. */
  void setPresentation(bool on);

 Q_SIGNALS:
  void heatmapCellClicked(int cls, int expert);

 private:
  /** A plotted metric: which plot and series draw it, and its column in the history. */
  struct Curve {
    const core::MetricDef* def;
    SeriesPlot* plot;
    int series;
    int column;
  };
  void rebuild();
  /** Heatmap rows: classes, languages or genres. */
  void setTask(const core::TaskInfo& task);
  SeriesPlot* plotFor(core::MetricGroup group) const;
  /** Draws the history's steps from `from` on and the evaluations not drawn yet. */
  void appendSteps(std::size_t from);
  void appendEvals();
  /** Marks new router-health alarms on the time plots. */
  void markEvents();
  /** The plots whose x axis is the step. */
  std::vector<PlotView*> timePlots() const;
  void showEval(const core::EvalReport& report);
  void updateTrainHeatmap();
  /** Patch-token models: the heatmap's rows are classes or patch positions (the toggle). */
  void showHeatmapRows();
  bool positionRows() const;
  /** Shifted images: the heatmap's rows are the offset cells (the toggle). */
  bool offsetRows() const;
  /** Deep MoE: the load plot and heatmap of the view layer (SessionController::viewLayer). */
  void showLayer();
  /** Adds a history row's load of the view layer to the load plot. */
  void appendLoad(const core::HistoryRow& row);
  /** " · MoE layer N" for models with several MoE layers, else empty. */
  QString layerSuffix() const;
  void refreshAll();

  SessionController* mController;
  CurveControls* mControls;
  SeriesPlot* mLoss;
  SeriesPlot* mAccuracy;
  LoadPlot* mLoad;
  SeriesPlot* mImbalance;
  SeriesPlot* mAux;
  SeriesPlot* mBias;
  HeatmapWidget* mHeatmap;
  QComboBox* mHeatmapRows;
  QGridLayout* mGrid;
  QVBoxLayout* mLoadColumnLayout;
  QWidget* mHeatmapBox;  ///< class x expert or patch position x expert (patch models)
  std::shared_ptr<const core::EvalReport> mLastEval;
  core::QualityMetric mQuality = core::QualityMetric::Accuracy;  ///< what the curves are for
  std::vector<Curve> mCurves;
  int mLoadColumn = -1;  ///< the per-expert step metric the load plot draws
  int mBiasColumn = -1;
  int mLayerLoadColumn = -1;  ///< every MoE layer's load, layer after layer (deep-moe)  ///< the per-expert step metric the bias plot draws (right-axis vector)
  std::size_t mEvalsShown = 0;
  std::size_t mEventsShown = 0;
  bool mHasEval = false;
  QElapsedTimer mHeatmapClock;
};

}  // namespace moe::ui
