#pragma once
/** @file What a model does over the input plane (or line): the gate's first choice, its
 *  probabilities, the combined prediction and each expert's own prediction at every cell of a
 *  grid. The playground view draws it; it runs the session's own model (routers included), so
 *  the regions it shows are the gate's real decisions. */
#include <cstdint>
#include <string>
#include <vector>

namespace moe::core {

class Session;

/** A grid over the plane: width x height cells, row 0 at the top (y = yMax); cell centres are
 *  sampled. One-input models (1-D regression) read x only: use height 1. */
struct PlaneGrid {
  double xMin = -1.0, xMax = 1.0, yMin = -1.0, yMax = 1.0;
  int width = 96, height = 96;

  int cells() const { return width * height; }
  /** The input at the centre of cell (column, row). */
  double x(int column) const { return xMin + (xMax - xMin) * (column + 0.5) / width; }
  double y(int row) const { return yMax - (yMax - yMin) * (row + 0.5) / height; }
};

/** PlaneProbe: one grid through the model. Cells are row-major (cell = row * width + column). */
struct PlaneProbe {
  PlaneGrid grid;
  long step = -1;         ///< training steps the probed weights had taken
  int experts = 0;        ///< routed experts (0 for a dense model)
  int outputs = 0;        ///< classes, or 1 for regression
  bool regression = false;
  /** A hierarchical mixture (hme): its gating tree's depth and branching, the experts being its
   *  branching^depth leaves; 0 for other models. A leaf's gate is the product of the gates on
   *  its path, and the first choice is the leaf of the most likely path. */
  int treeDepth = 0, treeBranching = 0;
  std::vector<std::int32_t> firstExpert;  ///< per cell: the gate's first choice (-1: none, dropped)
  std::vector<float> gate;        ///< per cell x expert: the router's probability
  std::vector<float> combine;     ///< per cell x expert: the combine weight (0 unless chosen)
  std::vector<float> prediction;  ///< per cell x output: class probabilities, or the value
  /** per expert x cell x output: the expert's own prediction (class probabilities or value);
   *  empty when not asked or the model has no per-expert output (see note). */
  std::vector<float> expertPrediction;
  std::string note;  ///< why expertPrediction is empty, when it is

  /** hme: the node at `level` (1 .. treeDepth) on the cell's most likely path, numbered within
   *  its level (0 .. branching^level - 1; an ancestor of the first-choice leaf); -1 where no
   *  expert is chosen. Level treeDepth is the first-choice expert itself. */
  int levelNode(int cell, int level) const;
  /** hme: the gate mass of that node at the cell (the sum of its leaves' gates). */
  float levelMass(int cell, int level) const;
  /** hme: leaves under one node at `level` (branching^(depth - level)). */
  int leavesPerNode(int level) const;

  /** Index of (cell, k) in per-cell-per-k arrays. */
  std::size_t at(int cell, int k, int width) const { return std::size_t(cell) * width + k; }
};

/**
 * Runs the grid through `session`'s model in evaluation mode (no noise, no training state
 * changed): the combined prediction and the gate at every cell, and with `perExpert` every
 * expert's own prediction (models whose MoE layer produces the output: moe; the hme's
 * leaves; others get a note). Call it between steps, on the thread that trains (Trainer::post).
 * @throws std::invalid_argument when the grid is empty or the model's inputs are not 1 or 2.
 */
PlaneProbe probePlane(Session& session, const PlaneGrid& grid, bool perExpert);

}  // namespace moe::core
