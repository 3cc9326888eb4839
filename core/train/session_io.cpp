// Session checkpoints: parameters, optimizer state, router state, config and position in
// training.
#include <nlohmann/json.hpp>

#include <string_view>

#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/parallel/expert_parallel.h"
#include "core/routing/router_diagnostics.h"
#include "core/train/checkpoint.h"
#include "core/train/checkpoint_header.h"
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

// Router state (RouterPolicy::state) is stored after those tensors, one 1 x n tensor per MoE
// layer whose router has any, named kRouterStatePrefix + the layer's index in moeLayers().
// Files without such tensors (written before router state existed, or by stateless routers,
// whose files are unchanged) load with every router's state as constructed.
constexpr std::string_view kRouterStatePrefix = "router_state/";

bool isRouterState(const std::string& name) { return name.starts_with(kRouterStatePrefix); }

// The MoE layer index a router-state tensor names; -1 when the name has no valid index.
int routerStateLayer(const std::string& name, std::size_t layers) {
  const std::string digits = name.substr(kRouterStatePrefix.size());
  if (digits.empty() || digits.size() > 6 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  const int layer = std::stoi(digits);
  return std::size_t(layer) < layers ? layer : -1;
}

// Sets each layer's router state to states[layer] (absent: left as is), all or nothing: when a
// router refuses its state, the ones already set get their previous state back.
void applyRouterStates(const std::vector<MoeLayer*>& layers,
                       const std::vector<const CheckpointTensor*>& states,
                       const std::string& path) {
  std::vector<std::vector<float>> previous;
  for (MoeLayer* layer : layers) previous.push_back(layer->router().state());
  std::size_t done = 0;
  try {
    for (; done < layers.size(); ++done)
      if (states[done])
        layers[done]->router().setState(std::span<const float>(states[done]->data));
  } catch (const RouterStateError& e) {
    for (std::size_t i = 0; i < done; ++i)
      if (states[i]) layers[i]->router().setState(std::span<const float>(previous[i]));
    throw CheckpointError("'" + path + "': MoE layer " + std::to_string(done) + ": " + e.what());
  }
}

}  // namespace

void Session::save(const std::string& path) const {
  // Expert-parallel: every rank calls save; rank 0 writes the whole model and its moments.
  if (mParallel) {
    mParallel->syncExperts(mOptimizer.get());
    if (mParallel->rank() != 0) return;
  }
  Checkpoint cp;
  nlohmann::json config;
  to_json(config, mConfig);
  cp.meta = {{"format", "moe-explorer-checkpoint"}, {"config", config}, {"step", mStep},
             {"epoch", mEpoch}, {"cursor", mCursor}, {"optimizer_steps", mOptimizer->steps()},
             {"features", mData->train.features}, {"classes", mData->train.classes}};
  for (auto& [name, t] : stateTensors(*mModel, *mOptimizer))
    cp.tensors.push_back({name, t->rows(), t->cols(), compute::toHost(*mBackend, *t)});
  const std::vector<MoeLayer*> layers = mModel->moeLayers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::vector<float> state = layers[i]->router().state();
    if (state.empty()) continue;
    const int n = int(state.size());
    cp.tensors.push_back(
        {std::string(kRouterStatePrefix) + std::to_string(i), 1, n, std::move(state)});
  }
  writeCheckpoint(path, cp);
}

void Session::load(const std::string& path) {
  const Checkpoint cp = readCheckpoint(path);
  // The position in training and the data's shape, checked before anything changes.
  const CheckpointHeader header = parseCheckpointHeader(cp.meta, path);
  if (header.features != mData->train.features || header.classes != mData->train.classes)
    throw CheckpointError("'" + path + "' was trained on data with " +
                          std::to_string(header.features) + " features and " +
                          std::to_string(header.classes) + " classes; the current dataset differs");
  // Router state apart; the rest must be the model's and the optimizer's tensors, in order.
  const std::vector<MoeLayer*> layers = mModel->moeLayers();
  std::vector<const CheckpointTensor*> routerStates(layers.size(), nullptr);
  std::vector<const CheckpointTensor*> tensors;
  for (const CheckpointTensor& t : cp.tensors) {
    if (!isRouterState(t.name)) {
      tensors.push_back(&t);
      continue;
    }
    const int layer = routerStateLayer(t.name, layers.size());
    if (layer < 0 || routerStates[std::size_t(layer)])
      throw CheckpointError("'" + path + "' holds router state '" + t.name + "', but the model " +
                            "has " + std::to_string(layers.size()) + " MoE layer(s)" +
                            (layer < 0 ? "" : " (and it appears twice)"));
    const RouterPolicy& policy = layers[std::size_t(layer)]->router().policy();
    const std::size_t want = layers[std::size_t(layer)]->router().state().size();
    if (t.data.size() != want)
      throw CheckpointError("'" + path + "': router state of MoE layer " + std::to_string(layer) +
                            " has " + std::to_string(t.data.size()) + " values; router '" +
                            policy.info().name + "' keeps " + std::to_string(want) +
                            " (another router or router settings?)");
    routerStates[std::size_t(layer)] = &t;
  }
  auto targets = stateTensors(*mModel, *mOptimizer);
  if (targets.size() != tensors.size())
    throw CheckpointError("'" + path + "' holds " + std::to_string(tensors.size()) +
                          " tensors; the current model and optimizer need " +
                          std::to_string(targets.size()) + " (different model settings?)");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& src = *tensors[i];
    const auto& [name, dst] = targets[i];
    if (src.name != name || src.rows != dst->rows() || src.cols != dst->cols())
      throw CheckpointError("'" + path + "': tensor '" + src.name + "' " +
                            std::to_string(src.rows) + "x" + std::to_string(src.cols) +
                            " does not match the model's '" + name + "' " +
                            std::to_string(dst->rows()) + "x" + std::to_string(dst->cols()));
  }
  TrainConfig saved;
  try {
    from_json(header.config, saved);
  } catch (const ConfigError& e) {
    throw CheckpointError("'" + path + "': its config: " + e.what());
  }
  // Everything verified: only now change the session. Router state first: a router may still
  // refuse its values (setState), and then nothing has changed.
  applyRouterStates(layers, routerStates, path);
  for (std::size_t i = 0; i < targets.size(); ++i)
    mBackend->write(*targets[i].second, std::span<const float>(tensors[i]->data));
  mConfig.optim.lr = saved.optim.lr;
  mConfig.loss = saved.loss;
  mConfig.model.capacityFactor = saved.model.capacityFactor;
  mConfig.model.noiseScale = saved.model.noiseScale;
  // The seed drives the epoch permutations and the router noise: without the saved run's,
  // a resumed epoch would repeat some rows and skip others.
  mConfig.seed = saved.seed;
  applyLive();
  mStep = header.step;
  mEpoch = int(header.epoch);
  // The epoch's permutation depends only on (seed, epoch): rebuild it and resume mid-epoch.
  mCursor = 0;
  if (header.cursor > 0 && header.cursor < long(mOrder.size())) {
    startEpoch();
    mCursor = header.cursor;
  }
  mOptimizer->setSteps(header.optimizerSteps);
  // Routing across evaluations was the replaced weights': the loaded model starts its own.
  mTracker->clear();
}

}  // namespace moe::core
