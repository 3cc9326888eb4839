#pragma once
/** @file Plain structs the trainer publishes and the UI and CLI read. No behaviour. */
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/routing/logit_histogram.h"

namespace moe::core {

class RoutingHistory;  // core/routing/routing_history.h

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

/** An alarm about the router's health, raised once per episode by RouterHealth
 *  (core/train/router_health.h): what happened, when, to which experts, and what to try. */
struct RouterEvent {
  std::string kind;           ///< collapse | dead_expert | drops | churn | non_finite | loss_spike
  long step = 0;              ///< the step at which it fired
  std::vector<int> experts;   ///< the experts concerned (empty when it is about the whole router)
  std::string message;        ///< one line: what happened
  std::string remedy;         ///< one line: what a student can try
};

constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

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
  // Router diagnostics (core/routing/router_diagnostics.h); NaN or empty when not measured.
  double marginMean = kNotMeasured;       ///< mean top-k boundary margin of the batch's rows
  double fragileFraction = kNotMeasured;  ///< share of rows whose margin is under the threshold
  double logitScale = kNotMeasured;       ///< mean |router logit|
  std::vector<float> expertGradNorm;      ///< per expert, |gradient| of its weights (sampled)
  std::vector<float> expertWeightNorm;    ///< per expert, |weights| (sampled with the gradient)
  /** The (first) MoE layer's auxiliary-loss-free balancing bias after the step; empty when
   *  that balancing is off. */
  std::vector<float> routerBias;
  /** hme: each node's share of the batch (the mean of its path's gate product over the rows),
   *  nodes breadth-first from the root (1); empty for other models. */
  std::vector<float> nodeShare;
  /** hme with EM: the passes over the data the step's EM iteration made (its E-step, and its
   *  M-step's Newton iterations, blocks fitted side by side); NaN otherwise. */
  double emDataPasses = kNotMeasured;
  /** Models with several MoE layers (deep-moe): every layer's expert load, layer after layer
   *  (layer l's experts follow layer l-1's), and each layer's load CV; empty otherwise.
   *  `routing` is the first layer's. */
  std::vector<float> layerLoad;
  std::vector<float> layerLoadCv;
  // Expert parallelism (core/parallel/expert_parallel.h); empty or NaN in one process.
  /** ranks x ranks, row-major: bytes rank i put in the step's all-to-alls for rank j (the
   *  diagonal stays on its rank). */
  std::vector<float> exchangeBytes;
  /** ranks x ranks, row-major: bytes rank i sent rank j in the step's other collectives (the
   *  logits and gate-gradient gathers, the gathered rows of the data-parallel layers, the
   *  sums); the diagonal is 0. */
  std::vector<float> syncBytes;
  double exchangeSeconds = kNotMeasured;  ///< mean over the ranks of the time in all-to-alls
  double syncSeconds = kNotMeasured;      ///< ... in the other collectives (logits, gradients)
  double computeSeconds = kNotMeasured;   ///< ... in the rest of the step
  std::vector<float> expertRank;          ///< per routed expert, the rank that holds it
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
  int sharedExperts = 0;                     ///< always-on experts beside the routed ones (in no count)
  int k = 0;                                 ///< choices per row stored in topExperts
  std::vector<std::int64_t> classExpert;     ///< classes x experts: rows of class c routed to e
  double mutualInformation = 0.0;            ///< I(class; first-choice expert), in bits
  std::vector<std::int32_t> predictions;     ///< per test row
  std::vector<std::int32_t> labels;          ///< per test row
  std::vector<float> gateProbs;              ///< rows x experts router probabilities
  /** The router's raw logits of every routed row (tokens, patches) and expert, as bands
   *  (core/routing/logit_histogram.h); empty without a linear router (dense, hme). */
  LogitHistogram routerLogits;
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
  // Router diagnostics over the split (core/routing/router_diagnostics.h), from gateProbs and
  // topExperts; NaN or empty when not measured (no MoE, diagnostics off, first evaluation).
  std::vector<float> rowMargins;          ///< per row, top-k boundary margin (NaN: no rejected)
  double marginMean = kNotMeasured;
  double fragileFraction = kNotMeasured;
  std::vector<std::int32_t> previousTop1;  ///< per row, the router's first choice last time
  double stability = kNotMeasured;   ///< share of rows whose first choice is unchanged
  double saturation = kNotMeasured;  ///< mean top-k overlap with the previous evaluation
  std::vector<long> saturationSteps;  ///< steps of the earlier evaluations, oldest first
  std::vector<float> saturationCurve;  ///< their mean top-k overlap with this one
  std::vector<float> coactivation;  ///< experts x experts, P(j | i) over rows that used i (k >= 2)
  /** Each test row's routing at this and the earlier evaluations (the last
   *  RoutingHistory::kDefaultDepth); null when not measured. */
  std::shared_ptr<const RoutingHistory> routingHistory;
  /** Patch-token image models: positions x experts, the patches at each position (row-major
   *  over the image) that went to each expert; empty for other models. */
  int positions = 0;
  std::vector<std::int64_t> positionExpert;
  /** hme: each node's share of the evaluated split, nodes breadth-first (StepMetrics::nodeShare);
   *  empty for other models. */
  std::vector<float> nodeShare;
  /** hme: the mean log-likelihood of the training rows under the mixture (the objective EM
   *  maximises; a sample of them for large data, HmeModel::describeEval); NaN otherwise. */
  double trainLogLikelihood = kNotMeasured;
  /** Translated images (shifted:*): offsets x experts, the test images whose offset is in each
   *  cell of the offset grid (row-major) that went to each expert (every chosen expert), and
   *  I(offset cell; first-choice expert) in bits; empty and NaN for other data. */
  int offsets = 0;
  std::vector<std::int64_t> offsetExpert;
  double offsetMutualInformation = kNotMeasured;
  /** Models with several MoE layers (deep-moe): the report of each layer, in order, as if it
   *  were the model's only MoE layer (its routing, heatmaps, gates and choices; the same loss
   *  and predictions). This report's routing fields are the first layer's. Empty otherwise. */
  std::vector<std::shared_ptr<const EvalReport>> layers;
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
