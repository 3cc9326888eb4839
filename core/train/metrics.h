#pragma once
/** @file Plain structs the trainer publishes and the UI and CLI read. No behaviour. */
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moe::core {

/** Routing statistics of one batch (or one evaluation pass). */
struct RoutingStats {
  std::vector<float> load;        ///< share of routed slots per expert (sums to 1)
  std::vector<float> importance;  ///< mean gate probability per expert (sums to 1)
  double loadCv = 0.0;            ///< coefficient of variation of the per-expert load
  double maxVio = 0.0;            ///< (max load - mean load) / mean load
  double droppedFraction = 0.0;   ///< rows that lost a wanted expert to capacity
  double unroutedFraction = 0.0;  ///< rows that received no expert at all
  double entropy = 0.0;           ///< mean per-row entropy of the gate distribution (nats)
  int deadExperts = 0;            ///< experts that received no row
};

/** The quality metric a task reports besides its loss; each has its own rows (ids) in the
 *  metric table (core/train/metric_table.h): "train_accuracy"/"test_accuracy" or
 *  "train_rmse"/"test_rmse". */
enum class QualityMetric : std::uint8_t {
  Accuracy,  ///< share of rows classified correctly (higher is better)
  Rmse,      ///< root mean squared error of predicted values (lower is better)
};

/** One training step's record; the metric table turns it into a history row. */
struct StepMetrics {
  long step = 0;           ///< 1-based global step
  int epoch = 0;           ///< 0-based epoch the step belongs to
  int samples = 0;         ///< rows (images, texts or ratings) the step trained on
  double epochProgress = 0.0;  ///< epoch + fraction done, for x axes in epochs
  double loss = 0.0;       ///< task loss (cross-entropy or MSE) of the batch
  QualityMetric qualityMetric = QualityMetric::Accuracy;  ///< what `quality` measures
  double quality = 0.0;    ///< the batch's quality metric (accuracy or RMSE, see qualityMetric)
  double switchLoss = 0.0;      ///< unweighted components of the auxiliary losses
  double importanceLoss = 0.0;
  double loadLoss = 0.0;
  double zLoss = 0.0;
  double auxTotal = 0.0;        ///< weighted sum added to the task loss
  double lr = 0.0;
  double samplesPerSecond = 0.0;  ///< moving estimate over recent steps
  RoutingStats routing;
};

/** Result of evaluating the model on the test split, with per-sample routing for browsing. */
struct EvalReport {
  long step = 0;
  int epoch = 0;
  double loss = 0.0;
  QualityMetric qualityMetric = QualityMetric::Accuracy;  ///< what `quality` measures
  double quality = 0.0;    ///< the test split's quality metric (accuracy or RMSE)
  bool regression = false; ///< the task predicts values (ratings), not classes
  RoutingStats routing;
  int classes = 0;
  int experts = 0;
  int k = 0;                                 ///< choices per row stored in topExperts
  std::vector<std::int64_t> classExpert;     ///< classes x experts: rows of class c routed to e
  double mutualInformation = 0.0;            ///< I(class; first-choice expert), in bits
  std::vector<std::int32_t> predictions;     ///< per test row
  std::vector<std::int32_t> labels;          ///< per test row
  std::vector<float> gateProbs;              ///< rows x experts router probabilities
  std::vector<std::int32_t> topExperts;      ///< rows x k experts that processed the row (-1: none)
  std::vector<float> predictionConfidence;   ///< per row, probability of the predicted class
  /**
   * Regression (ratings): predicted (clipped to [0.5, 5]) and true rating per test row; then
   * predictions/labels/predictionConfidence are empty, `classes` is the number of genres and
   * classExpert counts, for each test rating and each genre of its item, the experts that
   * processed the rating (a rating of a Comedy|Drama film counts once for each genre).
   * Text: rows are texts; classExpert and routing count tokens (language x expert), gateProbs
   * is a text's mean over its tokens, topExperts its experts by tokens taken (most first).
   */
  std::vector<float> predictedValues;
  std::vector<float> targets;
  /** Patch-token image models: positions x experts, the patches at each position (row-major
   *  over the image) that went to each expert; empty for other models. */
  int positions = 0;
  std::vector<std::int64_t> positionExpert;
};

/** Where the trainer is. */
enum class TrainerState : std::uint8_t { Idle, Running, Paused, Finished, Failed, Stopped };
const char* trainerStateName(TrainerState s);

/** The latest state of a run, replaced under a lock after every step. */
struct Snapshot {
  TrainerState state = TrainerState::Idle;
  long step = 0;
  int epoch = 0;
  double epochProgress = 0.0;
  long stepsPerEpoch = 0;
  double samplesPerSecond = 0.0;
  /** Seconds spent inside training steps and the samples they trained, since the trainer
   *  started: evaluations, pauses and commands excluded, as moe-train counts its rate. */
  double trainSeconds = 0.0;
  long trainedSamples = 0;
  std::string backendName;
  std::string message;   ///< last warning or error, for the status bar
  StepMetrics latest;
  std::vector<std::int64_t> classExpertTrain;  ///< classes x experts over the current epoch
  std::shared_ptr<const EvalReport> lastEval;  ///< null until the first evaluation
};

}  // namespace moe::core
