#include "core/train/config_keys.h"

#include "core/data/dataset_table.h"
#include "core/routing/router_registry.h"

namespace moe::core {

namespace {

using Int = int& (*)(TrainConfig&);
using Real = double& (*)(TrainConfig&);
using U64 = std::uint64_t& (*)(TrainConfig&);
using Str = std::string& (*)(TrainConfig&);

NamedField modelField() {
  return {[](const TrainConfig& c) { return std::string(modelName(c.model.kind)); },
          [](TrainConfig& c, const std::string& s) { c.model.kind = parseModel(s); }};
}

NamedField routerField() {
  return {[](const TrainConfig& c) { return c.model.router; },
          [](TrainConfig& c, const std::string& s) { c.model.router = findRouter(s).info.name; }};
}

NamedField optimizerField() {
  return {[](const TrainConfig& c) { return std::string(optimizerName(c.optim.kind)); },
          [](TrainConfig& c, const std::string& s) { c.optim.kind = parseOptimizer(s); }};
}

NamedField activationField() {
  return {
      [](const TrainConfig& c) { return std::string(compute::activationName(c.model.activation)); },
      [](TrainConfig& c, const std::string& s) {
        try {
          c.model.activation = compute::parseActivation(s);
        } catch (const std::invalid_argument& e) {
          throw ConfigError(e.what());
        }
      }};
}

NamedField scoreField() {
  return {[](const TrainConfig& c) { return std::string(scoreFunctionName(c.model.score)); },
          [](TrainConfig& c, const std::string& s) { c.model.score = parseScoreFunction(s); }};
}

NamedField dropPolicyField() {
  return {[](const TrainConfig& c) { return std::string(dropPolicyName(c.model.dropPolicy)); },
          [](TrainConfig& c, const std::string& s) { c.model.dropPolicy = parseDropPolicy(s); }};
}

NamedField balanceScopeField() {
  return {[](const TrainConfig& c) { return std::string(balanceScopeName(c.loss.balanceScope)); },
          [](TrainConfig& c, const std::string& s) { c.loss.balanceScope = parseBalanceScope(s); }};
}

std::vector<ConfigKey> makeKeys() {
  return {
      {"dataset", "--dataset",
       specForms() + "; settings not given default to the dataset's preset",
       Str([](TrainConfig& c) -> std::string& { return c.dataset; })},
      {"data_dir", "--data-dir", "folder of the dataset (overrides its default)",
       Str([](TrainConfig& c) -> std::string& { return c.dataDir; })},
      {"model", "--model", "moe | stem-moe | dense-mlp | patch-moe | hme | deep-moe", modelField()},
      {"router", "--router", routerNames(" | "), routerField()},
      {"experts", "--experts", "number of experts",
       Int([](TrainConfig& c) -> int& { return c.model.experts; })},
      {"top_k", "--top-k", "experts per input (" + routersReading(RouterSetting::TopK) + ")",
       Int([](TrainConfig& c) -> int& { return c.model.topK; })},
      {"capacity_factor", "--capacity-factor",
       "capacity factor (" + routersReading(RouterSetting::CapacityFactor) + ")",
       Real([](TrainConfig& c) -> double& { return c.model.capacityFactor; })},
      {"expert_hidden", "--expert-hidden", "hidden width per expert (0: linear)",
       Int([](TrainConfig& c) -> int& { return c.model.expertHidden; })},
      {"activation", "--activation", "relu | gelu | tanh | silu | ...", activationField()},
      {"stem_width", "--stem-width", "stem-moe: stem width",
       Int([](TrainConfig& c) -> int& { return c.model.stemWidth; })},
      {"noise_scale", "--noise", "noise scale (" + routersReading(RouterSetting::NoiseScale) + ")",
       Real([](TrainConfig& c) -> double& { return c.model.noiseScale; })},
      {"embedding_l2", "--embedding-l2",
       "text/ratings: L2 penalty on the embedding rows a sample uses",
       Real([](TrainConfig& c) -> double& { return c.model.embeddingL2; })},
      {"patch_size", "--patch-size", "patch-moe: side of a square image patch in pixels",
       Int([](TrainConfig& c) -> int& { return c.model.patchSize; })},
      {"shared_experts", "--shared-experts", "always-on shared experts (DeepSeekMoE)",
       Int([](TrainConfig& c) -> int& { return c.model.sharedExperts; })},
      {"expert_split", "--expert-split",
       "fine-grained experts: split each expert M ways (M x experts, hidden / M, M x k)",
       Int([](TrainConfig& c) -> int& { return c.model.expertSplit; })},
      {"layers", "--layers", "deep-moe: MoE layers in sequence (2 to 8)",
       Int([](TrainConfig& c) -> int& { return c.model.layers; })},
      {"layer_experts", "--layer-experts",
       "deep-moe: experts per layer, comma-separated (e.g. 4,8; empty: --experts for every layer)",
       Str([](TrainConfig& c) -> std::string& { return c.model.layerExperts; })},
      {"layer_top_k", "--layer-top-k", "deep-moe: top-k per layer, comma-separated (empty: --top-k)",
       Str([](TrainConfig& c) -> std::string& { return c.model.layerTopK; })},
      {"layer_routers", "--layer-routers",
       "deep-moe: router per layer, comma-separated (empty: --router)",
       Str([](TrainConfig& c) -> std::string& { return c.model.layerRouters; })},
      {"epochs", "--epochs", "training epochs",
       Int([](TrainConfig& c) -> int& { return c.epochs; })},
      {"batch_size", "--batch-size", "batch size",
       Int([](TrainConfig& c) -> int& { return c.batchSize; })},
      {"lr", "--lr", "learning rate", Real([](TrainConfig& c) -> double& { return c.optim.lr; })},
      {"optimizer", "--optimizer", "sgd | adam | adamw", optimizerField()},
      {"momentum", nullptr, "SGD momentum",
       Real([](TrainConfig& c) -> double& { return c.optim.momentum; })},
      {"beta1", nullptr, "Adam beta1",
       Real([](TrainConfig& c) -> double& { return c.optim.beta1; })},
      {"beta2", nullptr, "Adam beta2",
       Real([](TrainConfig& c) -> double& { return c.optim.beta2; })},
      {"weight_decay", "--weight-decay", "weight decay",
       Real([](TrainConfig& c) -> double& { return c.optim.weightDecay; })},
      {"clip_norm", "--clip-norm", "global gradient-norm clip (0: off)",
       Real([](TrainConfig& c) -> double& { return c.optim.clipNorm; })},
      {"lazy_experts", "--lazy-experts",
       "1: experts that got no rows in a step skip that step's update, moments included (0: off)",
       Int([](TrainConfig& c) -> int& { return c.optim.lazyExperts; })},
      {"aux_loss", "--aux-loss", "weight of the Switch load-balancing loss",
       Real([](TrainConfig& c) -> double& { return c.loss.auxWeight; })},
      {"importance_loss", "--importance-loss", "weight of importance CV^2",
       Real([](TrainConfig& c) -> double& { return c.loss.importanceWeight; })},
      {"load_loss", "--load-loss", "weight of load CV^2",
       Real([](TrainConfig& c) -> double& { return c.loss.loadWeight; })},
      {"z_loss", "--z-loss", "weight of the router z-loss",
       Real([](TrainConfig& c) -> double& { return c.loss.zLossWeight; })},
      {"seed", "--seed", "random seed",
       U64([](TrainConfig& c) -> std::uint64_t& { return c.seed; })},
      {"threads", "--threads", "CPU threads (0: all cores)",
       Int([](TrainConfig& c) -> int& { return c.threads; })},
      {"backend", "--backend", "cpu | opencl | opencl:PLATFORM:DEVICE",
       Str([](TrainConfig& c) -> std::string& { return c.backend; })},
      {"max_train", "--max-train", "use at most this many training samples",
       Int([](TrainConfig& c) -> int& { return c.maxTrain; })},
      {"validation_fraction", "--validation-fraction", "share of train held out",
       Real([](TrainConfig& c) -> double& { return c.validationFraction; })},
      {"ngram_min", "--ngram-min", "text: shortest character n-gram",
       Int([](TrainConfig& c) -> int& { return c.text.ngramMin; })},
      {"ngram_max", "--ngram-max", "text: longest character n-gram",
       Int([](TrainConfig& c) -> int& { return c.text.ngramMax; })},
      {"hash_buckets", "--hash-buckets", "text: hash buckets (embedding rows)",
       Int([](TrainConfig& c) -> int& { return c.text.buckets; })},
      // Router health (core/train/router_health.h): diagnostics and alarm thresholds.
      {"diagnostics", "--diagnostics", "router diagnostics and alarms: 1 on, 0 off",
       Int([](TrainConfig& c) -> int& { return c.health.diagnostics; })},
      {"norm_every", "--norm-every", "steps between per-expert gradient/weight norms (0: never)",
       Int([](TrainConfig& c) -> int& { return c.health.normEvery; })},
      {"fragile_margin", "--fragile-margin",
       "a row whose top-k margin (last chosen - best rejected probability) is under this is fragile",
       Real([](TrainConfig& c) -> double& { return c.health.fragileMargin; })},
      {"alarm_window", "--alarm-window", "steps a condition must last before it alarms",
       Int([](TrainConfig& c) -> int& { return c.health.window; })},
      {"collapse_factor", "--collapse-factor",
       "collapse alarm: an expert above this multiple of its fair share for the window (0: off)",
       Real([](TrainConfig& c) -> double& { return c.health.collapseFactor; })},
      {"drop_alarm", "--drop-alarm",
       "drops alarm: mean dropped fraction over the window above this (0: off)",
       Real([](TrainConfig& c) -> double& { return c.health.dropRate; })},
      {"churn_alarm", "--churn-alarm",
       "churn alarm: routing stability under this in the second half of training (0: off)",
       Real([](TrainConfig& c) -> double& { return c.health.churn; })},
      {"loss_spike", "--loss-spike",
       "loss spike alarm: a batch's loss above this multiple of its recent trend (0: off)",
       Real([](TrainConfig& c) -> double& { return c.health.lossSpike; })},
      {"score", "--score",
       "softmax | sigmoid: router score function (" + routersReading(RouterSetting::Score) + ")",
       scoreField()},
      {"route_scale", "--route-scale",
       "gate weights multiplied by this (" + routersReading(RouterSetting::RouteScale) + ")",
       Real([](TrainConfig& c) -> double& { return c.model.routeScale; })},
      {"bias_update_rate", "--bias-update-rate",
       "auxiliary-loss-free balancing: selection-bias step per training step, 0 = off (" +
           routersReading(RouterSetting::BiasUpdateRate) + ")",
       Real([](TrainConfig& c) -> double& { return c.model.biasUpdateRate; })},
      {"drop_policy", "--drop-policy",
       "position | probs | random: which rows a full expert drops (" +
           routersReading(RouterSetting::DropPolicy) + ")",
       dropPolicyField()},
      {"slots_per_expert", "--slots-per-expert",
       "Soft MoE: slots per expert and sequence, each with its own logits (" +
           routersReading(RouterSetting::SlotsPerExpert) + ")",
       Int([](TrainConfig& c) -> int& { return c.model.slotsPerExpert; })},
      {"balance_scope", "--balance-scope",
       "batch | sequence | global: where the Switch loss counts expert frequencies",
       balanceScopeField()},
      {"balance_window", "--balance-window", "global balance scope: steps pooled",
       Int([](TrainConfig& c) -> int& { return c.loss.balanceWindow; })},
      // Hierarchical mixture of experts (--model hme, core/model/hme_model.h).
      {"depth", "--depth", "hme: levels of gates (branching^depth experts at the leaves)",
       Int([](TrainConfig& c) -> int& { return c.model.depth; })},
      {"branching", "--branching", "hme: children of each gate",
       Int([](TrainConfig& c) -> int& { return c.model.branching; })},
      {"fit", "--fit", "hme: gradient (backpropagation) | em (Jordan & Jacobs 1994)",
       NamedField{[](const TrainConfig& c) { return std::string(fitMethodName(c.model.fit)); },
                  [](TrainConfig& c, const std::string& s) { c.model.fit = parseFitMethod(s); }}},
      {"mixture_loss", "--mixture-loss",
       "hme: compete (mixture likelihood) | cooperate (loss of the averaged prediction)",
       NamedField{
           [](const TrainConfig& c) { return std::string(mixtureLossName(c.model.mixtureLoss)); },
           [](TrainConfig& c, const std::string& s) { c.model.mixtureLoss = parseMixtureLoss(s); }}},
      {"toy_size", "--toy-size", "toy:NAME: training points (the test split has half as many)",
       Int([](TrainConfig& c) -> int& { return c.toy.size; })},
      {"toy_noise", "--toy-noise", "toy:NAME: noise standard deviation (the plane is [-1, 1])",
       Real([](TrainConfig& c) -> double& { return c.toy.noise; })},
      {"toy_classes", "--toy-classes", "toy:blobs: number of classes (2..10)",
       Int([](TrainConfig& c) -> int& { return c.toy.classes; })},
  };
}

}  // namespace

const std::vector<ConfigKey>& configKeys() {
  static const std::vector<ConfigKey> keys = makeKeys();
  return keys;
}

const ConfigKey* findConfigKey(const std::string& key) {
  for (const ConfigKey& k : configKeys())
    if (key == k.key) return &k;
  return nullptr;
}

}  // namespace moe::core
