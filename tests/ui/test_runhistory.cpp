// The metric table reaches every consumer (JSON, CSV, session files, plots), and a run trained
// with moe-train --history opens in the window.
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "core/train/history_file.h"
#include "core/train/metric_table.h"
#include "ui/mainwindow.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/sessionio.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;
using core::MetricScope;

namespace {

// Every metric of the table, finite, in a history of the given quality metric.
core::RunHistory fullHistory(core::QualityMetric quality) {
  core::RunHistory h(quality);
  for (long s = 1; s <= 4; ++s) {
    core::StepMetrics m;
    m.step = s;
    m.epochProgress = 0.25 * double(s);
    m.loss = 1.5;
    m.qualityMetric = quality;
    m.quality = 0.5;
    m.zLoss = 2.0;
    m.lr = 0.001;
    m.routing.load = {0.5f, 0.5f};
    m.routing.importance = {0.6f, 0.4f};
    m.marginMean = 0.2;
    m.fragileFraction = 0.1;
    m.logitScale = 1.5;
    m.expertGradNorm = {0.1f, 0.2f};
    m.expertWeightNorm = {3.0f, 4.0f};
    m.routerBias = {0.01f, -0.01f};
    m.exchangeBytes = {10.0f, 20.0f, 30.0f, 40.0f};
    m.syncBytes = {0.0f, 5.0f, 5.0f, 0.0f};
    m.exchangeSeconds = 0.001;
    m.syncSeconds = 0.001;
    m.computeSeconds = 0.004;
    m.expertRank = {0.0f, 1.0f};
    m.nodeShare = {1.0f, 0.5f, 0.5f};
    m.emDataPasses = 3.0;
    m.layerLoad = {0.5f, 0.5f, 0.25f, 0.75f};
    m.layerLoadCv = {0.0f, 0.5f};
    h.append(m);
  }
  core::EvalReport e;
  e.step = 4;
  e.epoch = 1;
  e.qualityMetric = quality;
  e.routing.load = {0.5f, 0.5f};
  e.marginMean = 0.3;
  e.fragileFraction = 0.05;
  e.stability = 0.9;
  e.saturation = 0.8;
  e.coactivation = {1.0f, 0.5f, 0.5f, 1.0f};
  e.nodeShare = {1.0f, 0.5f, 0.5f};
  e.trainLogLikelihood = -0.4;
  e.offsetMutualInformation = 0.6;
  auto layer = std::make_shared<core::EvalReport>(e);
  layer->mutualInformation = 1.0;
  e.layers = {layer, layer};
  h.append(e);
  return h;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class RunHistoryTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // A row added to the metric table shows up in all four consumers with no other edit.
  void everyMetricReachesEveryConsumer_data() {
    QTest::addColumn<int>("quality");
    QTest::newRow("accuracy") << int(core::QualityMetric::Accuracy);
    QTest::newRow("rmse") << int(core::QualityMetric::Rmse);
  }
  void everyMetricReachesEveryConsumer() {
    QFETCH(int, quality);
    const auto q = core::QualityMetric(quality);
    const core::RunHistory history = fullHistory(q);
    QTemporaryDir dir;
    QString error;

    const QString csvPath = dir.filePath(QStringLiteral("metrics.csv"));
    QVERIFY2(ui::exportMetricsCsv(csvPath, history, &error), qPrintable(error));
    const QList<QByteArray> csvHeader = readAll(csvPath).split('\n').first().split(',');

    const QString sessionPath = dir.filePath(ui::kSessionHistoryFile);
    QVERIFY2(ui::writeSessionFile(sessionPath, core::TrainConfig{}, history, &error), qPrintable(error));
    nlohmann::json stepRow, evalRow;
    for (const QByteArray& line : readAll(sessionPath).trimmed().split('\n')) {
      const auto j = nlohmann::json::parse(line.toStdString());
      if (j.value("row", "") == "step") stepRow = j;
      if (j.value("row", "") == "eval") evalRow = j;
    }

    ui::SessionController controller;
    ui::TrainingPanel panel(&controller);
    panel.setQuality(q);
    const QStringList curves = panel.curveKeys();

    int plotted = 0, recorded = 0;
    for (const core::MetricDef& d : core::metricTable()) {
      const bool shouldHave = d.recordedFor(q);
      recorded += shouldHave;
      const QByteArray key = QByteArray::fromStdString(core::metricKey(d));
      // CSV: a column (per-expert metrics: one per expert).
      QVERIFY2(csvHeader.contains(d.perExpert() ? key + "_e0" : key) == shouldHave, d.id);
      // Session file and moe-train --history (one format): a key of its rows.
      const nlohmann::json& row = d.scope == MetricScope::Step ? stepRow : evalRow;
      QCOMPARE(row.contains(d.id), shouldHave);
      // moe-train's JSON lines: evaluation metrics on each epoch's line.
      if (d.scope == MetricScope::Eval && shouldHave)
        QVERIFY2(core::metricsJson(history, MetricScope::Eval, 0).contains(d.id), d.id);
      // Plots: every plotted row has its curve.
      if (d.has(core::kPlotted) && shouldHave) {
        ++plotted;
        QVERIFY2(curves.contains(QString::fromUtf8(key)), d.id);
      }
    }
    QCOMPARE(curves.size(), plotted);  // no plotted row is left without a plot
    QVERIFY(recorded > 20);
    // The quality metric is named for what it is.
    QCOMPARE(panel.accuracyPlot()->title().contains(QStringLiteral("RMSE")),
             q == core::QualityMetric::Rmse);
  }

  void moeTrainHistoryOpensInTheWindow() {
    QTemporaryDir dir;
    const QString history = dir.filePath(ui::kSessionHistoryFile);
    QProcess p;
    p.start(MOE_TRAIN_BIN, {"--max-train", "1024", "--epochs", "2", "--threads", "1", "--history",
                            history, "--save", dir.filePath(QStringLiteral("checkpoint.bin"))});
    QVERIFY(p.waitForFinished(300000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());

    // The window's reader.
    core::TrainConfig config;
    core::RunHistory h;
    QString error;
    QVERIFY2(ui::readSessionFile(history, &config, &h, &error), qPrintable(error));
    QCOMPARE(config.maxTrain, 1024);
    QCOMPARE(config.epochs, 2);
    QCOMPARE(int(h.steps().size()), 16);  // 8 batches of 128, two epochs
    QCOMPARE(int(h.evals().size()), 2);
    QVERIFY(h.value(MetricScope::Eval, 1, "test_accuracy") > 0.3);

    // The window: File > Open run history.
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ui::SessionController* c = window.controller();
    QSignalSpy loaded(c, &ui::SessionController::sessionLoaded);
    window.openRunHistory(history);
    QVERIFY(loaded.wait(120000));
    QVERIFY2(loaded.at(0).at(1).toBool(), qPrintable(loaded.at(0).at(2).toString()));
    QCOMPARE(int(c->history().steps().size()), 16);
    QCOMPARE(c->history().value(MetricScope::Eval, 1, "test_accuracy"),
             h.value(MetricScope::Eval, 1, "test_accuracy"));
    QCOMPARE(window.setupPanel()->config().maxTrain, 1024);  // its settings in the setup panel
    QVERIFY(window.trainingPanel()->lossPlot()->pointCount(0) > 0);
    QCOMPARE(window.trainingPanel()->lossPlot()->pointCount(1), 2);  // both test losses
    QCOMPARE(window.trainingPanel()->accuracyPlot()->pointCount(1), 2);

    // The folder moe-train wrote (history + checkpoint) loads as a session, weights included.
    loaded.clear();
    window.loadSession(dir.path());
    QVERIFY(loaded.wait(120000));
    QVERIFY2(loaded.at(0).at(1).toBool(), qPrintable(loaded.at(0).at(2).toString()));
    QVERIFY(loaded.at(0).at(2).toString().isEmpty());  // not "no checkpoint"
    QCOMPARE(int(c->history().steps().size()), 16);

    // Not a history: a clear message, nothing replaced.
    const QString bogus = dir.filePath(QStringLiteral("bogus.jsonl"));
    QFile f(bogus);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"hello\": 1}\n");
    f.close();
    loaded.clear();
    window.openRunHistory(bogus);
    QCOMPARE(loaded.count(), 1);
    QVERIFY(!loaded.at(0).at(1).toBool());
    QVERIFY(loaded.at(0).at(2).toString().contains(QStringLiteral("not a run history")));
    QCOMPARE(int(c->history().steps().size()), 16);
  }
};

QTEST_MAIN(RunHistoryTest)
#include "test_runhistory.moc"
