#pragma once
/** @file Everything that defines a training run, with JSON round trip and validation. */
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "compute/backend.h"

namespace moe::core {

/** A setting is out of range or unknown. what() names the setting and the accepted values. */
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class ModelKind : std::uint8_t {
  MoeClassifier,  ///< input -> MoE of MLP experts -> class logits (the reference task)
  StemMoe,        ///< input -> linear stem -> MoE (residual) -> linear head
  DenseMlp,       ///< baseline MLP with the active parameters of the MoE
  PatchMoe,       ///< image patches as tokens -> per-patch MoE (residual) -> mean pool -> head
  Hme,            ///< hierarchical mixture of experts: a tree of gates (Jordan & Jacobs 1994)
  DeepMoe,        ///< MoE layers in sequence, each with its own router (Eigen et al. 2013) -> head
};

/** Which loss of Jacobs, Jordan, Nowlan & Hinton (1991) a mixture trains on (hme). */
enum class MixtureLoss : std::uint8_t {
  Compete,    ///< -log sum_i g_i P_i(y): the mixture's likelihood; experts compete and specialise
  Cooperate,  ///< the loss of the gate-averaged prediction sum_i g_i o_i: experts cooperate
};
/** How the hme model is fitted. */
enum class FitMethod : std::uint8_t {
  Gradient,  ///< backpropagation and the optimizer, batch by batch
  Em,        ///< expectation-maximisation over the whole training split, one pass per step
};

enum class OptimizerKind : std::uint8_t { Sgd, Adam, AdamW };

/** How a router turns logits into the probabilities it chooses and gates from. */
enum class ScoreFunction : std::uint8_t {
  Softmax,  ///< softmax over the experts (the default)
  Sigmoid,  ///< an independent sigmoid per expert (DeepSeek-V3); top-k renormalises them
};
/** Which rows an expert over capacity drops (Switch). */
enum class DropPolicy : std::uint8_t {
  Position,  ///< first come, first served in batch order (Megatron; the default)
  Probs,     ///< the rows of lowest probability for the expert
  Random,    ///< rows in a random order (DeepSpeed's random token selection)
};
/** Over which rows the Switch balancing loss counts the expert frequencies f. */
enum class BalanceScope : std::uint8_t {
  Batch,     ///< the whole batch (the default)
  Sequence,  ///< each sequence (text: sentence) apart, averaged; rows without one: each row
  Global,    ///< f pooled over a window of recent steps (Qwen's global-batch balance)
};

/** The default router's name (defined by the router registry, core/routing). */
std::string defaultRouterName();
const char* modelName(ModelKind k);
ModelKind parseModel(const std::string& s);
const char* optimizerName(OptimizerKind k);
OptimizerKind parseOptimizer(const std::string& s);
const char* scoreFunctionName(ScoreFunction f);
ScoreFunction parseScoreFunction(const std::string& s);
const char* dropPolicyName(DropPolicy p);
DropPolicy parseDropPolicy(const std::string& s);
const char* balanceScopeName(BalanceScope b);
BalanceScope parseBalanceScope(const std::string& s);
const char* mixtureLossName(MixtureLoss l);
MixtureLoss parseMixtureLoss(const std::string& s);
const char* fitMethodName(FitMethod f);
FitMethod parseFitMethod(const std::string& s);

struct ModelConfig {
  ModelKind kind = ModelKind::MoeClassifier;
  /** A name in the router registry (core/routing/router_registry.h); validate() checks it. */
  std::string router = defaultRouterName();
  int experts = 8;
  int topK = 2;
  double capacityFactor = 1.25;  ///< capacity = ceil(cf * k * rows / E), for routers with one
  int expertHidden = 256;        ///< hidden width of each MLP expert; 0 = linear experts
  compute::Activation activation = compute::Activation::Relu;
  int stemWidth = 128;           ///< StemMoe: width of the stem and of the experts' output
  double noiseScale = 1.0;       ///< noisy router: multiplier on the learned noise (0 = off)
  /** Text and rating models: L2 penalty lambda * |row|^2 on each embedding row a sample
   *  uses, averaged over the batch like the loss (Funk-SVD's per-rating regularisation). */
  double embeddingL2 = 0.0;
  ScoreFunction score = ScoreFunction::Softmax;  ///< routers that read it (RouterSetting::Score)
  double routeScale = 1.0;      ///< gate weights are multiplied by this (RouterSetting::RouteScale)
  /** Auxiliary-loss-free balancing (DeepSeek-V3): a per-expert bias added to the scores for
   *  selection only moves by this much after each step, against the expert's load; 0 = off. */
  double biasUpdateRate = 0.0;
  DropPolicy dropPolicy = DropPolicy::Position;  ///< routers with capacity that read it
  int patchSize = 4;       ///< patch-moe: side of a square patch in pixels
  int sharedExperts = 0;   ///< always-on experts every row goes through (DeepSeekMoE)
  /** Fine-grained experts (DeepSeekMoE): each routed expert split m ways, so the MoE layer has
   *  experts * m experts of width expertHidden / m and routes each row to topK * m of them. */
  int expertSplit = 1;
  /** Soft MoE (RouterSetting::SlotsPerExpert): slots each expert processes per sequence, each
   *  with its own learned dispatch and combine logits (Puigcerver et al. 2023). */
  int slotsPerExpert = 1;
  int depth = 2;      ///< hme: levels of gates (1: a flat mixture under one gate)
  int branching = 2;  ///< hme: children of each gate (branching^depth experts at the leaves)
  FitMethod fit = FitMethod::Gradient;             ///< hme: backpropagation or EM
  MixtureLoss mixtureLoss = MixtureLoss::Compete;  ///< hme: the loss of Jacobs et al. 1991
  /** deep-moe: MoE layers in sequence (core/train/layer_settings.h). The per-layer lists are
   *  comma-separated, one entry per layer ("4,8"); empty: every layer takes the global one. */
  int layers = 2;
  std::string layerExperts;  ///< per layer: experts
  std::string layerTopK;     ///< per layer: top-k
  std::string layerRouters;  ///< per layer: router names

