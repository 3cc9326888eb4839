#pragma once
/** @file Hand-off to PyTorch: a session's weights as a safetensors file in PyTorch's names and
 *  layout (core/train/torch_layout.h) with the architecture in a JSON config beside it, and
 *  back. moe-train's --export-safetensors, --load-safetensors and --export-predictions;
 *  scripts/to_pytorch.py reads and writes the same files (docs/PYTORCH.md). */
#include <string>

#include <nlohmann/json.hpp>

#include "core/train/safetensors.h"

namespace moe::core {

class Session;
struct EvalReport;

/** The JSON config beside a safetensors file: `model.safetensors` -> `model.json`; a path
 *  without that extension gets ".json" appended. */
std::string torchConfigPath(const std::string& safetensorsPath);

/** Writes the session's weights (torchLayout) to `path` and torchConfig() to
 *  torchConfigPath(path). @throws SafetensorsError naming the file. */
void exportSafetensors(Session& session, const std::string& path);

/**
 * Reads torchConfigPath(path) and checks it is a config of this format ("format"
 * "moe-explorer-torch", version 1, a "moe_train_config" object).
 * @throws SafetensorsError naming the JSON file and the problem.
 */
nlohmann::json readTorchConfig(const std::string& safetensorsPath);

/**
 * Loads a safetensors file as the session's weights (and router state): every tensor the
 * model needs must be there, F32, with PyTorch's shape, finite, and no other tensor may be.
 * All is checked before anything changes. The optimizer state and the step stay as they are.
 * @throws SafetensorsError naming the file, the tensor and the problem.
 */
void importSafetensors(Session& session, const std::string& path);

/**
 * An evaluation's per-row results as safetensors, to compare runs and scripts row by row:
 * "predictions" and "labels" (I32 [rows]), "confidence" (F32 [rows], the probability of the
 * predicted class) and "top_experts" (I32 [rows, k], -1 where a row has fewer experts).
 * @throws SafetensorsError when the evaluation has no class predictions (regression) or the
 * file cannot be written.
 */
void writePredictions(const EvalReport& report, const std::string& path);

}  // namespace moe::core
