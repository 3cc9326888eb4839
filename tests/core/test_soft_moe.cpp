// Soft MoE (router "soft-moe"): the weighted plan over sequences, with one and with several slots
// per expert, and finite-difference gradients through both softmaxes (dispatch over a
// sequence's rows, combine over experts or over all slots).
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/core/random_vectors.h"
#include "compute/cpu/cpu_backend.h"
#include "core/model/moe_layer.h"
#include "core/routing/gating.h"
#include "core/routing/routers/soft_moe_router.h"

using namespace moe;
using namespace moe::core;
using compute::Tensor;

namespace {

using moe::testing::dot;
using moe::testing::randomVec;

// Three sequences of 3, 1 and 4 rows (positions restart at 0).
const std::vector<std::int32_t> kPositions{0, 1, 2, 0, 0, 1, 2, 3};
constexpr int kRows = 8, kExperts = 3, kIn = 4, kOut = 2;

}  // namespace

class TestSoftMoe : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void planMixesEachSequence() {
    std::mt19937_64 rng(1);
    const auto z = randomVec(std::size_t(kRows) * kExperts, rng);
    std::mt19937_64 unused(0);
    compute::CpuBackend be(1);
    RouterBuild build{be, kIn, kExperts, unused};
    SoftMoeRouter router(build);
    RouterInput in;
    in.rows = kRows;
    in.experts = kExperts;
    in.logits = z.data();
    in.positions = kPositions.data();
    Gating g;
    g.forward(router, in);
    const DispatchPlan& p = g.plan();
    QVERIFY(p.weighted());
    QCOMPARE(p.slots(), kExperts * 3);  // one slot per expert per sequence
    QVERIFY(p.dropped.empty() && p.unrouted.empty());
    const std::vector<int> seqOf{0, 0, 0, 1, 2, 2, 2, 2}, seqStart{0, 3, 4}, seqLen{3, 1, 4};
    for (int e = 0; e < kExperts; ++e)
      for (int q = 0; q < 3; ++q) {
        const int s = e * 3 + q;
        QCOMPARE(p.slotInPtr[std::size_t(s) + 1] - p.slotInPtr[std::size_t(s)], seqLen[std::size_t(q)]);
        double sum = 0.0, denom = 0.0;
        for (int r = seqStart[std::size_t(q)]; r < seqStart[std::size_t(q)] + seqLen[std::size_t(q)]; ++r)
          denom += std::exp(double(z[std::size_t(r) * kExperts + e]));
        for (int j = p.slotInPtr[std::size_t(s)]; j < p.slotInPtr[std::size_t(s) + 1]; ++j) {
          const int r = p.slotInRows[std::size_t(j)];
          QCOMPARE(seqOf[std::size_t(r)], q);
          const double want = std::exp(double(z[std::size_t(r) * kExperts + e])) / denom;
          QVERIFY(std::fabs(p.slotInWeights[std::size_t(j)] - want) < 1e-6);
          sum += p.slotInWeights[std::size_t(j)];
        }
        QVERIFY(std::fabs(sum - 1.0) < 1e-6);
      }
    // Every row combines its own sequence's slots, one per expert, with the probabilities.
    for (int r = 0; r < kRows; ++r) {
      QCOMPARE(p.rowPtr[std::size_t(r) + 1] - p.rowPtr[std::size_t(r)], kExperts);
      for (int j = p.rowPtr[std::size_t(r)]; j < p.rowPtr[std::size_t(r) + 1]; ++j) {
        const int e = p.rowExperts[std::size_t(j)];
        QCOMPARE(p.rowSlots[std::size_t(j)], e * 3 + seqOf[std::size_t(r)]);
        QCOMPARE(p.rowGates[std::size_t(j)], g.probs()[std::size_t(r) * kExperts + e]);
        if (j > p.rowPtr[std::size_t(r)]) QVERIFY(p.rowGates[std::size_t(j)] <= p.rowGates[std::size_t(j) - 1]);
      }
    }
    // Without positions every row is its own sequence: each slot is one row of weight 1.
    in.positions = nullptr;
    g.forward(router, in);
    QCOMPARE(g.plan().slots(), kExperts * kRows);
    for (float w : g.plan().slotInWeights) QCOMPARE(w, 1.0f);
  }

  // Several slots per expert: slot (e, j) has logits Z = X[., e] + Y[., e, j] (Y = x Psi + b);
  // dispatch is a softmax of Z over a sequence's rows, combine a softmax of Z over all slots.
  void slotsPlanFollowsThePaper() {
    constexpr int P = 2, S = 3;
    compute::CpuBackend be(1);
    std::mt19937_64 rng(2);
    RouterBuild build{be, kIn, kExperts, rng, P};
    SoftMoeRouter router(build);
    QCOMPARE(router.slotsPerExpert(), P);
    const auto params = router.parameters();
    QCOMPARE(int(params.size()), 2);  // Psi and its bias
    const auto z = randomVec(std::size_t(kRows) * kExperts, rng);
    const auto xs = randomVec(std::size_t(kRows) * kIn, rng);
    Tensor x = be.alloc(kRows, kIn);
    be.write(x, std::span<const float>(xs));
    RouterInput in;
    in.rows = kRows;
    in.experts = kExperts;
    in.logits = z.data();
    in.x = &x;
    in.positions = kPositions.data();
    Gating g;
    g.forward(router, in);
    const DispatchPlan& p = g.plan();
    QVERIFY(p.weighted());
    QCOMPARE(p.slots(), kExperts * P * S);
    const auto w = compute::toHost(be, params[0]->value), b = compute::toHost(be, params[1]->value);
    QCOMPARE(w.size(), std::size_t(kIn) * kExperts * P);
    auto slotLogit = [&](int r, int e, int j) {
      double y = b[std::size_t(e * P + j)];
      for (int i = 0; i < kIn; ++i)
        y += double(xs[std::size_t(r) * kIn + i]) * w[std::size_t(i) * kExperts * P + std::size_t(e * P + j)];
      return double(z[std::size_t(r) * kExperts + e]) + y;
    };
    const std::vector<int> seqOf{0, 0, 0, 1, 2, 2, 2, 2}, seqStart{0, 3, 4}, seqLen{3, 1, 4};
    for (int e = 0; e < kExperts; ++e)
      for (int j = 0; j < P; ++j)
        for (int q = 0; q < S; ++q) {
          const int s = e * P * S + j * S + q;
          double denom = 0.0;
          for (int r = seqStart[std::size_t(q)]; r < seqStart[std::size_t(q)] + seqLen[std::size_t(q)]; ++r)
            denom += std::exp(slotLogit(r, e, j));
          QCOMPARE(p.slotInPtr[std::size_t(s) + 1] - p.slotInPtr[std::size_t(s)], seqLen[std::size_t(q)]);
          for (int i = p.slotInPtr[std::size_t(s)]; i < p.slotInPtr[std::size_t(s) + 1]; ++i) {
            const int r = p.slotInRows[std::size_t(i)];
            QCOMPARE(seqOf[std::size_t(r)], q);
            QVERIFY(std::fabs(p.slotInWeights[std::size_t(i)] - std::exp(slotLogit(r, e, j)) / denom) < 1e-5);
          }
        }
    // The two slots of an expert mix the first sequence differently.
    QVERIFY(std::fabs(p.slotInWeights[0] - p.slotInWeights[std::size_t(p.slotInPtr[S])]) > 1e-4);
    for (int r = 0; r < kRows; ++r) {
      const int b0 = p.rowPtr[std::size_t(r)], b1 = p.rowPtr[std::size_t(r) + 1];
      QCOMPARE(b1 - b0, kExperts * P);
      double denom = 0.0;
      for (int e = 0; e < kExperts; ++e)
        for (int j = 0; j < P; ++j) denom += std::exp(slotLogit(r, e, j));
      std::vector<double> marginal(kExperts, 0.0);
      std::vector<int> firstE;
      for (int i = b0; i < b1; ++i) {
        const int e = p.rowExperts[std::size_t(i)], slot = p.rowSlots[std::size_t(i)];
        const int j = (slot - e * P * S) / S;
        QCOMPARE(slot % S, seqOf[std::size_t(r)]);
        const double want = std::exp(slotLogit(r, e, j)) / denom;
        QVERIFY2(std::fabs(p.rowGates[std::size_t(i)] - want) < 1e-5,
                 qPrintable(QString("row %1 slot %2: %3 vs %4").arg(r).arg(slot).arg(p.rowGates[std::size_t(i)]).arg(want)));
        QVERIFY(std::fabs(p.rowGates[std::size_t(i)] -
                          g.probs()[std::size_t(r) * kExperts + e] * p.rowShares[std::size_t(i)]) < 1e-6);
        marginal[std::size_t(e)] += p.rowGates[std::size_t(i)];
        if (i < b0 + kExperts) firstE.push_back(e);
      }
      // The router probabilities are each expert's total; the first E links name each once.
      for (int e = 0; e < kExperts; ++e)
        QVERIFY(std::fabs(marginal[std::size_t(e)] - g.probs()[std::size_t(r) * kExperts + e]) < 1e-5);
      std::sort(firstE.begin(), firstE.end());
      QCOMPARE(firstE, std::vector<int>({0, 1, 2}));
    }
  }

  void gradientsThroughBothSoftmaxes_data() {
    QTest::addColumn<int>("slots");
    for (int slots : {1, 2, 3}) QTest::newRow(qPrintable(QString("%1 slots per expert").arg(slots))) << slots;
  }

  // sum(C .* y) + weighted aux losses w.r.t. x, the gate, the slot logits' map and the experts,
  // with sequences, so the dispatch softmax over rows is exercised (soft routing has no
  // discrete choice to flip).
  void gradientsThroughBothSoftmaxes() {
    QFETCH(int, slots);
    compute::CpuBackend be(1);
    std::mt19937_64 rng(4);
    ModelConfig mc;
    mc.router = "soft-moe";
    mc.slotsPerExpert = slots;
    mc.experts = kExperts;
    mc.expertHidden = 5;
    mc.activation = compute::Activation::Tanh;
    MoeLayer layer(be, kIn, kOut, mc, rng);
    Tensor x = be.alloc(kRows, kIn);
    be.write(x, std::span<const float>(randomVec(std::size_t(kRows) * kIn, rng)));
    const auto c = randomVec(std::size_t(kRows) * kOut, rng);
    const LossConfig lc{0.3, 0.2, 0.2, 0.1};
    auto objective = [&] {
      const Tensor& y = layer.forward(x, true, lc, 1, 1, RowTokens{nullptr, kPositions.data()});
      return dot(compute::toHost(be, y), c) + layer.auxLosses().weighted;
    };
    objective();
    Tensor dy = be.alloc(kRows, kOut), dx = be.alloc(kRows, kIn);
    be.write(dy, std::span<const float>(c));
    layer.backward(dy, &dx, 0.0f);
    QCOMPARE(layer.slotWeightGrads().size(), layer.plan().slotInWeights.size());
    std::vector<Parameter*> params = layer.parameters();
    Parameter xp;
    xp.name = "x";
    xp.value = x;
    xp.grad = dx;
    params.push_back(&xp);
    const double eps = 5e-3;
    int checked = 0;
    for (Parameter* p : params) {
      const auto analytic = compute::toHost(be, p->grad);
      std::vector<float> v = compute::toHost(be, p->value);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const float keep = v[i];
        v[i] = keep + float(eps);
        be.write(p->value, std::span<const float>(v));
        const double up = objective();
        v[i] = keep - float(eps);
        be.write(p->value, std::span<const float>(v));
        const double down = objective();
        v[i] = keep;
        be.write(p->value, std::span<const float>(v));
        const double fd = (up - down) / (2 * eps), an = analytic[i];
        ++checked;
        if (std::abs(fd - an) > 1e-3 + 2e-2 * std::max(std::abs(fd), std::abs(an)))
          QFAIL(qPrintable(QString("%1[%2]: finite difference %3, analytic %4")
                               .arg(QString::fromStdString(p->name)).arg(i).arg(fd).arg(an)));
      }
    }
    QVERIFY(checked > 50);
    QCOMPARE(int(layer.router().policy().parameters().size()), slots > 1 ? 2 : 0);
  }
};

QTEST_GUILESS_MAIN(TestSoftMoe)
#include "test_soft_moe.moc"
