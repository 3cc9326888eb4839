// Drives the real window on a small Fashion-MNIST subset: train, pause, step, live learning
// rate, plots fed, inspector, heatmap click filtering, exports, save and failures.
#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "core/data/dataset.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/file_head.h"
#include "ui/controlbar.h"
#include "ui/gatebarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/loadplot.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;

using moe::testing::fileHead;

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  core::TrainConfig smallConfig() const {
    core::TrainConfig config;
    config.maxTrain = 1024;  // 8 batches per epoch: fast epochs and evaluations
    config.epochs = 200;
    config.threads = 1;
    return config;
  }
  void waitPaused() { QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 20000); }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(moe::testing::openWindow(mWindow, smallConfig()));
    QVERIFY(c()->hasSession());
    QCOMPARE(c()->data()->test.rows(), 10000);
  }

  void playThenPause() {
    mWindow->controlBar()->playAction()->trigger();  // the Space action
    QTRY_VERIFY_WITH_TIMEOUT(c()->history().steps().size() >= 10, 30000);
    QCOMPARE(c()->state(), core::TrainerState::Running);
    mWindow->controlBar()->playAction()->trigger();
    waitPaused();
    ui::TrainingPanel* t = mWindow->trainingPanel();
    QTRY_VERIFY(t->lossPlot()->pointCount(0) >= 10);
    QVERIFY(t->accuracyPlot()->pointCount(0) >= 10);
    QVERIFY(t->loadPlot()->pointCount() >= 10);
    QVERIFY(t->imbalancePlot()->pointCount(0) >= 10);
    QVERIFY(t->auxPlot()->pointCount(0) >= 10);
  }

  void stepOneBatch() {
    const std::size_t before = c()->history().steps().size();
    QTest::qWait(200);  // let the last poll collect everything
    const std::size_t settled = c()->history().steps().size();
    QVERIFY(settled >= before);
    mWindow->controlBar()->stepBatchAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(c()->history().steps().size(), settled + 1, 10000);
    waitPaused();
  }

  void learningRateChangesWhileRunning() {
    c()->play();
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Running, 10000);
    mWindow->setupPanel()->learningRateBox()->setValue(0.0005);
    QTRY_VERIFY_WITH_TIMEOUT(!c()->history().steps().empty() &&
                                 qFuzzyCompare(c()->history().value(core::MetricScope::Step,
                                                               c()->history().steps().size() - 1, "lr"),
                                               0.0005),
                             10000);
    QCOMPARE(c()->state(), core::TrainerState::Running);  // no reset, no pause
    c()->pause();
    waitPaused();
  }

  void evaluationFeedsHeatmapAndInspector() {
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    mWindow->controlBar()->stepEpochAction()->trigger();
    QVERIFY(evals.count() > 0 || evals.wait(60000));
    waitPaused();
    QVERIFY(c()->latestEval());
    QVERIFY(mWindow->trainingPanel()->lossPlot()->pointCount(1) >= 1);  // test loss
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    double rowSum = 0.0;
    for (int e = 0; e < map->experts(); ++e) rowSum += map->share(0, e);
    QVERIFY(qAbs(rowSum - 1.0) < 1e-6);

    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    inspector->showInput(7);
    QTRY_VERIFY_WITH_TIMEOUT(inspector->inspection().has_value(), 10000);
    const core::Inspection& in = *inspector->inspection();
    QCOMPARE(in.index, 7);
    const std::vector<double> bars = inspector->gateChart()->values();
    QCOMPARE(int(bars.size()), c()->config().model.experts);
    double sum = 0.0;
    for (double p : bars) sum += p;
    QVERIFY(qAbs(sum - 1.0) < 1e-3);
    QCOMPARE(int(in.chosen.size()), c()->config().model.topK);
  }

  void heatmapClickFiltersInspector() {
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    QTRY_VERIFY(map->isVisible());
    map->replot();
    int cls = -1;
    int expert = -1;
    for (int e = 0; e < map->experts() && cls < 0; ++e)
      if (map->share(2, e) > 0.05) cls = 2, expert = e;
    QVERIFY(cls >= 0);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->cellCenter(cls, expert));
    QVERIFY(mWindow->inspectorPanel()->isVisible());  // the image inspector, in the Inspector tab
    const auto report = c()->latestEval();
    const std::vector<int>& rows = mWindow->inspectorPanel()->matches();
    QVERIFY(!rows.empty());
    for (int i : rows) {
      QCOMPARE(report->labels[std::size_t(i)], cls);
      const auto* top = report->topExperts.data() + std::size_t(i) * std::size_t(report->k);
      QVERIFY(std::find(top, top + report->k, expert) != top + report->k);
    }
  }

  void exportsWriteValidFiles() {
    QTemporaryDir dir;
    const QStringList files = mWindow->exportPlots(dir.path());
    QCOMPARE(files.size(), 12);  // six plots, PNG and PDF each
    for (const QString& f : files) {
      if (f.endsWith(QLatin1String(".png")))
        QCOMPARE(fileHead(f, 8), QByteArray("\x89PNG\r\n\x1a\n", 8));
      else
        QCOMPARE(fileHead(f, 5), QByteArray("%PDF-"));
    }
    const QString csv = dir.filePath(QStringLiteral("metrics.csv"));
    QVERIFY(mWindow->exportMetrics(csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QVERIFY(lines.first().startsWith("step,epoch,"));
    QCOMPARE(std::size_t(lines.size()), c()->history().steps().size() + 1);
  }

  void saveSessionAndFailures() {
    QTemporaryDir dir;
    QSignalSpy saved(c(), &ui::SessionController::sessionSaved);
    mWindow->saveSession(dir.filePath(QStringLiteral("run")));
    QVERIFY(saved.wait(20000));
    QVERIFY2(saved.at(0).at(1).toBool(), qPrintable(saved.at(0).at(2).toString()));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("run/history.jsonl"))));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("run/checkpoint.bin"))));

    // A save that fails: a message, the session kept.
    const std::size_t steps = c()->history().steps().size();
    const double lastLoss = c()->history().value(core::MetricScope::Step, steps - 1, "train_loss");
    mWindow->saveSession(QStringLiteral("/proc/moe-cannot-write-here"));
    QTRY_VERIFY(mWindow->banner()->isVisible() && mWindow->banner()->isError());
    QVERIFY(c()->hasSession());
    QCOMPARE(c()->history().steps().size(), steps);

    // A dataset that will not load: a message, the session and its history kept.
    core::TrainConfig bad = smallConfig();
    bad.dataset = "idx:/nonexistent/folder";
    mWindow->banner()->hide();
    c()->apply(bad);
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->banner()->isVisible(), 20000);
    QVERIFY(mWindow->banner()->isError());
    QVERIFY(c()->hasSession());
    QCOMPARE(c()->history().steps().size(), steps);
    QCOMPARE(c()->config().dataset, std::string("fashion-mnist"));

    // Reload what was saved: settings, history and weights come back.
    QSignalSpy loaded(c(), &ui::SessionController::sessionLoaded);
    mWindow->loadSession(dir.filePath(QStringLiteral("run")));
    QVERIFY(loaded.wait(60000));
    QVERIFY2(loaded.at(0).at(1).toBool(), qPrintable(loaded.at(0).at(2).toString()));
    QCOMPARE(c()->history().steps().size(), steps);
    QCOMPARE(c()->history().value(core::MetricScope::Step, steps - 1, "train_loss"), lastLoss);
    QTRY_VERIFY(mWindow->trainingPanel()->lossPlot()->pointCount(0) > 0);  // drawn again
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(MainWindowTest)
#include "test_mainwindow.moc"
