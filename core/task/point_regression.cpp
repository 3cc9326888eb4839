// Regression on dense points (the toy sets toy:regression-1d and -2d): squared error, RMSE.
// The category x expert table counts bins of the first input (where on the x axis each expert
// works), so the heatmap shows a mixture of linear experts cutting the line into pieces.
#include <array>

#include "core/data/toy_data.h"
#include "core/model/classifiers.h"
#include "core/model/hme_model.h"
#include "core/routing/routing_stats.h"
#include "core/task/classification.h"
#include "core/task/feature_rows.h"
#include "core/task/registry.h"
#include "core/task/regression.h"

namespace moe::core {

namespace {

constexpr int kEvalBatch = 1000;

// Adds, for each row of the plan, every expert that processed it to its x bin's row.
void addBinExpert(const DispatchPlan& plan, const Dataset& d, const std::int32_t* rows,
                  std::vector<std::int64_t>& table) {
  const int E = plan.experts;
  for (int r = 0; r < plan.rows; ++r) {
    const int bin = toyBin(d.x[std::size_t(rows[r]) * std::size_t(d.features)]);
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j)
      ++table[std::size_t(bin) * E + std::size_t(plan.rowExperts[std::size_t(j)])];
  }
}

class PointEval final : public RegressionEval {
 public:
  PointEval(compute::Backend& backend, const Dataset& d, EvalReport& report)
      : RegressionEval(backend, d, report, kToyBins) {}

  void add(const Batch& batch, int start, const compute::Tensor& out, MoeLayer* moe) override {
    const int n = batch.rows, E = mReport.experts;
    const auto host = compute::toHost(mBackend, out);
    addPredictions(start, host.data(), n);
    if (!moe) return;
    addBinExpert(addRouting(*moe, start, n), mData, batch.indices.data(), mReport.classExpert);
    for (int i = 0; i < n; ++i) {
      const std::int32_t first = mFirst[std::size_t(start + i)];
      const int bin = toyBin(mData.x[std::size_t(start + i) * std::size_t(mData.features)]);
      if (first >= 0) ++mJoint[std::size_t(bin) * E + std::size_t(first)];
    }
  }
};

class PointRegression final : public Task {
 public:
  PointRegression(const TrainConfig& config, const DataSplits& data, compute::Backend& backend)
      : Task(pointRegressionTask(), config, data, backend),
        mX(backend, data) {}

  int analysisRows() const override { return kToyBins; }

  Batch batch(Split s, std::span<const std::int32_t> rows) override {
    const Dataset& d = split(s);
    const int n = int(rows.size());
    Batch b;
    b.rows = n;
    b.source = &d;
    b.indices.assign(rows.begin(), rows.end());
    b.targets.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) b.targets[std::size_t(i)] = d.targets[std::size_t(rows[std::size_t(i)])];
    b.x = mX.gather(s, rows, d.features);
    return b;
  }

  TaskLoss loss(const Batch& batch, const compute::Tensor& out) override {
    return squaredErrorLoss(mBackend, batch, out, mGrad);
  }

  RoutingStats trainRouting(const Batch& batch, MoeLayer& moe,
                            std::vector<std::int64_t>& table) override {
    const DispatchPlan& plan = moe.plan();
    if (table.size() != std::size_t(kToyBins) * plan.experts)
      table.assign(std::size_t(kToyBins) * plan.experts, 0);
    RoutingAccumulator acc(plan.experts);
    acc.add(plan, moe.probs());
    addBinExpert(plan, mData.train, batch.indices.data(), table);
    return acc.result();
  }

  int evalBatchRows() const override { return kEvalBatch; }
  std::unique_ptr<EvalPass> beginEval(Split s, EvalReport& report) override {
    return std::make_unique<PointEval>(mBackend, split(s), report);
  }

  Inspection inspect(int testIndex) override {
    const Dataset& d = mData.test;
    Batch one;
    one.rows = 1;
    one.source = &d;
    one.indices = {testIndex};
    one.x = mX.gatherTestRow(testIndex, d.features);
    Inspection out = inspectRow(one, testIndex);
    // The classifier's inspection softmaxes its outputs; a regression keeps the raw values.
    out.regression = true;
    out.targetRating = d.targets[std::size_t(testIndex)];
    out.predictedRating = compute::toHost(mBackend, mModel->forward(one, false, evalContext()))[0];
    if (MoeLayer* moe = mModel->moe()) {
      const auto ye = compute::toHost(mBackend, moe->expertOutputs());
      const DispatchPlan& plan = moe->plan();
      out.expertPredictions.clear();
      for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j)
        out.expertPredictions.push_back({ye[std::size_t(plan.rowSlots[std::size_t(j)])]});
    }
    out.prediction = {out.predictedRating};
    out.predicted = -1;
    return out;
  }

 private:
  FeatureRows mX;
  Scratch mGrad;
};

bool acceptsPoints(const Dataset& train) {
  return train.kind == DataKind::Dense && train.classes == 0 && !train.targets.empty();
}

std::unique_ptr<Model> createPointModel(const TrainConfig& config, const Dataset& train,
                                        compute::Backend& backend) {
  config.validate();
  std::mt19937_64 rng(config.seed);
  switch (config.model.kind) {  // the classifiers with one output are regressors
    case ModelKind::MoeClassifier:
      return std::make_unique<MoeClassifier>(backend, train.features, 1, config.model, rng);
    case ModelKind::StemMoe:
      return std::make_unique<StemMoeClassifier>(backend, train.features, 1, config.model, rng);
    case ModelKind::DenseMlp:
      return std::make_unique<DenseMlp>(backend, train.features, 1, config.model, rng);
    case ModelKind::Hme:  // a tree of gates over linear (or MLP) regressors: Jordan & Jacobs 1994
      return createHmeModel(config, train, backend);
    case ModelKind::PatchMoe:
    case ModelKind::DeepMoe:
      break;
  }
  throw ConfigError("model '" + std::string(modelName(config.model.kind)) +
                    "' needs images; regression on points takes moe, stem-moe, dense-mlp or hme");
}

std::unique_ptr<Task> createPointTask(const TrainConfig& config, const DataSplits& data,
                                      compute::Backend& backend) {
  return std::make_unique<PointRegression>(config, data, backend);
}

}  // namespace

const TaskInfo& pointRegressionTask() {
  static const TaskInfo info{"point-regression",
                             "points (1-D or 2-D inputs) -> a real value",
                             QualityMetric::Rmse,
                             true,
                             "squared error",
                             "x bin",
                             "",
                             InspectorView::Inputs,
                             true,
                             true,
                             acceptsPoints,
                             createPointModel,
                             createPointTask};
  return info;
}

}  // namespace moe::core
