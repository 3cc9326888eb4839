// Image (and any dense-feature) classification: device features, cross-entropy, accuracy.
#include <algorithm>
#include <array>

#include "core/model/classifiers.h"
#include "core/model/hme_model.h"
#include "core/model/deep_moe.h"
#include "core/model/patch_model.h"
#include "core/routing/routing_stats.h"
#include "core/task/classification.h"
#include "core/task/feature_rows.h"
#include "core/task/offset_routing.h"
#include "core/task/owned_routing.h"
#include "core/task/registry.h"

namespace moe::core {

namespace {

constexpr int kEvalBatch = 1000;

class ImageEval final : public EvalPass {
 public:
  /** patches: the model routes patches (rows owned by images, Model::routedRowOwners). */
  ImageEval(compute::Backend& backend, ClassificationScratch& scratch, const Dataset& d,
            EvalReport& report, const PatchMoeClassifier* patches)
      : mBackend(backend), mScratch(scratch), mData(d), mReport(report), mAcc(report.experts),
        mPatches(patches) {
    const int rows = d.rows();
    report.classes = d.classes;
    report.predictions.resize(std::size_t(rows));
    report.predictionConfidence.resize(std::size_t(rows));
    report.labels = d.labels;
    if (mPatches) {
      mOwned = std::make_unique<OwnedRouting>(d, report, mPatches->patches());
      return;
    }
    report.gateProbs.reserve(std::size_t(rows) * std::size_t(report.experts));
    report.topExperts.assign(std::size_t(rows) * std::size_t(report.k), -1);
    mFirstExpert.assign(std::size_t(rows), -1);
  }

  void add(const Batch& batch, int start, const compute::Tensor& out, MoeLayer* moe) override {
    mLossSum += evalCrossEntropy(mBackend, batch.labels, out, mScratch);
    const auto host = compute::toHost(mBackend, out);
    mCorrect += recordPredictions(host, out.cols(), start, mData.labels, mReport);
    if (!moe) return;
    if (mOwned) return mOwned->add(moe->plan(), moe->probs(), *mPatches->routedRowOwners(), start,
                                   batch.rows);
    const DispatchPlan& plan = moe->plan();
    mAcc.add(plan, moe->probs(), mData.labels.data() + start, mData.classes);
    mReport.gateProbs.insert(mReport.gateProbs.end(), moe->probs().begin(), moe->probs().end());
    recordChoices(plan, start, batch.rows, mReport.k, mReport.topExperts, &mFirstExpert);
  }

  void finish() override {
    const int rows = mData.rows(), E = mReport.experts;
    mReport.loss = mLossSum / std::max(1, rows);
    mReport.quality = double(mCorrect) / std::max(1, rows);
    if (mOwned) return mOwned->finish();
    if (E == 0) return;
    mReport.routing = mAcc.result();
    mReport.classExpert = mAcc.classExpert();
    std::vector<std::int64_t> joint(std::size_t(mData.classes) * E, 0);
    for (int r = 0; r < rows; ++r)
      if (mFirstExpert[std::size_t(r)] >= 0)
        ++joint[std::size_t(mData.labels[std::size_t(r)]) * E +
                std::size_t(mFirstExpert[std::size_t(r)])];
    mReport.mutualInformation = mutualInformation(joint, mData.classes, E);
    if (mData.offsetGrid > 0) offsetAnalysis(mData, mFirstExpert, mReport);
  }

 private:
  compute::Backend& mBackend;
  ClassificationScratch& mScratch;
  const Dataset& mData;
  EvalReport& mReport;
  RoutingAccumulator mAcc;
  const PatchMoeClassifier* mPatches;
  std::unique_ptr<OwnedRouting> mOwned;
  std::vector<std::int32_t> mFirstExpert;
  double mLossSum = 0.0;
  int mCorrect = 0;
};

class ImageClassification final : public Task {
 public:
  ImageClassification(const TrainConfig& config, const DataSplits& data, compute::Backend& backend)
      : Task(imageClassificationTask(), config, data, backend),
        mX(backend, data) {}

