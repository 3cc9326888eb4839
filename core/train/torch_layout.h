#pragma once
/** @file A model's weights as PyTorch names and shapes them, and the architecture as a JSON
 *  config: what --export-safetensors writes and --load-safetensors expects (docs/PYTORCH.md).
 *
 *  Names follow torch.nn: a Linear's weight is [out, in] (moe-train stores x W, [in, out]) and
 *  its bias [out]; the router's gate is `router.weight` / `router.bias`; expert e of a bank
 *  `experts` is `experts.e.fc1.weight` [hidden, in], `.fc1.bias`, `.fc2.weight` [out, hidden],
 *  `.fc2.bias` (linear experts: `experts.e.weight` [out, in], `experts.e.bias`); shared experts
 *  are `shared_experts.s....`; embedding tables keep their [rows, width]; the auxiliary-loss-free
 *  balancing bias of MoE layer 0 is `router.selection_bias` [experts] (of layer i > 0:
 *  `router_state.i.selection_bias`). */
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moe::core {

class Model;
class Session;
struct Parameter;

/** One PyTorch tensor and where its values live in moe-train. */
struct TorchEntry {
  std::string name;                 ///< PyTorch's name
  std::vector<std::int64_t> shape;  ///< PyTorch's shape
  Parameter* param = nullptr;       ///< the parameter it comes from; nullptr: router state
  int rowBegin = 0;                 ///< first row of param (an expert's block of a bank)
  int rows = 0;                     ///< rows of param it covers
  bool transpose = false;           ///< PyTorch's layout is the block transposed
  int routerLayer = -1;             ///< router state: the index in Model::moeLayers()
};

/** Every tensor of the model in PyTorch's names, in the model's parameter order, router state
 *  last. Together they cover every parameter value exactly once. */
std::vector<TorchEntry> torchLayout(Model& model);

/**
 * The architecture for PyTorch (format "moe-explorer-torch", version 1): model kind, data
 * shape, the MoE's widths, experts (as routed: fine-grained splits applied), activation,
 * shared experts, the router and its inference routing ("routing": selection topk, switch,
 * expert-choice or all, with k, renormalisation, score, scale, capacity factor, drop policy,
 * selection bias; null with "routing_note" when the router has no exact inference rule in
 * those terms), the evaluation batch, the tensors' names and shapes, and moe-train's whole
 * config under "moe_train_config".
 */
nlohmann::json torchConfig(Session& session);

}  // namespace moe::core
