// Session: training steps and evaluation for text (Tokens) and ratings (regression) data.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/routing/router_registry.h"
#include "core/routing/routing_stats.h"
#include "core/train/session.h"

namespace moe::core {

using compute::DType;
using compute::Tensor;

namespace {
constexpr int kEvalTexts = 256;     // texts per evaluation batch (a few hundred tokens each)
constexpr int kEvalRatings = 4096;  // ratings per evaluation batch

float clipRating(float r) { return std::clamp(r, 0.5f, 5.0f); }

// Counts, for each row and each genre of its item, every expert that processed the row.
void addGenreExpert(const DispatchPlan& plan, const Dataset& d, const std::int32_t* rows,
                    int genres, std::vector<std::int64_t>& table) {
  const int E = plan.experts;
  for (int r = 0; r < plan.rows; ++r) {
    const int item = d.items[std::size_t(rows[r])];
    const std::uint32_t g =
        item >= 0 && std::size_t(item) < d.itemGenres.size() ? d.itemGenres[std::size_t(item)] : 0u;
    if (g == 0) continue;
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j)
      for (int k = 0; k < genres; ++k)
        if (g & (1u << k)) ++table[std::size_t(k) * E + std::size_t(plan.rowExperts[std::size_t(j)])];
  }
}

int reportK(const TrainConfig& c) {
  return expertsPerRow(c.model.router, c.model.topK, c.model.experts);
}
}  // namespace

StepMetrics Session::trainStepTask() {
  const auto t0 = std::chrono::steady_clock::now();
  if (mCursor == 0) startEpoch();
  const Dataset& train = mData->train;
  const bool ratings = train.kind == DataKind::Ratings;
  const int n = int(std::min<long>(mConfig.batchSize, long(mOrder.size()) - mCursor));
  Batch batch;
  batch.rows = n;
  batch.source = &train;
  batch.indices.assign(mOrder.begin() + mCursor, mOrder.begin() + mCursor + n);

  StepContext ctx{mConfig.loss, mConfig.seed, std::uint64_t(mStep)};
  const Tensor& out = mModel->forward(batch, true, ctx);
  Tensor dOut = mTaskGrad.get(*mBackend, n, out.cols());
  const auto host = compute::toHost(*mBackend, out);
  double loss = 0.0, metric = 0.0;
  std::vector<std::int32_t> labels;
  if (ratings) {
    // MSE on the host: B predictions. dL/dpred = 2 (pred - target) / B.
    std::vector<float> grad(static_cast<std::size_t>(n));
    double sse = 0.0;
    for (int i = 0; i < n; ++i) {
      const double e = double(host[std::size_t(i)]) - train.targets[std::size_t(batch.indices[std::size_t(i)])];
      sse += e * e;
      grad[std::size_t(i)] = float(2.0 * e / n);
    }
    mBackend->write(dOut, std::span<const float>(grad));
    loss = sse / n;
    metric = std::sqrt(loss);
  } else {
    labels.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) labels[std::size_t(i)] = train.labels[std::size_t(batch.indices[std::size_t(i)])];
    Tensor lab = mTaskLabels.get(*mBackend, n, 1, DType::I32);
    mBackend->write(lab, std::span<const std::int32_t>(labels));
    loss = mBackend->crossEntropy(out, lab, 1.0f / float(n), dOut) / n;
    int correct = 0;
    for (int i = 0; i < n; ++i) {
      const float* z = host.data() + std::size_t(i) * out.cols();
      correct += int(std::max_element(z, z + out.cols()) - z) == labels[std::size_t(i)];
    }
    metric = double(correct) / n;
  }
  MoeLayer* moe = mModel->moe();
  const AuxLosses aux = moe ? moe->auxLosses() : AuxLosses{};
  if (!std::isfinite(loss) || !std::isfinite(aux.weighted))
    throw DivergenceError("the loss became " +
                          std::string(std::isnan(loss + aux.weighted) ? "NaN" : "infinite") +
                          " at step " + std::to_string(mStep + 1) +
                          "; training paused before applying it (try a lower learning rate)");
  // Routing statistics before backward (the plan is the forward's).
  RoutingStats routing;
  if (moe) {
    const DispatchPlan& plan = moe->plan();
    RoutingAccumulator acc(plan.experts);
    if (ratings) {
      const int G = int(train.genreNames.size()), E = plan.experts;
      if (mClassExpert.size() != std::size_t(G) * E) mClassExpert.assign(std::size_t(G) * E, 0);
      acc.add(plan, moe->probs());
      addGenreExpert(plan, train, batch.indices.data(), G, mClassExpert);
    } else {
      const auto* owners = mModel->routedRowOwners();
      std::vector<std::int32_t> rowLabels(static_cast<std::size_t>(plan.rows), -1);
      if (owners && owners->size() == std::size_t(plan.rows))
        for (int r = 0; r < plan.rows; ++r) rowLabels[std::size_t(r)] = labels[std::size_t((*owners)[std::size_t(r)])];
      acc.add(plan, moe->probs(), rowLabels.data(), train.classes);
      for (std::size_t i = 0; i < mClassExpert.size() && i < acc.classExpert().size(); ++i)
        mClassExpert[i] += acc.classExpert()[i];
    }
    routing = acc.result();
  }
  mModel->backward(dOut);
  return finishStep(loss, metric, aux, routing, n, t0);
}

