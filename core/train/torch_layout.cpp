#include "core/train/torch_layout.h"

#include <map>

#include "core/model/model.h"
#include "core/routing/router_registry.h"
#include "core/task/task_info.h"
#include "core/train/session.h"

namespace moe::core {

namespace {

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// moe-train's name of a layer -> PyTorch's: the router's gate is the router itself, the
// always-on bank is shared_experts.
std::string torchPrefix(const std::string& prefix) {
  if (prefix == "router.gate") return "router";
  if (prefix == "shared") return "shared_experts";
  if (endsWith(prefix, ".shared")) return prefix + "_experts";
  if (endsWith(prefix, ".router.gate")) return prefix.substr(0, prefix.size() - 5);
  return prefix;
}

std::int64_t rowsOf(const Parameter* p) { return p->value.rows(); }
std::int64_t colsOf(const Parameter* p) { return p->value.cols(); }

// The inference routing of the router `c.router` in the terms scripts/to_pytorch.py knows, or
// null and the reason in `note`.
nlohmann::json inferenceRouting(const ModelConfig& c, bool rowsAreSequences, const Router& router,
                                std::string& note) {
  const RouterInfo& info = findRouter(c.router).info;
  const std::string& name = c.router;
  nlohmann::json r;
  if (name == "topk" || name == "noisy-topk") {
    r["selection"] = "topk";  // noisy-topk: noise is training-only
    r["k"] = c.routedTopK();
  } else if (name == "base" || name == "sinkhorn") {
    r["selection"] = "topk";  // balanced assignment in training; top-1 at test time
    r["k"] = 1;
  } else if (name == "switch") {
    if (c.dropPolicy == DropPolicy::Random) {
      note = "switch with drop_policy random draws its drop order from moe-train's noise stream";
      return nullptr;
    }
    r["selection"] = "switch";
    r["k"] = 1;
  } else if (name == "expert-choice") {
    r["selection"] = "expert-choice";
    r["k"] = c.routedTopK();
  } else if (name == "dense" || (name == "soft-moe" && c.slotsPerExpert == 1 && !rowsAreSequences)) {
    r["selection"] = "all";  // soft-moe, one slot, rows alone: each slot is the row itself
  } else {
    note = "router '" + name + "' has no inference rule in terms of top-k, capacity or all experts";
    return nullptr;
  }
  r["renormalize"] = info.renormalises;
  r["score"] = info.reads(RouterSetting::Score) ? scoreFunctionName(c.score) : "softmax";
  r["route_scale"] = info.reads(RouterSetting::RouteScale) ? c.routeScale : 1.0;
  r["capacity_factor"] =
      info.reads(RouterSetting::CapacityFactor) ? nlohmann::json(c.capacityFactor) : nlohmann::json();
  r["drop_policy"] = name == "switch" ? nlohmann::json(dropPolicyName(c.dropPolicy)) : nlohmann::json();
  r["selection_bias"] = !router.selectionBias().empty();
  return r;
}

}  // namespace

std::vector<TorchEntry> torchLayout(Model& model) {
  const std::vector<Parameter*> params = model.parameters();
  std::map<std::string, Parameter*> byName;
  for (Parameter* p : params) byName[p->name] = p;
  auto sibling = [&](const std::string& prefix, const char* tail) -> Parameter* {
    const auto it = byName.find(prefix + tail);
    return it == byName.end() ? nullptr : it->second;
  };
  std::vector<TorchEntry> out;
  for (Parameter* p : params) {
    const std::string& n = p->name;
    const std::string prefix = n.substr(0, n.rfind('.') == std::string::npos ? 0 : n.rfind('.'));
    const std::string tail = n.substr(prefix.empty() ? 0 : prefix.size() + 1);
    Parameter* b1 = sibling(prefix, ".b1");
    if (b1 && (tail == "w1" || tail == "b1" || tail == "w2" || tail == "b2") && rowsOf(b1) > 0 &&
        rowsOf(p) % rowsOf(b1) == 0) {
      // An expert bank: one block of rows per expert, each a Linear of its own.
      const int experts = int(rowsOf(b1));
      const bool mlp = sibling(prefix, ".w2") != nullptr;
      const int rows = int(rowsOf(p)) / experts;
      const bool weight = tail[0] == 'w';
      const std::string layer = mlp ? (tail[1] == '1' ? ".fc1" : ".fc2") : "";
      for (int e = 0; e < experts; ++e) {
        TorchEntry t;
        t.name = torchPrefix(prefix) + "." + std::to_string(e) + layer + (weight ? ".weight" : ".bias");
        t.shape = weight ? std::vector<std::int64_t>{colsOf(p), rows} : std::vector<std::int64_t>{colsOf(p)};
        t.param = p;
        t.rowBegin = e * rows;
        t.rows = rows;
        t.transpose = weight;
        out.push_back(std::move(t));
      }
      continue;
    }
    TorchEntry t;
    t.param = p;
    t.rows = int(rowsOf(p));
    Parameter* bias = tail == "weight" ? sibling(prefix, ".bias") : nullptr;
    Parameter* weight = tail == "bias" ? sibling(prefix, ".weight") : nullptr;
    if (bias && rowsOf(bias) == 1 && colsOf(bias) == colsOf(p)) {  // a Linear's x W: [in, out]
      t.name = torchPrefix(prefix) + ".weight";
      t.shape = {colsOf(p), rowsOf(p)};
      t.transpose = true;
    } else if (weight && rowsOf(p) == 1 && colsOf(weight) == colsOf(p)) {
      t.name = torchPrefix(prefix) + ".bias";
      t.shape = {colsOf(p)};
    } else {  // embedding tables and anything else: as stored
      t.name = n;
      t.shape = {rowsOf(p), colsOf(p)};
    }
    out.push_back(std::move(t));
  }
  const std::vector<MoeLayer*> layers = model.moeLayers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::size_t n = layers[i]->router().state().size();
    if (n == 0) continue;
    TorchEntry t;
    t.name = i == 0 ? "router.selection_bias" : "router_state." + std::to_string(i) + ".selection_bias";
    t.shape = {std::int64_t(n)};
    t.routerLayer = int(i);
    out.push_back(std::move(t));
  }
  return out;
}

