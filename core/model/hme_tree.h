#pragma once
/** @file The hierarchical mixture of experts of Jordan & Jacobs (1994) on the host: a tree of
 *  softmax gates of depth D and branching B with an expert at each of its B^D leaves, its
 *  forward pass, its two losses (Jacobs et al. 1991) and their gradients. The EM fit is
 *  core/model/hme_em.h; the Model that trains it in a session is core/model/hme_model.h.
 *  Dense Eigen in double precision: the trees are small and EM solves small systems. */
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/train/config.h"

namespace moe::core {

/** Row-major so that a block of rows (one gate, one expert) is contiguous. */
using HmeMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/** The shape of a tree. Nodes are numbered breadth-first: the root is 0, the children of
 *  internal node n are n * B + 1 ... n * B + B, and leaf l is node internal() + l. */
struct HmeShape {
  int depth = 2;       ///< levels of gates (1: one gate, a flat mixture)
  int branching = 2;   ///< children of each gate
  int inputs = 1;      ///< features (a bias is appended)
  int outputs = 1;     ///< classes, or 1 for regression
  int hidden = 0;      ///< 0: linear (regression) / logistic (classification) experts; else MLP
  bool regression = false;
  /** Regression: every expert's variance at the start. A width below the targets' spread
   *  makes the first E-step's posteriors tell the experts apart (HmeModel starts it at the
   *  targets' variance over the number of experts). */
  double initialVariance = 1.0;

  int internal() const;  ///< gates
  int leaves() const;    ///< experts
  int nodes() const { return internal() + leaves(); }
  /** The level of node n (root 0, leaves depth). */
  int level(int node) const;
};

/** Per-row targets: class labels (classification) or values (regression). */
struct HmeTargets {
  std::vector<std::int32_t> labels;
  Eigen::VectorXd values;
};

/** What one forward pass keeps for the loss, its gradient and the views. */
struct HmePass {
  HmeMatrix x1;      ///< rows x (inputs + 1): the inputs with a bias column of ones
  HmeMatrix gate;    ///< rows x (internal * B): each gate's softmax over its children
  HmeMatrix prior;   ///< rows x nodes: product of the gates on the path (root 1)
  HmeMatrix hidden;  ///< MLP experts: rows x (leaves * hidden) tanh activations
  HmeMatrix out;     ///< rows x (leaves * outputs): expert means (regression) or logits
  /** Prior of leaf l per row (rows x leaves), a view into `prior`. */
  auto leafPrior() const { return prior.rightCols(prior.cols() - gate.cols() / branching); }
  int branching = 2;
};

/** Gradients, shaped like the tree's parameters. */
struct HmeGrads {
  HmeMatrix gates, experts, experts2;
  Eigen::VectorXd logVar;
};

/** The tree's parameters and its arithmetic. */
class HmeTree {
 public:
  /** Gates and experts drawn uniformly in +-1/sqrt(fan in); regression variances
   *  shape.initialVariance. */
  HmeTree(const HmeShape& shape, std::mt19937_64& rng);

  const HmeShape& shape() const { return mShape; }

  /** internal * B rows (gate n's logits for child b are row n * B + b) x (inputs + 1). */
  HmeMatrix gates;
  /** Linear experts: leaves * outputs rows x (inputs + 1); MLP: leaves * hidden rows. */
  HmeMatrix experts;
  /** MLP experts' output layer: leaves * outputs rows x (hidden + 1); empty otherwise. */
  HmeMatrix experts2;
  /** Regression: each expert's log variance (its Gaussian's width); empty otherwise. */
  Eigen::VectorXd logVar;

  /** Runs the tree on x (rows x inputs). */
  void forward(const HmeMatrix& x, HmePass& pass) const;
  /** The model's output per row: regression sum_l prior_l mean_l (rows x 1); classification
   *  with Compete log sum_l prior_l softmax(z_l) (log mixture probabilities), with Cooperate
   *  sum_l prior_l z_l (the gate-averaged logits). */
  HmeMatrix output(const HmePass& pass, MixtureLoss loss) const;
  /** log P_l(y) of each expert per row (rows x leaves): Gaussian or softmax likelihood. */
  HmeMatrix expertLogLik(const HmePass& pass, const HmeTargets& t) const;
  /** log sum_l prior_l P_l(y) per row: the mixture's log-likelihood. */
  Eigen::VectorXd logLik(const HmePass& pass, const HmeTargets& t) const;
  /** Posterior of each leaf given x and y (rows x leaves): prior_l P_l / sum. */
  HmeMatrix posterior(const HmePass& pass, const HmeTargets& t) const;
  /** Mean loss over the rows; fills grads (of the mean) when given. Compete: the negative
   *  log-likelihood; Cooperate: cross-entropy of the averaged logits, or half the squared
   *  error of the averaged mean. */
  double loss(const HmePass& pass, const HmeTargets& t, MixtureLoss kind, HmeGrads* grads) const;

  /** Every parameter as one flat vector (gates, experts, experts2, logVar) and back. */
  std::vector<double> flatten() const;
  void unflatten(const std::vector<double>& v);
  static std::vector<double> flatten(const HmeGrads& g);

 private:
  /** Back through the experts and the gates, from d loss / d log prior_l (rows x leaves) and
   *  d loss / d expert output (rows x leaves * outputs). */
  void backward(const HmePass& pass, const HmeMatrix& dLogPrior, const HmeMatrix& dOut,
                HmeGrads& g) const;

  HmeShape mShape;
};

/** Row-wise softmax of a block (each row sums to 1). */
HmeMatrix rowSoftmax(const HmeMatrix& z);

}  // namespace moe::core
