#include "core/task/classification.h"

#include <algorithm>
#include <cmath>

namespace moe::core {

TaskLoss classificationLoss(compute::Backend& backend, const Batch& batch,
                            const compute::Tensor& out, ClassificationScratch& scratch) {
  const int n = batch.rows;
  compute::Tensor lab = scratch.labels.get(backend, n, 1, compute::DType::I32);
  backend.write(lab, std::span<const std::int32_t>(batch.labels));
  TaskLoss result;
  result.gradient = scratch.gradient.get(backend, n, out.cols());
  result.loss = backend.crossEntropy(out, lab, 1.0f / float(n), result.gradient) / n;
  // Accuracy from the logits (a few hundred floats).
  const auto host = compute::toHost(backend, out);
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    const float* z = host.data() + std::size_t(i) * out.cols();
    correct += int(std::max_element(z, z + out.cols()) - z) == batch.labels[std::size_t(i)];
  }
  result.metric = double(correct) / n;
  return result;
}

double evalCrossEntropy(compute::Backend& backend, std::span<const std::int32_t> labels,
                        const compute::Tensor& out, ClassificationScratch& scratch) {
  const int n = int(labels.size());
  compute::Tensor lab = scratch.labels.get(backend, n, 1, compute::DType::I32);
  backend.write(lab, labels);
  compute::Tensor unused = scratch.gradient.get(backend, n, out.cols());
  return backend.crossEntropy(out, lab, 0.0f, unused);
}

int recordPredictions(const std::vector<float>& logits, int classes, int start,
                      const std::vector<std::int32_t>& labels, EvalReport& report) {
  const int rows = int(logits.size() / std::size_t(classes));
  int correct = 0;
  for (int i = 0; i < rows; ++i) {
    const float* z = logits.data() + std::size_t(i) * classes;
    const int pred = int(std::max_element(z, z + classes) - z);
    double denom = 0.0;
    for (int c = 0; c < classes; ++c) denom += std::exp(double(z[c] - z[pred]));
    report.predictions[std::size_t(start + i)] = pred;
    report.predictionConfidence[std::size_t(start + i)] = float(1.0 / denom);
    correct += pred == labels[std::size_t(start + i)];
  }
  return correct;
}

void recordChoices(const DispatchPlan& plan, int start, int rows, int k,
                   std::vector<std::int32_t>& topExperts, std::vector<std::int32_t>* firstExpert) {
  for (int i = 0; i < rows; ++i) {
    const int b = plan.rowPtr[std::size_t(i)],
              cnt = std::min(plan.rowPtr[std::size_t(i) + 1] - b, k);
    for (int j = 0; j < cnt; ++j)
      topExperts[std::size_t(start + i) * std::size_t(k) + std::size_t(j)] =
          plan.rowExperts[std::size_t(b + j)];
    if (firstExpert && cnt > 0)
      (*firstExpert)[std::size_t(start + i)] = plan.rowExperts[std::size_t(b)];
  }
}

void addCounts(std::vector<std::int64_t>& table, const std::vector<std::int64_t>& add) {
  for (std::size_t i = 0; i < table.size() && i < add.size(); ++i) table[i] += add[i];
}

}  // namespace moe::core
