// Text and ratings end to end through Session: learning on subsets, evaluation reports,
// typed-text inspection, recommendations, and unknown users, items and bad text.
#include <algorithm>
#include <cmath>
#include <functional>
#include <filesystem>
#include <random>

#include "compute/backend_factory.h"
#include "core/data/catalog.h"
#include "core/data/fortunes.h"
#include "core/data/splits.h"
#include "core/task/task_info.h"
#include "core/train/presets.h"
#include "core/train/session.h"

// Qt after the engine headers (tests build with QT_NO_KEYWORDS).
#include <QElapsedTimer>
#include <QtTest>

using namespace moe;
using namespace moe::core;

namespace {

std::unique_ptr<Session> makeSession(const TrainConfig& c, DataSplits splits) {
  return std::make_unique<Session>(c, std::make_shared<const DataSplits>(std::move(splits)),
                                   compute::createBackend("cpu", 2).backend);
}

// Ratings with a known structure: rating = 3.5 + user bias + item bias + (user group ==
// item group ? +0.8 : -0.8), clipped; users and items in two groups. User 0 and item 0 are
// kept out of train (unknown at test time).
DataSplits syntheticRatings(int users, int items, int ratings, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> bias(0.0f, 0.3f), noise(0.0f, 0.2f);
  std::vector<float> bu(static_cast<std::size_t>(users)), bi(static_cast<std::size_t>(items));
  for (auto& b : bu) b = bias(rng);
  for (auto& b : bi) b = bias(rng);
  Dataset all;
  all.name = "synthetic-ratings";
  all.kind = DataKind::Ratings;
  all.userCount = users;
  all.itemCount = items;
  all.genreNames = {"Even", "Odd", "Low"};
  for (int i = 0; i < items; ++i) {
    all.itemIds.push_back(1000 + i);
    all.itemTitles.push_back("Item " + std::to_string(i));
    all.itemGenres.push_back((i % 2 ? 2u : 1u) | (i < items / 4 ? 4u : 0u));
  }
  for (int u = 0; u < users; ++u) all.userIds.push_back(u + 1);
  for (int k = 0; k < ratings; ++k) {
    const int u = int(rng() % unsigned(users)), i = int(rng() % unsigned(items));
    const float match = (u % 2) == (i % 2) ? 0.8f : -0.8f;
    const float r = 3.5f + bu[std::size_t(u)] + bi[std::size_t(i)] + match + noise(rng);
    all.users.push_back(u);
    all.items.push_back(i);
    all.targets.push_back(std::round(std::clamp(r, 0.5f, 5.0f) * 2.0f) / 2.0f);
  }
  auto [train, test] = splitDataset(all, 0.2, seed);
  std::vector<int> keep;
  for (int r = 0; r < train.rows(); ++r)
    if (train.users[std::size_t(r)] != 0 && train.items[std::size_t(r)] != 0) keep.push_back(r);
  DataSplits s;
  s.train = takeRows(train, keep);
  s.test = std::move(test);
  countRatings(s.train);
  countRatings(s.test);
  return s;
}

bool haveFortunes() { return std::filesystem::exists(std::string(kFortunesRoot) + "/de"); }

}  // namespace

