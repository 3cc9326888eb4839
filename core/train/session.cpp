#include "core/train/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "compute/backend_factory.h"
#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/routing/routing_stats.h"

namespace moe::core {

using compute::DType;
using compute::Tensor;

struct Session::Device {
  Tensor trainX, testX, validationX;
  Scratch idx, labels, x, dLogits;
};

namespace {
constexpr int kEvalBatch = 1000;

// The device copy of a dense split (empty tensor for empty or non-dense splits).
Tensor upload(compute::Backend& backend, const Dataset& d) {
  if (d.kind != DataKind::Dense || d.rows() == 0) return {};
  Tensor t = backend.alloc(d.rows(), d.features);
  backend.write(t, std::span<const float>(d.x));
  return t;
}
}  // namespace

Session::Session(const TrainConfig& config, std::shared_ptr<const DataSplits> data,
                 std::unique_ptr<compute::Backend> backend)
    : mConfig(config), mData(std::move(data)), mBackend(std::move(backend)) {
  mConfig.validate();
  if (!mData || mData->train.rows() == 0) throw ConfigError("the training split is empty");
  if (mData->test.rows() == 0) throw ConfigError("the test split is empty");
  mModel = createModel(mConfig, mData->train, *mBackend);
  mOptimizer = std::make_unique<Optimizer>(*mBackend, mModel->parameters(), mConfig.optim);
  if (MoeLayer* moe = mModel->moe()) moe->experts().setFusedOptimizer(mOptimizer.get());
  mDevice = std::make_unique<Device>();
  mDevice->trainX = upload(*mBackend, mData->train);
  mDevice->testX = upload(*mBackend, mData->test);
  mDevice->validationX = upload(*mBackend, mData->validation);
  const int trainRows = mConfig.maxTrain > 0 ? std::min(mConfig.maxTrain, mData->train.rows())
                                             : mData->train.rows();
  mOrder.resize(std::size_t(trainRows));
}

Session::~Session() = default;

long Session::stepsPerEpoch() const {
  return (long(mOrder.size()) + mConfig.batchSize - 1) / mConfig.batchSize;
}

double Session::epochProgress() const {
  return mEpoch + double(mCursor) / double(std::max<std::size_t>(1, mOrder.size()));
}

std::string Session::backendDescription() const { return mBackend->deviceName(); }

long Session::paramsTotal() const { return mModel->paramsTotal(); }
long Session::paramsActivePerInput() const { return mModel->paramsActivePerInput(); }

void Session::applyLive() {
  mConfig.validate();
  mOptimizer->setLearningRate(mConfig.optim.lr);
  mModel->setCapacityFactor(mConfig.model.capacityFactor);
  mModel->setNoiseScale(mConfig.model.noiseScale);
}

void Session::startEpoch() {
  std::iota(mOrder.begin(), mOrder.end(), 0);
  std::mt19937_64 rng(mConfig.seed * 0x9E3779B97F4A7C15ULL + std::uint64_t(mEpoch) + 1);
  std::shuffle(mOrder.begin(), mOrder.end(), rng);
  const int classes = mData->train.classes;
  const int experts = mModel->moe() ? mConfig.model.experts : 0;
  mClassExpert.assign(std::size_t(classes) * std::size_t(experts), 0);
}

StepMetrics Session::trainStep() {
  if (mData->train.kind != DataKind::Dense) return trainStepTask();
  const auto t0 = std::chrono::steady_clock::now();
  if (mCursor == 0) startEpoch();
  const Dataset& train = mData->train;
  const int n = int(std::min<long>(mConfig.batchSize, long(mOrder.size()) - mCursor));
  Batch batch;
  batch.rows = n;
  batch.source = &train;
  batch.indices.assign(mOrder.begin() + mCursor, mOrder.begin() + mCursor + n);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) labels[std::size_t(i)] = train.labels[std::size_t(batch.indices[std::size_t(i)])];

