// Session checkpoints: parameters, optimizer state, config and position in training.
#include <nlohmann/json.hpp>

#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/train/checkpoint.h"
#include "core/train/session.h"

namespace moe::core {

namespace {

// Every tensor a checkpoint holds, by name: the model's parameters, then optimizer state.
std::vector<std::pair<std::string, compute::Tensor*>> stateTensors(Model& model, Optimizer& opt) {
  std::vector<std::pair<std::string, compute::Tensor*>> all;
  for (Parameter* p : model.parameters()) all.push_back({p->name, &p->value});
  for (auto& s : opt.state()) all.push_back(s);
  return all;
}

}  // namespace

void Session::save(const std::string& path) const {
  Checkpoint cp;
  nlohmann::json config;
  to_json(config, mConfig);
  cp.meta = {{"format", "moe-explorer-checkpoint"}, {"config", config}, {"step", mStep},
             {"epoch", mEpoch}, {"cursor", mCursor}, {"optimizer_steps", mOptimizer->steps()},
             {"features", mData->train.features}, {"classes", mData->train.classes}};
  for (auto& [name, t] : stateTensors(*mModel, *mOptimizer))
    cp.tensors.push_back({name, t->rows(), t->cols(), compute::toHost(*mBackend, *t)});
  writeCheckpoint(path, cp);
}

void Session::load(const std::string& path) {
  const Checkpoint cp = readCheckpoint(path);
  if (cp.meta.value("format", "") != "moe-explorer-checkpoint")
    throw CheckpointError("'" + path + "' is not a MoE Explorer session checkpoint");
  if (cp.meta.value("features", -1) != mData->train.features ||
      cp.meta.value("classes", -1) != mData->train.classes)
    throw CheckpointError("'" + path + "' was trained on data with " +
                          std::to_string(cp.meta.value("features", -1)) + " features and " +
                          std::to_string(cp.meta.value("classes", -1)) +
                          " classes; the current dataset differs");
  auto targets = stateTensors(*mModel, *mOptimizer);
  if (targets.size() != cp.tensors.size())
    throw CheckpointError("'" + path + "' holds " + std::to_string(cp.tensors.size()) +
                          " tensors; the current model and optimizer need " +
                          std::to_string(targets.size()) + " (different model settings?)");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& src = cp.tensors[i];
    const auto& [name, dst] = targets[i];
    if (src.name != name || src.rows != dst->rows() || src.cols != dst->cols())
      throw CheckpointError("'" + path + "': tensor '" + src.name + "' " +
                            std::to_string(src.rows) + "x" + std::to_string(src.cols) +
                            " does not match the model's '" + name + "' " +
                            std::to_string(dst->rows()) + "x" + std::to_string(dst->cols()));
  }
  // Everything verified: only now change the session.
  for (std::size_t i = 0; i < targets.size(); ++i)
    mBackend->write(*targets[i].second, std::span<const float>(cp.tensors[i].data));
  TrainConfig saved;
  from_json(cp.meta.at("config"), saved);
  mConfig.optim.lr = saved.optim.lr;
  mConfig.loss = saved.loss;
  mConfig.model.capacityFactor = saved.model.capacityFactor;
  mConfig.model.noiseScale = saved.model.noiseScale;
  // The seed drives the epoch permutations and the router noise: without the saved run's,
  // a resumed epoch would repeat some rows and skip others.
  mConfig.seed = saved.seed;
  applyLive();
  mStep = cp.meta.value("step", 0L);
  mEpoch = cp.meta.value("epoch", 0);
  // The epoch's permutation depends only on (seed, epoch): rebuild it and resume mid-epoch.
  const long cursor = cp.meta.value("cursor", 0L);
  mCursor = 0;
  if (cursor > 0 && cursor < long(mOrder.size())) {
    startEpoch();
    mCursor = cursor;
  }
  mOptimizer->setSteps(cp.meta.value("optimizer_steps", 0L));
}

}  // namespace moe::core