std::shared_ptr<const EvalReport> Session::evaluateTokens(const Dataset& d) {
  auto report = std::make_shared<EvalReport>();
  report->step = mStep;
  report->epoch = mEpoch;
  report->classes = d.classes;
  MoeLayer* moe = mModel->moe();
  const int E = moe ? mConfig.model.experts : 0, K = moe ? reportK(mConfig) : 0;
  report->experts = E;
  report->k = K;
  const int rows = d.rows(), C = d.classes;
  report->predictions.resize(std::size_t(rows));
  report->predictionConfidence.resize(std::size_t(rows));
  report->labels = d.labels;
  report->gateProbs.assign(std::size_t(rows) * E, 0.0f);
  report->topExperts.assign(std::size_t(rows) * K, -1);
  RoutingAccumulator acc(E);
  std::vector<std::int64_t> joint(std::size_t(C) * E, 0);
  double lossSum = 0.0;
  int correct = 0;
  for (int start = 0; start < rows; start += kEvalTexts) {
    const int n = std::min(kEvalTexts, rows - start);
    Batch batch;
    batch.rows = n;
    batch.source = &d;
    batch.indices.resize(std::size_t(n));
    std::iota(batch.indices.begin(), batch.indices.end(), start);
    const Tensor& logits = mModel->forward(batch, false, StepContext{mConfig.loss, 0, 0});
    Tensor lab = mTaskLabels.get(*mBackend, n, 1, DType::I32);
    mBackend->write(lab, std::span<const std::int32_t>(d.labels.data() + start, std::size_t(n)));
    Tensor scratch = mTaskGrad.get(*mBackend, n, logits.cols());
    lossSum += mBackend->crossEntropy(logits, lab, 0.0f, scratch);
    const auto host = compute::toHost(*mBackend, logits);
    correct += recordPredictions(host, C, start, d.labels, *report);
    const auto* owners = mModel->routedRowOwners();
    if (!moe || !owners || moe->plan().rows != int(owners->size())) continue;
    const DispatchPlan& plan = moe->plan();
    const auto& probs = moe->probs();
    std::vector<std::int32_t> tokenLabels(owners->size());
    std::vector<std::int64_t> taken(std::size_t(n) * E, 0);
    std::vector<int> tokens(static_cast<std::size_t>(n), 0);
    for (int r = 0; r < plan.rows; ++r) {
      const int t = (*owners)[std::size_t(r)], label = d.labels[std::size_t(start + t)];
      tokenLabels[std::size_t(r)] = label;
      ++tokens[std::size_t(t)];
      for (int e = 0; e < E; ++e)
        report->gateProbs[std::size_t(start + t) * E + e] += probs[std::size_t(r) * E + e];
      for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j)
        ++taken[std::size_t(t) * E + std::size_t(plan.rowExperts[std::size_t(j)])];
      if (plan.rowPtr[std::size_t(r)] < plan.rowPtr[std::size_t(r) + 1])
        ++joint[std::size_t(label) * E + std::size_t(plan.rowExperts[std::size_t(plan.rowPtr[std::size_t(r)])])];
    }
    acc.add(plan, probs, tokenLabels.data(), C);
    for (int t = 0; t < n; ++t) {
      for (int e = 0; e < E && tokens[std::size_t(t)] > 0; ++e)
        report->gateProbs[std::size_t(start + t) * E + e] /= float(tokens[std::size_t(t)]);
      // The text's experts by tokens taken, most first (ties: lower index).
      std::vector<int> order(static_cast<std::size_t>(E));
      std::iota(order.begin(), order.end(), 0);
      const std::int64_t* row = taken.data() + std::size_t(t) * E;
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
      for (int j = 0; j < K && j < E && row[order[std::size_t(j)]] > 0; ++j)
        report->topExperts[std::size_t(start + t) * K + j] = order[std::size_t(j)];
    }
  }
  report->loss = lossSum / std::max(1, rows);
  report->accuracy = double(correct) / std::max(1, rows);
  if (moe) {
    report->routing = acc.result();
    report->classExpert = acc.classExpert();
    if (report->classExpert.empty()) report->classExpert.assign(std::size_t(C) * E, 0);
    report->mutualInformation = mutualInformation(joint, C, E);
  }
  return report;
}

