#include "core/model/hme_tree.h"

#include <algorithm>
#include <cmath>


namespace moe::core {

namespace {

constexpr double kLog2Pi = 1.8378770664093453;

void fillUniform(HmeMatrix& m, double bound, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-bound, bound);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
}

}  // namespace

int HmeShape::internal() const {
  int n = 0, level = 1;
  for (int d = 0; d < depth; ++d, level *= branching) n += level;
  return n;
}

int HmeShape::leaves() const {
  int n = 1;
  for (int d = 0; d < depth; ++d) n *= branching;
  return n;
}

int HmeShape::level(int node) const {
  int l = 0;
  while (node > 0) {
    node = (node - 1) / branching;
    ++l;
  }
  return l;
}

HmeMatrix rowSoftmax(const HmeMatrix& z) {
  HmeMatrix p(z.rows(), z.cols());
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const double m = z.row(r).maxCoeff();
    p.row(r) = (z.row(r).array() - m).exp();
    p.row(r) /= p.row(r).sum();
  }
  return p;
}

HmeTree::HmeTree(const HmeShape& shape, std::mt19937_64& rng) : mShape(shape) {
  const int d1 = shape.inputs + 1, L = shape.leaves();
  gates.resize(shape.internal() * shape.branching, d1);
  fillUniform(gates, 1.0 / std::sqrt(double(d1)), rng);
  if (shape.hidden > 0) {
    experts.resize(L * shape.hidden, d1);
    experts2.resize(L * shape.outputs, shape.hidden + 1);
    fillUniform(experts, 1.0 / std::sqrt(double(d1)), rng);
    fillUniform(experts2, 1.0 / std::sqrt(double(shape.hidden + 1)), rng);
  } else {
    experts.resize(L * shape.outputs, d1);
    fillUniform(experts, 1.0 / std::sqrt(double(d1)), rng);
  }
  if (shape.regression)
    logVar = Eigen::VectorXd::Constant(L, std::log(std::max(1e-12, shape.initialVariance)));
}

void HmeTree::forward(const HmeMatrix& x, HmePass& p) const {
  const int B = mShape.branching, I = mShape.internal(), L = mShape.leaves();
  const int O = mShape.outputs, H = mShape.hidden;
  const Eigen::Index n = x.rows();
  p.branching = B;
  p.x1.resize(n, x.cols() + 1);
  p.x1.leftCols(x.cols()) = x;
  p.x1.col(x.cols()).setOnes();
  const HmeMatrix logits = p.x1 * gates.transpose();
  p.gate.resize(n, I * B);
  for (int g = 0; g < I; ++g) p.gate.middleCols(g * B, B) = rowSoftmax(logits.middleCols(g * B, B));
  p.prior.resize(n, I + L);
  p.prior.col(0).setOnes();
  for (int g = 0; g < I; ++g)
    for (int b = 0; b < B; ++b)
      p.prior.col(g * B + 1 + b) = p.prior.col(g).cwiseProduct(p.gate.col(g * B + b));
  if (H > 0) {
    p.hidden = (p.x1 * experts.transpose()).array().tanh();
    p.out.resize(n, L * O);
    for (int l = 0; l < L; ++l)
      p.out.middleCols(l * O, O) =
          (p.hidden.middleCols(l * H, H) *
           experts2.block(l * O, 0, O, H).transpose()).rowwise() +
          experts2.block(l * O, H, O, 1).transpose().row(0);
  } else {
    p.hidden.resize(0, 0);
    p.out = p.x1 * experts.transpose();
  }
}

HmeMatrix HmeTree::output(const HmePass& p, MixtureLoss loss) const {
  const int L = mShape.leaves(), O = mShape.outputs;
  const auto prior = p.leafPrior();
  HmeMatrix y = HmeMatrix::Zero(p.out.rows(), O);
  const bool mixProbs = !mShape.regression && loss == MixtureLoss::Compete;
  for (int l = 0; l < L; ++l) {
    const HmeMatrix o = mixProbs ? rowSoftmax(p.out.middleCols(l * O, O)) : p.out.middleCols(l * O, O);
    y += prior.col(l).asDiagonal() * o;
  }
  if (mixProbs) y = y.array().max(1e-300).log();
  return y;
}

