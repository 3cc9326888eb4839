// Baselines of a sweep: the spec's "baselines" and their configs, resampling and SAMME's weight
// by hand, the frozen uniform gate, and every baseline trained end to end through the runner
// with FLOPs checked against hand counts of the members' shapes.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/model/model.h"
#include "core/sweep/baselines.h"
#include "core/sweep/ensemble_run.h"
#include "core/sweep/sweep_runner.h"
#include "dataset_skips.h"
#include "session_fixtures.h"

using namespace moe::core;
using ojson = nlohmann::ordered_json;

namespace {

// 1000 Fashion-MNIST rows, 4 experts of width 8, top-2, one epoch of 10 steps.
const ojson kBase = ojson::parse(
    R"({"max_train": 1000, "experts": 4, "top_k": 2, "expert_hidden": 8, "batch_size": 100,
        "lr": 0.005, "threads": 1})");

ojson specWith(const ojson& baselines) {
  ojson s;
  s["base"] = kBase;
  s["baselines"] = baselines;
  return s;
}

const SweepRun& runOf(const SweepSpec& s, const std::string& id) {
  for (const SweepRun& r : s.runs)
    if (r.id == id) return r;
  throw std::runtime_error("no run " + id);
}

/** Forward FLOPs of a one-expert MLP model: the gate (784 + 1), the expert (784 x h + h +
 *  h x 10 + 10), 2 per weight, and the gated combine (2 per output). */
double oneExpertFlops(int features, int hidden, int classes) {
  const double router = features + 1.0;
  const double expert = hidden > 0 ? double(features) * hidden + hidden + double(hidden) * classes + classes
                                   : double(features) * classes + classes;
  return 2.0 * (router + expert) + 2.0 * classes;
}

}  // namespace

class TestBaselines : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void specExpandsBaselines() {
    const SweepSpec s = parseSweepSpec(specWith({"dense-active", "dense-total", "uniform-gate", "bagging"}));
    // The base MoE run first, then each baseline (no seeds: the base seed).
    QCOMPARE(int(s.runs.size()), 5);
    QCOMPARE(s.runs[0].id, std::string("base"));
    QVERIFY(s.runs[0].baseline.empty());
    QCOMPARE(s.runs[0].columns["baseline"], ojson(nullptr));
    const SweepRun& active = runOf(s, "baseline=dense-active");
    QCOMPARE(active.config.model.experts, 1);
    QCOMPARE(active.config.model.expertHidden, 16);  // k x width
    QCOMPARE(runOf(s, "baseline=dense-total").config.model.expertHidden, 32);  // E x width
    QCOMPARE(runOf(s, "baseline=uniform-gate").config.model.router, std::string("uniform"));
    QCOMPARE(runOf(s, "baseline=uniform-gate").config.model.experts, 4);
    const SweepRun& bag = runOf(s, "baseline=bagging members=4");
    QVERIFY(bag.ensemble);
    QCOMPARE(bag.members, 4);  // the MoE's experts by default
    QCOMPARE(bag.config.model.expertHidden, 8);
    QCOMPARE(bag.columns["members"], ojson(4));
    QCOMPARE(s.varied.back(), std::string("members"));

