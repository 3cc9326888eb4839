#pragma once
#include <nlohmann/json_fwd.hpp>

#include "core/train/history_file.h"

namespace moe::ui {

/** Whether a parsed JSON document is a session.json of the window's first session format. */
bool isLegacySession(const nlohmann::json& doc);
/**
 * Converts such a document into settings and a history. Its rows did not say which quality
 * metric "accuracy" held (RMSE for ratings): the history says Accuracy, and whoever knows the
 * task re-labels it (core::RunHistory::setQuality). Throws on a malformed document.
 */
core::RunRecord readLegacySession(const nlohmann::json& doc);

}  // namespace moe::ui
