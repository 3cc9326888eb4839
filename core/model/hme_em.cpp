#include "core/model/hme_em.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moe::core {

namespace {

// Newton systems larger than this use the per-class blocks of the Hessian.
constexpr Eigen::Index kFullNewtonMax = 400;

double softmaxObjective(const HmeMatrix& x1, const HmeMatrix& t, const HmeMatrix& w) {
  const HmeMatrix z = x1 * w.transpose();
  double f = 0.0;
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const double m = z.row(r).maxCoeff();
    const double lse = m + std::log((z.row(r).array() - m).exp().sum());
    f += (t.row(r).array() * (z.row(r).array() - lse)).sum();
  }
  return f;
}

// Q of one regression expert: sum_r h_r log N(y_r; w x1_r, exp(logVar)).
double gaussianObjective(const HmeMatrix& x1, const Eigen::VectorXd& y, const Eigen::VectorXd& h,
                         const Eigen::RowVectorXd& w, double logVar) {
  const Eigen::ArrayXd e = y - x1 * w.transpose();
  return -(h.array() * (0.5 * (1.8378770664093453 + logVar) + e.square() / (2.0 * std::exp(logVar))))
              .sum();
}

void fitGaussianExpert(const HmeMatrix& x1, const Eigen::VectorXd& y, const Eigen::VectorXd& h,
                       HmeMatrix& experts, int row, double& logVar, double varFloor) {
  const double mass = h.sum();
  if (mass <= 1e-12) return;  // an expert no row reaches keeps what it has
  const Eigen::RowVectorXd oldW = experts.row(row);
  const double before = gaussianObjective(x1, y, h, oldW, logVar);
  const HmeMatrix xw = h.asDiagonal() * x1;
  Eigen::MatrixXd a = x1.transpose() * xw;
  a.diagonal().array() += 1e-10 * (1.0 + a.diagonal().mean());
  const Eigen::VectorXd w = a.ldlt().solve(xw.transpose() * y);
  const Eigen::ArrayXd e = y - x1 * w;
  const double v = std::max(varFloor, (h.array() * e.square()).sum() / mass);
  const double newLogVar = std::log(v);
  if (w.allFinite() && gaussianObjective(x1, y, h, w.transpose(), newLogVar) >= before) {
    experts.row(row) = w.transpose();
    logVar = newLogVar;
  }
}

}  // namespace

std::string hmeEmRefusal(const HmeShape& shape) {
  if (shape.hidden > 0)
    return "--fit em needs linear or logistic experts (--expert-hidden 0); MLP experts train "
           "with --fit gradient";
  if (shape.inputs > kHmeEmMaxInputs)
    return "--fit em solves a system of (features + 1) unknowns per expert and gate; this data "
           "has " + std::to_string(shape.inputs) + " features (at most " +
           std::to_string(kHmeEmMaxInputs) + "): use --fit gradient";
  return {};
}

