#pragma once
/** @file Deep (stacked) MoE: the settings of each MoE layer, from the global ones and the
 *  per-layer lists of ModelConfig (layer_experts "4,8", layer_top_k, layer_routers). */
#include <string>
#include <vector>

#include "core/train/config.h"

namespace moe::core {

/** Most MoE layers a deep-moe model may stack. */
constexpr int kMaxMoeLayers = 8;

/** MoE layers of a model of `config`: ModelConfig::layers for deep-moe, 1 for every other
 *  model with a MoE layer, 0 for the dense baseline. */
int moeLayerCount(const ModelConfig& config);

/** The settings of MoE layer `layer` (0-based): the global ones, with experts, top-k and router
 *  replaced by the layer's entries of the per-layer lists. Call after validateLayerSettings. */
ModelConfig layerConfig(const ModelConfig& config, int layer);

/** Throws ConfigError naming the key and the entry when a per-layer list does not have one
 *  entry per layer, an entry is not a number or a router, or a layer's top-k exceeds its
 *  experts. Lists are only read by deep-moe; other models accept them empty. */
void validateLayerSettings(const ModelConfig& config);

/** A comma-separated list split into its trimmed entries ("" -> none). */
std::vector<std::string> splitLayerList(const std::string& list);

}  // namespace moe::core
