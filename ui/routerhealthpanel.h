#pragma once
#include <memory>
#include <string>
#include <vector>

#include <QColor>
#include <QWidget>

#include "core/train/metrics.h"

class QCPBars;
class QCPItemStraightLine;
class QLabel;
class QListWidget;

namespace moe::ui {

class GateHistogramPlot;
class LogitHistogramPlot;
class HeatmapWidget;
class PlotView;
class SeriesPlot;
class SessionController;

/** The colour of an alarm kind's markers and list entries. */
QColor alarmColor(const std::string& kind);
/** An alarm kind as a person reads it: "dead_expert" -> "dead expert", "non_finite" -> "NaN or
 *  Inf" (the JSON events and scripts keep the ids). */
QString alarmName(const std::string& kind);
/** The short label of an alarm's marker ("collapse E3", "dead expert E5"). */
QString alarmLabel(const core::RouterEvent& event);

/**
 * Router health: how evenly the experts are used (utilisation bars against the fair share),
 * how decided the router is (the test split's top-k margin histogram), which experts work
 * together (co-activation heatmap), whether routing has settled (stability and saturation
 * across evaluations, OLMoE's saturation curve), the experts' gradient norms, and the list of
 * alarms with what to try. Clicking an alarm asks to show its step (stepRequested).
 */
class RouterHealthPanel : public QWidget {
  Q_OBJECT

 public:
  explicit RouterHealthPanel(SessionController* controller, QWidget* parent = nullptr);

  std::vector<PlotView*> plots() const;
  QListWidget* eventList() const { return mEvents; }
  PlotView* utilisationPlot() const { return mUtilisation; }
  PlotView* marginPlot() const { return mMargins; }
  HeatmapWidget* coactivationPlot() const { return mCoactivation; }
  SeriesPlot* saturationPlot() const { return mSaturation; }
  SeriesPlot* stabilityPlot() const { return mStability; }
  SeriesPlot* gradientPlot() const { return mGradients; }
  /** The gate probabilities' histogram per evaluation (TensorBoard's histogram dashboard). */
  GateHistogramPlot* gateHistogramPlot() const { return mGateHistogram; }
  /** Beside it, the router's raw logits per evaluation. */
  LogitHistogramPlot* logitHistogramPlot() const { return mLogitHistogram; }

 Q_SIGNALS:
  /** The user picked an alarm: show the run at this step. */
  void stepRequested(long step);

 private:
  void rebuild();
  void appendSteps(std::size_t from);
  void showEval(const core::EvalReport& report);
  void addEvents();
  void refreshAll();

  SessionController* mController;
  PlotView* mUtilisation;
  QCPBars* mUtilBars = nullptr;
  QCPItemStraightLine* mCollapseLine = nullptr;
  PlotView* mMargins;
  QCPBars* mMarginBars = nullptr;
  QCPItemStraightLine* mFragileLine = nullptr;
  HeatmapWidget* mCoactivation;
  SeriesPlot* mSaturation;
  SeriesPlot* mStability;
  SeriesPlot* mGradients;
  GateHistogramPlot* mGateHistogram;
  LogitHistogramPlot* mLogitHistogram;
  QListWidget* mEvents;
  QLabel* mSummary;
  std::size_t mEventsShown = 0, mEvalsShown = 0;
  int mGradSeries = 0;
};

}  // namespace moe::ui
