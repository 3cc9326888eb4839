#pragma once
/** @file The parts of an Inspection every classifier fills alike: prediction and gate. */
#include <vector>

#include "core/model/moe_layer.h"
#include "core/train/inspection.h"

namespace moe::core {

/** The gate's part of an inspection of a one-row forward: probabilities, logits, chosen experts,
 *  gates and the dropped flag. Returns the logit gradient of the first choice's probability
 *  (for a saliency map through Router::inputGradient). */
std::vector<float> fillGate(MoeLayer& moe, Inspection& out);

/** classes, prediction (softmax of the one row of logits) and predicted. */
void fillPrediction(compute::Backend& backend, const compute::Tensor& logits, Inspection& out);

}  // namespace moe::core