  Tensor idx = mDevice->idx.get(*mBackend, n, 1, DType::I32);
  mBackend->write(idx, std::span<const std::int32_t>(batch.indices));
  batch.x = mDevice->x.get(*mBackend, n, train.features);
  mBackend->gatherRows(mDevice->trainX, idx, batch.x);
  Tensor lab = mDevice->labels.get(*mBackend, n, 1, DType::I32);
  mBackend->write(lab, std::span<const std::int32_t>(labels));

  StepContext ctx{mConfig.loss, mConfig.seed, std::uint64_t(mStep)};
  const Tensor& logits = mModel->forward(batch, true, ctx);
  Tensor dLogits = mDevice->dLogits.get(*mBackend, n, logits.cols());
  const double lossSum = mBackend->crossEntropy(logits, lab, 1.0f / float(n), dLogits);
  MoeLayer* moe = mModel->moe();
  const AuxLosses aux = moe ? moe->auxLosses() : AuxLosses{};
  const double loss = lossSum / n;
  if (!std::isfinite(loss) || !std::isfinite(aux.weighted))
    throw DivergenceError("the loss became " + std::string(std::isnan(loss + aux.weighted) ? "NaN" : "infinite") +
                          " at step " + std::to_string(mStep + 1) +
                          "; training paused before applying it (try a lower learning rate)");

  // Accuracy from the logits (a few hundred floats) before backward reuses any scratch.
  const auto host = compute::toHost(*mBackend, logits);
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    const float* z = host.data() + std::size_t(i) * logits.cols();
    correct += int(std::max_element(z, z + logits.cols()) - z) == labels[std::size_t(i)];
  }

  RoutingStats routing;
  if (moe) {
    RoutingAccumulator acc(moe->plan().experts);
    acc.add(moe->plan(), moe->probs(), labels.data(), train.classes);
    routing = acc.result();
    for (std::size_t i = 0; i < mClassExpert.size(); ++i) mClassExpert[i] += acc.classExpert()[i];
  }
  mModel->backward(dLogits);
  return finishStep(loss, double(correct) / n, aux, routing, n, t0);
}