  int routedExperts() const { return experts * expertSplit; }   ///< experts the router sees
  int routedTopK() const { return topK * expertSplit; }         ///< its k
  int routedHidden() const { return expertHidden / expertSplit; }  ///< each expert's width
};

struct LossConfig {
  double auxWeight = 0.01;         ///< Switch load balancing: alpha * N * sum f_i P_i
  double importanceWeight = 0.0;   ///< Shazeer importance CV^2
  double loadWeight = 0.0;         ///< Shazeer load CV^2
  double zLossWeight = 0.0;        ///< ST-MoE router z-loss
  BalanceScope balanceScope = BalanceScope::Batch;  ///< where the Switch loss counts f
  int balanceWindow = 16;          ///< global scope: the steps whose f are pooled
};

struct OptimConfig {
  OptimizerKind kind = OptimizerKind::Adam;
  double lr = 1e-3;
  double momentum = 0.9;   ///< SGD
  double beta1 = 0.9;      ///< Adam
  double beta2 = 0.999;
  double weightDecay = 0.0;
  double clipNorm = 0.0;   ///< global gradient-norm clip; 0 = off
  /** 1: an expert that received no rows in a step keeps its parameters and optimizer state
   *  (lazy updates, as torch.optim.SparseAdam does for rows; docs/BENCHMARKS.md); 0: every
   *  parameter takes its step, a zero gradient included (the reference task's Adam). */
  int lazyExperts = 0;
};

/** Text datasets (fortunes-langid, text-csv): how texts become hashed token ids. The text
 *  model's embedding width is ModelConfig::stemWidth. */
struct TextConfig {
  int ngramMin = 1;          ///< shortest character n-gram
  int ngramMax = 3;          ///< longest character n-gram
  int buckets = 1 << 18;     ///< hash buckets = rows of the embedding table
};

/** The generated toy datasets (toy:spirals, ..., core/data/toy_data.h). */
struct ToyConfig {
  int size = 1000;      ///< training points (the test split has half as many)
  double noise = 0.1;   ///< Gaussian jitter of the points (of the targets for regression)
  int classes = 3;      ///< toy:blobs: number of classes
};

/** Router diagnostics and their alarms (core/train/router_health.h). A threshold of 0 turns
 *  its alarm off. */
struct HealthConfig {
  int diagnostics = 1;          ///< 1: measure diagnostics and raise alarms; 0: neither
  /** Steps between per-expert gradient/weight norms (0: never): each recomputes the experts'
   *  weight gradient, about five training steps' work (docs/BENCHMARKS.md). */
  int normEvery = 100;
  double fragileMargin = 0.05;  ///< a row whose top-k margin is under this is fragile
  int window = 50;              ///< steps a condition must last before it alarms
  double collapseFactor = 2.0;  ///< collapse: an expert above this multiple of its fair share
  double dropRate = 0.1;        ///< drops: mean dropped fraction over the window above this
  double churn = 0.9;           ///< churn: stability under this in the second half of training
  double lossSpike = 3.0;       ///< loss spike: a batch's loss above this multiple of its trend
};

struct TrainConfig {
  std::string dataset = "fashion-mnist";
  std::string dataDir;          ///< empty = the dataset's default location
  ModelConfig model;
  LossConfig loss;
  OptimConfig optim;
  TextConfig text;
  ToyConfig toy;
  int epochs = 1;
  int batchSize = 128;
  std::uint64_t seed = 0;
  int threads = 2;               ///< CPU worker threads (0 = all cores)
  std::string backend = "cpu";   ///< cpu | opencl | opencl:P:D
  int maxTrain = 0;              ///< use at most this many training samples (0 = all)
  double validationFraction = 0.0;
  HealthConfig health;

  /** Throws ConfigError naming the first setting that is out of range. */
  void validate() const;
};

/** Every key of the config table (config_keys.h). */
void to_json(nlohmann::json& j, const TrainConfig& c);
/** Unknown keys and wrong types throw ConfigError naming the key. Missing keys keep defaults. */
void from_json(const nlohmann::json& j, TrainConfig& c);

/** Reads a JSON config file (ConfigError on unreadable or invalid files). */
TrainConfig loadConfigFile(const std::string& path);

}  // namespace moe::core
