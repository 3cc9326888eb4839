#include "core/train/config.h"

#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/routing/router_registry.h"
#include "core/train/config_keys.h"
#include "core/train/layer_settings.h"

namespace moe::core {

namespace {

template <typename E, std::size_t N>
const char* nameOf(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, n] : table)
    if (v == value) return n;
  return "?";
}

template <typename E, std::size_t N>
E parseIn(const std::array<std::pair<E, const char*>, N>& table, const std::string& s,
          const char* what) {
  std::string valid;
  for (const auto& [v, n] : table) {
    if (s == n) return v;
    valid += (valid.empty() ? "" : ", ") + std::string(n);
  }
  throw ConfigError(std::string("unknown ") + what + " '" + s + "' (expected one of: " + valid + ")");
}

constexpr std::array<std::pair<ModelKind, const char*>, 6> kModels{{
    {ModelKind::MoeClassifier, "moe"},
    {ModelKind::StemMoe, "stem-moe"},
    {ModelKind::DenseMlp, "dense-mlp"},
    {ModelKind::PatchMoe, "patch-moe"},
    {ModelKind::Hme, "hme"},
    {ModelKind::DeepMoe, "deep-moe"},
}};
constexpr std::array<std::pair<OptimizerKind, const char*>, 3> kOptimizers{{
    {OptimizerKind::Sgd, "sgd"},
    {OptimizerKind::Adam, "adam"},
    {OptimizerKind::AdamW, "adamw"},
}};

constexpr std::size_t kMaxConfigBytes = std::size_t(1) << 20;
constexpr std::array<std::pair<ScoreFunction, const char*>, 2> kScores{{
    {ScoreFunction::Softmax, "softmax"},
    {ScoreFunction::Sigmoid, "sigmoid"},
}};
constexpr std::array<std::pair<DropPolicy, const char*>, 3> kDropPolicies{{
    {DropPolicy::Probs, "probs"},
    {DropPolicy::Position, "position"},
    {DropPolicy::Random, "random"},
}};
constexpr std::array<std::pair<BalanceScope, const char*>, 3> kBalanceScopes{{
    {BalanceScope::Batch, "batch"},
    {BalanceScope::Sequence, "sequence"},
    {BalanceScope::Global, "global"},
}};

void check(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}

// An integer key takes a JSON integer that fits its member: 3.7 is not truncated to 3, -5 does
// not wrap around as a seed, and 1e30 is not cast (undefined behaviour) to an int.
template <typename M>
void checkIntegral(const std::string& key, const nlohmann::json& v) {
  const std::string range = "an integer in " + std::to_string(std::numeric_limits<M>::min()) +
                            ".." + std::to_string(std::numeric_limits<M>::max());
  if (!v.is_number())
    throw ConfigError("config key '" + key + "' has the wrong type (" +
                      std::string(v.type_name()) + ")");
  if (!v.is_number_integer())
    throw ConfigError("config key '" + key + "' must be " + range + ", got " + v.dump());
  constexpr auto kMax = std::uint64_t(std::numeric_limits<M>::max());
  const std::int64_t s = v.is_number_unsigned() ? 0 : v.get<std::int64_t>();
  const bool fits = v.is_number_unsigned() ? v.get<std::uint64_t>() <= kMax
                    : s >= 0               ? std::uint64_t(s) <= kMax
                                           : std::is_signed_v<M> &&
                                   s >= std::int64_t(std::numeric_limits<M>::min());
  if (!fits) throw ConfigError("config key '" + key + "' must be " + range + ", got " + v.dump());
}

}  // namespace

const char* modelName(ModelKind k) { return nameOf(kModels, k); }
ModelKind parseModel(const std::string& s) { return parseIn(kModels, s, "model"); }
const char* optimizerName(OptimizerKind k) { return nameOf(kOptimizers, k); }
OptimizerKind parseOptimizer(const std::string& s) { return parseIn(kOptimizers, s, "optimizer"); }
const char* scoreFunctionName(ScoreFunction f) { return nameOf(kScores, f); }
ScoreFunction parseScoreFunction(const std::string& s) {
  return parseIn(kScores, s, "score function");
}
const char* dropPolicyName(DropPolicy p) { return nameOf(kDropPolicies, p); }
DropPolicy parseDropPolicy(const std::string& s) { return parseIn(kDropPolicies, s, "drop policy"); }
const char* balanceScopeName(BalanceScope b) { return nameOf(kBalanceScopes, b); }
BalanceScope parseBalanceScope(const std::string& s) {
  return parseIn(kBalanceScopes, s, "balance scope");
}

