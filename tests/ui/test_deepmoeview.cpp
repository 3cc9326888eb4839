// The window on a deep (stacked) MoE over translated images: the layer selector appears only
// for models with several MoE layers and switches the load plot, the heatmap (classes and
// offsets), the inspector's gate and the gallery between the layers.
#include <QComboBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/controlbar.h"
#include "ui/gallerypanel.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/loadplot.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

class DeepMoeViewTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  QComboBox* layerBox() const { return mWindow->controlBar()->layerBox(); }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config = moe::testing::smallModelConfig(core::ModelKind::DeepMoe);
    config.dataset = "shifted";
    config.model.layerExperts = "3,5";  // the layers differ at a glance: 3 and 5 columns
    config.model.expertHidden = 16;
    QVERIFY(moe::testing::openWindow(mWindow, config));
    QVERIFY(moe::testing::stepOneEpoch(mWindow));
  }

  void selectorListsTheLayers() {
    QCOMPARE(c()->layerCount(), 2);
    QCOMPARE(layerBox()->count(), 2);
    QVERIFY(layerBox()->isVisibleTo(mWindow));
    QCOMPARE(layerBox()->currentIndex(), 0);
  }

  void selectorSwitchesHeatmapAndLoad() {
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    ui::LoadPlot* load = mWindow->trainingPanel()->loadPlot();
    QCOMPARE(map->experts(), 3);
    QCOMPARE(load->experts(), 3);
    const int points = load->pointCount();
    QVERIFY(points > 0);
    layerBox()->setCurrentIndex(1);
    QCOMPARE(c()->viewLayer(), 1);
    QCOMPARE(map->experts(), 5);
    QCOMPARE(load->experts(), 5);
    QCOMPARE(load->pointCount(), points);  // layer 2's load of the same steps, from the history
    QVERIFY(load->title().contains(QStringLiteral("layer 2")));
    const auto report = c()->latestEval();
    QCOMPARE(report->experts, 5);
    double sum = 0.0;  // the heatmap draws layer 2's counts
    for (int e = 0; e < 5; ++e) sum += map->share(0, e);
    QVERIFY(qAbs(sum - 1.0) < 1e-6);
    // The offset rows: nine cells of the 3 x 3 grid, with I(offset; expert) of the layer.
    auto* rows = mWindow->trainingPanel()->findChild<QComboBox*>(QStringLiteral("heatmapRows"));
    QTRY_VERIFY(rows->isVisible());
    rows->setCurrentIndex(2);
    QCOMPARE(map->classes(), 9);
    QCOMPARE(map->rowNames().at(0), QStringLiteral("top left"));
    QCOMPARE(map->experts(), 5);
    layerBox()->setCurrentIndex(0);
    QCOMPARE(map->experts(), 3);
    QCOMPARE(map->classes(), 9);
    rows->setCurrentIndex(0);
    QCOMPARE(map->classes(), 10);
  }

  void inspectorAndGalleryFollow() {
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    mWindow->showInspector();
    inspector->showInput(3);
    QTRY_VERIFY_WITH_TIMEOUT(inspector->inspection().has_value(), 20000);
    QCOMPARE(inspector->inspection()->experts, 3);
    QVERIFY(!inspector->inspection()->saliency.empty());
    layerBox()->setCurrentIndex(1);
    QTRY_COMPARE_WITH_TIMEOUT(inspector->inspection()->experts, 5, 20000);
    QVERIFY(inspector->inspection()->saliency.empty());  // layer 2's gate reads features
    mWindow->tabs()->setCurrentWidget(mWindow->galleryPanel());
    QTRY_VERIFY(mWindow->galleryPanel()->headerText().contains(QStringLiteral("MoE layer 2 of 2")));
    layerBox()->setCurrentIndex(0);
    QTRY_VERIFY(mWindow->galleryPanel()->headerText().contains(QStringLiteral("MoE layer 1 of 2")));
  }

  // A model with one MoE layer has nothing to choose: no selector.
  void oneLayerHasNoSelector() {
    core::TrainConfig config = c()->config();
    config.model.kind = core::ModelKind::MoeClassifier;
    config.dataset = "fashion-mnist";
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->apply(config);
    QVERIFY(ready.wait(60000));
    QCOMPARE(c()->layerCount(), 1);
    QTRY_VERIFY(!layerBox()->isVisibleTo(mWindow));  // the toolbar lays its actions out later
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(DeepMoeViewTest)
#include "test_deepmoeview.moc"