std::shared_ptr<const EvalReport> Session::evaluateRatings(const Dataset& d) {
  auto report = std::make_shared<EvalReport>();
  report->step = mStep;
  report->epoch = mEpoch;
  report->regression = true;
  MoeLayer* moe = mModel->moe();
  const int E = moe ? mConfig.model.experts : 0, K = moe ? reportK(mConfig) : 0;
  const int G = int(d.genreNames.size()), rows = d.rows();
  report->classes = G;
  report->experts = E;
  report->k = K;
  report->targets = d.targets;
  report->predictedValues.resize(std::size_t(rows));
  report->gateProbs.reserve(std::size_t(rows) * E);
  report->topExperts.assign(std::size_t(rows) * K, -1);
  report->classExpert.assign(std::size_t(G) * E, 0);
  RoutingAccumulator acc(E);
  std::vector<std::int64_t> joint(std::size_t(G) * E, 0);
  double sse = 0.0;
  for (int start = 0; start < rows; start += kEvalRatings) {
    const int n = std::min(kEvalRatings, rows - start);
    Batch batch;
    batch.rows = n;
    batch.source = &d;
    batch.indices.resize(std::size_t(n));
    std::iota(batch.indices.begin(), batch.indices.end(), start);
    const Tensor& out = mModel->forward(batch, false, StepContext{mConfig.loss, 0, 0});
    const auto host = compute::toHost(*mBackend, out);
    for (int i = 0; i < n; ++i) {
      const float p = clipRating(host[std::size_t(i)]);
      report->predictedValues[std::size_t(start + i)] = p;
      const double e = double(p) - d.targets[std::size_t(start + i)];
      sse += e * e;
    }
    if (!moe) continue;
    const DispatchPlan& plan = moe->plan();
    acc.add(plan, moe->probs());
    report->gateProbs.insert(report->gateProbs.end(), moe->probs().begin(), moe->probs().end());
    addGenreExpert(plan, d, batch.indices.data(), G, report->classExpert);
    for (int i = 0; i < n; ++i) {
      const int b = plan.rowPtr[std::size_t(i)], cnt = std::min(plan.rowPtr[std::size_t(i) + 1] - b, K);
      for (int j = 0; j < cnt; ++j)
        report->topExperts[std::size_t(start + i) * K + j] = plan.rowExperts[std::size_t(b + j)];
      const int item = d.items[std::size_t(start + i)];
      const std::uint32_t g = item >= 0 && std::size_t(item) < d.itemGenres.size()
                                  ? d.itemGenres[std::size_t(item)] : 0u;
      if (cnt > 0)
        for (int k = 0; k < G; ++k)
          if (g & (1u << k)) ++joint[std::size_t(k) * E + std::size_t(plan.rowExperts[std::size_t(b)])];
    }
  }
  report->loss = sse / std::max(1, rows);  // MSE of the clipped predictions
  report->accuracy = std::sqrt(report->loss);  // RMSE (regression: see EvalReport)
  if (moe) {
    report->routing = acc.result();
    report->mutualInformation = mutualInformation(joint, G, E);
  }
  return report;
}

}  // namespace moe::core
