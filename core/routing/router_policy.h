#pragma once
/** @file The interface every router implements, and what a router sees of a batch. */
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/model/parameter.h"
#include "core/train/config.h"
#include "core/routing/dispatch_plan.h"

namespace moe::core {

/** A setting a router may read; the setup panel and the CLI show only those a router reads. */
enum class RouterSetting : std::uint8_t {
  TopK,            ///< experts per row (config key top_k)
  CapacityFactor,  ///< capacity = ceil(cf * k * rows / experts) (config key capacity_factor)
  NoiseScale,      ///< multiplier on learned noise (config key noise_scale)
  Score,           ///< softmax or sigmoid probabilities (config key score); Gating applies it
  RouteScale,      ///< gates multiplied by a constant (config key route_scale); Gating applies it
  BiasUpdateRate,  ///< auxiliary-loss-free balancing bias (config key bias_update_rate): the
                   ///< router selects with selectTop(), the Router keeps and moves the bias
  DropPolicy,      ///< which rows a full expert drops (config key drop_policy)
  SlotsPerExpert,  ///< Soft MoE slots per expert and sequence (config key slots_per_expert)
};

/** The values of every RouterSetting; a router reads the ones its RouterInfo lists. Capacity
 *  factor and noise scale may change between steps (live settings). */
struct RouterSettings {
  int k = 2;
  double capacityFactor = 1.25;
  float noiseScale = 1.0f;
  ScoreFunction score = ScoreFunction::Softmax;
  float routeScale = 1.0f;
  core::DropPolicy dropPolicy = core::DropPolicy::Position;
  int slotsPerExpert = 1;
};

/** What a router declares about itself: the registry's row for it. */
struct RouterInfo {
  const char* name = "";                ///< the config and CLI string (lowercase, dashes)
  const char* description = "";         ///< one line for help texts and tooltips
  std::vector<RouterSetting> settings;  ///< the settings it reads
  bool renormalises = false;  ///< gates = p renormalised over the chosen experts (else p as is)
  /** How many experts a row gets (on average, before capacity drops). */
  int (*expertsPerRow)(const RouterSettings& s, int experts) = nullptr;

  bool reads(RouterSetting s) const;
};

/** What a router is built from: its own parameters (if any) live on `backend`, sized by the
 *  gate's input width `in`, drawn from `rng` after the gate's. */
struct RouterBuild {
  compute::Backend& backend;
  int in;
  int experts;
  std::mt19937_64& rng;
  int slotsPerExpert = 1;  ///< RouterSetting::SlotsPerExpert (sizes a router's own parameters)
};

/**
 * One batch as a router sees it. Pointers are null where the batch has no such data: token
 * ids and positions exist for token models (the text model routes each token), so a hash
 * router can route by id. Noise is drawn from the counter-based generator at
 * (noiseSeed, step), so runs are reproducible and identical across backends.
 */
struct RouterInput {
  int rows = 0;
  int experts = 0;
  const float* logits = nullptr;            ///< rows x experts, host: the gate's clean logits
  const compute::Tensor* x = nullptr;       ///< the gate's input (rows x in) on the backend
  const std::int32_t* tokenIds = nullptr;   ///< rows: the token id of each row, or null
  const std::int32_t* positions = nullptr;  ///< rows: position within its sequence, or null
  std::uint64_t step = 0;                   ///< the trainer's step counter (noise counter)
  std::uint64_t noiseSeed = 0;
  bool training = false;
  RouterSettings settings;
  /** experts: the auxiliary-loss-free balancing bias, added to the probabilities for
   *  selection only (selectTop); null when balancing is off or the router does not read it. */
  const float* selectionBias = nullptr;
};

/** A router's saved state does not fit it (wrong size or invalid values); what() names the
 *  router. */
class RouterStateError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/** Each row's choices, (expert, gate) in rank order, and the rows that lost a wanted expert
 *  to capacity; Gating builds the DispatchPlan from them. */
struct RouterChoices {
  std::vector<std::vector<std::pair<int, float>>> rows;
  std::vector<std::uint8_t> dropped;
};

/**
 * A router: one small class per file under core/routing/routers/, one line in the registry
 * (router_registry.cpp). Gating does what every router shares (softmax of the scores, the
 * plan, the auxiliary losses, softmax backward); the router decides the scores (e.g. noise),
 * the choice of experts, and the backward of whatever it added to the scores. The object
 * lives as long as the model, so members are its persistent state across steps; state that is
 * not a Parameter (a balancing bias, a hash table, counters) is exposed by state() and
 * setState() so that checkpoints keep it.
 */
class RouterPolicy {
 public:
  virtual ~RouterPolicy() = default;