class TestTextRecSession : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void presets() {
    QCOMPARE(presetFor("fashion-mnist").model.expertHidden, TrainConfig{}.model.expertHidden);
    QCOMPARE(presetFor("fortunes-langid").dataset, std::string("fortunes-langid"));
    QVERIFY(presetFor("text-csv:/x.csv").model.stemWidth != TrainConfig{}.model.stemWidth ||
            presetFor("text-csv:/x.csv").optim.lr != TrainConfig{}.optim.lr);
    QCOMPARE(presetFor("movielens:/d").model.stemWidth, presetFor("movielens").model.stemWidth);
    TrainConfig c = presetFor("fortunes-langid");
    c.text.ngramMin = 2;
    c.text.buckets = 4096;
    const DataOptions o = dataOptionsFor(c);
    QCOMPARE(o.tokenizer.minN, 2);
    QCOMPARE(o.tokenizer.buckets, 4096);
    presetFor("fortunes-langid").validate();
    presetFor("movielens").validate();
  }

  void textLearnsLanguagesOnASubset() {
    if (!haveFortunes()) QSKIP("Debian's fortunes packages are not installed");
    TrainConfig c = presetFor("fortunes-langid");
    c.text.buckets = 1 << 16;
    DataOptions opt = dataOptionsFor(c);
    opt.maxTrain = 4000;
    DataSplits s = loadDataset("fortunes-langid", opt);
    s.test = subset(s.test, 600, 3);
    c.epochs = 2;
    auto session = makeSession(c, std::move(s));
    QElapsedTimer timer;
    timer.start();
    while (!session->finished()) session->trainStep();
    const auto report = session->evaluate();
    qInfo("text subset: accuracy %.4f in %.1f s", report->quality, timer.elapsed() / 1000.0);
    QVERIFY2(report->quality > 0.9, qPrintable(QString::number(report->quality)));
    // Language x expert counts over tokens: every routed token counted k times.
    const int E = c.model.experts, C = report->classes;
    QCOMPARE(int(report->classExpert.size()), C * E);
    std::int64_t counted = 0;
    for (const auto v : report->classExpert) counted += v;
    QVERIFY(counted > 600);
    QCOMPARE(report->gateProbs.size(), std::size_t(600) * E);
    QCOMPARE(report->topExperts.size(), std::size_t(600) * report->k);

    // Inspecting typed text: spans inside the text, one routing per token.
    const std::string text = "Der Hund schläft unter dem Tisch";
    const Inspection in = session->inspectText(text);
    QCOMPARE(in.text, text);
    QVERIFY(!in.tokens.empty());
    for (const TokenRouting& t : in.tokens) {
      QVERIFY(t.begin >= 0 && t.begin < t.end && t.end <= int(text.size()));
      QCOMPARE(int(t.experts.size()), c.model.topK);
      QCOMPARE(int(t.probs.size()), E);
    }
    QCOMPARE(in.prediction.size(), std::size_t(C));
    QCOMPARE(session->data().train.classNames[std::size_t(in.predicted)], std::string("de"));
    QCOMPARE(in.expertPredictions.size(), in.chosen.size());
    // A test row carries its text and spans too.
    const Inspection row = session->inspect(0);
    QCOMPARE(row.text, session->data().test.texts[0]);
    QVERIFY(!row.tokens.empty() && row.tokens.back().end <= int(row.text.size()));
  }

  void badTextNeverCrashes() {
    if (!haveFortunes()) QSKIP("Debian's fortunes packages are not installed");
    TrainConfig c = presetFor("fortunes-langid");
    c.text.buckets = 1 << 12;
    DataOptions opt = dataOptionsFor(c);
    opt.maxTrain = 200;
    DataSplits s = loadDataset("fortunes-langid", opt);
    s.test = subset(s.test, 50, 3);
    auto session = makeSession(c, std::move(s));
    session->trainStep();
    const Inspection empty = session->inspectText("");
    QVERIFY(empty.tokens.empty());
    QVERIFY(!empty.note.empty());
    QCOMPARE(empty.prediction.size(), std::size_t(session->data().train.classes));
    QVERIFY(session->inspectText("   \t\n").tokens.empty());
    const Inspection bad = session->inspectText("caf\xe9 \xff\xfe ok \xc3");
    QVERIFY(bad.note.find("UTF-8") != std::string::npos);
    QVERIFY(!bad.tokens.empty());
    for (const TokenRouting& t : bad.tokens) QVERIFY(t.end <= int(bad.text.size()));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, session->recommend(0, 5));
    QCOMPARE(std::string(session->task().name), std::string("token-classification"));
    QCOMPARE(session->task().view, InspectorView::Text);
  }

  void ratingsLearnAndFallBack() {
    TrainConfig c = presetFor("movielens");
    c.model.stemWidth = 8;
    c.epochs = 15;
    c.batchSize = 64;
    c.optim.lr = 0.01;
    auto session = makeSession(c, syntheticRatings(60, 40, 4000, 11));
    const Dataset& test = session->data().test;
    double mean = 0.0, sseMean = 0.0;
    for (const float t : session->data().train.targets) mean += t;
    mean /= session->data().train.rows();
    for (const float t : test.targets) sseMean += (t - mean) * (t - mean);
    const double rmseMean = std::sqrt(sseMean / test.rows());
    QElapsedTimer timer;
    timer.start();
    StepMetrics last;
    while (!session->finished()) last = session->trainStep();
    QVERIFY(std::isfinite(last.quality) && last.quality > 0.0);  // batch RMSE
    const auto report = session->evaluate();
    qInfo("ratings: RMSE %.4f (mean predictor %.4f) in %.1f s", report->quality, rmseMean,
          timer.elapsed() / 1000.0);
    QVERIFY(report->regression);
    QVERIFY(last.qualityMetric == QualityMetric::Rmse && report->qualityMetric == QualityMetric::Rmse);
    QVERIFY2(report->quality < 0.75 * rmseMean, qPrintable(QString::number(report->quality)));
    QCOMPARE(report->predictedValues.size(), std::size_t(test.rows()));
    for (const float p : report->predictedValues) QVERIFY(p >= 0.5f && p <= 5.0f);
    QCOMPARE(int(report->classExpert.size()), 3 * c.model.experts);
    QCOMPARE(report->classes, 3);
    QCOMPARE(report->gateProbs.size(), std::size_t(test.rows()) * c.model.experts);

    // Test rows with the unknown user 0 or item 0 are predicted (fallback), finite.
    int unknown = 0;
    for (int r = 0; r < test.rows(); ++r)
      if (test.users[std::size_t(r)] == 0 || test.items[std::size_t(r)] == 0) {
        ++unknown;
        QVERIFY(std::isfinite(report->predictedValues[std::size_t(r)]));
        const Inspection in = session->inspect(r);
        QVERIFY(in.regression && !in.note.empty());
      }
    QVERIFY(unknown > 0);

    // Recommendations: a known user, the unknown user 0, and indices outside the data.
    const UserRecommendations known = session->recommend(3, 5);
    QVERIFY(known.known && known.trainRatings > 0);
    QCOMPARE(int(known.items.size()), 5);
    QCOMPARE(int(known.expertShare.size()), c.model.experts);
    for (std::size_t k = 1; k < known.items.size(); ++k)
      QVERIFY(known.items[k - 1].predicted >= known.items[k].predicted);
    for (const Recommendation& r : known.items) {
      QVERIFY(!r.title.empty());
      QCOMPARE(int(r.expertGates.size()), c.model.experts);
      QVERIFY(r.item != 0);  // unknown items are not recommended
    }
    // Users in the "odd" group should be recommended mostly odd items.
    int sameGroup = 0;
    for (const Recommendation& r : known.items) sameGroup += (r.item % 2) == (3 % 2);
    QVERIFY(sameGroup >= 4);
    for (const int user : {0, -5, 100000}) {
      const UserRecommendations u = session->recommend(user, 3);
      QVERIFY(!u.known);
      QCOMPARE(u.trainRatings, 0);
      QCOMPARE(int(u.items.size()), 3);
      QVERIFY(!u.note.empty());
    }
    QVERIFY(session->recommend(3, 0).items.empty());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, session->inspectText("hello"));
    QCOMPARE(std::string(session->task().name), std::string("rating-regression"));
    QVERIFY(session->task().regression);
  }
};

QTEST_GUILESS_MAIN(TestTextRecSession)
#include "test_text_rec_session.moc"

