#pragma once
/** @file Expectation-maximisation for the hierarchical mixture of experts (Jordan & Jacobs
 *  1994). E-step: the posterior of each path given x and y. M-step: per expert, weighted least
 *  squares and its variance (regression) or IRLS for a multinomial logit (classification), per
 *  gate IRLS for its multinomial logit with the children's posteriors as soft targets. Every
 *  block is only ever replaced by a better one for its part of the expected complete-data
 *  log-likelihood, so the training log-likelihood never decreases (a generalised EM). */
#include "core/model/hme_tree.h"

namespace moe::core {

/** What one EM iteration did. */
struct HmeEmResult {
  double logLikBefore = 0.0;  ///< mean training log-likelihood before the iteration
  double logLikAfter = 0.0;   ///< and after it
  /** Passes over the data: the E-step's, then the M-step's, counting for each block (gate or
   *  expert) its objective and gradient evaluations and taking the largest, as the blocks can
   *  share a pass. */
  int dataPasses = 0;
};

/** Whether EM can fit this shape: linear or logistic experts (hidden == 0) and at most
 *  kHmeEmMaxInputs features. Returns an empty string when it can, else why not. */
std::string hmeEmRefusal(const HmeShape& shape);
constexpr int kHmeEmMaxInputs = 64;

/** One EM iteration over all of (x, t): one pass over the data for the E-step, and the
 *  M-step's solves. Throws std::invalid_argument when hmeEmRefusal says no. */
HmeEmResult hmeEmStep(HmeTree& tree, const HmeMatrix& x, const HmeTargets& t);

/**
 * Maximises sum_r sum_c T(r, c) log softmax(W x1_r)_c over W (K x D) by Newton steps (IRLS)
 * with step halving, from the W given: targets T (rows x K) are counts, soft or hard. Never
 * returns a W whose objective is lower than the one it got. Returns the objective; `passes`
 * (when given) gets the passes over the rows it made.
 */
double fitSoftmaxNewton(const HmeMatrix& x1, const HmeMatrix& targets, HmeMatrix& w,
                        int iterations = 10, int* passes = nullptr);

}  // namespace moe::core
