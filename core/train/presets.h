#pragma once
/** @file Dataset-aware defaults: what a run uses for the settings the user did not give. */
#include <string>

#include "core/data/catalog.h"
#include "core/train/config.h"

namespace moe::core {

/**
 * The default TrainConfig for a dataset spec (its `dataset` field set to the spec). Image
 * datasets get TrainConfig's defaults (the reference MoE task); text (fortunes-langid,
 * text-csv:FILE) and ratings (movielens[:DIR]) get settings tuned for their models, recorded
 * in docs/BENCHMARKS.md. The CLI and the GUI start from this and apply what the user
 * set on top.
 */
TrainConfig presetFor(const std::string& dataset);

/** The data-loading options a config implies: seed, validation share, train cap, and the
 *  tokenizer (n-gram range and hash buckets from config.text). */
DataOptions dataOptionsFor(const TrainConfig& config);

}  // namespace moe::core
