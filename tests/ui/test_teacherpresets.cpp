// The teachers' presets (core/train/teacher_presets.h) in the real window: every preset's config
// is valid and has its button; "A tree of gates" starts an EM-fitted hme in the Playground,
// whose regions of each tree level are nested and, under the test points, are the nodes on the
// path to the expert the model picks; "Experts compete vs cooperate" shows each expert's line
// with the mixture loss in Setup and in the playground, and switching it to cooperate trains on
// it; "Where, then what" opens the heatmap of each stacked layer by offset.
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "core/train/teacher_presets.h"
#include "core/train/trainer.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/region_pixels.h"
#include "tests/ui/window_fixture.h"
#include "ui/controlbar.h"
#include "ui/heatmapwidget.h"
#include "ui/mixturelineview.h"
#include "ui/playgroundimages.h"
#include "ui/playgroundpanel.h"
#include "ui/setuppanel.h"
#include "ui/teacherpresetbar.h"
#include "ui/trainingpanel.h"

using namespace moe;

class TeacherPresetsTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  ui::PlaygroundPanel* pg() const { return mWindow->playgroundPanel(); }

  // Clicks the preset's button and waits for its session to be ready.
  bool start(const char* id) {
    mWindow->tabs()->setCurrentIndex(0);
    QAction* action = mWindow->presetBar()->findChild<QAction*>(QStringLiteral("preset:") + QLatin1String(id));
    if (!action) return false;
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    action->trigger();
    return ready.wait(120000);
  }

  // Waits for `steps` training steps (or the end of a shorter run), pauses and waits for a
  // probe of the paused step to be drawn.
  bool trainAndProbe(long steps) {
    if (!QTest::qWaitFor([&] { return c()->snapshot().step >= steps || c()->state() == core::TrainerState::Finished; }, 120000))
      return false;
    c()->pause();
    if (!QTest::qWaitFor([this] { return c()->state() != core::TrainerState::Running; }, 30000)) return false;
    QTest::qWait(300);
    QSignalSpy drawn(pg(), &ui::PlaygroundPanel::probeDrawn);
    pg()->requestProbe();
    return QTest::qWaitFor([&] { return drawn.count() > 0 && pg()->probe().step == c()->snapshot().step; }, 30000);
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config = core::teacherPresetConfig(*core::findTeacherPreset("experts-split-the-plane"));
    config.threads = 1;
    QVERIFY(moe::testing::openWindow(mWindow, config));
  }
  void cleanupTestCase() { delete mWindow; }

  void everyPresetIsValidAndHasItsButton() {
    std::set<std::string> ids;
    for (const core::TeacherPreset& p : core::teacherPresets()) {
      QVERIFY2(ids.insert(p.id).second, p.id);
      QVERIFY2(core::findTeacherPreset(p.id) == &p, p.id);
      const core::TrainConfig config = core::teacherPresetConfig(p);  // throws if refused
      QVERIFY(!config.dataset.empty());
      QVERIFY2(mWindow->presetBar()->findChild<QAction*>(QStringLiteral("preset:") + QLatin1String(p.id)), p.id);
      bool tab = false;
      for (int i = 0; i < mWindow->tabs()->count(); ++i) tab = tab || mWindow->tabs()->widget(i)->objectName() == QLatin1String(p.view);
      QVERIFY2(tab, p.view);
    }
    for (const char* id : {"experts-split-the-plane", "a-tree-of-gates", "experts-compete-vs-cooperate", "where-then-what"})
      QVERIFY2(ids.count(id), id);
  }

  void aTreeOfGatesShowsNestedRegions() {
    QVERIFY(start("a-tree-of-gates"));
    QCOMPARE(mWindow->tabs()->currentWidget(), pg());
    const core::ModelConfig& m = c()->config().model;
    QCOMPARE(m.kind, core::ModelKind::Hme);
    QCOMPARE(m.depth, 2);
    QCOMPARE(m.branching, 2);
    QCOMPARE(m.fit, core::FitMethod::Em);
    QVERIFY(trainAndProbe(20));
    const core::PlaneProbe& probe = pg()->probe();
    QCOMPARE(probe.treeDepth, 2);
    QCOMPARE(probe.experts, 4);
    QVERIFY(pg()->levelBox()->isVisible());
    QCOMPARE(pg()->levelBox()->count(), 2);
    QCOMPARE(pg()->shownLevel(), 2);  // the experts, inside the root gate's regions
    QCOMPARE(int(pg()->regionsView()->borders().size()), 2);
    QVERIFY(pg()->findChild<QLabel*>(QStringLiteral("playgroundStatus"))->text().contains(QStringLiteral("fit by EM")));

    // Nested: every border of level 1 is a border of level 2, and each level splits the plane.
    const auto outer = ui::levelBorders(probe, 1), inner = ui::levelBorders(probe, 2);
    QVERIFY2(!outer.empty(), "the root gate sends the whole plane one way");
    QVERIFY(inner.size() > outer.size());
    for (const QLineF& l : outer) QVERIFY(std::find(inner.begin(), inner.end(), l) != inner.end());

    // Under each test point, the region shown at each level is the node on the path to the
    // expert the model picks for that point (Session::inspect, one row at a time).
    const auto data = c()->data();
    const core::Dataset& test = data->test;
    const int n = std::min(150, test.rows());
    std::vector<int> chosen(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const core::Inspection ins = c()->trainer()->inspect(i).get();
      QVERIFY(!ins.chosen.empty());
      chosen[std::size_t(i)] = ins.chosen[0];
    }
    for (int level = 1; level <= 2; ++level) {
      pg()->levelBox()->setCurrentIndex(level - 1);
      QCOMPARE(pg()->shownLevel(), level);
      QCOMPARE(int(pg()->regionsView()->borders().size()), level);
      const QImage& img = pg()->regionsView()->image();
      const int per = level == 1 ? 2 : 1;  // leaves under a node of this level
      int agree = 0, inside = 0;
      std::set<int> shown;
      for (int i = 0; i < n; ++i) {
        const double x = test.x[std::size_t(i) * 2], y = test.x[std::size_t(i) * 2 + 1];
        const int col = int((x - probe.grid.xMin) / (probe.grid.xMax - probe.grid.xMin) * probe.grid.width);
        const int row = int((probe.grid.yMax - y) / (probe.grid.yMax - probe.grid.yMin) * probe.grid.height);
        if (col < 0 || row < 0 || col >= probe.grid.width || row >= probe.grid.height) continue;
        ++inside;
        const int drawn = moe::testing::expertOfPixel(img.pixel(col, row), probe.experts);
        shown.insert(drawn);
        // A node is drawn in its first leaf's colour: the path's node at this level.
        agree += drawn == chosen[std::size_t(i)] / per * per;
      }
      QVERIFY(inside > n / 2);
      QVERIFY2(agree >= inside * 97 / 100, qPrintable(QStringLiteral("level %1: %2 of %3").arg(level).arg(agree).arg(inside)));
      QVERIFY2(shown.size() >= std::size_t(level == 1 ? 2 : 3), qPrintable(QStringLiteral("level %1").arg(level)));
      for (int e : shown) QVERIFY(e % per == 0);  // level 1 shows only the first leaf of each half
    }
  }

  void competeVsCooperateShowsTheLossChoice() {
    QVERIFY(start("experts-compete-vs-cooperate"));
    QCOMPARE(mWindow->tabs()->currentWidget(), pg());
    QCOMPARE(c()->config().model.kind, core::ModelKind::Hme);
    QCOMPARE(c()->config().model.mixtureLoss, core::MixtureLoss::Compete);
    auto* loss = mWindow->findChild<QComboBox*>(QStringLiteral("hmeMixtureLoss"));
    QVERIFY(loss && loss->isVisible() && loss->isEnabled());
    QCOMPARE(core::MixtureLoss(loss->currentData().toInt()), core::MixtureLoss::Compete);
    QVERIFY(trainAndProbe(100));
    QVERIFY(pg()->lineView()->isVisible());  // each expert's line, its gate, the mixture's curve
    QCOMPARE(pg()->probe().experts, 4);
    QCOMPARE(pg()->probe().expertPrediction.size(), std::size_t(4 * pg()->probe().grid.width));
    auto* status = pg()->findChild<QLabel*>(QStringLiteral("playgroundStatus"));
    QVERIFY(status->text().contains(QStringLiteral("<b>compete</b> loss")));

    // One change in Setup and Apply: the same experts cooperate.
    loss->setCurrentIndex(loss->findData(int(core::MixtureLoss::Cooperate)));
    core::TrainConfig config = mWindow->setupPanel()->config();
    QCOMPARE(config.model.mixtureLoss, core::MixtureLoss::Cooperate);
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->apply(config);
    QVERIFY(ready.wait(60000));
    c()->play();
    QVERIFY(trainAndProbe(50));
    QVERIFY(status->text().contains(QStringLiteral("<b>cooperate</b> loss")));
  }

  void whereThenWhatShowsEachLayersHeatmapByOffset() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(start("where-then-what"));
    QCOMPARE(mWindow->tabs()->currentWidget(), static_cast<QWidget*>(mWindow->trainingPanel()));
    QCOMPARE(c()->config().model.kind, core::ModelKind::DeepMoe);
    QCOMPARE(c()->config().model.layers, 2);
    QComboBox* layer = mWindow->controlBar()->layerBox();
    QTRY_COMPARE_WITH_TIMEOUT(layer->count(), 2, 10000);  // the toolbar's MoE layer selector
    auto* rows = mWindow->findChild<QComboBox*>(QStringLiteral("heatmapRows"));
    QCOMPARE(rows->currentIndex(), 2);  // offset on the canvas
    c()->setEvalEvery(20);
    QTRY_VERIFY_WITH_TIMEOUT(c()->latestEval() && !c()->latestEval()->offsetExpert.empty(), 240000);
    c()->pause();
    QTRY_VERIFY_WITH_TIMEOUT(rows->isVisible(), 10000);
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    QCOMPARE(map->rowNames().size(), 9);  // the 3 x 3 offset cells, layer 1
    QVERIFY(map->rowNames().contains(QStringLiteral("top left")));
    layer->setCurrentIndex(1);  // layer 2, still by offset
    QCOMPARE(map->rowNames().size(), 9);
  }
};

QTEST_MAIN(TeacherPresetsTest)
#include "test_teacherpresets.moc"
