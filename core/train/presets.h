#pragma once
/** @file Dataset-aware defaults: what a run uses for the settings the user did not give. */
#include <string>

#include "core/data/catalog.h"
#include "core/train/config.h"

namespace moe::core {

/**
 * The default TrainConfig for a dataset spec (its `dataset` field set to the spec): TrainConfig's
 * defaults (the reference MoE task) with the dataset table row's preset on top; unknown specs
 * get the defaults. The CLI and the GUI start from this and apply what the user set on top.
 */
TrainConfig presetFor(const std::string& dataset);

/** Text datasets (fortunes-langid, text-csv:FILE): settings tuned for the text MoE, recorded
 *  in docs/BENCHMARKS.md. A dataset table preset. */
void textPreset(TrainConfig& config);
/** Ratings (movielens[:DIR]): settings tuned for the rating MoE. A dataset table preset. */
void ratingsPreset(TrainConfig& config);
/** Translated images (shifted[:SOURCE]): a two-layer deep-moe of 4 dense linear experts per layer ("Where,
 *  then what", docs/DEEP_MOE.md). A dataset table preset. */
void shiftedPreset(TrainConfig& config);

/** 2-D toy classification (toy:spirals, ...): a mixture of 4 small MLP experts, tuned on two
 *  spirals (docs/PLAYGROUND.md). A dataset table preset. */
void toyPreset(TrainConfig& config);
/** Toy regression (toy:regression-1d/-2d): a mixture of 4 linear experts, a piecewise model. */
void toyRegressionPreset(TrainConfig& config);

/** The data-loading options a config implies: seed, validation share, train cap, and the
 *  tokenizer (n-gram range and hash buckets from config.text). */
DataOptions dataOptionsFor(const TrainConfig& config);

}  // namespace moe::core
