// The Experiments and Ablation tabs in the real window: a two-run sweep built from the current
// setup completes and fills the queue, the sortable table and the Pareto plot, resumes from its
// folder without training, exports its table and plots; the ablation of the trained model fills
// both heatmaps and the table; the inspector predicts one input with each expert removed.
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "ui/ablatedinputview.h"
#include "ui/ablationpanel.h"
#include "ui/experimentplots.h"
#include "ui/experimentspanel.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/plotview.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

namespace {

/** 600 images, one epoch of 6 steps, narrow experts: a sweep run takes a second or two. */
core::TrainConfig tinyConfig() {
  core::TrainConfig c;
  c.maxTrain = 600;
  c.epochs = 1;
  c.batchSize = 100;
  c.threads = 1;
  c.model.experts = 4;
  c.model.expertHidden = 16;
  return c;
}

}  // namespace

class TestExperiments : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() { QVERIFY(testing::openWindow(mWindow, tinyConfig())); }
  void cleanup() {
    delete mWindow;
    mWindow = nullptr;
  }

  void twoRunSweepFillsTableAndPareto() {
    auto* panel = mWindow->findChild<ui::ExperimentsPanel*>();
    QVERIFY(panel);
    mWindow->tabs()->setCurrentWidget(panel);
    QTemporaryDir dir;
    panel->setOutputDir(dir.path());
    panel->setVaried(0, QStringLiteral("experts"), QStringLiteral("2, 4"));
    panel->setSeeds(QStringLiteral("5"));
    QCOMPARE(panel->spec()["grid"]["experts"].size(), std::size_t(2));
    QSignalSpy done(panel, &ui::ExperimentsPanel::sweepFinished);
    QVERIFY(panel->startSweep());
    QCOMPARE(panel->queueTable()->rowCount(), 2);
    QVERIFY(done.wait(240000));
    QCOMPARE(done.first().first().toBool(), true);
    QCOMPARE(panel->resultsTable()->rowCount(), 2);
    for (int r = 0; r < 2; ++r) QCOMPARE(panel->queueTable()->item(r, 1)->text(), QStringLiteral("done"));
    // Two settings, two points, and a Pareto front through at least one of them.
    QCOMPARE(panel->plots()->paretoPointCount(), 2);
    // The MoE points and the front; no baseline was asked for, so none in the legend.
    ui::PlotView* pareto = panel->plots()->paretoPlot();
    QCOMPARE(pareto->graphCount(), 2);
    QCOMPARE(pareto->graph(1)->name(), QStringLiteral("Pareto front"));
    QVERIFY(pareto->graph(1)->dataCount() >= 1);
    // The table sorts by the number, not the text.
    const int accuracyColumn = 2;  // run, experts (seed is not a column), then test accuracy
    QCOMPARE(panel->resultsTable()->horizontalHeaderItem(accuracyColumn)->text(), QStringLiteral("test accuracy"));
    panel->resultsTable()->sortItems(accuracyColumn, Qt::DescendingOrder);
    QVERIFY(panel->resultsTable()->item(0, accuracyColumn)->data(Qt::UserRole).toDouble() >=
            panel->resultsTable()->item(1, accuracyColumn)->data(Qt::UserRole).toDouble());
    // Choosing a run overlays its curve from its history file.
    panel->resultsTable()->selectRow(0);
    QCOMPARE(panel->plots()->overlayPlot()->graphCount(), 1);
    QVERIFY(panel->plots()->overlayPlot()->graph(0)->dataCount() >= 1);
    // ... and takes the "select runs" hint off it (it stayed over the curves).
    QTRY_VERIFY(!panel->plots()->overlayPlot()->emptyHintShown());
    // Exports.
    QVERIFY(panel->exportCsv(dir.filePath(QStringLiteral("table.csv"))));
    QFile csv(dir.filePath(QStringLiteral("table.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), 3);
    QCOMPARE(panel->exportPlots(dir.filePath(QStringLiteral("plots"))).size(), 8);
    // The same folder again: nothing is pending, both runs are kept.
    QSignalSpy again(panel, &ui::ExperimentsPanel::sweepFinished);
    QVERIFY(panel->startSweep());
    QCOMPARE(panel->queueTable()->item(0, 1)->text(), QStringLiteral("done (kept)"));
    QVERIFY(again.wait(60000));
    QCOMPARE(panel->resultsTable()->rowCount(), 2);
    // A run opens in the window: its history's curves in the Training tab.
    QSignalSpy loaded(mWindow->controller(), &ui::SessionController::sessionLoaded);
    QVERIFY(panel->openRun(1));
    QVERIFY(loaded.wait(60000));
    QVERIFY2(loaded.first().at(1).toBool(), qPrintable(loaded.first().at(2).toString()));
    QCOMPARE(mWindow->tabs()->currentWidget(), static_cast<QWidget*>(mWindow->trainingPanel()));
    QCOMPARE(int(mWindow->controller()->history().steps().size()), 6);  // 600 rows, batch 100
  }

  void refusedSpecSaysWhy() {
    auto* panel = mWindow->findChild<ui::ExperimentsPanel*>();
    panel->setVaried(0, QStringLiteral("top_k"), QStringLiteral("9"));
    panel->setSeeds(QString());
    QVERIFY(!panel->startSweep());
    QVERIFY2(panel->status()->text().contains(QStringLiteral("top-k")), qPrintable(panel->status()->text()));
  }

  void ablationOfTheTrainedModel() {
    QSignalSpy finished(mWindow->controller(), &ui::SessionController::stateChanged);
    mWindow->controller()->stepEpoch();
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->controller()->snapshot().step >= 6, 60000);
    auto* ablation = mWindow->findChild<ui::AblationPanel*>();
    QVERIFY(ablation);
    mWindow->tabs()->setCurrentWidget(ablation);
    QSignalSpy done(ablation, &ui::AblationPanel::finished);
    ablation->ablate();
    QVERIFY(done.wait(120000));
    QCOMPARE(done.first().first().toBool(), true);
    QVERIFY(ablation->report());
    QCOMPARE(ablation->table()->rowCount(), 4);
    QCOMPARE(ablation->routingHeatmap()->experts(), 4);
    QCOMPARE(ablation->dropHeatmap()->experts(), 4);
    QCOMPARE(ablation->dropHeatmap()->classes(), 10);
    QVERIFY(ablation->summary()->text().contains(QStringLiteral("uniform gate")));
    // The other mode redraws from the same report.
    ablation->modeBox()->setCurrentIndex(1);
    QVERIFY(ablation->dropHeatmap()->shownTitle().contains(QStringLiteral("renormalise")));
    // A new model clears it.
    QSignalSpy ready(mWindow->controller(), &ui::SessionController::sessionReady);
    mWindow->controller()->reset();
    QVERIFY(ready.wait(60000));
    QVERIFY(!ablation->report());
  }

  void inspectorRemovesEachExpert() {
    mWindow->controller()->stepEpoch();
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->controller()->snapshot().step >= 6, 60000);
    mWindow->showInspector();
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    QSignalSpy inspected(mWindow->controller(), &ui::SessionController::inspectionReady);
    inspector->showInput(3);
    QVERIFY(inspected.wait(30000));
    ui::AblatedInputView* view = inspector->ablatedInput();
    QVERIFY(view->button()->isEnabled());
    QSignalSpy computed(view, &ui::AblatedInputView::computed);
    view->compute();
    QVERIFY(computed.wait(30000));
    QCOMPARE(view->table()->rowCount(), 4);
    QCOMPARE(view->table()->item(2, 0)->text(), QStringLiteral("E2"));
  }

 private:
  ui::MainWindow* mWindow = nullptr;
};

QTEST_MAIN(TestExperiments)
#include "test_experiments.moc"
