#pragma once
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QWidget>

#include "core/data/dataset.h"
#include "core/train/metrics.h"

namespace moe::ui {

class HeatmapWidget;
class LoadPlot;
class PlotView;
class SeriesPlot;
class SessionController;

/**
 * The live dashboard: loss, accuracy, expert load, imbalance, auxiliary losses and the class x
 * expert heatmap, fed from the controller's history. Plots only replot while visible.
 */
class TrainingPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingPanel(SessionController* controller, QWidget* parent = nullptr);

  SeriesPlot* lossPlot() const { return mLoss; }
  SeriesPlot* accuracyPlot() const { return mAccuracy; }
  LoadPlot* loadPlot() const { return mLoad; }
  SeriesPlot* imbalancePlot() const { return mImbalance; }
  SeriesPlot* auxPlot() const { return mAux; }
  HeatmapWidget* heatmap() const { return mHeatmap; }
  std::vector<PlotView*> plots() const;

 Q_SIGNALS:
  void heatmapCellClicked(int cls, int expert);

 private:
  void rebuild();
  /** Labels for the task: RMSE instead of accuracy for ratings, language/genre rows. */
  void setTask(core::DataKind kind);
  void appendSteps(std::size_t from);
  void appendEval(const core::EvalReport& report);
  void updateTrainHeatmap();
  void refreshAll();

  SessionController* mController;
  SeriesPlot* mLoss;
  SeriesPlot* mAccuracy;
  LoadPlot* mLoad;
  SeriesPlot* mImbalance;
  SeriesPlot* mAux;
  HeatmapWidget* mHeatmap;
  std::size_t mEvalsShown = 0;
  bool mHasEval = false;
  QElapsedTimer mHeatmapClock;
};

}  // namespace moe::ui
