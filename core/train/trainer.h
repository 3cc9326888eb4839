#pragma once
/** @file The threaded trainer: runs a Session on its own thread, takes commands between
 *  steps, and publishes metric rows and a Snapshot for any poller (the UI, the CLI). */
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/train/inspection.h"
#include "core/train/metrics.h"
#include "core/train/run_history.h"
#include "core/train/session.h"

namespace moe::core {

/**
 * Owns a Session and a worker thread. Never calls Qt. All methods are thread-safe.
 * Commands are queued and take effect between steps; Stop cancels mid-epoch.
 * The worker starts Paused: call play() or step() to train.
 */
class Trainer {
 public:
  /** Takes ownership of a ready session (data loaded, model built). */
  explicit Trainer(std::unique_ptr<Session> session);
  ~Trainer();  ///< stops and joins

  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void play();
  void pause();
  void stepBatch();              ///< one batch, then pause
  void stepEpoch();              ///< to the end of the current epoch, then pause
  /** Ends the run after the current step; it cannot be resumed. Commands (post, inspect,
   *  e.g. saving a checkpoint) are still served until the Trainer is destroyed. */
  void stop();
  void setLearningRate(double lr);
  void setAuxWeight(double w);         ///< Switch load-balancing weight
  void setZLossWeight(double w);
  void setImportanceWeight(double w);
  void setLoadWeight(double w);
  void setCapacityFactor(double cf);
  void setNoiseScale(double s);
  void setEvalEvery(long steps);       ///< evaluate on the test split every N steps (0 = per epoch)

  /** Runs fn(session) on the worker between steps (or at once when paused) and returns its
   *  future. Used for inspection and saving, which must not race with a step. */
  std::future<void> post(std::function<void(Session&)> fn);

  /** Loads a checkpoint (Session::load) and evaluates the loaded model, so that every view
   *  shows the loaded weights: the snapshot's step and epoch, and an evaluation report
   *  (published for the views, not added to the history: a restored session brings its own
   *  rows). The future holds the load's exception, if any; nothing changes then. */
  std::future<void> loadCheckpoint(std::string path);

  /** Inspects one test input (gate probabilities, expert predictions, saliency). */
  std::future<Inspection> inspect(int testIndex);
  /** Text datasets: inspects any typed text (Session::inspectText); the future holds
   *  std::logic_error for other datasets. */
  std::future<Inspection> inspectText(std::string text);
  /** Ratings datasets: a user's expert profile and top-n items (Session::recommend). */
  std::future<UserRecommendations> recommend(int user, int n);

  /** Appends the history rows (steps and evaluations) published since `cursor` to out and
   *  advances the cursor: pollers keep their own copy of the run's history up to date. */
  void historySince(HistoryCursor& cursor, RunHistory& out) const;
  /** The quality metric the run's task reports (what its history records). */
  QualityMetric qualityMetric() const { return mQuality; }
  /** Copies every evaluation report published so far from index `from`. */
  std::size_t evalsSince(std::size_t from, std::vector<std::shared_ptr<const EvalReport>>& out) const;
  /** The latest snapshot. */
  Snapshot snapshot() const;
  TrainerState state() const;

  /** Read-only access to the data (immutable after construction, safe from any thread). */
  const DataSplits& data() const { return mData; }
  const TrainConfig& initialConfig() const { return mInitialConfig; }

 private:
  enum class Mode { Paused, Running, Steps, ToEpochEnd };
  void enqueue(std::function<void(Session&)> fn);
  /** Queues fn and returns a future for its result (or the exception it threw). */
  template <typename T>
  std::future<T> ask(std::function<T(Session&)> fn);
  void run();
  void publish(const StepMetrics* m, std::shared_ptr<const EvalReport> eval);
  /** Publishes the position and an evaluation of weights loaded from a checkpoint. */
  void publishLoaded(std::shared_ptr<const EvalReport> eval);
  void publishPosition();  ///< the session's step, epoch and train counts; mMutex held
  /** Copies the session's new router-health events into the history (lock held). */
  void copyEvents();

  std::unique_ptr<Session> mSession;
  const DataSplits& mData;
  TrainConfig mInitialConfig;
  QualityMetric mQuality;

  mutable std::mutex mMutex;  // guards everything below
  std::condition_variable mWake;
  std::deque<std::function<void(Session&)>> mCommands;
  Mode mMode = Mode::Paused;
  long mStepsLeft = 0;
  bool mStop = false;
  bool mQuit = false;  ///< set by the destructor: the worker exits
  long mEvalEvery = 0;
  RunHistory mHistory;  ///< the run's metric rows and router-health events
  std::size_t mEventsSeen = 0;  ///< of Session::events(), copied into mHistory
  std::vector<std::shared_ptr<const EvalReport>> mEvals;  ///< full reports, for inspection views
  Snapshot mSnapshot;

  std::thread mThread;
};

}  // namespace moe::core
