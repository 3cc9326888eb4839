// The window on the patch-token model (patch-moe): the training heatmap's rows toggle between
// classes and patch positions, and the inspector colours the patches with a legend.
#include <QComboBox>
#include <QLabel>
#include <QStandardPaths>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "tests/core/dataset_skips.h"
#include "ui/heatmapwidget.h"
#include "ui/imageview.h"
#include "ui/inspectorpanel.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

class PatchViewTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    // The small stem matters: the evaluation routes 490,000 patches.
    core::TrainConfig config = moe::testing::smallModelConfig(core::ModelKind::PatchMoe);
    config.model.sharedExperts = 1;
    config.model.expertHidden = 32;
    QVERIFY(moe::testing::openWindow(mWindow, config));
    QVERIFY(moe::testing::stepOneEpoch(mWindow));
  }

  void heatmapRowsToggle() {
    const auto report = c()->latestEval();
    QVERIFY(report);
    QCOMPARE(report->positions, 49);
    QCOMPARE(report->positionExpert.size(), std::size_t(49 * 8));
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
    auto* rows = mWindow->trainingPanel()->findChild<QComboBox*>(QStringLiteral("heatmapRows"));
    QVERIFY(rows);
    QTRY_VERIFY(rows->isVisible());
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    QCOMPARE(map->classes(), 10);
    rows->setCurrentIndex(1);
    QCOMPARE(map->classes(), 49);
    QCOMPARE(map->rowNames().at(0), QStringLiteral("row 0"));
    QCOMPARE(map->rowNames().at(7), QStringLiteral("row 1"));
    QVERIFY(map->rowNames().at(1).isEmpty());
    double sum = 0.0;  // each position's patches over the experts
    for (int e = 0; e < map->experts(); ++e) sum += map->share(20, e);
    QVERIFY(qAbs(sum - 1.0) < 1e-6);
    rows->setCurrentIndex(0);
    QCOMPARE(map->classes(), 10);
  }

  void inspectorColoursPatches() {
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    mWindow->showInspector();
    inspector->showInput(5);
    QTRY_VERIFY_WITH_TIMEOUT(inspector->inspection().has_value(), 20000);
    const core::Inspection& in = *inspector->inspection();
    QCOMPARE(in.patchSize, 4);
    QCOMPARE(in.tokens.size(), std::size_t(49));
    for (const core::TokenRouting& t : in.tokens) QCOMPARE(int(t.experts.size()), 2);
    auto* legend = inspector->findChild<QLabel*>(QStringLiteral("patchLegend"));
    QVERIFY(legend && legend->isVisible());
    QVERIFY(legend->text().contains(QStringLiteral("49 patches")));
    QVERIFY(inspector->findChild<ui::ImageView*>()->hasOverlay());
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(PatchViewTest)
#include "test_patchview.moc"
