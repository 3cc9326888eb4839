// Every view shows the model and evaluation it names: after Reset then Load, after a new
// session is applied, and between an evaluation and the weights trained since. Each case
// reproduces a report of a view that kept showing an earlier model.
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "core/data/dataset.h"
#include "tests/core/dataset_skips.h"
#include "ui/gallerypanel.h"
#include "ui/gatebarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

class StaleStateTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  static core::TrainConfig smallConfig(std::uint64_t seed = 0) {
    core::TrainConfig config;
    config.maxTrain = 1024;  // 8 batches an epoch
    config.epochs = 200;
    config.threads = 1;
    config.seed = seed;
    return config;
  }
  void waitPaused() { QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 30000); }
  void applyAndWait(const core::TrainConfig& config) {
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->apply(config);
    QVERIFY(ready.wait(60000));
  }
  long trainOneEpoch() {
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    c()->stepEpoch();
    if (evals.count() == 0) evals.wait(60000);
    waitPaused();
    QTest::qWait(200);  // the last poll
    return c()->latestEval() ? c()->latestEval()->step : -1;
  }
  void inspect(int input) {
    mWindow->inspectorPanel()->showInput(input);
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->inspectorPanel()->inspection().has_value() &&
                                 mWindow->inspectorPanel()->inspection()->index == input,
                             20000);
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(moe::testing::openWindow(mWindow, smallConfig()));
  }
  void cleanupTestCase() { delete mWindow; }

  void loadAfterResetShowsTheLoadedModel() {
    const long saved = trainOneEpoch();
    QVERIFY(saved > 0);
    QTemporaryDir dir;
    QSignalSpy savedSpy(c(), &ui::SessionController::sessionSaved);
    c()->saveSession(dir.path());
    QVERIFY(savedSpy.wait(30000));
    QVERIFY(savedSpy.at(0).at(1).toBool());

    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->reset();
    QVERIFY(ready.wait(60000));
    QTRY_VERIFY(mWindow->stepText().endsWith(QStringLiteral("step 0")));
    // After Reset the gallery names no evaluation of the model that is gone.
    QVERIFY2(!mWindow->galleryPanel()->headerText().contains(QStringLiteral("step %1").arg(saved)),
             qPrintable(mWindow->galleryPanel()->headerText()));

    QSignalSpy loaded(c(), &ui::SessionController::sessionLoaded);
    c()->loadSession(dir.path());
    QVERIFY(loaded.wait(60000));
    QVERIFY2(loaded.last().at(1).toBool(), qPrintable(loaded.last().at(2).toString()));
    // The status bar, the heatmap and the gallery all name the loaded model's step.
    const QString step = QStringLiteral("step %1").arg(saved);
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->stepText().endsWith(step), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(c()->latestEval() && c()->latestEval()->step == saved, 20000);
    QTRY_VERIFY2(mWindow->trainingPanel()->heatmap()->shownTitle().contains(QStringLiteral("@ %1").arg(saved)),
                 qPrintable(mWindow->trainingPanel()->heatmap()->shownTitle()));
    double rowSum = 0.0;
    for (int e = 0; e < mWindow->trainingPanel()->heatmap()->experts(); ++e)
      rowSum += mWindow->trainingPanel()->heatmap()->share(0, e);
    QVERIFY(qAbs(rowSum - 1.0) < 1e-6);  // counts, not "no data yet"
    mWindow->tabs()->setCurrentWidget(mWindow->galleryPanel());
    QTRY_VERIFY2(mWindow->galleryPanel()->headerText().contains(step),
                 qPrintable(mWindow->galleryPanel()->headerText()));
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
  }

  void applyingAnotherSessionClearsTheInspector() {
    trainOneEpoch();
    inspect(2);
    QVERIFY(mWindow->inspectorPanel()->summaryText().contains(QStringLiteral("Input #2")));
    applyAndWait(smallConfig(7));  // another model (a dataset switch takes the same path)
    QVERIFY(!mWindow->inspectorPanel()->inspection().has_value());
    QVERIFY2(!mWindow->inspectorPanel()->summaryText().contains(QStringLiteral("Input #2")),
             qPrintable(mWindow->inspectorPanel()->summaryText()));
    QVERIFY(mWindow->inspectorPanel()->gateChart()->values().empty());
    inspect(2);
    QVERIFY2(mWindow->inspectorPanel()->summaryText().contains(QStringLiteral("model at step 0")),
             qPrintable(mWindow->inspectorPanel()->summaryText()));
  }

  void misclassifiedListAndDetailsAgree() {
    const long evaluated = trainOneEpoch();
    QVERIFY(evaluated > 0);
    // Train on without evaluating: the list still comes from the evaluation.
    const long before = c()->snapshot().step;
    c()->stepBatch();
    QTRY_VERIFY_WITH_TIMEOUT(c()->snapshot().step > before, 20000);
    waitPaused();
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    mWindow->tabs()->setCurrentWidget(inspector);
    inspector->setFilter(-1, -1, true);
    QVERIFY(!inspector->matches().empty());
    const int input = inspector->matches().front();
    const auto report = c()->latestEval();
    QVERIFY(report && report->step == evaluated);
    QVERIFY(report->predictions[std::size_t(input)] != c()->data()->test.labels[std::size_t(input)]);
    inspect(input);
    // The details name both: the weights inspected now, and the evaluation the list is from,
    // with its (wrong) prediction, so "misclassified" is never contradicted unexplained.
    const QString summary = inspector->summaryText();
    const QString predictedThen = QString::fromStdString(
        c()->data()->test.classNames[std::size_t(report->predictions[std::size_t(input)])]);
    const long now = inspector->inspection()->step;
    QVERIFY(now > evaluated);
    QVERIFY2(summary.contains(QStringLiteral("model at step %1").arg(now)), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("evaluation of step %1").arg(evaluated)), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("<b>%1</b> <span style='color:#c02020'>✘").arg(predictedThen)),
             qPrintable(summary));
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
  }
};

QTEST_MAIN(StaleStateTest)
#include "test_stalestate.moc"
