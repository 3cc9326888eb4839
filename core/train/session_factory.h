#pragma once
/** @file The one recipe from a config to a training session: data (cached by key), backend
 *  (with the CPU fallback's message), Session. The window, its benchmark and moe-train use it. */
#include <memory>
#include <string>

#include "core/data/catalog.h"
#include "core/train/session.h"

namespace moe::core {

/** What the data of a config depends on (dataset, folder, train cap, validation share, seed,
 *  tokenizer): two configs with the same key load the same splits, so a caller may reuse them. */
std::string dataKey(const TrainConfig& config);

/** Loads the config's dataset with the options it implies (dataOptionsFor: the tokenizer
 *  matches the one the session uses for typed text). @throws DataError when loading fails. */
std::shared_ptr<const DataSplits> loadData(const TrainConfig& config);

/** A built session, with the data it trains on and a notice for the user. */
struct SessionBuild {
  std::shared_ptr<const DataSplits> data;
  std::unique_ptr<Session> session;
  std::string notice;  ///< why the requested backend was not used (CPU fallback), a memory
                       ///< warning; empty when there is nothing to say
};

/**
 * Validates the config, loads its data unless `data` is given (loaded for the same dataKey),
 * creates the backend (an OpenCL failure falls back to the CPU with a notice) and builds the
 * session. @throws ConfigError for invalid settings, MemoryBudgetError (a ConfigError) when the
 * model would need more memory than is available (core/train/memory_budget.h),
 * std::invalid_argument for an unknown backend spec, DataError when the data cannot be loaded.
 */
SessionBuild buildSession(const TrainConfig& config,
                          std::shared_ptr<const DataSplits> data = nullptr);

}  // namespace moe::core
