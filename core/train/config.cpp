#include "core/train/config.h"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

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

constexpr std::array<std::pair<RouterKind, const char*>, 5> kRouters{{
    {RouterKind::Dense, "dense"},
    {RouterKind::TopK, "topk"},
    {RouterKind::NoisyTopK, "noisy-topk"},
    {RouterKind::Switch, "switch"},
    {RouterKind::ExpertChoice, "expert-choice"},
}};
constexpr std::array<std::pair<ModelKind, const char*>, 3> kModels{{
    {ModelKind::MoeClassifier, "moe"},
    {ModelKind::StemMoe, "stem-moe"},
    {ModelKind::DenseMlp, "dense-mlp"},
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

const char* routerName(RouterKind k) { return nameOf(kRouters, k); }
RouterKind parseRouter(const std::string& s) { return parseIn(kRouters, s, "router"); }
const char* modelName(ModelKind k) { return nameOf(kModels, k); }
ModelKind parseModel(const std::string& s) { return parseIn(kModels, s, "model"); }
const char* optimizerName(OptimizerKind k) { return nameOf(kOptimizers, k); }
OptimizerKind parseOptimizer(const std::string& s) { return parseIn(kOptimizers, s, "optimizer"); }

void TrainConfig::validate() const {
  const auto& m = model;
  check(m.experts >= 1 && m.experts <= 256, "experts must be between 1 and 256");
  check(m.topK >= 1 && m.topK <= m.experts,
        "top-k must be between 1 and the number of experts (" + std::to_string(m.experts) + ")");
  check(m.capacityFactor > 0.0 && m.capacityFactor <= 64.0,
        "capacity factor must be in (0, 64]");
  check(m.expertHidden >= 0 && m.expertHidden <= 16384, "expert hidden width must be in [0, 16384]");
  check(m.stemWidth >= 1 && m.stemWidth <= 16384, "stem width must be in [1, 16384]");
  check(m.noiseScale >= 0.0 && m.noiseScale <= 100.0, "noise scale must be in [0, 100]");
  check(m.embeddingL2 >= 0.0 && m.embeddingL2 <= 100.0, "embedding L2 must be in [0, 100]");
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
  j = nlohmann::json{
      {"dataset", c.dataset},
      {"data_dir", c.dataDir},
      {"model", modelName(c.model.kind)},
      {"router", routerName(c.model.router)},
      {"experts", c.model.experts},
      {"top_k", c.model.topK},
      {"capacity_factor", c.model.capacityFactor},
      {"expert_hidden", c.model.expertHidden},
      {"activation", compute::activationName(c.model.activation)},
      {"stem_width", c.model.stemWidth},
      {"noise_scale", c.model.noiseScale},
      {"embedding_l2", c.model.embeddingL2},
      {"aux_loss", c.loss.auxWeight},
      {"importance_loss", c.loss.importanceWeight},
      {"load_loss", c.loss.loadWeight},
      {"z_loss", c.loss.zLossWeight},
      {"optimizer", optimizerName(c.optim.kind)},
      {"lr", c.optim.lr},
      {"momentum", c.optim.momentum},
      {"beta1", c.optim.beta1},
      {"beta2", c.optim.beta2},
      {"weight_decay", c.optim.weightDecay},
      {"clip_norm", c.optim.clipNorm},
      {"epochs", c.epochs},
      {"batch_size", c.batchSize},
      {"seed", c.seed},
      {"threads", c.threads},
      {"backend", c.backend},
      {"max_train", c.maxTrain},
      {"validation_fraction", c.validationFraction},
      {"ngram_min", c.text.ngramMin},
      {"ngram_max", c.text.ngramMax},
      {"hash_buckets", c.text.buckets},
  };
}

void from_json(const nlohmann::json& j, TrainConfig& c) {
  if (!j.is_object()) throw ConfigError("config must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    try {
      if (key == "dataset") c.dataset = v.get<std::string>();
      else if (key == "data_dir") c.dataDir = v.get<std::string>();
      else if (key == "model") c.model.kind = parseModel(v.get<std::string>());
      else if (key == "router") c.model.router = parseRouter(v.get<std::string>());
      else if (key == "experts") c.model.experts = v.get<int>();
      else if (key == "top_k") c.model.topK = v.get<int>();
      else if (key == "capacity_factor") c.model.capacityFactor = v.get<double>();
      else if (key == "expert_hidden") c.model.expertHidden = v.get<int>();
      else if (key == "activation") {
        try {
          c.model.activation = compute::parseActivation(v.get<std::string>());
        } catch (const std::invalid_argument& e) {
          throw ConfigError(e.what());
        }
      } else if (key == "stem_width") c.model.stemWidth = v.get<int>();
      else if (key == "noise_scale") c.model.noiseScale = v.get<double>();
      else if (key == "embedding_l2") c.model.embeddingL2 = v.get<double>();
      else if (key == "aux_loss") c.loss.auxWeight = v.get<double>();
      else if (key == "importance_loss") c.loss.importanceWeight = v.get<double>();
      else if (key == "load_loss") c.loss.loadWeight = v.get<double>();
      else if (key == "z_loss") c.loss.zLossWeight = v.get<double>();
      else if (key == "optimizer") c.optim.kind = parseOptimizer(v.get<std::string>());
      else if (key == "lr") c.optim.lr = v.get<double>();
      else if (key == "momentum") c.optim.momentum = v.get<double>();
      else if (key == "beta1") c.optim.beta1 = v.get<double>();
      else if (key == "beta2") c.optim.beta2 = v.get<double>();
      else if (key == "weight_decay") c.optim.weightDecay = v.get<double>();
      else if (key == "clip_norm") c.optim.clipNorm = v.get<double>();
      else if (key == "epochs") c.epochs = v.get<int>();
      else if (key == "batch_size") c.batchSize = v.get<int>();
      else if (key == "seed") c.seed = v.get<std::uint64_t>();
      else if (key == "threads") c.threads = v.get<int>();
      else if (key == "backend") c.backend = v.get<std::string>();
      else if (key == "max_train") c.maxTrain = v.get<int>();
      else if (key == "validation_fraction") c.validationFraction = v.get<double>();
      else if (key == "ngram_min") c.text.ngramMin = v.get<int>();
      else if (key == "ngram_max") c.text.ngramMax = v.get<int>();
      else if (key == "hash_buckets") c.text.buckets = v.get<int>();
      else throw ConfigError("unknown config key '" + key + "'");
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
