// The metric table, the run history it fills and the history file format.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/train/history_file.h"
#include "core/train/metric_table.h"
#include "core/train/run_history.h"

using namespace moe::core;

namespace {

// A step record whose every field differs, so a row that reads the wrong field shows.
StepMetrics stepRecord(long step, QualityMetric quality) {
  StepMetrics m;
  m.step = step;
  m.epoch = int(step / 3);
  m.samples = 64;
  m.epochProgress = double(step) / 3.0;
  m.loss = 2.0 / double(step);
  m.qualityMetric = quality;
  m.quality = 0.1 * double(step);
  m.switchLoss = 1.01;
  m.importanceLoss = 0.02;
  m.loadLoss = 0.03;
  m.zLoss = 4.5;
  m.auxTotal = 0.011;
  m.lr = 0.001;
  m.samplesPerSecond = 1234.5;
  m.routing.load = {0.5f, 0.25f, 0.125f, 0.125f};
  m.routing.importance = {0.4f, 0.3f, 0.2f, 0.1f};
  m.routing.loadCv = 0.6;
  m.routing.maxVio = 1.0;
  m.routing.droppedFraction = 0.07;
  m.routing.unroutedFraction = 0.008;
  m.routing.entropy = 1.3;
  m.routing.deadExperts = 2;
  m.marginMean = 0.21;
  m.fragileFraction = 0.13;
  m.logitScale = 2.5;
  m.expertGradNorm = {0.01f, 0.02f, 0.03f, 0.04f};
  m.expertWeightNorm = {5.0f, 6.0f, 7.0f, 8.0f};
  m.exchangeBytes = {100.0f, 200.0f, 300.0f, 400.0f};  // 2 ranks
  m.exchangeSeconds = 0.002;
  m.syncSeconds = 0.001;
  m.computeSeconds = 0.01;
  m.expertRank = {0.0f, 0.0f, 1.0f, 1.0f};
  return m;
}

EvalReport evalRecord(long step, QualityMetric quality) {
  EvalReport e;
  e.step = step;
  e.epoch = int(step / 3);
  e.loss = 0.75;
  e.qualityMetric = quality;
  e.quality = 0.875;
  e.regression = quality == QualityMetric::Rmse;
  e.mutualInformation = 0.33;
  e.routing.load = {0.25f, 0.25f, 0.25f, 0.25f};
  e.routing.loadCv = 0.05;
  e.routing.maxVio = 0.1;
  e.routing.droppedFraction = 0.0;
  e.routing.unroutedFraction = 0.0;
  e.routing.entropy = 1.1;
  e.routing.deadExperts = 1;
  e.marginMean = 0.31;
  e.fragileFraction = 0.11;
  e.stability = 0.92;
  e.saturation = 0.81;
  e.coactivation.assign(16, 0.0625f);
  return e;
}

RunHistory sampleHistory(QualityMetric quality) {
  RunHistory h(quality);
  for (long s = 1; s <= 6; ++s) {
    h.append(stepRecord(s, quality));
    if (s % 3 == 0) h.append(evalRecord(s, quality));
  }
  return h;
}

bool sameValue(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void compareHistories(const RunHistory& a, const RunHistory& b) {
  QCOMPARE(a.quality(), b.quality());
  for (MetricScope scope : {MetricScope::Step, MetricScope::Eval}) {
    QCOMPARE(a.rows(scope).size(), b.rows(scope).size());
    for (std::size_t i = 0; i < a.rows(scope).size(); ++i) {
      const HistoryRow& x = a.rows(scope)[i];
      const HistoryRow& y = b.rows(scope)[i];
      QCOMPARE(x.step, y.step);
      QCOMPARE(x.epoch, y.epoch);
      QCOMPARE(x.values.size(), y.values.size());
      for (std::size_t c = 0; c < x.values.size(); ++c)
        QVERIFY2(sameValue(x.values[c], y.values[c]), a.scalarColumns(scope)[c]->id);
      QCOMPARE(x.vectors, y.vectors);
    }
  }
  QCOMPARE(a.events().size(), b.events().size());
  for (std::size_t i = 0; i < a.events().size(); ++i) {
    QCOMPARE(a.events()[i].kind, b.events()[i].kind);
    QCOMPARE(a.events()[i].step, b.events()[i].step);
    QCOMPARE(a.events()[i].experts, b.events()[i].experts);
    QCOMPARE(a.events()[i].message, b.events()[i].message);
    QCOMPARE(a.events()[i].remedy, b.events()[i].remedy);
  }
}

}  // namespace

class TestMetricTable : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void tableIsWellFormed() {
    std::set<std::pair<int, std::string>> ids;
    for (const MetricDef& d : metricTable()) {
      QVERIFY2(ids.insert({int(d.scope), d.id}).second, d.id);  // unique within its scope
      QVERIFY2(*d.label != '\0', d.id);
      const int extractors = (d.step != nullptr) + (d.eval != nullptr) + (d.stepVector != nullptr) +
                             (d.evalVector != nullptr);
      QVERIFY2(extractors == 1, d.id);
      const bool stepScope = d.step || d.stepVector;
      QVERIFY2(stepScope == (d.scope == MetricScope::Step), d.id);
      QVERIFY2(!d.has(kSummary) || d.scope == MetricScope::Eval, d.id);
    }
    for (QualityMetric q : {QualityMetric::Accuracy, QualityMetric::Rmse}) {
      // One quality row per scope, and keys that stay apart across scopes (CSV columns).
      QCOMPARE(qualityMetricDef(MetricScope::Step, q).onlyFor, std::optional(q));
      QCOMPARE(qualityMetricDef(MetricScope::Eval, q).onlyFor, std::optional(q));
      std::set<std::string> keys;
      for (const MetricDef& d : metricTable())
        if (d.recordedFor(q)) QVERIFY2(keys.insert(metricKey(d)).second, d.id);
      QCOMPARE(parseQualityMetric(qualityInfo(q).id), std::optional(q));
    }
    QCOMPARE(std::string(qualityMetricDef(MetricScope::Eval, QualityMetric::Rmse).id), std::string("test_rmse"));
    QCOMPARE(metricKey(*findMetric(MetricScope::Eval, "load_cv")), std::string("test_load_cv"));
    QVERIFY(!findMetric(MetricScope::Step, "no_such_metric"));
  }

