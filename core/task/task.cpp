#include "core/task/task.h"

#include "core/routing/router_registry.h"

namespace moe::core {

Task::Task(const TaskInfo& info, const TrainConfig& config, const DataSplits& data,
           compute::Backend& backend)
    : mInfo(info), mConfig(config), mData(data), mBackend(backend) {}

Task::~Task() = default;

const Dataset& Task::split(Split s) const {
  switch (s) {
    case Split::Train:
      return mData.train;
    case Split::Validation:
      return mData.validation;
    case Split::Test:
      return mData.test;
  }
  return mData.test;
}

std::unique_ptr<Model> Task::createModel() {
  std::unique_ptr<Model> model = makeModel();
  mModel = model.get();
  return model;
}

std::unique_ptr<Model> Task::makeModel() {
  return mInfo.createModel(mConfig, mData.train, mBackend);
}

Inspection Task::inspectRow(const Batch& one, int testIndex) {
  Inspection out = mModel->inspect(one);
  out.index = testIndex;
  const Dataset& d = mData.test;
  if (std::size_t(testIndex) < d.labels.size()) out.label = d.labels[std::size_t(testIndex)];
  return out;
}

Inspection Task::inspectText(const std::string&) {
  throw std::logic_error(
      std::string("inspectText needs a session on a text dataset; this one is ") + mInfo.name);
}

UserRecommendations Task::recommend(int, int) {
  throw std::logic_error(
      std::string("recommend needs a session on a ratings dataset; this one is ") + mInfo.name);
}

TokenizerOptions Task::tokenizerOptions() const {
  TokenizerOptions o;
  o.minN = mConfig.text.ngramMin;
  o.maxN = mConfig.text.ngramMax;
  o.buckets = mConfig.text.buckets;
  return o;
}

int expertsPerRow(const ModelConfig& c) {
  return expertsPerRow(c.router, c.routedTopK(), c.routedExperts());
}

}  // namespace moe::core
