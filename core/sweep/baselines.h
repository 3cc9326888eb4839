#pragma once
/**
 * @file The baselines a sweep compares an MoE with (spec key "baselines"), each trained through
 * the same Session and loop as the MoE, on the same data, with the same optimizer and epochs:
 *
 *   dense-active  one expert as wide as the experts a row uses (k x width, shared experts added)
 *   dense-total   one expert as wide as all the experts together
 *   uniform-gate  the MoE itself with the "uniform" router: every expert, gate 1/E, frozen
 *   bagging       N one-expert models on bootstrap samples, probabilities averaged
 *   boosting      N one-expert models, multi-class AdaBoost (SAMME) by weighted resampling
 *   stacking      N one-expert models on 80% of the training rows, a linear meta-learner on
 *                 their probabilities for the held-out 20%
 *
 * "One expert" is the task's own model with experts = 1 (for images an MLP with a one-logit
 * router whose gate is always 1): the same code for images and text. An ensemble member is one
 * expert of the MoE's width; N ("ensemble_members") defaults to the MoE's experts, so an
 * ensemble has the MoE's total parameters.
 */
#include <optional>
#include <string>
#include <vector>

#include "core/train/config.h"

namespace moe::core {

enum class Baseline : std::uint8_t { DenseActive, DenseTotal, UniformGate, Bagging, Boosting, Stacking };

/** Every baseline, in the order above. */
const std::vector<Baseline>& allBaselines();
const char* baselineName(Baseline b);
/** The baseline called `name`, or nothing. */
std::optional<Baseline> findBaseline(const std::string& name);
/** True for bagging, boosting and stacking (trained by trainEnsembleRun). */
bool isEnsemble(Baseline b);

/** The config a baseline trains (for ensembles: each member's), from the MoE's config. */
TrainConfig baselineConfig(const TrainConfig& moe, Baseline b);

}  // namespace moe::core