  // Each column of a row is its table row's extractor applied to the record.
  void historyRowsComeFromTheTable() {
    for (QualityMetric q : {QualityMetric::Accuracy, QualityMetric::Rmse}) {
      RunHistory h(q);
      const StepMetrics m = stepRecord(5, q);
      const EvalReport e = evalRecord(5, q);
      h.append(m);
      h.append(e);
      for (std::size_t c = 0; c < h.scalarColumns(MetricScope::Step).size(); ++c)
        QCOMPARE(h.steps()[0].values[c], h.scalarColumns(MetricScope::Step)[c]->step(m));
      for (std::size_t c = 0; c < h.scalarColumns(MetricScope::Eval).size(); ++c)
        QCOMPARE(h.evals()[0].values[c], h.scalarColumns(MetricScope::Eval)[c]->eval(e));
      const char* stepQuality = qualityMetricDef(MetricScope::Step, q).id;
      QCOMPARE(h.value(MetricScope::Step, 0, stepQuality), 0.5);
      QCOMPARE(h.value(MetricScope::Step, 0, "train_loss"), 0.4);
      QCOMPARE(h.value(MetricScope::Step, 0, "dead_experts"), 2.0);
      QCOMPARE(h.value(MetricScope::Eval, 0, "load_cv"), 0.05);
      // Traffic between ranks: the matrix without its diagonal (what stays on a rank).
      QCOMPARE(h.value(MetricScope::Step, 0, "a2a_bytes_between_ranks"), 500.0);
      QCOMPARE(h.steps()[0].vectors[std::size_t(h.vectorColumn(MetricScope::Step, "expert_load"))],
               m.routing.load);
      // The other task's quality metric is not a column at all.
      const char* other = q == QualityMetric::Rmse ? "train_accuracy" : "train_rmse";
      QCOMPARE(h.scalarColumn(MetricScope::Step, other), -1);
    }
  }