HmeMatrix HmeTree::expertLogLik(const HmePass& p, const HmeTargets& t) const {
  const int L = mShape.leaves(), O = mShape.outputs;
  const Eigen::Index n = p.out.rows();
  HmeMatrix ll(n, L);
  for (int l = 0; l < L; ++l) {
    if (mShape.regression) {
      const double v = std::exp(logVar(l));
      const Eigen::ArrayXd e = t.values.array() - p.out.col(l).array();
      ll.col(l) = -0.5 * (kLog2Pi + logVar(l)) - e.square() / (2.0 * v);
    } else {
      const auto z = p.out.middleCols(l * O, O);
      for (Eigen::Index r = 0; r < n; ++r) {
        const double m = z.row(r).maxCoeff();
        ll(r, l) = z(r, t.labels[std::size_t(r)]) - m - std::log((z.row(r).array() - m).exp().sum());
      }
    }
  }
  return ll;
}

Eigen::VectorXd HmeTree::logLik(const HmePass& p, const HmeTargets& t) const {
  const HmeMatrix joint = expertLogLik(p, t).array() + p.leafPrior().array().max(1e-300).log();
  Eigen::VectorXd out(joint.rows());
  for (Eigen::Index r = 0; r < joint.rows(); ++r) {
    const double m = joint.row(r).maxCoeff();
    out(r) = m + std::log((joint.row(r).array() - m).exp().sum());
  }
  return out;
}

HmeMatrix HmeTree::posterior(const HmePass& p, const HmeTargets& t) const {
  HmeMatrix joint = expertLogLik(p, t).array() + p.leafPrior().array().max(1e-300).log();
  for (Eigen::Index r = 0; r < joint.rows(); ++r) {
    const double m = joint.row(r).maxCoeff();
    joint.row(r) = (joint.row(r).array() - m).exp();
    joint.row(r) /= joint.row(r).sum();
  }
  return joint;
}

double HmeTree::loss(const HmePass& p, const HmeTargets& t, MixtureLoss kind,
                     HmeGrads* grads) const {
  const int L = mShape.leaves(), O = mShape.outputs;
  const Eigen::Index n = p.out.rows();
  const double inv = 1.0 / double(std::max<Eigen::Index>(1, n));
  HmeMatrix dLogPrior(n, L), dOut(n, L * O);
  Eigen::VectorXd dLogVar = Eigen::VectorXd::Zero(mShape.regression ? L : 0);
  double total = 0.0;
  if (kind == MixtureLoss::Compete) {
    total = -logLik(p, t).sum() * inv;
    if (!grads) return total;
    const HmeMatrix h = posterior(p, t);
    dLogPrior = -h * inv;
    for (int l = 0; l < L; ++l) {
      if (mShape.regression) {
        const double v = std::exp(logVar(l));
        const Eigen::ArrayXd e = t.values.array() - p.out.col(l).array();
        dOut.col(l) = -(h.col(l).array() * e / v * inv).matrix();
        dLogVar(l) = -(h.col(l).array() * (-0.5 + e.square() / (2.0 * v))).sum() * inv;
      } else {
        HmeMatrix d = -rowSoftmax(p.out.middleCols(l * O, O));
        for (Eigen::Index r = 0; r < n; ++r) d(r, t.labels[std::size_t(r)]) += 1.0;
        dOut.middleCols(l * O, O) = (h.col(l) * -inv).asDiagonal() * d;
      }
    }
  } else {
    const auto prior = p.leafPrior();
    const HmeMatrix avg = output(p, MixtureLoss::Cooperate);
    HmeMatrix dAvg(n, O);
    if (mShape.regression) {
      const Eigen::VectorXd e = avg.col(0) - t.values;
      total = 0.5 * e.squaredNorm() * inv;
      dAvg.col(0) = e * inv;
    } else {
      const HmeMatrix q = rowSoftmax(avg);
      dAvg = q;
      for (Eigen::Index r = 0; r < n; ++r) {
        const int y = t.labels[std::size_t(r)];
        total -= std::log(std::max(q(r, y), 1e-300));
        dAvg(r, y) -= 1.0;
      }
      total *= inv;
      dAvg *= inv;
    }
    if (!grads) return total;
    for (int l = 0; l < L; ++l) {
      dOut.middleCols(l * O, O) = prior.col(l).asDiagonal() * dAvg;
      dLogPrior.col(l) =
          prior.col(l).cwiseProduct(p.out.middleCols(l * O, O).cwiseProduct(dAvg).rowwise().sum());
    }
  }
  backward(p, dLogPrior, dOut, *grads);
  grads->logVar = dLogVar;
  return total;
}

