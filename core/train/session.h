#pragma once
/** @file A training session: data on the device, model, optimizer; one step at a time.
 *  Synchronous and single-threaded from the caller's view (the backend parallelises inside). */
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "compute/backend.h"
#include "core/data/dataset.h"
#include "core/data/tokenizer.h"
#include "core/model/parameter.h"
#include "core/train/config.h"
#include "core/train/inspection.h"
#include "core/train/metrics.h"

namespace moe::core {

class Communicator;
class ExpertParallel;
class Model;
class MoeLayer;
class Optimizer;
class RouterHealth;
class RoutingTracker;
class Task;
enum class Split : std::uint8_t;
struct AuxLosses;
struct TaskInfo;

/**
 * Everything needed to train one model. Deterministic for a given seed and thread count on the
 * CPU backend. Not thread-safe: the Trainer serialises access on its worker thread.
 */
class Session {
 public:
  /**
   * Builds the model for `config` on `backend` and uploads the data. The data must outlive the
   * session. Throws ConfigError for settings that do not fit the data (e.g. top-k > experts).
   */
  Session(const TrainConfig& config, std::shared_ptr<const DataSplits> data,
          std::unique_ptr<compute::Backend> backend);
  ~Session();

  /** Runs one batch of any task: the task's batch, forward, the task's loss and the auxiliary
   *  losses, backward, optimizer step. Returns its metric row. The
   *  loss and the gradient norm are checked: a NaN or infinite value throws DivergenceError
   *  and leaves the weights and optimizer state as they were before the step. */
  StepMetrics trainStep();
  /** The task this session trains (from the training split, core/task/registry.h). */
  const TaskInfo& task() const;
  /** Evaluates on the test split (or validation when `validation`). */
  std::shared_ptr<const EvalReport> evaluate(bool validation = false);
  /** Class probabilities (softmax of the logits), rows x classes, of every row of a split:
   *  for ensembles of sessions (core/sweep/ensemble_run.h). Classification tasks only. */
  std::vector<float> predictProbabilities(Split split);
  /** Inspects one row of the test split. */
  Inspection inspect(int testIndex);
  /**
   * Text datasets: inspects any typed text, tokenised like the dataset (tokenizerOptions()).
   * Inspection::tokens gives each token's byte span in Inspection::text and its routing.
   * Invalid UTF-8 bytes are replaced by U+FFFD first (Inspection::text is the cleaned text);
   * an empty text gives a prediction from the head's bias and no tokens.
   * @throws std::logic_error when the task has no text inspector (TaskInfo::view).
   */
  Inspection inspectText(const std::string& text);
  /**
   * Ratings datasets: which experts the user's training ratings go to, and the n items with
   * the highest predicted rating among those the model knows and the user has not rated in
   * training, each with its per-expert gates. Unknown users (no training ratings, or an index
   * outside the data) get the fallback ranking (mean + item bias + genres), never an error.
   * @throws std::logic_error when the task does not recommend (TaskInfo::view).
   */
  UserRecommendations recommend(int user, int n = 10);
  /** How this session's text data is tokenised (n-grams from the config, buckets = the
   *  embedding table's rows). */
  TokenizerOptions tokenizerOptions() const;

  /** Rows per batch of evaluate() (capacity routers decide per batch). */
  int evalBatchRows() const;
  /** The quality metric this session's task reports (accuracy, or RMSE for ratings). */
  QualityMetric qualityMetric() const;

  long step() const { return mStep; }
  int epoch() const { return mEpoch; }
  long stepsPerEpoch() const;
  bool epochFinished() const { return mCursor == 0 && mStep > 0; }  ///< just wrapped
  double epochProgress() const;
  bool finished() const { return mEpoch >= mConfig.epochs; }

  const TrainConfig& config() const { return mConfig; }
  TrainConfig& mutableConfig() { return mConfig; }  ///< live settings; apply with applyLive()
  /** Pushes live settings (lr, loss weights, capacity factor, noise) into model and optimizer. */
  void applyLive();

  const DataSplits& data() const { return *mData; }
  std::shared_ptr<const DataSplits> dataPtr() const { return mData; }
  compute::Backend& backend() { return *mBackend; }
  Model& model() { return *mModel; }
  std::string backendDescription() const;
  /** Train-split class x expert counts accumulated over the current epoch. */
  const std::vector<std::int64_t>& classExpertTrain() const { return mClassExpert; }

  long paramsTotal() const;
  long paramsActivePerInput() const;

  /** Every router-health alarm raised so far (core/train/router_health.h), in order; a step
   *  refused as divergent adds a non_finite event before DivergenceError is thrown. */
  const std::vector<RouterEvent>& events() const;

  /** From now on trains expert-parallel over the ranks of `comm` (core/parallel/
   *  expert_parallel.h): every rank builds the same session and calls this. Throws
   *  ParallelError when the model or its settings cannot be; `comm` must outlive the session.
   *  Evaluations and checkpoints then first copy each expert from its rank to every rank. */
  void enableExpertParallel(Communicator& comm);
  /** nullptr unless enableExpertParallel was called. */
  const ExpertParallel* parallel() const { return mParallel.get(); }

  /** Writes a checkpoint (model, optimizer state, router state (RouterPolicy::state), config,
   *  step) atomically. Expert-parallel: collective; rank 0 writes. */
  void save(const std::string& path) const;
  /** Restores a checkpoint written by save() for the same model shape, with the saved run's
   *  seed and live settings (lr, loss weights, capacity factor, noise scale), so training
   *  continues exactly as the saved run would have. Routers get their saved state back; a file
   *  without router state (older files) leaves it as constructed. Throws CheckpointError,
   *  changing nothing, for a file that is unreadable, corrupt, for another model, or whose
   *  router state does not fit the router. */
  void load(const std::string& path);

 private:
  void startEpoch();
  /** Rows per training step: the batch size, or the whole split for a model that fits itself. */
  long batchRows() const;
  /** Router diagnostics of the step just run backward (session_health.cpp): margins and
   *  logit scale every step, expert norms every HealthConfig::normEvery steps. */
  void measureStep(MoeLayer& moe, StepMetrics& m);
  /** Records a non-finite event for the next step and returns `message` (to throw). */
  std::string refuseStep(const std::string& message);
  /** The end of a training step: optimizer step, divergence check, the metric row, the
   *  position in the epoch. */
  StepMetrics finishStep(double loss, double metric, const AuxLosses& aux,
                         const RoutingStats& routing, int rows,
                         std::chrono::steady_clock::time_point started);

  TrainConfig mConfig;
  std::shared_ptr<const DataSplits> mData;
  std::unique_ptr<compute::Backend> mBackend;
  std::unique_ptr<Task> mTask;  ///< batches, loss, evaluation, inspection of the data's task
  std::unique_ptr<Model> mModel;
  std::unique_ptr<Optimizer> mOptimizer;

  long mStep = 0;
  int mEpoch = 0;
  long mCursor = 0;  ///< next position in the epoch's permutation
  std::vector<std::int32_t> mOrder;
  std::vector<std::int64_t> mClassExpert;
  double mSamplesPerSecond = 0.0;
  std::unique_ptr<RoutingTracker> mTracker;  ///< test-split routing across evaluations
  std::unique_ptr<RouterHealth> mHealth;     ///< alarms
  std::unique_ptr<ExpertParallel> mParallel;  ///< null in one process
};

/** The loss became NaN or infinite; what() names the step. */
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace moe::core