  Batch batch(Split s, std::span<const std::int32_t> rows) override {
    const Dataset& d = split(s);
    const int n = int(rows.size());
    Batch b;
    b.rows = n;
    b.source = &d;
    b.indices.assign(rows.begin(), rows.end());
    b.labels.resize(std::size_t(n));
    for (int i = 0; i < n; ++i)
      b.labels[std::size_t(i)] = d.labels[std::size_t(rows[std::size_t(i)])];
    b.x = mX.gather(s, rows, d.features);
    return b;
  }

  TaskLoss loss(const Batch& batch, const compute::Tensor& out) override {
    return classificationLoss(mBackend, batch, out, mScratch);
  }

  RoutingStats trainRouting(const Batch& batch, MoeLayer& moe,
                            std::vector<std::int64_t>& table) override {
    RoutingAccumulator acc(moe.plan().experts);
    if (const auto* owners = mModel->routedRowOwners()) {
      // Patches: each counts for its image's label.
      std::vector<std::int32_t> rowLabels(static_cast<std::size_t>(moe.plan().rows), -1);
      if (owners->size() == rowLabels.size())
        for (std::size_t r = 0; r < rowLabels.size(); ++r)
          rowLabels[r] = batch.labels[std::size_t((*owners)[r])];
      acc.add(moe.plan(), moe.probs(), rowLabels.data(), mData.train.classes);
    } else {
      acc.add(moe.plan(), moe.probs(), batch.labels.data(), mData.train.classes);
    }
    addCounts(table, acc.classExpert());
    return acc.result();
  }

  int evalBatchRows() const override { return kEvalBatch; }
  std::unique_ptr<EvalPass> beginEval(Split s, EvalReport& report) override {
    return std::make_unique<ImageEval>(mBackend, mScratch, split(s), report,
                                       dynamic_cast<const PatchMoeClassifier*>(mModel));
  }

  Inspection inspect(int testIndex) override {
    const Dataset& d = mData.test;
    Batch one;
    one.rows = 1;
    one.source = &d;
    one.indices = {testIndex};
    one.x = mX.gatherTestRow(testIndex, d.features);
    return inspectRow(one, testIndex);
  }

 private:
  FeatureRows mX;
  ClassificationScratch mScratch;
};

bool acceptsDense(const Dataset& train) { return train.kind == DataKind::Dense; }

std::unique_ptr<Model> createImageModel(const TrainConfig& config, const Dataset& train,
                                        compute::Backend& backend) {
  config.validate();
  if (train.classes < 2) throw ConfigError("dataset '" + train.name + "' has fewer than 2 classes");
  std::mt19937_64 rng(config.seed);
  switch (config.model.kind) {
    case ModelKind::MoeClassifier:
      return std::make_unique<MoeClassifier>(backend, train.features, train.classes, config.model,
                                             rng);
    case ModelKind::StemMoe:
      return std::make_unique<StemMoeClassifier>(backend, train.features, train.classes,
                                                 config.model, rng);
    case ModelKind::DenseMlp:
      return std::make_unique<DenseMlp>(backend, train.features, train.classes, config.model, rng);
    case ModelKind::PatchMoe:
      return std::make_unique<PatchMoeClassifier>(backend, imageGeometry(train), train.classes,
                                                  config.model, rng);
    case ModelKind::Hme:
      return createHmeModel(config, train, backend);
    case ModelKind::DeepMoe:
      return std::make_unique<DeepMoeClassifier>(backend, train.features, train.classes,
                                                 config.model, rng);
  }
  throw ConfigError("unknown model kind");
}

std::unique_ptr<Task> createImageTask(const TrainConfig& config, const DataSplits& data,
                                      compute::Backend& backend) {
  return std::make_unique<ImageClassification>(config, data, backend);
}

}  // namespace

const TaskInfo& imageClassificationTask() {
  static const TaskInfo info{"image-classification",
                             "images or other fixed-length features -> class",
                             QualityMetric::Accuracy,
                             false,
                             "cross-entropy",
                             "Class",
                             "",
                             InspectorView::Inputs,
                             true,
                             true,
                             acceptsDense,
                             createImageModel,
                             createImageTask};
  return info;
}

}  // namespace moe::core
