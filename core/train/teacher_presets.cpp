#include "core/train/teacher_presets.h"

#include "core/train/presets.h"

namespace moe::core {

namespace {

// Two spirals, 4 small MLP experts under a softmax gate: each expert takes a part of the plane
// (docs/PLAYGROUND.md: 0.982-0.992 test accuracy over five seeds).
void expertsSplitThePlane(TrainConfig& c) { c = presetFor("toy:spirals"); }

// Jordan & Jacobs (1994): a gate splits the plane in two and each half's gate splits it again;
// 4 linear experts at the leaves of a depth-2 binary tree, fitted by EM (one iteration a step).
void aTreeOfGates(TrainConfig& c) {
  c = presetFor("toy:regression-2d");
  c.model.kind = ModelKind::Hme;
  c.model.depth = 2;
  c.model.branching = 2;
  c.model.expertHidden = 0;  // EM needs linear experts (weighted least squares)
  c.model.fit = FitMethod::Em;
  c.epochs = 60;  // EM iterations: a class sees the splits settle within seconds
}

// Jacobs et al. (1991): 4 linear experts under one gate on the piecewise function, with the
// mixture likelihood (compete); the setup panel's Mixture loss switches to cooperate.
void competeVsCooperate(TrainConfig& c) {
  c = presetFor("toy:regression-1d");
  c.model.kind = ModelKind::Hme;
  c.model.depth = 1;
  c.model.branching = 4;
  c.model.expertHidden = 0;
  c.model.fit = FitMethod::Gradient;
  c.model.mixtureLoss = MixtureLoss::Compete;
}

// Eigen et al. (2013): two stacked MoE layers on Fashion-MNIST at random offsets, the first
// gate splitting by where the item is, the second by what it is (docs/DEEP_MOE.md).
void whereThenWhat(TrainConfig& c) {
  c = presetFor("shifted:fashion-mnist");
  c.epochs = 5;  // the runs of docs/DEEP_MOE.md
}

}  // namespace

// One entry per guided start: {id, title, what to watch, view, configure}.
const std::vector<TeacherPreset>& teacherPresets() {
  static const std::vector<TeacherPreset> all = {
      {"experts-split-the-plane", "Experts split the plane",
       "Two spirals and a gate choosing one of 4 small experts per point: watch the plane split "
       "into one region per expert while the mixture learns the spirals.",
       "playground", expertsSplitThePlane},
      {"a-tree-of-gates", "A tree of gates",
       "A hierarchical mixture (Jordan & Jacobs 1994) fitted by EM on a surface of four bumps: the "
       "root gate cuts the plane in two, each of its children cuts its half again, and a linear "
       "expert fits each of the four pieces. Pick the level to colour under the Playground's "
       "planes; the Gating tree tab shows each node's share.",
       "playground", aTreeOfGates},
      {"experts-compete-vs-cooperate", "Experts compete vs cooperate",
       "Four linear experts under one gate on a piecewise function, trained on the mixture "
       "likelihood (compete: each expert takes one piece, Jacobs et al. 1991). Switch Mixture "
       "loss to cooperate in Setup and Apply: the experts then share the pieces and the gate's "
       "weights blur.",
       "playground", competeVsCooperate},
      {"where-then-what", "Where, then what",
       "Two stacked mixtures on Fashion-MNIST at random offsets (Eigen et al. 2013): the heatmap "
       "by offset shows layer 1's experts taking places on the canvas; switch the MoE layer to 2 "
       "and the rows to class: layer 2's experts take kinds of clothing.",
       "training", whereThenWhat, "offset"},
  };
  return all;
}

const TeacherPreset* findTeacherPreset(const std::string& id) {
  for (const TeacherPreset& p : teacherPresets())
    if (id == p.id) return &p;
  return nullptr;
}

TrainConfig teacherPresetConfig(const TeacherPreset& preset) {
  TrainConfig c;
  preset.configure(c);
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("preset '") + preset.id + "': " + e.what());
  }
  return c;
}

}  // namespace moe::core
