#pragma once
#include <memory>
#include <vector>

#include <QStringList>
#include <QWidget>

#include "core/sweep/sweep_results.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace moe::ui {

class ExperimentPlots;
class SessionController;
class SweepJob;

/**
 * The Experiments tab: a sweep built from the current setup by choosing what varies (up to two
 * settings with their values, the seeds, the baselines), trained off the GUI thread by the
 * core's SweepRunner (several runs at once when that is faster) into an output folder; a queue
 * with each run's progress; a sortable results table; the plots (ExperimentPlots); export of
 * the table as CSV and of the plots as PNG and PDF. A folder of an earlier sweep resumes.
 */
class ExperimentsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentsPanel(SessionController* controller, QWidget* parent = nullptr);
  ~ExperimentsPanel() override;

  /** Sets what varies: row 0 or 1, a config key and its values ("4, 8"). */
  void setVaried(int row, const QString& key, const QString& values);
  void setSeeds(const QString& seeds);
  void setBaselines(const QStringList& names);
  void setOutputDir(const QString& dir);
  /** The spec the controls describe, with the current setup as its base. @throws
   *  core::SweepError (or ConfigError) naming the problem. */
  nlohmann::ordered_json spec() const;
  /** Starts the sweep; false (with the reason shown) when the spec is refused. */
  bool startSweep();
  void stopSweep();
  bool running() const;

  QTableWidget* queueTable() const { return mQueue; }
  QTableWidget* resultsTable() const { return mResults; }
  ExperimentPlots* plots() const { return mPlots; }
  QLabel* status() const { return mStatus; }
  bool exportCsv(const QString& path);
  /** Writes every plot as dir/<plot>.png and .pdf; returns the files written. */
  QStringList exportPlots(const QString& dir);
  /** Opens the run in this row of the results table in the window (its history file, as
   *  File > Open run history does); false when the row has no history. */
  bool openRun(int tableRow);

 Q_SIGNALS:
  void sweepFinished(bool ok);
  /** A run's history was handed to the session (openRun): the window shows its curves. */
  void runOpened(const QString& historyPath);

 private:
  void refreshResults();
  void updateOverlay();

  SessionController* mController;
  QComboBox* mKey[2];
  QLineEdit* mValues[2];
  QLineEdit* mSeeds;
  std::vector<QCheckBox*> mBaselines;
  QLineEdit* mDir;
  QPushButton* mRun;
  QPushButton* mStop;
  QPushButton* mOpenRun;
  QLabel* mStatus;
  QTableWidget* mQueue;
  QTableWidget* mResults;
  ExperimentPlots* mPlots;
  std::unique_ptr<SweepJob> mJob;
  std::vector<core::SweepRow> mRows;
};

}  // namespace moe::ui