constexpr std::array<std::pair<MixtureLoss, const char*>, 2> kMixtureLosses{{
    {MixtureLoss::Compete, "compete"},
    {MixtureLoss::Cooperate, "cooperate"},
}};
constexpr std::array<std::pair<FitMethod, const char*>, 2> kFitMethods{{
    {FitMethod::Gradient, "gradient"},
    {FitMethod::Em, "em"},
}};
const char* mixtureLossName(MixtureLoss l) { return nameOf(kMixtureLosses, l); }
MixtureLoss parseMixtureLoss(const std::string& s) {
  return parseIn(kMixtureLosses, s, "mixture loss");
}
const char* fitMethodName(FitMethod f) { return nameOf(kFitMethods, f); }
FitMethod parseFitMethod(const std::string& s) { return parseIn(kFitMethods, s, "fit"); }

void TrainConfig::validate() const {
  const auto& m = model;
  findRouter(m.router);  // ConfigError listing the registered routers
  check(m.experts >= 1 && m.experts <= 256, "experts must be between 1 and 256");
  check(m.topK >= 1 && m.topK <= m.experts,
        "top-k must be between 1 and the number of experts (" + std::to_string(m.experts) + ")");
  check(m.capacityFactor > 0.0 && m.capacityFactor <= 64.0,
        "capacity factor must be in (0, 64]");
  check(m.expertHidden >= 0 && m.expertHidden <= 16384, "expert hidden width must be in [0, 16384]");
  check(m.stemWidth >= 1 && m.stemWidth <= 16384, "stem width must be in [1, 16384]");
  check(m.noiseScale >= 0.0 && m.noiseScale <= 100.0, "noise scale must be in [0, 100]");
  check(m.embeddingL2 >= 0.0 && m.embeddingL2 <= 100.0, "embedding L2 must be in [0, 100]");
  check(m.routeScale > 0.0 && m.routeScale <= 1000.0, "route scale must be in (0, 1000]");
  check(m.biasUpdateRate >= 0.0 && m.biasUpdateRate <= 1.0, "bias update rate must be in [0, 1]");
  check(loss.balanceWindow >= 1 && loss.balanceWindow <= 100000,
        "balance window must be between 1 and 100000 steps");
  check(m.patchSize >= 1 && m.patchSize <= 1024, "patch size must be in [1, 1024]");
  check(m.sharedExperts >= 0 && m.sharedExperts <= 64, "shared experts must be in [0, 64]");
  check(m.expertSplit >= 1 && m.expertSplit <= 64, "expert split must be in [1, 64]");
  check(m.slotsPerExpert >= 1 && m.slotsPerExpert <= 64, "slots per expert must be in [1, 64]");
  check(m.expertSplit == 1 || (m.expertHidden > 0 && m.expertHidden % m.expertSplit == 0),
        "expert split " + std::to_string(m.expertSplit) + " must divide the expert hidden width (" +
            std::to_string(m.expertHidden) + "; linear experts cannot be split)");
  check(m.routedExperts() <= 4096, "experts x expert split must be at most 4096");
  check(m.depth >= 1 && m.depth <= 8, "hme depth must be between 1 and 8");
  check(m.branching >= 2 && m.branching <= 16, "hme branching must be between 2 and 16");
  check(std::pow(double(m.branching), double(m.depth)) <= 256.0,
        "hme branching^depth (the experts at the leaves) must be at most 256");
  check(m.kind == ModelKind::Hme || m.fit == FitMethod::Gradient,
        "--fit em fits the hme model only (--model hme)");
  check(m.fit == FitMethod::Gradient || m.mixtureLoss == MixtureLoss::Compete,
        "--fit em maximises the mixture's likelihood: it needs --mixture-loss compete");
  validateLayerSettings(m);  // deep-moe's per-layer lists (core/train/layer_settings.h)
  check(toy.size >= 8 && toy.size <= 1000000, "toy size must be between 8 and 1000000 points");
  check(toy.noise >= 0.0 && toy.noise <= 1.0, "toy noise must be in [0, 1]");
  check(toy.classes >= 2 && toy.classes <= 10, "toy classes must be between 2 and 10");
  for (auto [v, n] : {std::pair{loss.auxWeight, "aux-loss"}, {loss.importanceWeight, "importance-loss"},
                      {loss.loadWeight, "load-loss"}, {loss.zLossWeight, "z-loss"}})
    check(v >= 0.0 && v <= 1000.0, std::string(n) + " weight must be in [0, 1000]");
  check(optim.lr > 0.0 && optim.lr <= 10.0, "learning rate must be in (0, 10]");
  check(optim.momentum >= 0.0 && optim.momentum < 1.0, "momentum must be in [0, 1)");
  check(optim.beta1 >= 0.0 && optim.beta1 < 1.0 && optim.beta2 >= 0.0 && optim.beta2 < 1.0,
        "Adam betas must be in [0, 1)");
  check(optim.weightDecay >= 0.0 && optim.weightDecay <= 10.0, "weight decay must be in [0, 10]");
  check(optim.clipNorm >= 0.0, "gradient clip norm must be >= 0");
  check(optim.lazyExperts == 0 || optim.lazyExperts == 1, "lazy experts must be 0 (off) or 1 (on)");
  check(epochs >= 1 && epochs <= 100000, "epochs must be between 1 and 100000");
  check(batchSize >= 1 && batchSize <= 65536, "batch size must be between 1 and 65536");
  check(threads >= 0 && threads <= 1024, "threads must be between 0 and 1024");
  check(text.ngramMin >= 1 && text.ngramMin <= text.ngramMax && text.ngramMax <= 8,
        "n-gram range must satisfy 1 <= ngram-min <= ngram-max <= 8");
  check(text.buckets >= 2 && text.buckets <= (1 << 24), "hash buckets must be in [2, 2^24]");
  check(maxTrain >= 0, "max-train must be >= 0");
  check(validationFraction >= 0.0 && validationFraction < 1.0,
        "validation fraction must be in [0, 1)");
  const HealthConfig& h = health;
  check(h.diagnostics == 0 || h.diagnostics == 1, "diagnostics must be 0 (off) or 1 (on)");
  check(h.normEvery >= 0, "norm-every must be >= 0 (0: never)");
  check(h.fragileMargin >= 0.0 && h.fragileMargin <= 1.0, "fragile margin must be in [0, 1]");
  check(h.window >= 1 && h.window <= 1000000, "alarm window must be between 1 and 1000000 steps");
  check(h.collapseFactor == 0.0 || h.collapseFactor > 1.0,
        "collapse factor must be above 1 (a multiple of the fair share), or 0 (off)");
  check(h.dropRate >= 0.0 && h.dropRate < 1.0, "drop alarm must be in [0, 1) (0: off)");
  check(h.churn >= 0.0 && h.churn <= 1.0, "churn alarm must be in [0, 1] (0: off)");
  check(h.lossSpike == 0.0 || h.lossSpike > 1.0,
        "loss spike must be above 1 (a multiple of the loss trend), or 0 (off)");
}