double fitSoftmaxNewton(const HmeMatrix& x1, const HmeMatrix& t, HmeMatrix& w, int iterations,
                        int* passes) {
  const Eigen::Index K = w.rows(), D = w.cols();
  const Eigen::VectorXd s = t.rowwise().sum();
  double f = softmaxObjective(x1, t, w);
  int count = 1;
  if (passes) *passes = count;
  if (s.sum() <= 1e-12) return f;
  for (int it = 0; it < iterations; ++it) {
    ++count;  // the gradient and Hessian
    const HmeMatrix p = rowSoftmax(x1 * w.transpose());
    const HmeMatrix resid = t - s.asDiagonal() * p;
    const HmeMatrix grad = resid.transpose() * x1;  // K x D
    if (grad.norm() <= 1e-10 * (1.0 + s.sum())) break;
    HmeMatrix step(K, D);
    const bool full = K * D <= kFullNewtonMax;
    if (full) {
      Eigen::MatrixXd hess(K * D, K * D);
      for (Eigen::Index c = 0; c < K; ++c)
        for (Eigen::Index c2 = c; c2 < K; ++c2) {
          Eigen::VectorXd wr = -s.cwiseProduct(p.col(c)).cwiseProduct(p.col(c2));
          if (c == c2) wr += s.cwiseProduct(p.col(c));
          const Eigen::MatrixXd blk = x1.transpose() * wr.asDiagonal() * x1;
          hess.block(c * D, c2 * D, D, D) = blk;
          hess.block(c2 * D, c * D, D, D) = blk.transpose();
        }
      // The softmax is unchanged by adding one vector to every class: damp that direction.
      hess.diagonal().array() += 1e-6 * (1.0 + hess.diagonal().mean());
      Eigen::VectorXd g(K * D);
      for (Eigen::Index c = 0; c < K; ++c) g.segment(c * D, D) = grad.row(c).transpose();
      const Eigen::VectorXd d = hess.ldlt().solve(g);
      for (Eigen::Index c = 0; c < K; ++c) step.row(c) = d.segment(c * D, D).transpose();
    } else {
      for (Eigen::Index c = 0; c < K; ++c) {
        const Eigen::VectorXd wr = s.cwiseProduct(p.col(c)).cwiseProduct((1.0 - p.col(c).array()).matrix());
        Eigen::MatrixXd hess = x1.transpose() * wr.asDiagonal() * x1;
        hess.diagonal().array() += 1e-6 * (1.0 + hess.diagonal().mean());
        step.row(c) = hess.ldlt().solve(grad.row(c).transpose()).transpose();
      }
    }
    if (!step.allFinite()) break;
    // Step halving: Newton's step may overshoot; take the first fraction that improves.
    double scale = 1.0, fNew = f;
    HmeMatrix candidate;
    for (int half = 0; half < 30; ++half, scale *= 0.5) {
      candidate = w + scale * step;
      fNew = softmaxObjective(x1, t, candidate);
      ++count;
      if (std::isfinite(fNew) && fNew >= f) break;
    }
    if (!(std::isfinite(fNew) && fNew >= f)) break;
    const double gain = fNew - f;
    w = candidate;
    f = fNew;
    if (gain <= 1e-10 * (1.0 + std::abs(f))) break;
  }
  if (passes) *passes = count;
  return f;
}

HmeEmResult hmeEmStep(HmeTree& tree, const HmeMatrix& x, const HmeTargets& t) {
  const HmeShape& sh = tree.shape();
  if (const std::string why = hmeEmRefusal(sh); !why.empty()) throw std::invalid_argument(why);
  const int B = sh.branching, I = sh.internal(), L = sh.leaves(), O = sh.outputs;
  HmePass pass;
  tree.forward(x, pass);
  HmeEmResult res;
  const double n = double(std::max<Eigen::Index>(1, x.rows()));
  res.logLikBefore = tree.logLik(pass, t).sum() / n;
  // E-step: each leaf's posterior; a node's is the sum of its leaves'.
  const HmeMatrix h = tree.posterior(pass, t);
  HmeMatrix node(x.rows(), I + L);
  node.rightCols(L) = h;
  for (int g = I - 1; g >= 0; --g) node.col(g) = node.middleCols(g * B + 1, B).rowwise().sum();
  // M-step, gates: the children's posteriors are the soft targets of the gate's logit.
  int passesM = 2;  // the regression experts' weighted sums, then their check
  for (int g = 0; g < I; ++g) {
    HmeMatrix w = tree.gates.middleRows(g * B, B);
    int used = 0;
    fitSoftmaxNewton(pass.x1, node.middleCols(g * B + 1, B), w, 10, &used);
    passesM = std::max(passesM, used);
    tree.gates.middleRows(g * B, B) = w;
  }
  // M-step, experts: weighted by their posteriors.
  if (sh.regression) {
    const double mean = t.values.mean();
    const double var = (t.values.array() - mean).square().mean();
    const double floor = std::max(1e-8, 1e-6 * var);
    for (int l = 0; l < L; ++l)
      fitGaussianExpert(pass.x1, t.values, h.col(l), tree.experts, l, tree.logVar(l), floor);
  } else {
    for (int l = 0; l < L; ++l) {
      HmeMatrix targets = HmeMatrix::Zero(x.rows(), O);
      for (Eigen::Index r = 0; r < x.rows(); ++r) targets(r, t.labels[std::size_t(r)]) = h(r, l);
      HmeMatrix w = tree.experts.middleRows(l * O, O);
      int used = 0;
      fitSoftmaxNewton(pass.x1, targets, w, 10, &used);
      passesM = std::max(passesM, used);
      tree.experts.middleRows(l * O, O) = w;
    }
  }
  tree.forward(x, pass);
  res.logLikAfter = tree.logLik(pass, t).sum() / n;
  res.dataPasses = 1 + passesM;  // the E-step's pass, then the M-step's
  return res;
}

}  // namespace moe::core