void HmeTree::backward(const HmePass& p, const HmeMatrix& dLogPrior, const HmeMatrix& dOut,
                       HmeGrads& g) const {
  const int B = mShape.branching, I = mShape.internal(), L = mShape.leaves();
  const int O = mShape.outputs, H = mShape.hidden;
  const Eigen::Index n = p.x1.rows();
  // A node's weight: the sum of d loss / d log prior over the leaves below it.
  HmeMatrix a(n, I + L);
  a.rightCols(L) = dLogPrior;
  for (int node = I - 1; node >= 0; --node) a.col(node) = a.middleCols(node * B + 1, B).rowwise().sum();
  HmeMatrix dLogits(n, I * B);
  for (int node = 0; node < I; ++node)
    for (int b = 0; b < B; ++b)
      dLogits.col(node * B + b) =
          a.col(node * B + 1 + b) - p.gate.col(node * B + b).cwiseProduct(a.col(node));
  g.gates = dLogits.transpose() * p.x1;
  if (H > 0) {
    g.experts2.resize(experts2.rows(), experts2.cols());
    HmeMatrix dPre(n, L * H);
    for (int l = 0; l < L; ++l) {
      const auto d = dOut.middleCols(l * O, O);
      const auto h = p.hidden.middleCols(l * H, H);
      g.experts2.block(l * O, 0, O, H) = d.transpose() * h;
      g.experts2.block(l * O, H, O, 1) = d.colwise().sum().transpose();
      const HmeMatrix dh = d * experts2.block(l * O, 0, O, H);
      dPre.middleCols(l * H, H) = dh.array() * (1.0 - h.array().square());
    }
    g.experts = dPre.transpose() * p.x1;
  } else {
    g.experts = dOut.transpose() * p.x1;
    g.experts2.resize(0, 0);
  }
}

std::vector<double> HmeTree::flatten() const {
  std::vector<double> v;
  for (const HmeMatrix* m : {&gates, &experts, &experts2}) v.insert(v.end(), m->data(), m->data() + m->size());
  v.insert(v.end(), logVar.data(), logVar.data() + logVar.size());
  return v;
}

void HmeTree::unflatten(const std::vector<double>& v) {
  std::size_t at = 0;
  for (HmeMatrix* m : {&gates, &experts, &experts2}) {
    std::copy(v.begin() + long(at), v.begin() + long(at + std::size_t(m->size())), m->data());
    at += std::size_t(m->size());
  }
  std::copy(v.begin() + long(at), v.begin() + long(at + std::size_t(logVar.size())), logVar.data());
}

std::vector<double> HmeTree::flatten(const HmeGrads& g) {
  std::vector<double> v;
  for (const HmeMatrix* m : {&g.gates, &g.experts, &g.experts2}) v.insert(v.end(), m->data(), m->data() + m->size());
  v.insert(v.end(), g.logVar.data(), g.logVar.data() + g.logVar.size());
  return v;
}

}  // namespace moe::core
