#include "core/train/config.h"

#include <array>
#include <fstream>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/routing/router_registry.h"
#include "core/train/config_keys.h"

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

constexpr std::array<std::pair<ModelKind, const char*>, 4> kModels{{
    {ModelKind::MoeClassifier, "moe"},
    {ModelKind::StemMoe, "stem-moe"},
    {ModelKind::DenseMlp, "dense-mlp"},
    {ModelKind::PatchMoe, "patch-moe"},
}};
constexpr std::array<std::pair<OptimizerKind, const char*>, 3> kOptimizers{{
    {OptimizerKind::Sgd, "sgd"},
    {OptimizerKind::Adam, "adam"},
    {OptimizerKind::AdamW, "adamw"},
}};

void check(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}

}  // namespace

const char* modelName(ModelKind k) { return nameOf(kModels, k); }
ModelKind parseModel(const std::string& s) { return parseIn(kModels, s, "model"); }
const char* optimizerName(OptimizerKind k) { return nameOf(kOptimizers, k); }
OptimizerKind parseOptimizer(const std::string& s) { return parseIn(kOptimizers, s, "optimizer"); }

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
  check(m.patchSize >= 1 && m.patchSize <= 1024, "patch size must be in [1, 1024]");
  check(m.sharedExperts >= 0 && m.sharedExperts <= 64, "shared experts must be in [0, 64]");
  check(m.expertSplit >= 1 && m.expertSplit <= 64, "expert split must be in [1, 64]");
  check(m.expertSplit == 1 || (m.expertHidden > 0 && m.expertHidden % m.expertSplit == 0),
        "expert split " + std::to_string(m.expertSplit) + " must divide the expert hidden width (" +
            std::to_string(m.expertHidden) + "; linear experts cannot be split)");
  check(m.routedExperts() <= 4096, "experts x expert split must be at most 4096");
  for (auto [v, n] : {std::pair{loss.auxWeight, "aux-loss"}, {loss.importanceWeight, "importance-loss"},
                      {loss.loadWeight, "load-loss"}, {loss.zLossWeight, "z-loss"}})
    check(v >= 0.0 && v <= 1000.0, std::string(n) + " weight must be in [0, 1000]");
  check(optim.lr > 0.0 && optim.lr <= 10.0, "learning rate must be in (0, 10]");
  check(optim.momentum >= 0.0 && optim.momentum < 1.0, "momentum must be in [0, 1)");
  check(optim.beta1 >= 0.0 && optim.beta1 < 1.0 && optim.beta2 >= 0.0 && optim.beta2 < 1.0,
        "Adam betas must be in [0, 1)");
  check(optim.weightDecay >= 0.0 && optim.weightDecay <= 10.0, "weight decay must be in [0, 10]");
  check(optim.clipNorm >= 0.0, "gradient clip norm must be >= 0");
  check(epochs >= 1 && epochs <= 100000, "epochs must be between 1 and 100000");
  check(batchSize >= 1 && batchSize <= 65536, "batch size must be between 1 and 65536");
  check(threads >= 0 && threads <= 1024, "threads must be between 0 and 1024");
  check(text.ngramMin >= 1 && text.ngramMin <= text.ngramMax && text.ngramMax <= 8,
        "n-gram range must satisfy 1 <= ngram-min <= ngram-max <= 8");
  check(text.buckets >= 2 && text.buckets <= (1 << 24), "hash buckets must be in [2, 2^24]");
  check(maxTrain >= 0, "max-train must be >= 0");
  check(validationFraction >= 0.0 && validationFraction < 1.0,
        "validation fraction must be in [0, 1)");
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
              member = v.template get<std::decay_t<decltype(member)>>();
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
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot open config file '" + path + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError("config file '" + path + "' is not valid JSON: " + e.what());
  }
  TrainConfig c;
  from_json(j, c);
  c.validate();
  return c;
}

}  // namespace moe::core
