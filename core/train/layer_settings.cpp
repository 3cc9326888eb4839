#include "core/train/layer_settings.h"

#include <charconv>

#include "core/routing/router_registry.h"

namespace moe::core {

namespace {

int parseEntry(const std::string& entry, const char* key, int layer) {
  int v = 0;
  const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), v);
  if (ec != std::errc() || end != entry.data() + entry.size())
    throw ConfigError(std::string(key) + ": entry " + std::to_string(layer + 1) + " ('" + entry +
                      "') is not a whole number");
  return v;
}

// The list's entries, checked to be one per layer (an empty list: none).
std::vector<std::string> entries(const std::string& list, const char* key, int layers) {
  std::vector<std::string> e = splitLayerList(list);
  if (!e.empty() && int(e.size()) != layers)
    throw ConfigError(std::string(key) + " has " + std::to_string(e.size()) +
                      " entries; it needs one per MoE layer (" + std::to_string(layers) +
                      ", the 'layers' setting), e.g. '" + key + "' 4,8 for two layers");
  return e;
}

}  // namespace

std::vector<std::string> splitLayerList(const std::string& list) {
  std::vector<std::string> out;
  if (list.find_first_not_of(" \t") == std::string::npos) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int moeLayerCount(const ModelConfig& config) {
  if (config.kind == ModelKind::DenseMlp) return 0;
  return config.kind == ModelKind::DeepMoe ? config.layers : 1;
}

ModelConfig layerConfig(const ModelConfig& config, int layer) {
  ModelConfig c = config;
  if (config.kind != ModelKind::DeepMoe) return c;
  const auto experts = splitLayerList(config.layerExperts);
  const auto topK = splitLayerList(config.layerTopK);
  const auto routers = splitLayerList(config.layerRouters);
  const std::size_t i = std::size_t(layer);
  if (i < experts.size()) c.experts = parseEntry(experts[i], "layer_experts", layer);
  if (i < topK.size()) c.topK = parseEntry(topK[i], "layer_top_k", layer);
  if (i < routers.size()) c.router = findRouter(routers[i]).info.name;
  return c;
}

void validateLayerSettings(const ModelConfig& config) {
  if (config.layers < 2 || config.layers > kMaxMoeLayers)
    throw ConfigError("layers must be between 2 and " + std::to_string(kMaxMoeLayers) +
                      " (deep-moe stacks MoE layers)");
  if (config.kind != ModelKind::DeepMoe) return;
  const int n = config.layers;
  const auto experts = entries(config.layerExperts, "layer_experts", n);
  const auto topK = entries(config.layerTopK, "layer_top_k", n);
  const auto routers = entries(config.layerRouters, "layer_routers", n);
  for (int l = 0; l < n; ++l) {
    if (std::size_t(l) < routers.size()) findRouter(routers[std::size_t(l)]);  // lists the names
    const ModelConfig c = layerConfig(config, l);
    const std::string at = "MoE layer " + std::to_string(l + 1) + ": ";
    if (c.experts < 1 || c.experts > 256)
      throw ConfigError(at + "experts must be between 1 and 256 (layer_experts)");
    if (c.topK < 1 || c.topK > c.experts)
      throw ConfigError(at + "top-k must be between 1 and its experts (" +
                        std::to_string(c.experts) + "; layer_top_k)");
    if (c.routedExperts() > 4096)
      throw ConfigError(at + "experts x expert split must be at most 4096");
  }
}

}  // namespace moe::core