  virtual const RouterInfo& info() const = 0;
  /** Scores h (rows x experts, preset to the logits) whose softmax gives the probabilities.
   *  Routers that perturb the scores (noise) override this. */
  virtual void scores(const RouterInput& in, std::vector<float>& h);
  /** Picks each row's experts and gates from the probabilities p (rows x experts). */
  virtual void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) = 0;
  /** Routers whose slots mix rows (Soft MoE) build the whole plan here, weighted dispatch
   *  included, and return true; Gating then does not call choose(). The combine gates must be
   *  p itself (rowGates = p of the link's row and expert, no renormalisation), or p times
   *  plan.rowShares when the router splits an expert's gate among several slots, so that
   *  Gating's backward covers them; the dispatch weights' backward is dispatchBackward(). */
  virtual bool buildPlan(const RouterInput& in, const std::vector<float>& p, DispatchPlan& plan);
  /** Backward through the dispatch weights of a plan from buildPlan: dSlotWeights[j] = d loss /
   *  d plan.slotInWeights[j]; adds d loss / d logits to dz (rows x experts). dRowShares (null
   *  when the plan has no rowShares) = d loss / d plan.rowShares[j]. Called by Gating::backward
   *  before the router's backward(). */
  virtual void dispatchBackward(const DispatchPlan& plan, const float* dSlotWeights,
                                const float* dRowShares, float* dz) const;

  /** A router whose scores are noisy may supply a differentiable load per expert for the load
   *  CV^2 loss (Shazeer et al.); returns false to use the soft load sum_r p (the default). */
  virtual bool smoothLoad(std::vector<double>& load);
  /** Backward of smoothLoad: dLoad_e = weight * grad[e]; adds d/dlogits into dz. */
  virtual void smoothLoadBackward(double weight, const std::vector<double>& grad, float* dz);

  /** dh: gradient of the loss w.r.t. the scores (rows x experts). Fills the gradients of the
   *  router's own parameters and, when dx is given, adds d loss / d x to dx. */
  virtual void backward(const std::vector<float>& dh, const compute::Tensor& x,
                        compute::Tensor* dx);
  /** Parameters of its own (the gate's are the Router's). */
  virtual std::vector<Parameter*> parameters() { return {}; }
  /** True when the last scores() used something beyond the logits (noise). */
  virtual bool perturbed() const { return false; }

  /** Persistent state beyond parameters, flattened to floats, saved in checkpoints (Session::
   *  save). Empty, the default, for routers without state; its size must not change with
   *  training (only with the router's construction). */
  virtual std::vector<float> state() const { return {}; }
  /** Restores a state() of this router (Session::load). Throws RouterStateError naming the
   *  router, changing nothing, when `s` does not fit: the default accepts only an empty state;
   *  overrides call requireStateSize() first. */
  virtual void setState(std::span<const float> s);
  /** Called once after each training step whose optimizer step was applied (not after a step
   *  refused as divergent, nor after evaluation): where a router moves its state from what
   *  that step's choose() saw (e.g. a per-expert balancing bias). `step`: steps done so far. */
  virtual void afterStep(std::uint64_t step);

 protected:
  /** Throws RouterStateError naming the router unless s.size() == n. */
  void requireStateSize(std::span<const float> s, std::size_t n) const;
};

/** Indices of the k largest values of row (n entries), descending, ties to the lower index. */
std::vector<int> topIndices(const float* row, int n, int k);
/** The k experts a row of probabilities `p` (in.experts entries) selects: topIndices of p, or
 *  of p + in.selectionBias when auxiliary-loss-free balancing is on. Routers that read
 *  RouterSetting::BiasUpdateRate select with this; gates stay the unbiased p. */
std::vector<int> selectTop(const RouterInput& in, const float* p, int k);

}  // namespace moe::core
