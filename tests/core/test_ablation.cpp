// Ablation: each row's choices edited by hand-checkable rules, the bar computed from a
// hand-made report, and a trained model whose ablations are checked against relations that
// hold exactly (two experts, top-2: a removal leaves the other expert alone).
#include <QtTest>

#include <cmath>

#include "core/analysis/ablation.h"
#include "core/analysis/ablation_json.h"
#include "core/model/model.h"
#include "dataset_skips.h"
#include "session_fixtures.h"

using namespace moe::core;
using Row = std::vector<std::pair<int, float>>;

namespace {

bool same(const Row& a, const Row& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || std::abs(a[i].second - b[i].second) > 1e-6f) return false;
  return true;
}

Row edited(Row row, AblationMode mode, int expert) {
  const float p[4] = {0.30f, 0.05f, 0.50f, 0.15f};
  AblationPolicy::editRow(row, p, 4, mode, expert);
  return row;
}

/** Two experts, top-2, trained for 10 steps on 1000 Fashion-MNIST rows, 500 test rows. */
std::unique_ptr<Session> twoExpertSession(const std::string& router = "topk") {
  TrainConfig c = testing::smallMoeConfig(16, 3);
  c.model.experts = 2;
  c.model.topK = 2;
  c.model.router = router;
  c.epochs = 1;
  auto s = testing::makeSession(c, testing::smallFashionMnist());
  while (!s->finished()) s->trainStep();
  return s;
}

}  // namespace

