#pragma once
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QObject>
#include <QString>
#include <QTimer>

#include "core/data/dataset.h"
#include "core/train/config.h"
#include "core/train/eval_archive.h"
#include "core/train/inspection.h"
#include "core/train/metrics.h"
#include "core/train/run_history.h"

namespace moe::core {
class Trainer;
struct DataSplits;
struct TaskInfo;
}  // namespace moe::core

namespace moe::ui {

/**
 * Owns the Trainer (and the data it trains on), polls it with one QTimer and turns what is new
 * into Qt signals for the panels. Never blocks on training: building a session (data decoding
 * included), inspecting, saving and loading run off the UI thread and are collected by the
 * same timer.
 */
class SessionController : public QObject {
  Q_OBJECT

 public:
  enum class Live { LearningRate, AuxWeight, ZLossWeight, CapacityFactor, NoiseScale };
  /** A setting changed while a session ran: at which step, from what, to what. */
  struct LiveChange {
    long step = 0;
    Live which = Live::LearningRate;
    double from = 0.0;
    double to = 0.0;
  };
  /** The setting's name as the setup panel labels it ("Learning rate"). */
  static QString liveName(Live which);

  explicit SessionController(QObject* parent = nullptr);
  ~SessionController() override;

  /** Builds a new session for config in the background; the current one keeps running until
   *  the new one is ready, and stays when the build fails. */
  void apply(const core::TrainConfig& config);
  /** Rebuilds from the current settings: same seed, same initial weights. */
  void reset();
  void play();
  void pause();
  void togglePlay();
  void stepBatch();
  void stepEpoch();
  void stop();
  void setLive(Live which, double value);
  void setEvalEvery(long steps);

  /** Asks for one test input's inspection; inspectionReady follows. */
  void requestInspection(int testIndex);
  /** Text datasets: routes any typed text on the trainer thread; textInspectionReady follows.
   *  While one is pending only the latest further request is kept. */
  void requestTextInspection(const QString& text);
  /** Ratings datasets: one user's expert profile and top-n items; recommendationsReady follows. */
  void requestRecommendations(int user, int n);
  /** The task of the current session's data (image classification when there is none):
   *  which inspector it offers, whether its metric is an error, what its table rows are. */
  const core::TaskInfo& task() const;
  /** Writes dir/history.jsonl (settings, history) and dir/checkpoint.bin (weights). */
  void saveSession(const QString& dir);
  /** Rebuilds from dir/history.jsonl (or an older dir/session.json), then restores the
   *  history and, when dir/checkpoint.bin exists, the weights; sessionLoaded follows. A folder
   *  where moe-train wrote --history history.jsonl and --save checkpoint.bin loads alike. */
  void loadSession(const QString& dir);
  /** Rebuilds from a run-history file's settings (e.g. moe-train --history) and shows its
   *  history; the weights start fresh. sessionLoaded(path, ...) follows. */
  void openRunHistory(const QString& path);

  bool hasSession() const { return mTrainer != nullptr; }
  bool isBuilding() const { return mBuild.valid(); }
  bool isRunning() const;
  core::TrainerState state() const { return mSnapshot.state; }
  const core::TrainConfig& config() const { return mConfig; }
  const core::Snapshot& snapshot() const { return mSnapshot; }
  /** Every step and evaluation shown: the trainer's rows, after any restored ones. */
  const core::RunHistory& history() const { return mHistory; }
  /** The live changes of this session, in order; changes of one setting at one step are one. */
  const std::vector<LiveChange>& liveChanges() const { return mLiveChanges; }
  std::shared_ptr<const core::DataSplits> data() const { return mData; }
  /** The latest evaluation, as seen from the MoE layer the views show (viewLayer()). */
  std::shared_ptr<const core::EvalReport> latestEval() const { return layerView(mLatestEval); }
  /** MoE layers of the session's model (deep-moe: several; 0 for the dense baseline). */
  int layerCount() const;
  /** The MoE layer (0-based) the load plot, heatmap, inspector and gallery show. */
  int viewLayer() const { return mViewLayer; }
  /** Shows layer `layer` in every view (clamped to the model's); viewLayerChanged follows. */
  void setViewLayer(int layer);
  /** `report` as seen from the view layer: the layer's own report (EvalReport::layers). */
  std::shared_ptr<const core::EvalReport> layerView(
      std::shared_ptr<const core::EvalReport> report) const;
  /** `in` with the view layer's gate, chosen experts and saliency (Inspection::layers). */
  core::Inspection layerView(const core::Inspection& in) const;
  /** The run's evaluations, kept for the time slider (bounded; cleared with the session). */
  const core::EvalArchive& evalArchive() const { return mArchive; }
  /** The evaluation the heatmap and gallery show: the one the time slider went back to, or
   *  the latest while it follows; seen from the view layer. */
  std::shared_ptr<const core::EvalReport> shownEval() const {
    return layerView(mPinned ? mPinned : mLatestEval);
  }
  /** True while the views show an earlier evaluation than the latest. */
  bool scrubbing() const { return mPinned != nullptr; }
  /** Shows the kept evaluation i (oldest first), or the latest again for i past the last. */
  void showEvaluation(std::size_t i);
  core::Trainer* trainer() const { return mTrainer.get(); }
  /** Seconds the last build took (data decoding included when it was not cached). */
  double lastBuildSeconds() const { return mLastBuildSeconds; }
  void setPollInterval(int ms) { mTimer.setInterval(ms); }