    ojson seeded = specWith({"boosting"});
    seeded["seeds"] = ojson::parse("[0, 1]");  // as a spec file gives them: unsigned
    seeded["ensemble_members"] = ojson::parse("3");
    const SweepSpec t = parseSweepSpec(seeded);
    QCOMPARE(int(t.runs.size()), 4);
    QCOMPARE(t.runs[3].id, std::string("baseline=boosting members=3 seed=1"));
    QCOMPARE(t.runs[3].config.seed, std::uint64_t(1));
  }

  void specRefusals() {
    QVERIFY_THROWS_EXCEPTION(SweepError, parseSweepSpec(specWith({"bogging"})));
    QVERIFY_THROWS_EXCEPTION(SweepError, parseSweepSpec(specWith(ojson::array())));
    QVERIFY_THROWS_EXCEPTION(SweepError, parseSweepSpec(specWith("bagging")));
    ojson members = specWith({"bagging"});
    members["ensemble_members"] = ojson::parse("0");
    QVERIFY_THROWS_EXCEPTION(SweepError, parseSweepSpec(members));
    ojson noList;
    noList["base"] = kBase;
    noList["seeds"] = ojson::parse("[0]");
    noList["ensemble_members"] = ojson::parse("2");
    QVERIFY_THROWS_EXCEPTION(SweepError, parseSweepSpec(noList));
  }

  void resamplingAndSammeByHand() {
    // All the weight on row 2: every draw is row 2.
    for (int r : resampleRows(50, {0.0, 0.0, 1.0, 0.0}, 7)) QCOMPARE(r, 2);
    // Uniform: rows in range, the same for the same seed, another draw for another.
    const auto a = resampleRows(200, {}, 1), b = resampleRows(200, {}, 1), c = resampleRows(200, {}, 2);
    QCOMPARE(a, b);
    QVERIFY(a != c);
    for (int r : a) QVERIFY(r >= 0 && r < 200);
    // SAMME: error 0.5 on 10 classes weighs log 9; chance (error 0.9) weighs 0.
    QVERIFY(std::abs(sammeAlpha(0.5, 10) - std::log(9.0)) < 1e-12);
    QVERIFY(std::abs(sammeAlpha(0.9, 10)) < 1e-12);
    QVERIFY(std::abs(sammeAlpha(0.25, 2) - std::log(3.0)) < 1e-12);
  }

  void uniformGateIsFrozen() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    TrainConfig c = testing::smallMoeConfig(8, 1);
    c.model.router = "uniform";
    auto s = testing::makeSession(c, testing::smallFashionMnist());
    Parameter* gate = s->model().moe()->router().parameters()[0];
    const auto before = moe::compute::toHost(s->backend(), gate->value);
    s->trainStep();
    s->trainStep();
    QCOMPARE(moe::compute::toHost(s->backend(), gate->value), before);
    const Inspection in = s->inspect(0);
    QCOMPARE(int(in.chosen.size()), 4);
    for (float g : in.chosenGates) QVERIFY(std::abs(g - 0.25f) < 1e-6f);
    QCOMPARE(s->paramsActivePerInput(), s->paramsTotal());
  }

  void everyBaselineTrainsThroughTheRunner() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QTemporaryDir tmp;
    ojson spec = specWith({"dense-active", "dense-total", "uniform-gate", "bagging", "boosting", "stacking"});
    spec["ensemble_members"] = ojson::parse("2");
    SweepRunner runner(parseSweepSpec(spec), tmp.path().toStdString());
    runner.run(1);
    const auto rows = runner.rows();
    QCOMPARE(int(rows.size()), 7);
    std::map<std::string, SweepRow> by;
    for (const SweepRow& r : rows) {
      QCOMPARE(r["status"].get<std::string>(), std::string("done"));
      const double acc = r["test_accuracy"].get<double>();
      // Ten steps of narrow models: better than chance (0.1) is all that is asked here.
      QVERIFY2(acc > 0.15 && acc <= 1.0, (r["run"].get<std::string>() + ": " + std::to_string(acc)).c_str());
      by[r["baseline"].is_null() ? "moe" : r["baseline"].get<std::string>()] = r;
    }
    const double member = oneExpertFlops(784, 8, 10);
    auto flops = [&](const std::string& b) { return by[b]["inference_flops_per_sample"].get<double>(); };
    auto train = [&](const std::string& b) { return by[b]["train_flops_per_sample"].get<double>(); };
    QCOMPARE(flops("dense-active"), oneExpertFlops(784, 16, 10));
    QCOMPARE(flops("dense-total"), oneExpertFlops(784, 32, 10));
    QCOMPARE(flops("bagging"), 2 * member);
    QCOMPARE(train("bagging"), 3 * 2 * member);  // each member trains one epoch of 1000 rows
    QCOMPARE(by["bagging"]["params_total"].get<long>(), 2 * long(785 + 784 * 8 + 8 + 80 + 10));
    // Boosting also predicts every training row once per member.
    QCOMPARE(by["boosting"]["members_used"].get<int>() >= 1, true);
    const int used = by["boosting"]["members_used"].get<int>();
    QCOMPARE(flops("boosting"), used * member);
    QCOMPARE(train("boosting"), 4 * used * member);
    // Stacking: two members and a linear meta-learner on their 2 x 10 probabilities.
    QCOMPARE(flops("stacking"), 2 * member + oneExpertFlops(20, 0, 10));
    // The uniform gate runs every expert: its FLOPs are the whole MoE's.
    QVERIFY(flops("uniform-gate") > flops("moe"));
    QVERIFY(QFile::exists(tmp.filePath("runs/baseline-stacking_members-2/member-2.jsonl")));
    // A second runner trains nothing.
    SweepRunner again(parseSweepSpec(spec), tmp.path().toStdString());
    QCOMPARE(int(again.pendingCount()), 0);
  }
};

QTEST_GUILESS_MAIN(TestBaselines)
#include "test_baselines.moc"