class TestAblation : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void editRowByHand() {
    const Row topTwo{{2, 0.6f}, {0, 0.4f}};
    // Next choice: expert 2's gate goes to the best unchosen expert by p (3: 0.15 > 0.05).
    QVERIFY(same(edited(topTwo, AblationMode::NextChoice, 2), Row{{3, 0.6f}, {0, 0.4f}}));
    // Renormalised: the rest scaled up to the same total.
    QVERIFY(same(edited(topTwo, AblationMode::Renormalise, 2), Row{{0, 1.0f}}));
    QVERIFY(same(edited(topTwo, AblationMode::Renormalise, 0), Row{{2, 1.0f}}));
    // An expert the row does not use changes nothing, in both modes.
    QVERIFY(same(edited(topTwo, AblationMode::NextChoice, 1), topTwo));
    QVERIFY(same(edited(topTwo, AblationMode::Renormalise, 3), topTwo));
    // Alone: the row's total gate to the one expert; uniform: a quarter each.
    QVERIFY(same(edited(topTwo, AblationMode::Alone, 1), Row{{1, 1.0f}}));
    QVERIFY(same(edited(topTwo, AblationMode::UniformGate, -1),
                 Row{{0, 0.25f}, {1, 0.25f}, {2, 0.25f}, {3, 0.25f}}));
    // Gates that do not sum to 1 (Switch: g = p): totals are kept.
    QVERIFY(same(edited(Row{{2, 0.5f}}, AblationMode::NextChoice, 2), Row{{0, 0.5f}}));
    QVERIFY(same(edited(Row{{2, 0.5f}}, AblationMode::Alone, 3), Row{{3, 0.5f}}));
    // k = 1, renormalised: nothing is left.
    QVERIFY(edited(Row{{2, 1.0f}}, AblationMode::Renormalise, 2).empty());
    // Every expert chosen (dense): no next choice, the share is lost.
    const Row all{{2, 0.5f}, {0, 0.3f}, {3, 0.15f}, {1, 0.05f}};
    QVERIFY(same(edited(all, AblationMode::NextChoice, 0), Row{{2, 0.5f}, {3, 0.15f}, {1, 0.05f}}));
  }

  void barByHand() {
    // Two classes of 10 rows, three experts, k = 1. Expert 0 takes 8 of class 0 and 1 of
    // class 1; expert 1 takes 2 of class 0 and 9 of class 1; expert 2 takes none (share 0).
    AblationReport r;
    r.experts = 3;
    r.classes = 2;
    r.k = 1;
    r.rows = 20;
    r.classRows = {10, 10};
    r.classExpert = {8, 2, 0, 1, 9, 0};
    r.expertShare = {0.45, 0.55, 0.0};
    r.accuracy = 0.9;
    r.classAccuracy = {0.9, 0.9};
    r.nextChoice = {{AblationMode::NextChoice, 0, 0.6, {0.3, 0.9}},
                    {AblationMode::NextChoice, 1, 0.8, {0.9, 0.7}},
                    {AblationMode::NextChoice, 2, 0.9, {0.9, 0.9}}};
    const auto bar = ablationBar(r, AblationMode::NextChoice);
    QCOMPARE(int(bar.size()), 2);  // expert 2 is below 5%
    QCOMPARE(bar[0].expert, 0);
    QCOMPARE(bar[0].topClass, 0);
    QCOMPARE(bar[0].topClassShare, 0.8);
    QVERIFY(std::abs(bar[0].topClassDrop - 0.6) < 1e-12);
    QVERIFY(std::abs(bar[0].otherClassDrop) < 1e-12);
    QVERIFY(bar[0].passes);
    QCOMPARE(bar[1].topClass, 1);
    QVERIFY(std::abs(bar[1].topClassDrop - 0.2) < 1e-12);
    QVERIFY(bar[1].passes);
    // A removal that hurts the other class more fails.
    r.nextChoice[1].classAccuracy = {0.5, 0.8};
    QVERIFY(!ablationBar(r, AblationMode::NextChoice)[1].passes);
    // A higher threshold keeps only the larger expert.
    QCOMPARE(int(ablationBar(r, AblationMode::NextChoice, 0.5).size()), 1);
  }

  void trainedTwoExperts() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    auto s = twoExpertSession();
    const auto before = s->evaluate();
    const long step = s->step();
    const AblationReport r = ablate(*s);
    QCOMPARE(r.experts, 2);
    QCOMPARE(r.k, 2);
    QCOMPARE(r.rows, 500);
    QCOMPARE(r.accuracy, before->quality);
    // Every row uses both experts.
    QCOMPARE(r.expertShare[0], 1.0);
    QCOMPARE(r.expertShare[1], 1.0);
    // Per class accuracies weighted by the class sizes give the accuracy.
    double weighted = 0.0;
    for (int c = 0; c < r.classes; ++c) weighted += r.classAccuracy[std::size_t(c)] * double(r.classRows[std::size_t(c)]);
    QVERIFY(std::abs(weighted / r.rows - r.accuracy) < 1e-9);
    // With both experts chosen, removing one (renormalised) leaves the other alone with gate 1.
    QCOMPARE(r.renormalise[0].accuracy, r.alone[1].accuracy);
    QCOMPARE(r.renormalise[1].accuracy, r.alone[0].accuracy);
    QCOMPARE(r.renormalise[0].classAccuracy, r.alone[1].classAccuracy);
    // Next choice: there is no unchosen expert, so the row keeps the other at its own gate: a
    // different model unless the gates were all 1.
    QCOMPARE(int(r.nextChoice.size()), 2);
    QVERIFY(r.uniform.accuracy > 0.0);
    // The router is back and nothing trained: the same predictions, the same step.
    const auto after = s->evaluate();
    QCOMPARE(s->step(), step);
    QCOMPARE(after->predictions, before->predictions);
    QCOMPARE(after->quality, before->quality);
    // The JSON carries the drops.
    const auto j = ablationJson(r);
    QCOMPARE(j["removed"]["renormalise"].size(), std::size_t(2));
    QCOMPARE(j["alone"][1]["test_accuracy"].get<double>(), r.alone[1].accuracy);
    QCOMPARE(j["removed"]["next-choice"][0]["accuracy_drop"].get<double>(),
             r.accuracy - r.nextChoice[0].accuracy);
  }

  void oneInputWithEachExpertRemoved() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    auto s = twoExpertSession();
    const Inspection in = s->inspect(7);
    QCOMPARE(int(in.chosen.size()), 2);
    const auto removed = ablateInput(*s, 7, AblationMode::Renormalise);
    QCOMPARE(int(removed.size()), 2);
    // Expert e removed: the input's prediction is the other expert's own (gate 1).
    for (int e = 0; e < 2; ++e) {
      const int other = 1 - e;
      const int rank = in.chosen[0] == other ? 0 : 1;
      const auto& own = in.expertPredictions[std::size_t(rank)];
      QCOMPARE(removed[std::size_t(e)].expert, e);
      for (std::size_t c = 0; c < own.size(); ++c)
        QVERIFY(std::abs(removed[std::size_t(e)].prediction[c] - own[c]) < 1e-5f);
      QCOMPARE(removed[std::size_t(e)].labelProbability,
               removed[std::size_t(e)].prediction[std::size_t(in.label)]);
    }
    // The inspection afterwards is the trained model's again.
    QCOMPARE(s->inspect(7).prediction, in.prediction);
  }

  void refusals() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    TrainConfig dense = testing::smallMoeConfig(16, 1);
    dense.model.kind = ModelKind::DenseMlp;
    auto d = testing::makeSession(dense, testing::smallFashionMnist());
    QVERIFY_THROWS_EXCEPTION(AblationError, ablate(*d));
    // Soft MoE mixes rows into slots: refused, and the router is put back.
    auto soft = twoExpertSession("soft-moe");
    const auto before = soft->evaluate();
    QVERIFY_THROWS_EXCEPTION(AblationError, ablate(*soft));
    QCOMPARE(soft->evaluate()->predictions, before->predictions);
  }
};

QTEST_GUILESS_MAIN(TestAblation)
#include "test_ablation.moc"