  void utilisationIsLoadOverTheFairShare() {
    RunHistory h(QualityMetric::Accuracy);
    StepMetrics m = stepRecord(1, QualityMetric::Accuracy);
    m.routing.load = {0.5f, 0.25f, 0.25f, 0.0f};  // 4 experts: the fair share is 0.25
    h.append(m);
    QCOMPARE(h.steps()[0].vectors[std::size_t(h.vectorColumn(MetricScope::Step, "expert_utilisation"))],
             (std::vector<float>{2.0f, 1.0f, 1.0f, 0.0f}));
  }

  // Every metric of the scope, but those of other models (hme, deep-moe, shifted data) that
  // this one did not measure.
  void jsonOfARowHasEveryMetricOfItsScope() {
    const RunHistory h = sampleHistory(QualityMetric::Rmse);
    const nlohmann::json j = metricsJson(h, MetricScope::Eval, 0);
    for (const MetricDef* d : h.scalarColumns(MetricScope::Eval))
      QVERIFY2(j.contains(d->id) != d->has(kWhenMeasured), d->id);
    for (const MetricDef* d : h.vectorColumns(MetricScope::Eval))
      QVERIFY2(j.contains(d->id) != d->has(kWhenMeasured), d->id);
    QVERIFY(j.contains("test_rmse") && !j.contains("test_accuracy"));
    QVERIFY(j["dead_experts"].is_number_integer());  // counts stay integers
    const nlohmann::json summary = metricsJson(h, MetricScope::Eval, 0, kSummary);
    QVERIFY(summary.contains("test_loss") && !summary.contains("mutual_information_bits"));
  }

  // A model-specific metric is in a row's JSON when measured, left out when not (NaN or
  // empty); a general one not measured is written as null.
  void modelSpecificMetricsOnlyWhenMeasured() {
    RunHistory h(QualityMetric::Accuracy);
    EvalReport plain = evalRecord(3, QualityMetric::Accuracy), deep = plain;
    plain.stability = kNotMeasured;
    deep.offsetMutualInformation = 0.7;
    deep.nodeShare = {1.0f, 0.5f, 0.5f};
    h.append(plain);
    h.append(deep);
    const nlohmann::json a = metricsJson(h, MetricScope::Eval, 0);
    const nlohmann::json b = metricsJson(h, MetricScope::Eval, 1);
    QVERIFY(!a.contains("offset_mutual_information_bits") && !a.contains("hme_node_share"));
    QVERIFY(a.contains("routing_stability") && a["routing_stability"].is_null());
    QCOMPARE(b["offset_mutual_information_bits"].get<double>(), 0.7);
    QCOMPARE(b["hme_node_share"].size(), std::size_t(3));
    QVERIFY(!b.contains("hme_train_log_likelihood") && !b.contains("layer_load_cv"));
    for (const char* id : {"offset_mutual_information_bits", "hme_node_share", "layer_load_cv"})
      QVERIFY2(findMetric(MetricScope::Eval, id)->has(kWhenMeasured), id);
  }

  void historyFileRoundTrip() {
    QTemporaryDir dir;
    for (QualityMetric q : {QualityMetric::Accuracy, QualityMetric::Rmse}) {
      RunHistory h = sampleHistory(q);
      StepMetrics diverged = stepRecord(7, q);
      diverged.loss = std::nan("");
      diverged.routing.load.clear();
      h.append(diverged);
      h.appendEvent({"collapse", 2, {1, 3}, "expert 1 and 3 took too much", "raise --aux-loss"});
      h.appendEvent({"non_finite", 7, {}, "the loss became NaN", "lower --lr"});
      TrainConfig config;
      config.model.experts = 4;
      config.optim.lr = 0.0025;
      config.dataset = q == QualityMetric::Rmse ? "movielens" : "fashion-mnist";
      const std::string path = dir.filePath(QStringLiteral("run.jsonl")).toStdString();
      writeHistoryFile(path, config, h);
      const RunRecord back = readHistoryFile(path);
      QCOMPARE(back.config.model.experts, 4);
      QCOMPARE(back.config.optim.lr, 0.0025);
      QCOMPARE(back.config.dataset, config.dataset);
      compareHistories(h, back.history);
      // Evaluations come right after the step they followed, one object per line.
      const std::string text = historyText(config, h);
      std::vector<std::string> lines;
      std::size_t start = 0;
      for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(text.substr(start, end - start));
      // Events follow the step at which they fired.
      QCOMPARE(lines.size(), std::size_t(1 + 7 + 2 + 2));
      QCOMPARE(nlohmann::json::parse(lines[3]).value("row", ""), std::string("event"));
      QCOMPARE(nlohmann::json::parse(lines[3]).value("event", ""), std::string("collapse"));
      QCOMPARE(nlohmann::json::parse(lines[4]).value("row", ""), std::string("step"));
      QCOMPARE(nlohmann::json::parse(lines[5]).value("row", ""), std::string("eval"));
      QCOMPARE(nlohmann::json::parse(lines[5]).value("step", 0), 3);
      QCOMPARE(nlohmann::json::parse(lines.back()).value("event", ""), std::string("non_finite"));
      QCOMPARE(nlohmann::json::parse(lines[0]).value("quality", ""), std::string(qualityInfo(q).id));
    }
  }

