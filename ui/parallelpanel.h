#pragma once
#include <vector>

#include <QWidget>

class QLabel;

namespace moe::core {
class RunHistory;
}

namespace moe::ui {

class PlotView;
class SessionController;

/**
 * Expert parallelism (moe-train --parallel expert under mpirun), from a run's history: the
 * rank x rank traffic of the all-to-alls (mean bytes a step, sender by row) and of the other
 * collectives (logits, gate gradients, the data-parallel layers' gathered rows), where each expert
 * lives with its share of the load, and a step's time in all-to-all against the other
 * collectives and compute. The window shows it while the open history is a parallel run's.
 */
class ParallelPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ParallelPanel(SessionController* controller, QWidget* parent = nullptr);

  /** Draws `history`; returns whether it is a parallel run's (steps with traffic). */
  bool showHistory(const core::RunHistory& history);
  bool hasRun() const { return mRanks > 0; }
  int ranks() const { return mRanks; }
  /** Mean bytes a step, ranks x ranks, row-major (sender, receiver). */
  const std::vector<double>& meanBytes() const { return mBytes; }
  /** The same for the other collectives (empty for a history without them). */
  const std::vector<double>& meanSyncBytes() const { return mSyncBytes; }
  /** Per routed expert, its rank. */
  const std::vector<int>& placement() const { return mPlacement; }
  QString summary() const;
  PlotView* trafficPlot() const { return mTraffic; }
  PlotView* syncTrafficPlot() const { return mSyncTraffic; }
  PlotView* placementPlot() const { return mExperts; }
  PlotView* timePlot() const { return mTime; }

 Q_SIGNALS:
  /** Whether the history now shown is a parallel run's changed (the window shows the tab). */
  void availabilityChanged(bool parallel);

 private:
  void drawTraffic(PlotView* plot, const std::vector<double>& bytes, const QString& subtitle);
  void drawPlacement(const std::vector<double>& load);
  void drawTime(double a2a, double sync, double compute);

  SessionController* mController;
  QLabel* mSummary;
  PlotView* mTraffic;
  PlotView* mSyncTraffic;
  PlotView* mExperts;
  PlotView* mTime;
  int mRanks = 0;
  std::vector<double> mBytes, mSyncBytes;
  std::vector<int> mPlacement;
};

}  // namespace moe::ui