void to_json(nlohmann::json& j, const TrainConfig& c) {
  j = nlohmann::json::object();
  // The table's accessors take a mutable config; writing JSON only reads through them.
  TrainConfig& m = const_cast<TrainConfig&>(c);
  for (const ConfigKey& k : configKeys())
    std::visit(
        [&](const auto& field) {
          if constexpr (std::is_same_v<std::decay_t<decltype(field)>, NamedField>)
            j[k.key] = field.get(c);
          else
            j[k.key] = field(m);
        },
        k.field);
}

void from_json(const nlohmann::json& j, TrainConfig& c) {
  if (!j.is_object()) throw ConfigError("config must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    const ConfigKey* k = findConfigKey(key);
    if (!k) throw ConfigError("unknown config key '" + key + "'");
    try {
      std::visit(
          [&](const auto& field) {
            using F = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<F, NamedField>) {
              field.set(c, v.template get<std::string>());
            } else {
              auto& member = field(c);
              using M = std::decay_t<decltype(member)>;
              if constexpr (std::is_integral_v<M>) checkIntegral<M>(key, v);
              member = v.template get<M>();
            }
          },
          k->field);
    } catch (const nlohmann::json::exception&) {
      throw ConfigError("config key '" + key + "' has the wrong type (" +
                        std::string(v.type_name()) + ")");
    }
  }
}

TrainConfig loadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot open config file '" + path + "'");
  std::string text;
  try {  // a config is a few hundred bytes: stop reading a device or a huge file at the limit
    char chunk[16384];
    while (text.size() <= kMaxConfigBytes && (in.read(chunk, sizeof chunk) || in.gcount() > 0))
      text.append(chunk, std::size_t(in.gcount()));
  } catch (const std::exception& e) {
    throw ConfigError("cannot read config file '" + path + "': " + e.what());
  }
  if (text.size() > kMaxConfigBytes)
    throw ConfigError("config file '" + path + "' is larger than " +
                      std::to_string(kMaxConfigBytes >> 20) + " MiB; a config is one JSON object");
  nlohmann::json j;
  try {
    // Parsing the whole text refuses anything after the object (a second object, stray text).
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e9999
    throw ConfigError("config file '" + path + "' is not valid JSON: " + e.what());
  }
  TrainConfig c;
  from_json(j, c);
  c.validate();
  return c;
}

}  // namespace moe::core
