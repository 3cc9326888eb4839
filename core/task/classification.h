#pragma once
/** @file Pieces the classification tasks share: the cross-entropy loss of a batch, predictions
 *  from host logits, and the experts each row of a plan went to. */
#include <cstdint>
#include <span>
#include <vector>

#include "core/model/parameter.h"
#include "core/routing/dispatch_plan.h"
#include "core/task/task.h"

namespace moe::core {

/** Device scratch for a classification loss: the labels and the gradient (or CE scratch). */
struct ClassificationScratch {
  Scratch labels, gradient;
};

/** Mean cross-entropy of `out` (rows x classes logits) against batch.labels, its gradient
 *  (scaled by 1/rows) and the batch accuracy. */
TaskLoss classificationLoss(compute::Backend& backend, const Batch& batch,
                            const compute::Tensor& out, ClassificationScratch& scratch);

/** The summed (unscaled) cross-entropy of one evaluation batch; no gradient is kept. */
double evalCrossEntropy(compute::Backend& backend, std::span<const std::int32_t> labels,
                        const compute::Tensor& out, ClassificationScratch& scratch);

/** Fills report's predictions and confidences for the rows starting at `start` from their
 *  host logits (rows x classes); returns how many match `labels` (indexed from 0). */
int recordPredictions(const std::vector<float>& logits, int classes, int start,
                      const std::vector<std::int32_t>& labels, EvalReport& report);

/** Copies each of the first `rows` plan rows' first k experts (first choice first) into topExperts
 * rows from `start` (k per row); the first choice also into firstExpert when given. */
void recordChoices(const DispatchPlan& plan, int start, int rows, int k,
                   std::vector<std::int32_t>& topExperts,
                   std::vector<std::int32_t>* firstExpert = nullptr);

/** table[i] += add[i] over the shorter of the two. */
void addCounts(std::vector<std::int64_t>& table, const std::vector<std::int64_t>& add);

}  // namespace moe::core