  void badFilesAreClearErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions");
    const QString header = R"({"format":"moe-run-history","version":1,"quality":"accuracy","config":{}})";
    QTest::newRow("empty") << "" << "empty";
    QTest::newRow("not json") << "{oops" << "run.jsonl:1: not JSON";
    QTest::newRow("other format") << R"({"format":"something"})" << "not a run history";
    QTest::newRow("newer") << R"({"format":"moe-run-history","version":99,"config":{}})" << "newer";
    QTest::newRow("quality") << R"({"format":"moe-run-history","quality":"bleu","config":{}})"
                             << "quality";
    QTest::newRow("settings") << R"({"format":"moe-run-history","config":{"router":"bogus"}})"
                              << "settings";
    QTest::newRow("row kind") << header + "\n" + R"({"row":"batch","step":1})" << "run.jsonl:2:";
    QTest::newRow("event kind") << header + "\n" + R"({"row":"event","step":1})" << "\"event\"";
    QTest::newRow("no step") << header + "\n" + R"({"row":"step"})" << "\"step\"";
    QTest::newRow("value") << header + "\n" + R"({"row":"step","step":1,"train_loss":"low"})"
                           << "\"train_loss\" is not a number";
    QTest::newRow("vector") << header + "\n" + R"({"row":"step","step":1,"expert_load":3})"
                            << "expert_load";
    QTest::newRow("epoch") << header + "\n" + R"({"row":"step","step":1,"epoch":"one"})"
                           << "run.jsonl:2:";
  }
  void badFilesAreClearErrors() {
    QFETCH(QString, text);
    QFETCH(QString, mentions);
    try {
      parseHistory(text.toStdString(), "run.jsonl");
      QFAIL("no error");
    } catch (const HistoryFileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(mentions), e.what());
    }
  }

  void unknownKeysAreSkippedAndMissingOnesNan() {
    const std::string text =
        R"({"format":"moe-run-history","version":1,"quality":"accuracy","config":{}})" "\n"
        R"({"row":"step","step":1,"train_loss":0.5,"from_the_future":1})" "\n";
    const RunRecord r = parseHistory(text, "x");
    QCOMPARE(r.history.value(MetricScope::Step, 0, "train_loss"), 0.5);
    QVERIFY(std::isnan(r.history.value(MetricScope::Step, 0, "load_cv")));
    QVERIFY_THROWS_EXCEPTION(HistoryFileError, readHistoryFile("/nonexistent/run.jsonl"));
  }

  void pollersCopyIncrementally() {
    const RunHistory source = sampleHistory(QualityMetric::Rmse);
    RunHistory copy;  // Accuracy until it sees the source
    HistoryCursor cursor{4, 1};
    copy.appendFrom(source, cursor);
    QCOMPARE(copy.quality(), QualityMetric::Rmse);
    QCOMPARE(copy.steps().size(), std::size_t(2));
    QCOMPARE(copy.steps()[0].step, 5L);
    QCOMPARE(copy.evals().size(), std::size_t(1));
    QCOMPARE(cursor.steps, std::size_t(6));
    QCOMPARE(cursor.evals, std::size_t(2));
    copy.appendFrom(source, cursor);
    QCOMPARE(copy.steps().size(), std::size_t(2));
  }
};

QTEST_MAIN(TestMetricTable)
#include "test_metric_table.moc"
