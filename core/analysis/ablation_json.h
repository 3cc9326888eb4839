#pragma once
/** @file An AblationReport as one JSON object (moe-train --ablate --json) and as a readable
 *  table. */
#include <nlohmann/json.hpp>
#include <string>

#include "core/analysis/ablation.h"

namespace moe::core {

/**
 * {"ablation": true, "step", "experts", "classes", "k", "test_rows", "class_names",
 *  "test_accuracy", "class_accuracy", "class_rows", "class_expert" (classes x experts),
 *  "expert_share", "removed": {"next-choice": [...], "renormalise": [...]}, "alone": [...],
 *  "uniform_gate": {...}, "bar": {"next-choice": [...], "renormalise": [...]}}; each evaluation
 *  is {"mode", "expert", "test_accuracy", "accuracy_drop", "class_accuracy", "class_drop"}.
 *  NaN (a class without test rows) is null.
 */
nlohmann::json ablationJson(const AblationReport& report);

/** The report as text: per expert its share, the accuracy and the drop in both removal modes
 *  and alone, the uniform gate, and the bar's rows. */
std::string ablationTable(const AblationReport& report);

}  // namespace moe::core
