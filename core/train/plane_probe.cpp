#include "core/train/plane_probe.h"

#include <algorithm>
#include <stdexcept>

#include "core/model/classifiers.h"
#include "core/model/hme_model.h"
#include "core/model/host_softmax.h"
#include "core/task/task_info.h"
#include "core/train/session.h"

namespace moe::core {

namespace {

// Every row to every expert with gate 1: expert e's slots are [e * rows, (e + 1) * rows).
DispatchPlan everyExpertPlan(int rows, int experts) {
  DispatchPlan p;
  p.rows = rows;
  p.experts = experts;
  const std::size_t slots = std::size_t(rows) * std::size_t(experts);
  p.offsets.resize(std::size_t(experts) + 1);
  for (int e = 0; e <= experts; ++e) p.offsets[std::size_t(e)] = e * rows;
  p.slotRow.resize(slots);
  p.slotGate.assign(slots, 1.0f);
  p.slotRank.resize(slots);
  p.rowPtr.resize(std::size_t(rows) + 1);
  p.rowSlots.resize(slots);
  p.rowGates.assign(slots, 1.0f);
  p.rowExperts.resize(slots);
  for (int e = 0; e < experts; ++e)
    for (int r = 0; r < rows; ++r) {
      const std::size_t s = std::size_t(e) * rows + std::size_t(r);
      p.slotRow[s] = r;
      p.slotRank[s] = e;
      const std::size_t j = std::size_t(r) * experts + std::size_t(e);
      p.rowSlots[j] = std::int32_t(s);
      p.rowExperts[j] = e;
    }
  for (int r = 0; r <= rows; ++r) p.rowPtr[std::size_t(r)] = r * experts;
  return p;
}

// Class probabilities of logits (classification) or the value itself (regression).
void toPrediction(const float* out, int outputs, bool regression, float* dst) {
  if (regression) {
    std::copy_n(out, outputs, dst);
    return;
  }
  const auto p = softmaxOf(out, outputs);
  std::copy(p.begin(), p.end(), dst);
}

// The hme's leaves as the probe's experts, from the pass its forward over the grid just made:
// a leaf's gate (and combine weight) is its path's product of gates, the first choice the leaf
// of the largest product (as HmeModel::inspect and its evaluations choose).
void probeTree(const HmeModel& hme, bool perExpert, PlaneProbe& probe) {
  const HmeShape& s = hme.tree().shape();
  const HmePass& pass = hme.lastPass();
  const int L = s.leaves(), O = s.outputs, rows = probe.grid.cells();
  const auto prior = pass.leafPrior();
  probe.treeDepth = s.depth;
  probe.treeBranching = s.branching;
  probe.experts = L;
  probe.gate.resize(std::size_t(rows) * std::size_t(L));
  probe.firstExpert.assign(std::size_t(rows), -1);
  for (int r = 0; r < rows; ++r) {
    Eigen::Index best = 0;
    prior.row(r).maxCoeff(&best);
    probe.firstExpert[std::size_t(r)] = std::int32_t(best);
    for (int l = 0; l < L; ++l) probe.gate[std::size_t(r) * L + std::size_t(l)] = float(prior(r, l));
  }
  probe.combine = probe.gate;  // every leaf contributes, weighted by its path
  if (!perExpert) return;
  probe.expertPrediction.resize(std::size_t(L) * std::size_t(rows) * std::size_t(O));
  std::vector<float> z(static_cast<std::size_t>(O));
  for (int l = 0; l < L; ++l)
    for (int r = 0; r < rows; ++r) {
      for (int o = 0; o < O; ++o) z[std::size_t(o)] = float(pass.out(r, std::ptrdiff_t(l) * O + o));
      toPrediction(z.data(), O, probe.regression,
                   probe.expertPrediction.data() + (std::size_t(l) * rows + std::size_t(r)) * O);
    }
}

}  // namespace

int PlaneProbe::leavesPerNode(int level) const {
  int n = 1;
  for (int k = level; k < treeDepth; ++k) n *= treeBranching;
  return n;
}

int PlaneProbe::levelNode(int cell, int level) const {
  const int leaf = firstExpert[std::size_t(cell)];
  return leaf < 0 ? -1 : leaf / leavesPerNode(level);
}

float PlaneProbe::levelMass(int cell, int level) const {
  const int node = levelNode(cell, level);
  if (node < 0) return 0.0f;
  const int per = leavesPerNode(level);
  float mass = 0.0f;
  for (int l = node * per; l < (node + 1) * per; ++l) mass += gate[std::size_t(cell) * experts + std::size_t(l)];
  return mass;
}

PlaneProbe probePlane(Session& session, const PlaneGrid& grid, bool perExpert) {
  const Dataset& train = session.data().train;
  const int features = train.features;
  if (grid.width < 1 || grid.height < 1 || grid.cells() > (1 << 22))
    throw std::invalid_argument("plane grid must have between 1 and 4M cells");
  if (train.kind != DataKind::Dense || (features != 1 && features != 2))
    throw std::invalid_argument("the playground needs 1 or 2 dense inputs; '" + train.name +
                                "' has " + std::to_string(features));
  compute::Backend& backend = session.backend();
  const int rows = grid.cells();
  std::vector<float> xs(std::size_t(rows) * std::size_t(features));
  for (int r = 0; r < grid.height; ++r)
    for (int c = 0; c < grid.width; ++c) {
      const std::size_t cell = std::size_t(r) * grid.width + std::size_t(c);
      xs[cell * features] = float(grid.x(c));
      if (features == 2) xs[cell * 2 + 1] = float(grid.y(r));
    }
  Batch batch;
  batch.rows = rows;
  batch.x = backend.alloc(rows, features);
  backend.write(batch.x, std::span<const float>(xs));

  PlaneProbe probe;
  probe.grid = grid;
  probe.step = session.step();
  probe.regression = session.task().regression;
  Model& model = session.model();
  MoeLayer* moe = model.moe();
  // From the config: before the first forward the layer has no plan yet.
  const int E = moe ? session.config().model.routedExperts() : 0;

  // Each expert's own output first: forwardPlan leaves the layer pointing at our plan, and the
  // routed forward below puts it back on the router's, as after any evaluation.
  auto* direct = dynamic_cast<MoeClassifier*>(&model);
  if (perExpert && direct && E > 0) {
    const DispatchPlan all = everyExpertPlan(rows, E);
    moe->forwardPlan(batch.x, all);
    const auto ye = compute::toHost(backend, moe->expertOutputs());  // slots x out
    const int out = int(ye.size() / (std::size_t(rows) * E));
    probe.expertPrediction.resize(ye.size());
    for (std::size_t s = 0; s < std::size_t(rows) * E; ++s)
      toPrediction(ye.data() + s * out, out, probe.regression, probe.expertPrediction.data() + s * out);
  } else if (perExpert && !dynamic_cast<HmeModel*>(&model)) {
    probe.note = E == 0 ? "a dense model has no experts"
                        : "each expert's own prediction is drawn for the moe and hme models only";
  }

  const auto out = compute::toHost(backend, model.forward(batch, false, StepContext{session.config().loss, 0, 0}));
  probe.outputs = int(out.size() / std::size_t(rows));
  probe.prediction.resize(out.size());
  for (int r = 0; r < rows; ++r)
    toPrediction(out.data() + std::size_t(r) * probe.outputs, probe.outputs, probe.regression,
                 probe.prediction.data() + std::size_t(r) * probe.outputs);
  probe.experts = E;
  probe.firstExpert.assign(std::size_t(rows), -1);
  if (const auto* hme = dynamic_cast<const HmeModel*>(&model)) probeTree(*hme, perExpert, probe);
  if (!moe) return probe;
  const DispatchPlan& plan = moe->plan();
  probe.gate.assign(moe->probs().begin(), moe->probs().begin() + std::ptrdiff_t(rows) * E);
  probe.combine.assign(std::size_t(rows) * E, 0.0f);
  for (int r = 0; r < rows && r < plan.rows; ++r) {
    const int b = plan.rowPtr[std::size_t(r)], e = plan.rowPtr[std::size_t(r) + 1];
    if (b < e) probe.firstExpert[std::size_t(r)] = plan.rowExperts[std::size_t(b)];
    for (int j = b; j < e; ++j)
      probe.combine[std::size_t(r) * E + std::size_t(plan.rowExperts[std::size_t(j)])] +=
          plan.rowGates[std::size_t(j)];
  }
  return probe;
}

}  // namespace moe::core
