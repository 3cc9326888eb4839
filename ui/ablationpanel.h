#pragma once
#include <atomic>
#include <future>
#include <memory>

#include <QTimer>
#include <QWidget>

#include "core/analysis/ablation.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace moe::ui {

class HeatmapWidget;
class SessionController;

/**
 * What each expert is worth: the current model's test accuracy with each expert removed
 * (its share to the row's next choice, or the other gates renormalised: the mode box), as a
 * class x expert heatmap of the accuracy drop beside the routing heatmap of the same weights,
 * and a table per expert (share of inputs, drops in both modes, accuracy alone, the class it
 * serves most and the drop there against the others), with the uniform gate below.
 * The evaluations run on the trainer's thread between steps (core::ablate).
 */
class AblationPanel : public QWidget {
  Q_OBJECT

 public:
  explicit AblationPanel(SessionController* controller, QWidget* parent = nullptr);
  ~AblationPanel() override;

  /** Ablates the current model (nothing happens while one runs or without a model). */
  void ablate();
  bool running() const { return mJob != nullptr; }
  /** The last report shown; null before the first or after the model was replaced. */
  const core::AblationReport* report() const { return mReport.get(); }
  HeatmapWidget* routingHeatmap() const { return mRouting; }
  HeatmapWidget* dropHeatmap() const { return mDrop; }
  QTableWidget* table() const { return mTable; }
  QComboBox* modeBox() const { return mMode; }
  QLabel* summary() const { return mSummary; }

 Q_SIGNALS:
  void finished(bool ok);

 private:
  struct Job {
    std::atomic<int> done{0}, total{1};
    core::AblationReport report;
    std::future<void> future;
  };
  void poll();
  void showReport();
  void clear();

  SessionController* mController;
  QPushButton* mRun;
  QComboBox* mMode;
  QProgressBar* mProgress;
  QLabel* mSummary;
  HeatmapWidget* mRouting;
  HeatmapWidget* mDrop;
  QTableWidget* mTable;
  QTimer mTimer;
  std::shared_ptr<Job> mJob;
  std::unique_ptr<core::AblationReport> mReport;
};

}  // namespace moe::ui