 Q_SIGNALS:
  void buildStarted(const QString& what);
  void sessionReady();
  void metricsAppended(std::size_t from);
  void evalAppended(std::shared_ptr<const moe::core::EvalReport> report);
  /** liveChanges() has a new entry, or its last one changed. */
  void liveChangesUpdated();
  /** shownEval() changed: the time slider moved, or it follows and a new evaluation came. */
  void shownEvalChanged();
  void snapshotUpdated();
  void stateChanged(moe::core::TrainerState state);
  void notice(const QString& text, bool error);
  void inspectionReady(const moe::core::Inspection& inspection);
  void textInspectionReady(const moe::core::Inspection& inspection);
  void recommendationsReady(const moe::core::UserRecommendations& recommendations);
  void sessionSaved(const QString& dir, bool ok, const QString& error);
  void sessionLoaded(const QString& dir, bool ok, const QString& error);
  /** The views now show another MoE layer (setViewLayer): redraw from latestEval(). */
  void viewLayerChanged(int layer);

 private:
  struct BuildResult;
  struct Task {
    std::future<void> future;
    QString dir;
    bool saving = true;
  };
  void poll();
  void finishBuild();
  void pollTrainer();
  void pollTasks();
  void startInspection(int testIndex);
  void pollExplorations();
  /** Reads a settings-and-history file and rebuilds from it; checkpoint: weights to restore
   *  ("" for none); `where` names the load in sessionLoaded. */
  void restore(const QString& file, const QString& checkpoint, const QString& where);

  core::TrainConfig mConfig;
  std::shared_ptr<const core::DataSplits> mData;
  std::string mDataKey;
  std::unique_ptr<core::Trainer> mTrainer;
  std::future<std::shared_ptr<BuildResult>> mBuild;
  core::TrainConfig mBuildConfig;
  std::chrono::steady_clock::time_point mBuildStart;
  double mLastBuildSeconds = 0.0;

  // What to do once the pending build is ready (loading a session).
  std::optional<core::RunHistory> mRestoreHistory;
  QString mRestoreDir;  // what sessionLoaded names
  QString mRestoreCheckpoint;

  core::RunHistory mHistory;
  std::vector<LiveChange> mLiveChanges;
  core::HistoryCursor mHistoryCursor;  // rows taken from the current trainer
  std::size_t mEvalCursor = 0;         // reports taken from the current trainer
  std::vector<std::shared_ptr<const core::EvalReport>> mEvalBuffer;
  std::shared_ptr<const core::EvalReport> mLatestEval;
  int mViewLayer = 0;
  core::EvalArchive mArchive;
  std::shared_ptr<const core::EvalReport> mPinned;  // the time slider's, null while following
  core::Snapshot mSnapshot;

  std::future<core::Inspection> mInspection;
  int mInspectionIndex = -1;
  int mNextInspection = -1;
  std::vector<Task> mTasks;

  std::future<core::Inspection> mTextInspection;
  std::optional<QString> mNextText;
  std::future<core::UserRecommendations> mRecommendation;
  std::optional<std::pair<int, int>> mNextRecommendation;

  QTimer mTimer;
};

}  // namespace moe::ui
