#include "core/train/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/model/model.h"
#include "core/model/moe_layer.h"
#include "core/optim/optimizer.h"
#include "core/parallel/expert_parallel.h"
#include "core/routing/logit_histogram.h"
#include "core/routing/router_diagnostics.h"
#include "core/routing/routing_stats.h"
#include "core/task/registry.h"
#include "core/task/task.h"
#include "core/train/layer_settings.h"
#include "core/train/router_health.h"

namespace moe::core {

using compute::Tensor;

namespace {

// The auxiliary losses of every MoE layer of the last forward, added up (each layer's router
// backpropagates its own).
AuxLosses summedAuxLosses(const std::vector<MoeLayer*>& layers) {
  AuxLosses sum;
  for (MoeLayer* layer : layers) {
    const AuxLosses& a = layer->auxLosses();
    sum.switchLoss += a.switchLoss;
    sum.importanceLoss += a.importanceLoss;
    sum.loadLoss += a.loadLoss;
    sum.zLoss += a.zLoss;
    sum.weighted += a.weighted;
  }
  return sum;
}

// Models with several MoE layers: each layer's load and load CV of the step just run.
void layerLoads(const std::vector<MoeLayer*>& layers, StepMetrics& m) {
  if (layers.size() < 2) return;
  for (MoeLayer* layer : layers) {
    const RoutingStats s = routingStats(layer->plan(), layer->probs());
    m.layerLoad.insert(m.layerLoad.end(), s.load.begin(), s.load.end());
    m.layerLoadCv.push_back(float(s.loadCv));
  }
}

}  // namespace

Session::Session(const TrainConfig& config, std::shared_ptr<const DataSplits> data,
                 std::unique_ptr<compute::Backend> backend)
    : mConfig(config), mData(std::move(data)), mBackend(std::move(backend)) {
  mConfig.validate();
  if (!mData || mData->train.rows() == 0) throw ConfigError("the training split is empty");
  if (mData->test.rows() == 0) throw ConfigError("the test split is empty");
  mTask = taskFor(mData->train).create(mConfig, *mData, *mBackend);
  mModel = mTask->createModel();
  mOptimizer = std::make_unique<Optimizer>(*mBackend, mModel->parameters(), mConfig.optim);
  for (MoeLayer* layer : mModel->moeLayers()) layer->experts().setFusedOptimizer(mOptimizer.get());
  const int trainRows =
      mConfig.maxTrain > 0 ? std::min(mConfig.maxTrain, mData->train.rows()) : mData->train.rows();
  mOrder.resize(std::size_t(trainRows));
  mTracker = std::make_unique<RoutingTracker>(mConfig.health.fragileMargin);
  mHealth = std::make_unique<RouterHealth>(mConfig.health, mModel->moe() ? layerConfig(mConfig.model, 0).experts : 0,
                                           stepsPerEpoch() * mConfig.epochs);
}

Session::~Session() = default;

long Session::batchRows() const {
  // A model that fits itself (EM) sees the whole training split at every step.
  return mModel->fitsItself() ? std::max<long>(1, long(mOrder.size())) : long(mConfig.batchSize);
}

long Session::stepsPerEpoch() const {
  return (long(mOrder.size()) + batchRows() - 1) / batchRows();
}

double Session::epochProgress() const {
  return mEpoch + double(mCursor) / double(std::max<std::size_t>(1, mOrder.size()));
}

const TaskInfo& Session::task() const { return mTask->info(); }

int Session::evalBatchRows() const { return mTask->evalBatchRows(); }
void Session::enableExpertParallel(Communicator& comm) {
  mParallel = std::make_unique<ExpertParallel>(comm, *mModel, mConfig, *mBackend);
}

QualityMetric Session::qualityMetric() const { return mTask->info().quality; }

std::string Session::backendDescription() const { return mBackend->deviceName(); }

long Session::paramsTotal() const { return mModel->paramsTotal(); }
long Session::paramsActivePerInput() const { return mModel->paramsActivePerInput(); }

void Session::applyLive() {
  mConfig.validate();
  mOptimizer->setLearningRate(mConfig.optim.lr);
  mModel->setCapacityFactor(mConfig.model.capacityFactor);
  mModel->setNoiseScale(mConfig.model.noiseScale);
  mHealth->setConfig(mConfig.health);
}

void Session::startEpoch() {
  std::iota(mOrder.begin(), mOrder.end(), 0);
  std::mt19937_64 rng(mConfig.seed * 0x9E3779B97F4A7C15ULL + std::uint64_t(mEpoch) + 1);
  std::shuffle(mOrder.begin(), mOrder.end(), rng);
  const int experts = mModel->moe() ? layerConfig(mConfig.model, 0).routedExperts() : 0;
  mClassExpert.assign(std::size_t(mTask->analysisRows()) * std::size_t(experts), 0);
}

StepMetrics Session::trainStep() {
  const auto t0 = std::chrono::steady_clock::now();
  if (mCursor == 0) startEpoch();
  const int n = int(std::min<long>(batchRows(), long(mOrder.size()) - mCursor));
  const std::span<const std::int32_t> indices(mOrder.data() + mCursor, std::size_t(n));
  // Expert parallelism: this rank's shard of the batch's rows.
  const auto [first, last] = mParallel ? mParallel->beginStep(n) : std::pair<int, int>{0, n};
  const Batch batch =
      mTask->batch(Split::Train, indices.subspan(std::size_t(first), std::size_t(last - first)));
  StepContext ctx{mConfig.loss, mConfig.seed, std::uint64_t(mStep)};
  const Tensor& out = mModel->forward(batch, true, ctx);
  TaskLoss task = mTask->loss(batch, out);
  mModel->replaceLoss(batch, task);
  if (mParallel) mParallel->globalLoss(task, batch, out);
  MoeLayer* moe = mModel->moe();
  const AuxLosses aux = summedAuxLosses(mModel->moeLayers());
  if (!std::isfinite(task.loss) || !std::isfinite(aux.weighted))
    throw DivergenceError(refuseStep(
        "the loss became " +
        std::string(std::isnan(task.loss + aux.weighted) ? "NaN" : "infinite") + " at step " +
        std::to_string(mStep + 1) +
        "; training paused before applying it (try a lower learning rate)"));
  // Routing statistics before backward (the plan is the forward's).
  // (The plan is the whole batch's on every rank, so are the statistics.)
  const RoutingStats routing =
      !moe        ? RoutingStats{}
      : mParallel ? mTask->trainRouting(mParallel->routingBatch(mData->train, indices), *moe,
                                        mClassExpert)
                  : mTask->trainRouting(batch, *moe, mClassExpert);
  if (mModel->fitsItself())
    mModel->fit(batch);
  else
    mModel->backward(task.gradient);
  if (mParallel) mParallel->reduceGradients();
  StepMetrics diagnostics;
  if (moe && mConfig.health.diagnostics) measureStep(*moe, diagnostics);
  if (mParallel) mParallel->ownerNorms(diagnostics);
  StepMetrics m = finishStep(task.loss, task.metric, aux, routing, n, t0);
  layerLoads(mModel->moeLayers(), m);
  m.marginMean = diagnostics.marginMean;
  m.fragileFraction = diagnostics.fragileFraction;
  m.logitScale = diagnostics.logitScale;
  m.expertGradNorm = std::move(diagnostics.expertGradNorm);
  m.expertWeightNorm = std::move(diagnostics.expertWeightNorm);
  mModel->describeStep(m);
  if (mParallel) mParallel->finishStep(m);
  mHealth->observe(m);
  return m;
}

StepMetrics Session::finishStep(double loss, double metric, const AuxLosses& aux,
                                const RoutingStats& routing, int rows,
                                std::chrono::steady_clock::time_point started) {
  const double gradNorm = mModel->fitsItself() ? 0.0 : mOptimizer->step();
  if (!std::isfinite(gradNorm))
    throw DivergenceError(refuseStep("the gradient became non-finite at step " +
                                     std::to_string(mStep + 1) +
                                     "; training paused before applying it (try a lower "
                                     "learning rate)"));
  StepMetrics m;
  ++mStep;
  // The step is applied: routers with state move it now (RouterPolicy::afterStep).
  for (MoeLayer* layer : mModel->moeLayers())
    layer->router().afterStep(std::uint64_t(mStep));
  m.step = mStep;
  m.epoch = mEpoch;
  m.samples = int(rows);
  m.loss = loss;
  m.qualityMetric = qualityMetric();
  m.quality = metric;
  m.switchLoss = aux.switchLoss;
  m.importanceLoss = aux.importanceLoss;
  m.loadLoss = aux.loadLoss;
  m.zLoss = aux.zLoss;
  m.auxTotal = aux.weighted;
  m.lr = mOptimizer->learningRate();
  m.routing = routing;
  if (MoeLayer* moe = mModel->moe()) m.routerBias = moe->router().selectionBias();
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
  const Split split = validation ? Split::Validation : Split::Test;
  if (mParallel) mParallel->syncExperts();  // every rank evaluates the whole model
  auto report = std::make_shared<EvalReport>();
  report->step = mStep;
  report->epoch = mEpoch;
  MoeLayer* moe = mModel->moe();
  const ModelConfig first = layerConfig(mConfig.model, 0);  // the config itself but for deep-moe
  report->experts = moe ? first.routedExperts() : 0;
  report->sharedExperts = moe ? first.sharedExperts : 0;
  report->k = moe ? expertsPerRow(first) : 0;
  report->qualityMetric = qualityMetric();
  const std::unique_ptr<EvalPass> pass = mTask->beginEval(split, *report);
  // Several MoE layers (deep-moe): a pass per layer, each as if it were the only one.
  const std::vector<MoeLayer*> layers = mModel->moeLayers();
  std::vector<std::shared_ptr<EvalReport>> layerReports;
  std::vector<std::unique_ptr<EvalPass>> layerPasses;
  for (std::size_t l = 0; layers.size() > 1 && l < layers.size(); ++l) {
    auto sub = std::make_shared<EvalReport>();
    const ModelConfig c = layerConfig(mConfig.model, int(l));
    sub->step = mStep;
    sub->epoch = mEpoch;
    sub->experts = c.routedExperts();
    sub->sharedExperts = c.sharedExperts;
    sub->k = expertsPerRow(c);
    sub->qualityMetric = qualityMetric();
    layerPasses.push_back(mTask->beginEval(split, *sub));
    layerReports.push_back(std::move(sub));
  }
  // Every task's routed rows pass through the router: its logits are summarised here, once.
  std::vector<LogitCollector> logits(layers.size());
  const int rows = mTask->split(split).rows(), size = mTask->evalBatchRows();
  std::vector<std::int32_t> indices;
  for (int start = 0; start < rows; start += size) {
    const int n = std::min(size, rows - start);
    indices.resize(std::size_t(n));
    std::iota(indices.begin(), indices.end(), start);
    const Batch batch = mTask->batch(split, indices);
    const Tensor& out = mModel->forward(batch, false, StepContext{mConfig.loss, 0, 0});
    pass->add(batch, start, out, moe);
    for (std::size_t l = 0; l < layerPasses.size(); ++l) layerPasses[l]->add(batch, start, out, layers[l]);
    for (std::size_t l = 0; l < layers.size(); ++l) logits[l].add(layers[l]->router().logits());
  }
  pass->finish();
  mModel->describeEval(*mData, mTask->split(split), *report);
  for (auto& p : layerPasses) p->finish();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    LogitHistogram h = logits[l].finish();
    if (l < layerReports.size()) layerReports[l]->routerLogits = h;
    if (l == 0) report->routerLogits = std::move(h);
  }
  report->layers.assign(layerReports.begin(), layerReports.end());
  // Routing across evaluations is the test split's: a validation pass is not compared.
  if (moe && mConfig.health.diagnostics && !validation) {
    mTracker->observe(*report);
    mHealth->observe(*report);
  }
  return report;
}