int Session::recordPredictions(const std::vector<float>& logits, int classes, int start,
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

StepMetrics Session::finishStep(double loss, double metric, const AuxLosses& aux,
                                const RoutingStats& routing, int rows,
                                std::chrono::steady_clock::time_point started) {
  const double gradNorm = mOptimizer->step();
  if (!std::isfinite(gradNorm))
    throw DivergenceError("the gradient became non-finite at step " + std::to_string(mStep + 1) +
                          "; training paused before applying it (try a lower learning rate)");
  StepMetrics m;
  ++mStep;
  m.step = mStep;
  m.epoch = mEpoch;
  m.samples = int(rows);
  m.loss = loss;
  m.accuracy = metric;
  m.switchLoss = aux.switchLoss;
  m.importanceLoss = aux.importanceLoss;
  m.loadLoss = aux.loadLoss;
  m.zLoss = aux.zLoss;
  m.auxTotal = aux.weighted;
  m.lr = mOptimizer->learningRate();
  m.routing = routing;
  mCursor += rows;
  if (mCursor >= long(mOrder.size())) {
    mCursor = 0;
    ++mEpoch;
  }
  m.epochProgress = mCursor == 0 ? double(mEpoch) : epochProgress();
  const double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double rate = rows / std::max(dt, 1e-9);
  mSamplesPerSecond = mSamplesPerSecond == 0.0 ? rate : 0.9 * mSamplesPerSecond + 0.1 * rate;
  m.samplesPerSecond = mSamplesPerSecond;
  return m;
}

std::shared_ptr<const EvalReport> Session::evaluate(bool validation) {
  const Dataset& d = validation ? mData->validation : mData->test;
  if (d.kind == DataKind::Tokens) return evaluateTokens(d);
  if (d.kind == DataKind::Ratings) return evaluateRatings(d);
  const Tensor& all = validation ? mDevice->validationX : mDevice->testX;
  auto report = std::make_shared<EvalReport>();
  report->step = mStep;
  report->epoch = mEpoch;
  report->classes = d.classes;
  MoeLayer* moe = mModel->moe();
  const int E = moe ? mConfig.model.experts : 0;
  report->experts = E;
  report->k = moe ? moe->router().expertsPerRow() : 0;
  const int rows = d.rows();
  report->predictions.resize(std::size_t(rows));
  report->predictionConfidence.resize(std::size_t(rows));
  report->labels = d.labels;
  report->gateProbs.reserve(std::size_t(rows) * E);
  report->topExperts.assign(std::size_t(rows) * report->k, -1);
  RoutingAccumulator acc(E);
  double lossSum = 0.0;
  int correct = 0;
  std::vector<std::int32_t> firstExpert(static_cast<std::size_t>(rows), -1);
  for (int start = 0; start < rows; start += kEvalBatch) {
    const int n = std::min(kEvalBatch, rows - start);
    Batch batch;
    batch.rows = n;
    batch.source = &d;
    batch.indices.resize(std::size_t(n));
    std::iota(batch.indices.begin(), batch.indices.end(), start);
    Tensor idx = mDevice->idx.get(*mBackend, n, 1, DType::I32);
    mBackend->write(idx, std::span<const std::int32_t>(batch.indices));
    batch.x = mDevice->x.get(*mBackend, n, d.features);
    mBackend->gatherRows(all, idx, batch.x);
    Tensor lab = mDevice->labels.get(*mBackend, n, 1, DType::I32);
    mBackend->write(lab, std::span<const std::int32_t>(d.labels.data() + start, std::size_t(n)));
    const Tensor& logits = mModel->forward(batch, false, StepContext{mConfig.loss, 0, 0});
    Tensor scratch = mDevice->dLogits.get(*mBackend, n, logits.cols());
    lossSum += mBackend->crossEntropy(logits, lab, 0.0f, scratch);
    const auto host = compute::toHost(*mBackend, logits);
    correct += recordPredictions(host, logits.cols(), start, d.labels, *report);
    if (moe) {
      const DispatchPlan& plan = moe->plan();
      acc.add(plan, moe->probs(), d.labels.data() + start, d.classes);
      report->gateProbs.insert(report->gateProbs.end(), moe->probs().begin(), moe->probs().end());
      for (int i = 0; i < n; ++i) {
        const int b = plan.rowPtr[i], cnt = std::min(plan.rowPtr[i + 1] - b, report->k);
        for (int j = 0; j < cnt; ++j)
          report->topExperts[std::size_t(start + i) * report->k + j] = plan.rowExperts[std::size_t(b + j)];
        if (cnt > 0) firstExpert[std::size_t(start + i)] = plan.rowExperts[std::size_t(b)];
      }
    }
  }
  report->loss = lossSum / std::max(1, rows);
  report->accuracy = double(correct) / std::max(1, rows);
  if (moe) {
    report->routing = acc.result();
    report->classExpert = acc.classExpert();
    std::vector<std::int64_t> joint(std::size_t(d.classes) * E, 0);
    for (int r = 0; r < rows; ++r)
      if (firstExpert[std::size_t(r)] >= 0)
        ++joint[std::size_t(d.labels[std::size_t(r)]) * E + std::size_t(firstExpert[std::size_t(r)])];
    report->mutualInformation = mutualInformation(joint, d.classes, E);
  }
  return report;
}

Inspection Session::inspect(int testIndex) {
  const Dataset& d = mData->test;
  if (testIndex < 0 || testIndex >= d.rows())
    throw std::out_of_range("test index " + std::to_string(testIndex) + " is outside [0, " +
                            std::to_string(d.rows()) + ")");
  Batch one;
  one.rows = 1;
  one.source = &d;
  one.indices = {testIndex};
  if (d.kind == DataKind::Dense) {
    Tensor idx = mBackend->alloc(1, 1, DType::I32);
    mBackend->write(idx, std::span<const std::int32_t>(one.indices));
    one.x = mBackend->alloc(1, d.features);
    mBackend->gatherRows(mDevice->testX, idx, one.x);
  }
  Inspection out = mModel->inspect(one);
  out.index = testIndex;
  if (std::size_t(testIndex) < d.labels.size()) out.label = d.labels[std::size_t(testIndex)];
  if (d.kind == DataKind::Tokens) attachText(out, d.texts[std::size_t(testIndex)]);
  return out;
}

}  // namespace moe::core
