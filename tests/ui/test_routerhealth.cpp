// The Router health tab on a small Fashion-MNIST run tuned to alarm early: the alarm reaches
// the event list and the training plots' markers, a click on it shows its step, and the
// panel's plots are fed by steps and evaluations.
#include <algorithm>

#include <QListWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "tests/core/dataset_skips.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/mainwindow.h"
#include "ui/routerhealthpanel.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

class RouterHealthTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  bool hasCollapse() const {
    for (const core::RouterEvent& e : c()->history().events())
      if (e.kind == "collapse") return true;
    return false;
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config;
    config.maxTrain = 1024;  // 8 batches per epoch
    config.epochs = 200;
    config.threads = 1;
    // Collapse at 1.5x the fair share for 5 steps: the reference model does that early on.
    config.health.window = 5;
    config.health.collapseFactor = 1.5;
    config.health.normEvery = 10;  // norms on the gradient plot within the test's steps
    QVERIFY(moe::testing::openWindow(mWindow, config));
  }

  void alarmReachesTheListAndTheLoadPlot() {
    c()->setEvalEvery(8);
    c()->play();
    QTRY_VERIFY_WITH_TIMEOUT(hasCollapse() && c()->history().evals().size() >= 2 &&
                                 c()->history().steps().size() >= 40,
                             60000);
    c()->pause();
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 20000);
    ui::RouterHealthPanel* health = mWindow->routerHealthPanel();
    const auto& events = c()->history().events();
    const auto collapse = std::find_if(events.begin(), events.end(),
                                       [](const core::RouterEvent& e) { return e.kind == "collapse"; });
    QVERIFY(collapse != events.end());
    QVERIFY(!collapse->experts.empty());
    const int row = int(collapse - events.begin());
    QTRY_COMPARE(health->eventList()->count(), int(events.size()));
    QVERIFY(health->eventList()->item(row)->text().contains(QStringLiteral("collapse")));
    QVERIFY(health->eventList()->item(row)->text().contains(QStringLiteral("--aux-loss")));
    const core::RouterEvent first = *collapse;
    ui::TrainingPanel* training = mWindow->trainingPanel();
    QCOMPARE(training->loadPlot()->markerCount(), int(c()->history().events().size()));
    QCOMPARE(training->lossPlot()->markerCount(), training->loadPlot()->markerCount());

    // A click on the alarm shows its step on the training plots.
    mWindow->tabs()->setCurrentWidget(health);
    health->eventList()->scrollToItem(health->eventList()->item(row));
    const QRect cell = health->eventList()->visualItemRect(health->eventList()->item(row));
    QTest::mouseClick(health->eventList()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(mWindow->tabs()->currentWidget(), static_cast<QWidget*>(training));
    QVERIFY(!training->loadPlot()->following());
    QVERIFY(training->loadPlot()->xAxis->range().contains(double(first.step)));
  }

  void alarmsAreNamedForPeople() {
    // The markers read "dead_expert E3" on a projector; the ids stay in the JSON events.
    core::RouterEvent e;
    e.kind = "dead_expert";
    e.experts = {3, 5};
    QCOMPARE(ui::alarmLabel(e), QStringLiteral("dead expert E3 E5"));
    QCOMPARE(ui::alarmName("loss_spike"), QStringLiteral("loss spike"));
    QCOMPARE(ui::alarmName("non_finite"), QStringLiteral("NaN or Inf"));
    QCOMPARE(ui::alarmName("collapse"), QStringLiteral("collapse"));
    for (int i = 0; i < mWindow->routerHealthPanel()->eventList()->count(); ++i)
      QVERIFY(!mWindow->routerHealthPanel()->eventList()->item(i)->text().contains(QLatin1Char('_')));
  }

  void plotsAreFed() {
    ui::RouterHealthPanel* health = mWindow->routerHealthPanel();
    auto* bars = qobject_cast<QCPBars*>(health->utilisationPlot()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->data()->size(), 8);  // one bar per expert
    auto* margins = qobject_cast<QCPBars*>(health->marginPlot()->plottable(0));
    QVERIFY(margins && margins->data()->size() > 0);
    // Top-2: co-activation P(j | i) rows of used experts have 1 on the diagonal.
    const auto& eval = c()->snapshot().lastEval;
    QVERIFY(eval && eval->coactivation.size() == 64);
    for (int e = 0; e < 8; ++e)
      if (eval->routing.load[std::size_t(e)] > 0) QCOMPARE(health->coactivationPlot()->share(e, e), 1.0);
    QVERIFY(health->stabilityPlot()->pointCount(0) >= 1);    // from the second evaluation on
    QVERIFY(health->saturationPlot()->pointCount(0) >= 1);   // earlier evaluations vs the latest
    QVERIFY(health->gradientPlot()->pointCount(0) >= 1);     // every normEvery steps
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(RouterHealthTest)
#include "test_routerhealth.moc"