std::vector<float> Session::predictProbabilities(Split split) {
  const int rows = mTask->split(split).rows(), size = mTask->evalBatchRows();
  const int classes = mData->train.classes;
  if (classes <= 0) throw std::logic_error("predictProbabilities: the task has no classes");
  std::vector<float> out(std::size_t(rows) * std::size_t(classes)), logits;
  std::vector<std::int32_t> indices;
  for (int start = 0; start < rows; start += size) {
    const int n = std::min(size, rows - start);
    indices.resize(std::size_t(n));
    std::iota(indices.begin(), indices.end(), start);
    const Batch batch = mTask->batch(split, indices);
    const Tensor& z = mModel->forward(batch, false, StepContext{mConfig.loss, 0, 0});
    logits.resize(std::size_t(n) * std::size_t(classes));
    mBackend->read(z, std::span<float>(logits));
    for (int r = 0; r < n; ++r) {
      const float* zr = &logits[std::size_t(r) * std::size_t(classes)];
      float* pr = &out[std::size_t(start + r) * std::size_t(classes)];
      const float top = *std::max_element(zr, zr + classes);
      double sum = 0.0;
      for (int c = 0; c < classes; ++c) sum += pr[c] = std::exp(zr[c] - top);
      for (int c = 0; c < classes; ++c) pr[c] = float(pr[c] / sum);
    }
  }
  return out;
}

Inspection Session::inspect(int testIndex) {
  const Dataset& d = mData->test;
  if (testIndex < 0 || testIndex >= d.rows())
    throw std::out_of_range("test index " + std::to_string(testIndex) + " is outside [0, " +
                            std::to_string(d.rows()) + ")");
  Inspection in = mTask->inspect(testIndex);
  in.step = mStep;
  return in;
}

Inspection Session::inspectText(const std::string& text) {
  Inspection in = mTask->inspectText(text);
  in.step = mStep;
  return in;
}

UserRecommendations Session::recommend(int user, int n) { return mTask->recommend(user, n); }

TokenizerOptions Session::tokenizerOptions() const { return mTask->tokenizerOptions(); }

}  // namespace moe::core