nlohmann::json torchConfig(Session& session) {
  const TrainConfig& cfg = session.config();
  const ModelConfig& m = cfg.model;
  const TaskInfo& task = session.task();
  const Dataset& train = session.data().train;
  nlohmann::json j;
  j["format"] = "moe-explorer-torch";
  j["version"] = 1;
  j["task"] = task.name;
  j["model"] = task.modelChoice ? modelName(m.kind) : task.name;
  j["dataset"] = cfg.dataset;
  j["data_dir"] = cfg.dataDir;
  j["features"] = train.features;
  j["classes"] = train.classes;
  if (train.isImage())
    j["image"] = {{"width", train.imageWidth}, {"height", train.imageHeight},
                  {"channels", train.imageChannels}, {"scale", "byte / 255"}};
  j["eval_batch_rows"] = session.evalBatchRows();
  MoeLayer* moe = session.model().moe();
  if (moe) {
    const bool sequences = std::string(task.name) != "image-classification";
    std::string note;
    nlohmann::json routing = inferenceRouting(m, sequences || m.kind == ModelKind::PatchMoe,
                                              moe->router(), note);
    j["moe"] = {{"experts", m.routedExperts()},
                {"top_k", m.routedTopK()},
                {"expert_hidden", m.routedHidden()},
                {"activation", compute::activationName(m.activation)},
                {"shared_experts", m.sharedExperts},
                {"expert_split", m.expertSplit},
                {"router", m.router},
                {"routing", routing}};
    if (!note.empty()) j["moe"]["routing_note"] = note;
  } else {
    j["moe"] = nullptr;
  }
  if (m.kind == ModelKind::StemMoe || m.kind == ModelKind::PatchMoe) j["stem_width"] = m.stemWidth;
  if (m.kind == ModelKind::DenseMlp) {
    j["hidden"] = std::max(1, m.expertHidden) * m.topK;
    j["activation"] = compute::activationName(m.activation);
  }
  nlohmann::json tensors = nlohmann::json::array();
  for (const TorchEntry& t : torchLayout(session.model()))
    tensors.push_back({{"name", t.name}, {"shape", t.shape}});
  j["tensors"] = tensors;
  nlohmann::json full;
  to_json(full, cfg);
  j["moe_train_config"] = full;
  return j;
}

}  // namespace moe::core
